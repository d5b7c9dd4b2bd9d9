package offstack

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// A panic in what Call runs is raised again in its caller (where a socket
// route's recover logs it), with the stack it happened on;
// http.ErrAbortHandler passes as it is.
func TestPanicsAreRaisedInTheCaller(t *testing.T) {
	raised := func(fn func()) (p any) {
		defer func() { p = recover() }()
		Do(fn)
		return nil
	}
	p, ok := raised(panicsDeepDown).(*Panic)
	if !ok || p.Value != "boom" || !strings.Contains(string(p.Stack), "panicsDeepDown") ||
		!strings.Contains(fmt.Sprint(p), "boom") {
		t.Errorf("raised %#v", p)
	}
	if p := raised(func() { panic(http.ErrAbortHandler) }); p != http.ErrAbortHandler {
		t.Errorf("raised %#v, want http.ErrAbortHandler", p)
	}
	ran := false
	if p := raised(func() { ran = true }); p != nil || !ran {
		t.Errorf("raised %#v, ran %v", p, ran)
	}
	if got := Call(func() int { return 42 }); got != 42 {
		t.Errorf("Call returned %d, want 42", got)
	}
}

func panicsDeepDown() { panic("boom") }
