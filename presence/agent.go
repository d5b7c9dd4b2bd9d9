package presence

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by Agent methods. They are wrapped with detail.
var (
	ErrIllegalStatus = errors.New("presence: illegal status")
	ErrNoSlot        = errors.New("presence: no free slot")
	ErrNoHeldSlot    = errors.New("presence: no slot held")
	ErrBadCapacity   = errors.New("presence: bad capacity")
)

// MaxCapacity is the largest capacity allowed for one media.
const MaxCapacity = 1000

// Capacity is the number of concurrent sessions an agent may hold per media,
// indexed by Media.
type Capacity [NumMedia]int

// Validate checks every entry is within 0..MaxCapacity.
func (c Capacity) Validate() error {
	for m, n := range c {
		if n < 0 || n > MaxCapacity {
			return fmt.Errorf("%w: %s %d (0..%d)", ErrBadCapacity, Media(m), n, MaxCapacity)
		}
	}
	return nil
}

// Profile is the configured part of an agent: who they are and what they
// handle. It is what the admin API writes.
type Profile struct {
	ID        string
	Name      string
	Role      Role
	Languages Languages
	Expertise Expertise
	Capacity  Capacity
}

// Agent is one agent's presence and load. Create it with NewAgent.
type Agent struct {
	Profile

	status     Status // set by the agent: Offline, Available or Away
	reason     string // why the status last changed when the hub changed it
	active     [NumMedia]int
	wrapup     [NumMedia]int // slots held by ended sessions awaiting wrap-up
	conns      int
	graceUntil time.Time
	missed     int
	lastWork   [NumMedia]time.Time
}

// NewAgent returns an offline agent with profile p (languages and expertise
// normalized). It fails if the capacity is out of range or the role unknown.
func NewAgent(p Profile) (*Agent, error) {
	if err := checkProfile(&p); err != nil {
		return nil, err
	}
	return &Agent{Profile: p}, nil
}

func checkProfile(p *Profile) error {
	if p.Role == "" {
		p.Role = RoleAgent
	}
	if !p.Role.Valid() {
		return fmt.Errorf("presence: unknown role %q", p.Role)
	}
	p.Languages = p.Languages.Normalize()
	p.Expertise = NewExpertise(p.Expertise...)
	return p.Capacity.Validate()
}

// SetProfile replaces the configured part, keeping status, load and
// connections. Capacity may drop below the current load: the agent is then
// simply not offered more of that media until sessions finish.
func (a *Agent) SetProfile(p Profile) error {
	p.ID = a.ID
	if err := checkProfile(&p); err != nil {
		return err
	}
	a.Profile = p
	return nil
}

// Status returns the status the agent set (Offline, Available or Away).
func (a *Agent) Status() Status { return a.status }

// Reason returns why the hub last changed the status ("" if the agent did).
func (a *Agent) Reason() string { return a.reason }

// SetStatus sets the agent's own status. Only settable statuses are allowed.
// Becoming available clears the missed-offers count; going offline ends any
// disconnect grace.
func (a *Agent) SetStatus(s Status) error { return a.SetStatusBy(s, "") }

// SetStatusBy is SetStatus made by the hub for reason (shown to the agent).
func (a *Agent) SetStatusBy(s Status, reason string) error {
	if !s.Settable() {
		return fmt.Errorf("%w: %s cannot be set", ErrIllegalStatus, s)
	}
	a.status, a.reason = s, reason
	switch s {
	case Available:
		a.missed = 0
	case Offline:
		a.graceUntil = time.Time{}
	}
	return nil
}

// Effective returns the status shown to others: the set status unless the
// agent is available, in which case AfterCallWork while a voice session is in
// wrap-up, Busy when no media they serve has a free slot, else Available.
func (a *Agent) Effective() Status {
	switch {
	case a.status != Available:
		return a.status
	case a.wrapup[Voice] > 0:
		return AfterCallWork
	}
	for m := Media(0); m < NumMedia; m++ {
		if a.HasFree(m) {
			return Available
		}
	}
	return Busy
}

// Active returns the number of slots of media m held (offers, connected and
// wrap-up sessions).
func (a *Agent) Active(m Media) int { return a.active[m] }

// InWrapup returns the number of slots of m held by sessions in wrap-up.
func (a *Agent) InWrapup(m Media) int { return a.wrapup[m] }

// HasFree reports whether one more session of media m fits, whatever the
// agent's status. A held voice session blocks new voice and chat; email never
// blocks and is never blocked.
func (a *Agent) HasFree(m Media) bool {
	if a.active[m] >= a.Capacity[m] {
		return false
	}
	if m != Email && a.active[Voice] > 0 {
		return false
	}
	return true
}

// CanTake reports whether the agent can be offered a session of media m now:
// available and a free slot.
func (a *Agent) CanTake(m Media) bool { return a.status == Available && a.HasFree(m) }

// Load returns the load of media m as a fraction active/capacity: numerator
// and denominator, so that loads compare exactly. A zero capacity has load 1/1.
func (a *Agent) Load(m Media) (num, den int) {
	if a.Capacity[m] == 0 {
		return 1, 1
	}
	return a.active[m], a.Capacity[m]
}

// LoadFloat returns the load of media m in 0..1 (above 1 when capacity was
// lowered under the current load).
func (a *Agent) LoadFloat(m Media) float64 {
	n, d := a.Load(m)
	return float64(n) / float64(d)
}

// Hold takes one slot of media m. It fails with ErrNoSlot when none is free:
// no agent ever goes over capacity through Hold.
func (a *Agent) Hold(m Media) error {
	if !a.HasFree(m) {
		return fmt.Errorf("%w: agent %s %s %d/%d", ErrNoSlot, a.ID, m, a.active[m], a.Capacity[m])
	}
	a.active[m]++
	return nil
}

// Force takes one slot of media m even past capacity. It is for restoring
// stored state and for an idle chat whose visitor wrote again; routing never
// uses it.
func (a *Agent) Force(m Media) { a.active[m]++ }

// Release frees one slot of media m.
func (a *Agent) Release(m Media) error {
	if a.active[m] == 0 {
		return fmt.Errorf("%w: agent %s %s", ErrNoHeldSlot, a.ID, m)
	}
	a.active[m]--
	return nil
}

// BeginWrapup marks one held slot of m as in wrap-up (after_call_work for voice).
func (a *Agent) BeginWrapup(m Media) error {
	if a.wrapup[m] >= a.active[m] {
		return fmt.Errorf("%w: agent %s %s wrap-up", ErrNoHeldSlot, a.ID, m)
	}
	a.wrapup[m]++
	return nil
}

// EndWrapup frees a slot of m that was in wrap-up.
func (a *Agent) EndWrapup(m Media) error {
	if a.wrapup[m] == 0 {
		return fmt.Errorf("%w: agent %s %s not in wrap-up", ErrNoHeldSlot, a.ID, m)
	}
	if err := a.Release(m); err != nil {
		return err
	}
	a.wrapup[m]--
	return nil
}

// GaveWork records that the agent was given a session of media m at now; ties
// in routing go to the agent idle longest in that media. Idle time is kept
// per media so that a chat given to an agent does not reorder the voice and
// email pools (measured: a third of a routing decision's cost).
func (a *Agent) GaveWork(m Media, now time.Time) { a.lastWork[m] = now }

// LastWork returns when the agent was last given a session of media m (zero
// if never).
func (a *Agent) LastWork(m Media) time.Time { return a.lastWork[m] }

// Missed counts one offer the agent let time out. When the count reaches limit
// (limit > 0) and the agent is available, they are set away with reason
// "missed_offers" and Missed reports true.
func (a *Agent) Missed(limit int) (away bool) {
	a.missed++
	if limit > 0 && a.missed >= limit && a.status == Available {
		a.status, a.reason = Away, "missed_offers"
		return true
	}
	return false
}

// MissedInRow returns the number of offers missed since the last accept.
func (a *Agent) MissedInRow() int { return a.missed }

// Answered resets the missed-offers count.
func (a *Agent) Answered() { a.missed = 0 }

// Connections returns the number of open sockets of the agent.
func (a *Agent) Connections() int { return a.conns }

// Connect counts a new socket and cancels any disconnect grace.
func (a *Agent) Connect() {
	a.conns++
	a.graceUntil = time.Time{}
}

// Disconnect counts a socket gone. When it was the last, the agent keeps
// their status until now+grace; the deadline is returned (zero if sockets
// remain or the agent is already offline).
func (a *Agent) Disconnect(now time.Time, grace time.Duration) time.Time {
	if a.conns > 0 {
		a.conns--
	}
	if a.conns > 0 || a.status == Offline {
		return time.Time{}
	}
	a.graceUntil = now.Add(grace)
	return a.graceUntil
}

// GraceUntil returns the disconnect grace deadline (zero when none runs).
func (a *Agent) GraceUntil() time.Time { return a.graceUntil }

// GraceDue reports whether the last socket has been gone past the grace
// deadline while the agent is not offline: the hub should then set them
// offline with reason "disconnected".
func (a *Agent) GraceDue(now time.Time) bool {
	return a.conns == 0 && !a.graceUntil.IsZero() && !now.Before(a.graceUntil) && a.status != Offline
}
