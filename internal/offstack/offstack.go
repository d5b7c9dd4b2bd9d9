// Package offstack runs a call on a goroutine of its own, so that a
// long-lived goroutine keeps a small stack.
//
// A socket's goroutine spends its life parked in the websocket library's
// Read. A goroutine's stack keeps the size of its deepest call until a
// collection finds it using under a quarter of it, and the parked read
// chain uses more than a quarter of 8 KiB: a socket goroutine that once
// went past 4 KiB holds 8 KiB for as long as the socket is open. A dial, an
// upgrade, a hello or a frame's decode and handling each go past 4 KiB;
// made through Call, they leave the socket's goroutine at the 4 KiB its
// read needs. The price is a goroutine start per call (about 3.5 µs with
// its fresh stack's growth, against 0.2 µs in place).
package offstack

import (
	"fmt"
	"net/http"
	"runtime/debug"
)

// Call runs fn on a goroutine of its own, waits for it, and returns what fn
// returned. A panic in fn is raised again in the caller as a *Panic, with
// the stack it happened on; http.ErrAbortHandler, which net/http's server
// expects as it is, passes unwrapped.
func Call[T any](fn func() T) T {
	var (
		v T
		p *Panic
	)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer func() {
			if r := recover(); r != nil {
				p = &Panic{Value: r, Stack: debug.Stack()}
			}
		}()
		v = fn()
	}()
	<-finished
	switch {
	case p == nil:
		return v
	case p.Value == http.ErrAbortHandler:
		panic(http.ErrAbortHandler)
	default:
		panic(p)
	}
}

// Do is Call for a fn without a result.
func Do(fn func()) {
	Call(func() struct{} { fn(); return struct{}{} })
}

// Panic is a panic raised on Call's goroutine, with that goroutine's stack.
type Panic struct {
	Value any
	Stack []byte
}

func (p *Panic) String() string { return fmt.Sprintf("%v\n\n%s", p.Value, p.Stack) }
