package session_test

import (
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/session"
)

// A web chat from the widget to wrap-up, with the card's color and status
// label at each step.
func Example() {
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	tick := func() time.Time { now = now.Add(10 * time.Second); return now }
	s := session.New("s1", "default", session.WebChat, now)
	show := func(step string, err error) {
		if err != nil {
			fmt.Println(step, err)
			return
		}
		c := s.Card(now)
		fmt.Printf("%-10s %-2d %-5s %s\n", step, c.State, c.Color, c.StatusLabel)
	}
	show("enqueue", s.Enqueue("support", "Support", 4, tick()))
	show("assign", s.Assign("ana", "Ana Ruiz", tick()))
	show("connect", s.Connect(tick()))
	show("waiting", s.SetStatus(session.StatusWaitingCustomer, tick()))
	show("visitor", s.VisitorWrote(tick()))
	show("end", s.End(session.PartyCustomer, tick()))
	show("end again", s.End(session.PartyAgent, tick()))
	show("wrapup", s.Wrapup("resolved", "", "", tick()))
	fmt.Println(s.Outcome, s.HandleSeconds(now))
	// Output:
	// enqueue    1  blue  Waiting
	// assign     2  blue  Assigned
	// connect    5  blue  In progress
	// waiting    5  blue  Waiting for customer
	// visitor    5  blue  In progress
	// end        8  white Ended by customer
	// end again end s1 in state finished: session: illegal transition
	// wrapup     8  gray  resolved
	// success 60
}
