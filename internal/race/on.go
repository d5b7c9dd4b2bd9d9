//go:build race

// Package race tells tests whether the race detector is on: it slows
// everything many-fold and about doubles the stack every call needs.
package race

// Enabled is true when the race detector is on.
const Enabled = true
