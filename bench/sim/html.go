package sim

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/bench/internal/chart"
)

// WriteHTML writes r as a self-contained HTML page: the table, the
// fraction answered within a threshold of 0 to 4 T beside the model's, and
// the contacts waiting and agents busy over simulated time, as inline SVG.
func (r *Report) WriteHTML(w io.Writer) error {
	var table strings.Builder
	if err := r.WriteTable(&table); err != nil {
		return err
	}
	pct := func(xs []float64) []float64 {
		out := make([]float64, len(xs))
		for i, x := range xs {
			out[i] = 100 * x
		}
		return out
	}
	within := []chart.Series{{Name: "simulated", Color: "#1f77b4", Ys: pct(r.within)}}
	if r.withinModel != nil {
		p := r.Erlang
		if r.Approx != nil {
			p = r.Approx
		}
		within = append(within, chart.Series{Name: p.title(), Color: "#ff7f0e", Ys: pct(r.withinModel)})
	}
	var waiting, busy []float64
	for _, s := range r.samples {
		waiting = append(waiting, float64(s.waiting))
		busy = append(busy, float64(s.busy))
	}
	span := seconds(float64(max(len(r.samples)-1, 0)) * r.sampleEvery).Round(time.Second)
	title := fmt.Sprintf("switchboard simulate — %d agents, %.4g contacts/s, handle %g s", r.Input.Agents, r.Input.Rate, r.Input.Handle)
	if r.Input.Wrapup > 0 {
		title += fmt.Sprintf(" + wrap-up %g s", r.Input.Wrapup)
	}
	waits := []template.HTML{withinChart("", r.Input.SLThreshold, within)}
	if len(r.Media) > 0 {
		// A blend's waits are each media's, in its own threshold.
		title = fmt.Sprintf("switchboard simulate — %d blended agents, %.4g contacts/s", r.Input.Agents, r.Input.Rate)
		waits = waits[:0]
		for j, m := range r.Media {
			title += fmt.Sprintf(", %s %.4g/s", m.Media, m.Rate)
			ss := []chart.Series{{Name: "simulated", Color: "#1f77b4", Ys: pct(r.mediaWithin[j])}}
			if ys := r.mediaWithinModel[j]; ys != nil {
				ss = append(ss, chart.Series{Name: m.Erlang.title(), Color: "#ff7f0e", Ys: pct(ys)})
			}
			waits = append(waits, withinChart(m.Media+": ", m.SLThreshold, ss))
		}
	}
	if hr := r.History; hr != nil {
		title += fmt.Sprintf(" — the history of %s, %s to %s", hr.Workspace, hr.From, hr.To)
	}
	sections := []chart.Section{{Heading: "Waits", Charts: waits},
		chart.Section{Heading: "Queue and agents", Charts: []template.HTML{chart.Lines(
			"over simulated time (warm-up included)", span.String(), "", 1, []chart.Series{
				{Name: "contacts waiting", Color: "#d62728", Ys: waiting},
				{Name: "contacts in service (wrap-up included)", Color: "#1f77b4", Ys: busy}})}}}
	if len(r.Intervals) > 0 {
		sections = append(sections, r.intervalCharts())
	}
	return chart.Page(w, title, table.String(), sections...)
}

// withinChart draws the fraction answered within t, from 0 to waitSpan
// thresholds T, of what's contacts.
func withinChart(what string, T float64, ss []chart.Series) template.HTML {
	return chart.Lines(fmt.Sprintf("%sanswered within t, for t from 0 to %g s (service level at t = %g s)", what, waitSpan*T, T),
		fmt.Sprintf("%g s", waitSpan*T), "%.0f %%", 100, ss)
}

// intervalCharts draws a profile's intervals: service level simulated and
// modelled, and the load against the agents on shift.
func (r *Report) intervalCharts() chart.Section {
	var sl, model, seen, load, agents []float64
	for _, iv := range r.Intervals {
		sl = append(sl, slPct(iv.Simulated))
		if iv.Observed != nil {
			seen = append(seen, slPct(*iv.Observed))
		}
		m := math.NaN() // no model: no contacts, or no steady state
		if iv.Erlang != nil && iv.Rate > 0 {
			m = 100 * iv.Erlang.ServiceLevel
		}
		model = append(model, m)
		load = append(load, iv.Rate*(r.Input.Handle+r.Input.Wrapup))
		agents = append(agents, float64(iv.Agents*r.Input.Capacity))
	}
	end := seconds(float64(len(r.Intervals)) * r.Input.Interval).String()
	if len(r.Media) > 0 {
		return r.blendedIntervalCharts(end)
	}
	ss := []chart.Series{{Name: "simulated", Color: "#1f77b4", Ys: sl}, {Name: "model, as if steady", Color: "#ff7f0e", Ys: model}}
	if seen != nil {
		ss = append(ss, chart.Series{Name: "observed in the history", Color: observedColor, Ys: seen})
	}
	return chart.Section{Heading: "Intervals", Charts: []template.HTML{
		chart.Lines(fmt.Sprintf("service level (%g s) by interval, from the first to the last", r.Input.SLThreshold), end, "%.0f %%", 100, ss),
		chart.Lines("offered load (erlangs) and chat slots on shift by interval", end, "", 1,
			[]chart.Series{{Name: "offered load", Color: "#d62728", Ys: load}, {Name: "slots on shift", Color: "#2ca02c", Ys: agents}})}}
}

// observedColor is the line of what a replayed history's contacts met.
const observedColor = "#2ca02c"

// mediaColors are the media's lines, by their order in the report.
var mediaColors = []string{"#9467bd", "#8c564b", "#e377c2"}

// blendedIntervalCharts draws a blended day's intervals: each media's
// service level within its own threshold, and the load in agents of work
// (a contact counts 1/capacity of its media) against the agents on shift.
func (r *Report) blendedIntervalCharts(end string) chart.Section {
	sl := []chart.Series{{Name: "all (each its T)", Color: "#1f77b4"}}
	for j, m := range r.Media {
		sl = append(sl, chart.Series{Name: fmt.Sprintf("%s (%g s)", m.Media, m.SLThreshold), Color: mediaColors[j%len(mediaColors)]})
	}
	var seen, load, agents []float64
	for _, iv := range r.Intervals {
		sl[0].Ys = append(sl[0].Ys, slPct(iv.Simulated))
		if iv.Observed != nil {
			seen = append(seen, slPct(*iv.Observed))
		}
		work := 0.0
		for j, m := range r.Media {
			sl[j+1].Ys = append(sl[j+1].Ys, slPct(iv.Media[j].Simulated))
			work += iv.Rate / r.Input.Rate * m.AgentLoad // the media's share of the interval's rate
		}
		load = append(load, work)
		agents = append(agents, float64(iv.Agents))
	}
	if seen != nil {
		sl = append(sl, chart.Series{Name: "all, observed in the history", Color: observedColor, Ys: seen})
	}
	return chart.Section{Heading: "Intervals", Charts: []template.HTML{
		chart.Lines("service level by interval and media, from the first to the last", end, "%.0f %%", 100, sl),
		chart.Lines("offered load (agents of work) and agents on shift by interval", end, "", 1,
			[]chart.Series{{Name: "agents of work", Color: "#d62728", Ys: load}, {Name: "agents on shift", Color: "#2ca02c", Ys: agents}})}}
}

// slPct is p's service level in percent, or NaN (a gap in its line) when
// no contact arrived, so it has none.
func slPct(p Part) float64 {
	if p.Arrivals == 0 {
		return math.NaN()
	}
	return 100 * p.ServiceLevel
}
