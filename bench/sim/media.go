package sim

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/presence"
	"github.com/switchboardhq/switchboard/session"
)

// MediaShare is one media of a blended run (Config.Media): its share of the
// arrivals and what its contacts take.
type MediaShare struct {
	// Media is voice, chat or email.
	Media presence.Media
	// Share is its part of the arrivals (> 0), normalized like QueueShare's.
	Share float64
	// Handle is its contacts' mean handle time: 0 means Config.Handle.
	// Every media's handle times follow Config.HandleDist and HandleCV.
	Handle time.Duration
	// Wrapup is its after-contact work: 0 means Config.Wrapup.
	Wrapup time.Duration
	// Capacity is how many of its contacts an agent holds at once: 0 means
	// 1. Voice takes only 1 (a call is exclusive).
	Capacity int
	// SLThreshold is T of its service level: 0 means Config.SLThreshold.
	// Workforce plans give each media its own (voice 20 s, chat a minute,
	// email hours).
	SLThreshold time.Duration
}

// channels are the session channels a blended run's contacts arrive on, by
// media: voice comes from a telephony system, which reports the call
// connected and ended (hub.ChannelEvent).
var channels = [presence.NumMedia]session.Channel{
	presence.Voice: session.VoiceInbound, presence.Chat: session.WebChat, presence.Email: session.Email}

// checkMedia validates the media of a blended run and fills in their
// defaults from the run's (a copy: the caller's slice is not changed). It
// runs once the run's SLThreshold has its default.
func (c *Config) checkMedia() error {
	if len(c.Media) == 0 {
		return nil
	}
	if c.Capacity != 0 {
		return fmt.Errorf("%w: capacity %d with media: each media has its own (MediaShare.Capacity)", ErrConfig, c.Capacity)
	}
	c.Media = append([]MediaShare(nil), c.Media...)
	var seen [presence.NumMedia]bool
	for i := range c.Media {
		m := &c.Media[i]
		if !m.Media.Valid() {
			return fmt.Errorf("%w: media %d (voice, chat or email)", ErrConfig, m.Media)
		}
		if seen[m.Media] {
			return fmt.Errorf("%w: media %s named twice", ErrConfig, m.Media)
		}
		seen[m.Media] = true
		if m.Handle == 0 {
			m.Handle = c.Handle
		}
		if m.Wrapup == 0 {
			m.Wrapup = c.Wrapup
		}
		if m.Capacity == 0 {
			m.Capacity = 1
		}
		if m.SLThreshold == 0 {
			m.SLThreshold = c.SLThreshold
		}
		switch {
		case !(m.Share > 0) || math.IsInf(m.Share, 0):
			return fmt.Errorf("%w: media %s share %v (want > 0)", ErrConfig, m.Media, m.Share)
		case m.Handle <= 0:
			return fmt.Errorf("%w: media %s has no handle time (its own, or the run's)", ErrConfig, m.Media)
		case m.Wrapup < 0 || m.Wrapup > maxDelay:
			return fmt.Errorf("%w: media %s wrap-up %v (0 to %v)", ErrConfig, m.Media, m.Wrapup, maxDelay)
		case m.Capacity < 0 || m.Capacity > MaxCapacity:
			return fmt.Errorf("%w: media %s capacity %d (1..%d contacts at once)", ErrConfig, m.Media, m.Capacity, MaxCapacity)
		case m.Media == presence.Voice && m.Capacity != 1:
			return fmt.Errorf("%w: voice capacity %d: a call is exclusive, an agent takes one at a time", ErrConfig, m.Capacity)
		case m.SLThreshold < 0:
			return fmt.Errorf("%w: media %s sl threshold %v (want ≥ 0)", ErrConfig, m.Media, m.SLThreshold)
		}
	}
	return nil
}

// blended reports whether the run has its own media (Config.Media).
func (c *Config) blended() bool { return len(c.Media) > 0 }

// media returns the run's media: Media, or, for a run without, one chat
// media of the run's handle time, wrap-up, capacity and threshold.
func (c *Config) media() []MediaShare {
	if c.blended() {
		return c.Media
	}
	return []MediaShare{{Media: presence.Chat, Share: 1, Handle: c.Handle, Wrapup: c.Wrapup, Capacity: c.Capacity, SLThreshold: c.SLThreshold}}
}

// maxWrapup is the longest wrap-up of the run's media and arrivals.
func (c *Config) maxWrapup() time.Duration {
	w := c.Wrapup
	for _, m := range c.Media {
		w = max(w, m.Wrapup)
	}
	for _, a := range c.Arrivals {
		w = max(w, a.Wrapup)
	}
	return w
}

// abandons reports whether the media's contacts leave when their patience
// runs out: an email waits.
func (m MediaShare) abandons() bool { return m.Media != presence.Email }

// mediaQueue returns media i of a blended run as a queue of its own, the
// models' inputs: its arrival rate, the mean time a contact holds a slot
// (handle plus wrap-up), an agent's slots of it, its threshold and the
// mean patience (0 when its contacts do not abandon).
func (c *Config) mediaQueue(i int) (rate, h float64, k int, t, theta float64) {
	return c.mediaQueueAt(i, c.Rate)
}

// mediaQueueAt is mediaQueue when contacts of every media arrive at
// runRate (one profile interval's).
func (c *Config) mediaQueueAt(i int, runRate float64) (rate, h float64, k int, t, theta float64) {
	m := c.Media[i]
	cum := cumulative(len(c.Media), func(j int) float64 { return c.Media[j].Share })
	if m.abandons() {
		theta = c.Patience.Seconds()
	}
	return runRate * share(cum, i), (m.Handle + m.Wrapup).Seconds(), m.Capacity, m.SLThreshold.Seconds(), theta
}

// MediaReport is one media of a blended run.
type MediaReport struct {
	Media string `json:"media"`
	// Rate, Handle, Wrapup, Capacity and SLThreshold are its own
	// (seconds); Load is its offered load in slots, Rate × (Handle +
	// Wrapup), and AgentLoad that load in agents, Load / Capacity.
	Rate        float64 `json:"rate"`
	Handle      float64 `json:"handle"`
	Wrapup      float64 `json:"wrapup"`
	Capacity    int     `json:"capacity"`
	SLThreshold float64 `json:"sl_threshold"`
	Load        float64 `json:"offered_load"`
	AgentLoad   float64 `json:"agent_load"`
	// Simulated is its contacts' figures, the service level within its own
	// threshold. Occupancy is the share of its slots busy: its busy
	// slot-time over agents × Capacity × the window.
	Simulated Part    `json:"simulated"`
	Occupancy float64 `json:"occupancy"`
	// Observed is what its contacts met in a replayed history.
	Observed *Part `json:"observed,omitempty"`
	// Dedicated is the fewest agents a team serving this media alone needs
	// by the model (Erlang C, or A with patience) to reach a staffing
	// search's targets, 0 outside a search or when it has no answer.
	Dedicated int `json:"dedicated,omitempty"`
	// Erlang is the model's prediction for a run of this one media (Erlang
	// A with patience, else C), nil in a blend.
	Erlang *Prediction `json:"erlang,omitempty"`
}

// reportMedia fills r's media, for a blended run, and its input's load:
// their loads in agents, with no run-wide capacity. With a schedule,
// worked is the agent-time worked in the window, on shift and overtime (a
// media's slots are its capacity times that).
func (d *driver) reportMedia(r *Report, worked float64) {
	window := d.w1 - d.w0
	r.Input.Capacity, r.Input.Load = 0, 0
	var agentWorked []float64
	if d.m.weights != nil {
		agentWorked = d.agentWorked()
	}
	for i, m := range d.cfg.Media {
		rate, h, k, t, _ := d.cfg.mediaQueue(i)
		slotTime := float64(d.cfg.Agents*k) * window
		if d.cfg.rostered() {
			slotTime = float64(k) * worked
		}
		if d.m.weights != nil {
			slotTime = d.mediaSlotTime(i, agentWorked)
		}
		mr := MediaReport{Media: m.Media.String(), Rate: rate, Handle: m.Handle.Seconds(), Wrapup: m.Wrapup.Seconds(),
			Capacity: k, SLThreshold: t, Load: rate * h, AgentLoad: rate * h / float64(k),
			Simulated: d.m.media[i].part(), Occupancy: ratio(d.m.mediaBusy[i], slotTime)}
		r.Input.Load += mr.AgentLoad
		r.Media = append(r.Media, mr)
		r.mediaWithin = append(r.mediaWithin, d.m.mediaWithin(i))
	}
	r.mediaWithinModel = make([][]float64, len(r.Media))
	profile := len(d.cfg.Profile) > 0
	if profile {
		r.Notes = append(r.Notes, "a media's rate and load are over the whole profile; the intervals have their own below")
	}
	switch {
	case len(r.Media) > 1:
		what := "the run has"
		if profile {
			what = "the run and its intervals have"
		}
		r.Notes = append(r.Notes, "blended agents serve every media, each with its own slots; a call blocks new calls and chats while it lasts, email blocks nothing; "+
			"the models have no such queue, so "+what+" no prediction; an agent is occupied while holding any contact")
	case !profile:
		// One media is its own M/M/c(+M) queue of agents × capacity slots
		// (with a profile, each interval has its own: reportIntervals).
		rate, h, k, t, theta := d.cfg.mediaQueue(0)
		if p, err := model(rate, h, d.cfg.Agents*k, t, theta); err == nil {
			r.Media[0].Erlang = p
			r.mediaWithinModel[0] = curve(modelAt(rate, h, d.cfg.Agents*k, theta), t)
		}
		r.Notes = append(r.Notes, "one media: its model, for agents × capacity slots, is in ( ); an agent is occupied while holding any contact")
	}
}

// mediaModel is the model's prediction for media i of the run served alone
// by c agents (mediaQueue): Erlang A with patience, else Erlang C, on
// c × capacity slots.
func (c *Config) mediaModel(i, agents int) (*Prediction, error) {
	return c.mediaModelAt(i, agents, c.Rate)
}

// mediaModelAt is mediaModel when contacts arrive at runRate.
func (c *Config) mediaModelAt(i, agents int, runRate float64) (*Prediction, error) {
	rate, h, k, t, theta := c.mediaQueueAt(i, runRate)
	return model(rate, h, agents*k, t, theta)
}

// writeMedia adds a blended run's media to its table.
func writeMedia(b *strings.Builder, media []MediaReport) {
	fmt.Fprintf(b, "\n%-7s %-9s %-14s %-9s %-10s %-17s %-12s %-9s %-10s %s\n", "media", "rate/s", "handle+wrap", "capacity", "load", "SL (T)", "ASA", "abandon", "occupancy", "dedicated team (model)")
	for _, m := range media {
		team := "—"
		if m.Dedicated > 0 {
			team = fmt.Sprintf("%d agents", m.Dedicated)
		}
		fmt.Fprintf(b, "%-7s %-9.4g %-14s %-9d %-10s %-17s %-12s %-9s %-10s %s\n", m.Media, m.Rate, fmt.Sprintf("%g+%g s", m.Handle, m.Wrapup), m.Capacity,
			fmt.Sprintf("%.3g ag.", m.AgentLoad), fmt.Sprintf("%.1f %% (%gs)", 100*m.Simulated.ServiceLevel, m.SLThreshold),
			fmt.Sprintf("%.3f s", m.Simulated.ASA), fmt.Sprintf("%.2f %%", 100*m.Simulated.AbandonRate), fmt.Sprintf("%.2f %%", 100*m.Occupancy), team)
		if o := m.Observed; o != nil {
			fmt.Fprintf(b, "%-7s %-9s %-14s %-9s %-10s %-17s %-12s %-9s\n", "", "", "(observed)", "", "",
				fmt.Sprintf("%.1f %%", 100*o.ServiceLevel), fmt.Sprintf("%.3f s", o.ASA), fmt.Sprintf("%.2f %%", 100*o.AbandonRate))
		}
		if e := m.Erlang; e != nil {
			fmt.Fprintf(b, "%-7s %-9s %-14s %-9s %-10s %-17s %-12s %-9s %-10s\n", "", "", "("+e.title()+")", "", "",
				fmt.Sprintf("%.1f %%", 100*e.ServiceLevel), fmt.Sprintf("%.3f s", e.ASA), fmt.Sprintf("%.2f %%", 100*e.AbandonRate), fmt.Sprintf("%.2f %%", 100*e.Occupancy))
		}
	}
}
