package sim

import (
	"fmt"
	"html/template"
	"io"
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
	sections := []chart.Section{{Heading: "Waits", Charts: []template.HTML{chart.Lines(
		fmt.Sprintf("answered within t, for t from 0 to %g s (service level at t = %g s)", waitSpan*r.Input.SLThreshold, r.Input.SLThreshold),
		fmt.Sprintf("%g s", waitSpan*r.Input.SLThreshold), "%.0f %%", 100, within)}},
		chart.Section{Heading: "Queue and agents", Charts: []template.HTML{chart.Lines(
			"over simulated time (warm-up included)", span.String(), "", 1, []chart.Series{
				{Name: "contacts waiting", Color: "#d62728", Ys: waiting},
				{Name: "contacts in service (wrap-up included)", Color: "#1f77b4", Ys: busy}})}}}
	if len(r.Intervals) > 0 {
		sections = append(sections, r.intervalCharts())
	}
	return chart.Page(w, title, table.String(), sections...)
}

// intervalCharts draws a profile's intervals: service level simulated and
// modelled, and the load against the agents on shift.
func (r *Report) intervalCharts() chart.Section {
	var sl, model, load, agents []float64
	for _, iv := range r.Intervals {
		sl = append(sl, 100*iv.Simulated.ServiceLevel)
		m := 0.0
		if iv.Erlang != nil {
			m = 100 * iv.Erlang.ServiceLevel
		}
		model = append(model, m)
		load = append(load, iv.Rate*(r.Input.Handle+r.Input.Wrapup))
		agents = append(agents, float64(iv.Agents*r.Input.Capacity))
	}
	end := seconds(float64(len(r.Intervals)) * r.Input.Interval).String()
	return chart.Section{Heading: "Intervals", Charts: []template.HTML{
		chart.Lines(fmt.Sprintf("service level (%g s) by interval, from the first to the last", r.Input.SLThreshold), end, "%.0f %%", 100,
			[]chart.Series{{Name: "simulated", Color: "#1f77b4", Ys: sl}, {Name: "model, as if steady", Color: "#ff7f0e", Ys: model}}),
		chart.Lines("offered load (erlangs) and chat slots on shift by interval", end, "", 1,
			[]chart.Series{{Name: "offered load", Color: "#d62728", Ys: load}, {Name: "slots on shift", Color: "#2ca02c", Ys: agents}})}}
}
