package hub

import (
	"reflect"
	"sync"
	"time"
)

// Observer receives the hub's measurements: the metrics layer implements it
// (the hub itself exports nothing). Calls come from the hub's loop and must
// return quickly without blocking.
type Observer interface {
	// Command reports one command applied: its type name and the code it
	// was refused with ("" when accepted).
	Command(name string, code Code)
	// Cycle reports one loop cycle: how many commands it applied, how long
	// applying them took, and how long the commit took (0 when nothing was
	// committed).
	Cycle(commands int, apply, commit time.Duration)
	// Decision reports one routing decision by kind and reason.
	Decision(kind, reason string)
}

type nopObserver struct{}

func (nopObserver) Command(string, Code)                    {}
func (nopObserver) Cycle(int, time.Duration, time.Duration) {}
func (nopObserver) Decision(string, string)                 {}

var commandNames sync.Map // reflect.Type → string

// commandName is the type name of cmd ("Send"), cached: the loop asks for it
// on every command.
func commandName(cmd Command) string {
	t := reflect.TypeOf(cmd)
	if n, ok := commandNames.Load(t); ok {
		return n.(string)
	}
	n := t.Name()
	if t.Kind() == reflect.Pointer {
		n = t.Elem().Name()
	}
	commandNames.Store(t, n)
	return n
}
