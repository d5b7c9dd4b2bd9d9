package load

import (
	"cmp"
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestBenchEmailsAgainstServer runs emails over the HTTP API beside chats
// and calls against a real server: every email posted is assigned without
// an offer to accept, answered, ended and wrapped up, and the server's own
// records say the same.
func TestBenchEmailsAgainstServer(t *testing.T) {
	addr := startServer(t)
	res, page := benchMain(t, "--addr", addr, "--admin-key", "k", "--agents", "3", "--rate", "2", "--calls", "2", "--emails", "6",
		"--duration", "3s", "--email-length", "300ms", "--call-length", "300ms", "--chat-length", "500ms", "--message-gap", "150ms",
		"--accept-delay", "10ms", "--drain", "10s")
	// The chats beside may end as an agent's echo crosses the visitor's
	// leave; nothing else may fail.
	onlyLeaveRaces(t, res.Errors, true, false)
	if res.Emails < 6 || res.EmailsAssigned != res.Emails || res.EmailsEnded != res.Emails || res.EmailRate != 6 {
		t.Fatalf("emails %d assigned %d ended %d at %v/s", res.Emails, res.EmailsAssigned, res.EmailsEnded, res.EmailRate)
	}
	if res.CallsEnded != res.Calls || res.Calls == 0 {
		t.Errorf("calls %d ended %d beside the emails", res.Calls, res.CallsEnded)
	}
	if sm := res.Simulated; sm == nil || sm.Emails == nil || sm.Chats == nil || sm.Calls == nil ||
		sm.Emails.Contacts != res.Emails || sm.Emails.Answered != res.Emails || sm.Emails.Offer.Count != uint64(res.Emails) {
		t.Errorf("the simulator's replay: %+v, for %d emails", sm, res.Emails)
	}
	for name, s := range map[string]Summary{"email_post_ms": res.EmailPost, "email_assign_latency_ms": res.EmailAssign} {
		if !(s.P50 > 0 && s.P50 <= s.P90 && s.P90 <= s.P99 && s.P99 <= s.Max && s.Max < 5000) || s.Count != uint64(res.Emails) {
			t.Errorf("%s: %+v for %d emails", name, s, res.Emails)
		}
	}
	// No email was accepted: the accepts timed are the chats' and calls'.
	if res.Accept.Count != uint64(res.Chats+res.CallsAnswered) {
		t.Errorf("%d accepts timed for %d chats and %d calls", res.Accept.Count, res.Chats, res.CallsAnswered)
	}

	// The server's records: every email of the workspace is finished,
	// wrapped up by an agent, and holds the agent's reply.
	var emails, done int64
	for _, c := range searchSessions(t, addr, res.Workspace) {
		if c.Channel != "email" {
			continue
		}
		emails++
		if c.StateName == "finished" && c.WrapupCode == "done" && c.Agent != nil {
			done++
		}
		if emails == 1 {
			a := &api{base: "http://" + addr, key: "k", workspace: res.Workspace, http: &http.Client{Timeout: 10 * time.Second}}
			var tr struct {
				Messages []struct {
					Text string `json:"text"`
				} `json:"messages"`
			}
			if err := a.call(context.Background(), http.MethodGet, "/v1/sessions/"+c.Session+"/transcript", nil, &tr); err != nil {
				t.Fatal(err)
			}
			if len(tr.Messages) == 0 || tr.Messages[len(tr.Messages)-1].Text != "Thank you for your email." {
				t.Errorf("email %s transcript %+v", c.Session, tr)
			}
		}
	}
	if emails != res.Emails || done != res.Emails {
		t.Errorf("server: %d email sessions, %d answered and wrapped up; the bench posted %d", emails, done, res.Emails)
	}

	reports(t, res, page, []string{"email assign (POST → offer, auto)", "6 emails/s", "assigned", "the simulator, the same emails and agents"},
		[]string{"email posted → assigned", "emails open"})
	inBrowser(t, "bench-chats-calls-emails", page)
}

// TestBenchEmailsWaitForASlot: one agent with a few email slots
// (--email-capacity, or the default) gets more emails than it holds at
// once; the rest wait in the queue and are assigned as it answers, and
// every one is answered before the drain ends.
func TestBenchEmailsWaitForASlot(t *testing.T) {
	addr := startServer(t)
	for _, slots := range []int{0, 2} {
		want := cmp.Or(slots, DefaultEmailCapacity)
		t.Run(strconv.Itoa(want), func(t *testing.T) {
			res, err := Run(context.Background(), Config{Addr: addr, AdminKey: "k", Agents: 1, Emails: 40, Duration: 500 * time.Millisecond,
				EmailCapacity: slots, EmailLength: 200 * time.Millisecond, Drain: 15 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if res.Visitors != 0 || res.Emails < 8 || res.EmailsEnded != res.Emails || len(res.Errors) != 0 {
				t.Fatalf("visitors %d emails %d ended %d errors %v", res.Visitors, res.Emails, res.EmailsEnded, res.Errors)
			}
			// The server's record of the agent has the slots asked for.
			a := &api{base: "http://" + addr, key: "k", workspace: res.Workspace, http: &http.Client{Timeout: 10 * time.Second}}
			var agent struct {
				Capacity struct {
					Email int `json:"email"`
				} `json:"capacity"`
			}
			if err := a.call(context.Background(), http.MethodGet, "/v1/agents/agent-00001", nil, &agent); err != nil {
				t.Fatal(err)
			}
			if agent.Capacity.Email != want {
				t.Errorf("the agent has %d email slots, want %d", agent.Capacity.Email, want)
			}
			peak := int64(0)
			for _, p := range res.Timeline {
				peak = max(peak, p.Emails)
			}
			if peak > int64(want) {
				t.Errorf("the agent held %d emails at once, past its %d slots", peak, want)
			}
			// The simulator, with the same emails (their arrivals and
			// handle times) and the agent's slots, keeps them waiting
			// about as long: never much less (the server only adds its
			// own time to each email's), and not much more. With the
			// handle times drawn apart from the emails the bench waited
			// 741 ms against the simulator's 789 (tried).
			sm := res.Simulated
			if sm == nil || sm.Emails == nil || sm.Emails.Contacts != res.Emails || sm.Emails.Answered != res.Emails {
				t.Fatalf("the simulator's replay: %+v, for %d emails", sm, res.Emails)
			}
			bench, simulated := res.EmailAssign.Mean, sm.Emails.Offer.Mean
			t.Logf("%d emails, mean wait to assignment: %.1f ms, %.1f ms in the simulator", res.Emails, bench, simulated)
			if bench < 0.98*simulated-5 || bench > 1.25*simulated+50 {
				t.Errorf("mean wait to assignment %.1f ms, %.1f ms in the simulator", bench, simulated)
			}
		})
	}
}
