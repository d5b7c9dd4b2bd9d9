//go:build race

package server

// raceOn is set when the race detector is on: its instrumentation about
// doubles the stack every call needs.
const raceOn = true
