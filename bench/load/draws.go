package load

import (
	"iter"
	"math"
	"math/rand/v2"
	"time"

	"github.com/switchboardhq/switchboard/bench/sim"
)

// The bench's random draws come from streams seeded by --seed, so that a
// seed gives the same load again. A call's draws are its caller's: when it
// arrives and how long its caller waits come from its worker's call stream,
// in order; its talk time from a stream of its own, drawn by whichever
// agent answers it. So the calls of a run are the same whoever answers
// them, and the ideal queue (ideal.go) can replay them. A visitor's draws
// (chatsOf) come from its worker's arrival stream alone, so the chats of a
// run replay too. An email's are a call's without the patience: its
// arrival from its worker's mail stream, its handle time from a stream of
// its own (emailsOf).

// arrivalTimes yields n = 1, 2, … and its arrival time from the start, of
// a Poisson process of rate per second drawn from rng, until d. The loop's
// body may draw from rng too: each arrival's draws come between two gaps'.
func arrivalTimes(rng *rand.Rand, rate float64, d time.Duration) iter.Seq2[int, time.Duration] {
	return func(yield func(int, time.Duration) bool) {
		at := time.Duration(0)
		for n := 1; ; n++ {
			at += time.Duration(rng.ExpFloat64() / rate * float64(time.Second))
			if at >= d || !yield(n, at) {
				return
			}
		}
	}
}

// A plannedCall is one call a worker posts: its number in the worker, its
// time from the run's start, its caller's patience (0: the caller waits as
// long as it takes) and its talk time once connected.
type plannedCall struct {
	n                  int
	at, patience, talk time.Duration
}

// callsOf yields the calls cfg's worker posts, in order.
func callsOf(cfg Config) iter.Seq[plannedCall] {
	return func(yield func(plannedCall) bool) {
		rng := rand.New(rand.NewPCG(cfg.Seed^0x63616c6c, uint64(cfg.Worker)+1))
		for n, at := range arrivalTimes(rng, cfg.Calls, cfg.Duration) {
			c := plannedCall{n: n, at: at, talk: callTalk(cfg, cfg.Worker, n)}
			c.patience = patienceOf(cfg, rng)
			if !yield(c) {
				return
			}
		}
	}
}

// patienceOf is a caller's or a visitor's patience drawn from rng: none
// without cfg.Patience; else of mean cfg.Patience, exponential or, with
// cfg.PatienceCV, lognormal with that coefficient of variation.
func patienceOf(cfg Config, rng *rand.Rand) time.Duration {
	if cfg.Patience <= 0 {
		return 0
	}
	if cfg.PatienceCV <= 0 {
		return time.Duration(rng.ExpFloat64() * float64(cfg.Patience))
	}
	mu, sigma := sim.LognormalParams(float64(cfg.Patience), cfg.PatienceCV)
	return time.Duration(math.Exp(mu + sigma*rng.NormFloat64()))
}

// callTalk is the talk time of call n of worker: exponential of mean
// cfg.CallLength, from the call's own stream.
func callTalk(cfg Config, worker, n int) time.Duration {
	return ownDraw(cfg.Seed^0x74616c6b, worker, n, cfg.CallLength)
}

// ownDraw is an exponential time of mean from the stream of contact n of
// worker alone (seed salted by the kind of contact): the same whoever
// draws it, and whenever.
func ownDraw(seed uint64, worker, n int, mean time.Duration) time.Duration {
	rng := rand.New(rand.NewPCG(seed, uint64(n)<<8|uint64(worker)))
	return time.Duration(rng.ExpFloat64() * float64(mean))
}

// A plannedChat is one visitor a worker opens: its number in the worker,
// its arrival from the run's start, its language, its patience (0: it
// waits as long as it takes) and how long it chats once an agent joined.
type plannedChat struct {
	n                  int
	at, patience, chat time.Duration
	lang               string
}

// chatsOf yields the visitors cfg's worker opens, in order. Each
// visitor's draws come from the worker's arrival stream, between two
// gaps': its chat length, its language (one of cfg.languages()), and its
// patience when cfg.Patience is set (patienceOf).
func chatsOf(cfg Config) iter.Seq[plannedChat] {
	return func(yield func(plannedChat) bool) {
		langs := cfg.languages()
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(cfg.Worker)+1))
		for n, at := range arrivalTimes(rng, cfg.Rate, cfg.Duration) {
			c := plannedChat{n: n, at: at, chat: time.Duration(rng.ExpFloat64() * float64(cfg.ChatLength)),
				lang: langs[rng.IntN(len(langs))]}
			c.patience = patienceOf(cfg, rng)
			if !yield(c) {
				return
			}
		}
	}
}

// A plannedEmail is one email a worker posts: its number in the worker,
// its time from the run's start, and how long its agent takes to answer
// it once assigned.
type plannedEmail struct {
	n          int
	at, handle time.Duration
}

// emailsOf yields the emails cfg's worker posts, in order.
func emailsOf(cfg Config) iter.Seq[plannedEmail] {
	return func(yield func(plannedEmail) bool) {
		rng := rand.New(rand.NewPCG(cfg.Seed^0x656d61696c, uint64(cfg.Worker)+1))
		for n, at := range arrivalTimes(rng, cfg.Emails, cfg.Duration) {
			if !yield(plannedEmail{n: n, at: at, handle: emailHandle(cfg, cfg.Worker, n)}) {
				return
			}
		}
	}
}

// emailHandle is the handle time of email n of worker: exponential of
// mean cfg.EmailLength, from the email's own stream.
func emailHandle(cfg Config, worker, n int) time.Duration {
	return ownDraw(cfg.Seed^0x68616e64, worker, n, cfg.EmailLength)
}

// The kinds of contact, salting the draw of their queue (queueOf) so that
// visitor, call and email n of a worker draw apart.
const (
	chatKind  uint64 = 0x63686174
	callKind  uint64 = 0x63616c6c
	emailKind uint64 = 0x656d6c
)

// queueOf is the queue contact n of kind arrives in, from the worker of
// cfg: ExpertiseQueueID for a share cfg.ExpertiseContacts of them in a run
// with expertise, else QueueID. The draw is the contact's own (a stream
// of its kind, worker and number, apart from the arrival streams): the
// same whenever it is drawn, and a run with expertise has the arrivals of
// the same run without.
func queueOf(cfg Config, kind uint64, n int) string {
	if cfg.Expertise == "" {
		return QueueID
	}
	rng := rand.New(rand.NewPCG(cfg.Seed^kind^0x6578706572, uint64(n)<<8|uint64(cfg.Worker)))
	if rng.Float64() < cfg.ExpertiseContacts {
		return ExpertiseQueueID
	}
	return QueueID
}
