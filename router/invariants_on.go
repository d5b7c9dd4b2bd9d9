//go:build invariants

package router

import "fmt"

const invariantsOn = true

// panicInvariant panics: a broken invariant is a bug, not an error.
func panicInvariant(format string, args ...any) {
	panic("router invariant: " + fmt.Sprintf(format, args...))
}
