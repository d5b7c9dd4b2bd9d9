package sim

import (
	"math"
	"slices"
)

// Agents of their own capacities (Team.Capacity, as a replay's roster
// gives them) hold different numbers of slots, so the report counts the
// slot-time worked agent by agent.

// perAgent reports whether the report counts the time worked agent by
// agent: some team has its own capacities, or teams work shifts.
func (c *Config) perAgent() bool {
	return c.ownCapacities() || len(c.Teams) > 0 && len(c.Shifts) > 0
}

// slotWeights are the slots each agent holds, for occupancy: their
// capacity in a run of a single media, 1 in a blend (where an agent is
// busy while holding any contact).
func (d *driver) slotWeights() []float64 {
	if d.cfg.blended() {
		return slices.Repeat([]float64{1}, d.cfg.Agents)
	}
	return d.cfg.agentSlots()
}

// agentSlots are the chat slots of each agent of a run of a single media.
func (c *Config) agentSlots() []float64 {
	out := make([]float64, 0, c.Agents)
	chat := c.media()[0]
	for _, ti := range c.agentTeams() {
		out = append(out, float64(c.capacity(ti, chat)))
	}
	return out
}

// slotsOnShift is how many slots the models count in profile interval k
// of a run of a single media: the agents on shift times the capacity, or,
// with agents of their own capacities on shifts, their mean slots on
// shift, rounded.
func (c *Config) slotsOnShift(k int) int {
	if len(c.shiftSlots) == 0 {
		return c.onShift(k) * c.Capacity
	}
	return int(math.Round(c.shiftSlots[k]))
}

// agentWorked is each agent's time worked in the window: on shift (all of
// it without shifts), and overtime. Teams do not go with a schedule, so a
// run whose agents are counted one by one has shifts or none.
func (d *driver) agentWorked() []float64 {
	out := make([]float64, d.cfg.Agents)
	for i := range out {
		if len(d.cfg.Shifts) == 0 {
			out[i] = d.w1 - d.w0
			continue
		}
		for _, s := range d.cfg.Shifts[i] {
			out[i] += math.Max(0, math.Min(s.To.Seconds(), d.w1)-math.Max(s.From.Seconds(), d.w0))
		}
		out[i] += d.m.overtime[i]
	}
	return out
}

// ownWorked is the slot-time worked in each profile interval, agent by
// agent: on shift (shift, the agent-time, without shifts) and overtime.
func (d *driver) ownWorked(shift []float64) []float64 {
	cfg, w := d.cfg, d.m.weights
	out := make([]float64, len(shift))
	if len(cfg.Shifts) > 0 {
		iv := cfg.Interval.Seconds()
		for k, m := range meanOnShift(cfg.Shifts, w, iv, len(shift)) {
			out[k] = m * iv
		}
	} else {
		slots := sum(w)
		for k := range shift {
			out[k] = shift[k] / float64(cfg.Agents) * slots
		}
	}
	for k := range out {
		out[k] += d.m.ivSlotOvertime[k]
	}
	return out
}

// mediaSlotTime is the slot-time of media i worked in the window, agent by
// agent: each agent's capacity for it times their time worked.
func (d *driver) mediaSlotTime(i int, worked []float64) float64 {
	var out float64
	for j, a := range d.agents {
		out += float64(d.cfg.capacity(a.team, d.cfg.Media[i])) * worked[j]
	}
	return out
}
