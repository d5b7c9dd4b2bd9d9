//go:build !invariants

package router

// invariantsOn reports whether invariant checks are compiled in (-tags invariants).
const invariantsOn = false

// panicInvariant is a no-op without the invariants tag: the router skips the
// impossible step instead of crashing a production hub.
func panicInvariant(string, ...any) {}
