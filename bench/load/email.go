package load

import (
	"context"
	"strconv"
	"time"

	"github.com/switchboardhq/switchboard/presence"
)

// Emails come in over the HTTP API, as a mail poller hands them to the
// hub: the bench's connector posts each email (POST /v1/sessions, channel
// email) as a Poisson process. The hub assigns an email without an offer
// (whatever the queue's accept mode) to an agent with a free email slot,
// who gets an offer frame of mode auto; the agent answers after the
// email's handle time (emailsOf: exponential, the email's own draw, so
// the emails of a run replay whoever answers them), with a send then an
// end, and wraps up. Emails wait in the queue while every agent's email
// slots are full, and never abandon.

// mail posts cfg's emails (emailsOf): cfg.Emails per second as a Poisson
// process until cfg.Duration has passed.
func (r *runner) mail(ctx context.Context, start time.Time) {
	for e := range emailsOf(r.cfg) {
		if !sleepUntil(ctx, start.Add(e.at)) {
			return
		}
		r.posting.Add(1)
		r.bg.Go(func() {
			defer r.posting.Add(-1)
			r.placeEmail(ctx, e.n)
		})
	}
}

// placeEmail posts email n: its contact name carries the time it was
// posted, for the assignment's latency at the agent.
func (r *runner) placeEmail(ctx context.Context, n int) {
	sent := time.Now()
	id := strconv.Itoa(r.cfg.Worker) + "-" + strconv.Itoa(n)
	queue := queueOf(r.cfg, emailKind, n)
	r.countQueue(presence.Email, queue)
	body := map[string]any{"channel": "email", "queue": queue, "subject": "Bench email " + id,
		"contact": map[string]any{"name": emailStamp(r.cfg.Worker, n, sent), "email": "bench-" + id + "@example.com"}}
	r.postSession(ctx, body, sent, "email_post", r.emailPost, &r.emailsPosted)
}

// answerEmail is the agent's work on email sid, assigned to it: after
// its handle time it sends a reply and ends the session (its wrap-up
// follows the finished card, as for a chat).
func (a *agent) answerEmail(ctx context.Context, sid string, handle time.Duration) {
	r := a.r
	r.emailsAssigned.Add(1)
	r.bg.Go(func() {
		if !sleep(ctx, handle) {
			return
		}
		for _, f := range []map[string]any{
			{"type": "send", "session": sid, "text": "Thank you for your email.", "ref": "reply-" + sid},
			{"type": "end", "session": sid, "ref": "end-" + sid},
		} {
			if err := a.s.send(ctx, f); err != nil {
				if ctx.Err() == nil {
					r.fail(errKind("agent_write", err))
				}
				return
			}
		}
	})
}

// emailStamp is an email's contact name, carrying the time it was posted:
// "be-<worker>-<n>-<unix nanoseconds>".
func emailStamp(worker, n int, at time.Time) string { return stampAs("be", worker, n, at) }
