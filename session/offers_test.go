package session

import (
	"slices"
	"testing"
)

// TestMetadataOffers: the document's offers are the journey's, each with
// how it ended: accepted after a delay, rang out, declined, withdrawn when
// another agent took the session or the same agent was offered it again;
// an auto-accept assignment is none, and a transfer to an agent settles
// the transfer's offer.
func TestMetadataOffers(t *testing.T) {
	s := New("s1", "default", WebChat, t0)
	for _, f := range []func() error{
		func() error { return s.Enqueue("support", "Support", 4, at(1)) },
		func() error { return s.Offered("ana", "Ana Ruiz", at(1)) },
		func() error { return s.Missed("ana", at(16)) },
		func() error { return s.Offered("ben", "Ben Ode", at(16)) }, // broadcast to three
		func() error { return s.Offered("cy", "Cy Lee", at(16)) },
		func() error { return s.Offered("dee", "Dee Moss", at(16)) },
		func() error { return s.Declined("cy", at(18)) },
		func() error { return s.Offered("dee", "Dee Moss", at(19)) }, // again: the first went
		func() error { return s.Offered("eve", "Eve Park", at(19)) },
		func() error { s.OfferRerouted("eve", at(19.5)); return nil }, // eve went away
		func() error { return s.Assign("ben", "Ben Ode", at(20.25)) },
		func() error { return s.Connect(at(20.25)) },
		func() error { return s.Requeue(at(30)) },
		func() error { return s.Assign("ana", "Ana Ruiz", at(31)) }, // auto accept: no offer
		func() error { return s.Connect(at(31)) },
		func() error { return s.TransferToAgent("ana", "ben", "Ben Ode", "", at(40)) },
		func() error { return s.Offered("ben", "Ben Ode", at(40)) },
		func() error { return s.TransferRefused(at(45)) },
		func() error { return s.Requeue(at(46)) },
		func() error { return s.Offered("cy", "Cy Lee", at(47)) },
		func() error { return s.End(PartyCustomer, at(50)) },
	} {
		must(t, f())
	}
	s.OfferRerouted("cy", at(51)) // over: ignored
	if last := s.Journey[len(s.Journey)-1]; last.Event == EventOfferRerouted {
		t.Errorf("an ended session's journey took %+v", last)
	}
	ft := func(sec float64) string { return FormatTime(at(sec)) }
	want := []MetaOffer{
		{"ana", ft(1), OfferMissed, "", ft(16)},
		{"ben", ft(16), OfferAccepted, "", ft(20.25)},
		{"cy", ft(16), OfferDeclined, "", ft(18)},
		{"dee", ft(16), OfferWithdrawn, "", ""},
		{"dee", ft(19), OfferWithdrawn, WithdrawnTaken, ft(20.25)},
		{"eve", ft(19), OfferWithdrawn, WithdrawnRerouted, ft(19.5)},
		{"ben", ft(40), OfferDeclined, "", ft(45)},
		{"cy", ft(47), OfferWithdrawn, WithdrawnEnded, ft(50)},
	}
	if got := s.Metadata(at(60)).Offers; !slices.Equal(got, want) {
		t.Errorf("offers:\n got %+v\nwant %+v", got, want)
	}
	if got := New("s2", "default", WebChat, t0).Metadata(at(1)).Offers; got == nil || len(got) != 0 {
		t.Errorf("a session never offered has offers %v, want []", got)
	}
}
