package load

import (
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/switchboardhq/switchboard/bench/internal/chart"
)

// WriteHTML writes res as a self-contained HTML page: the table, latency
// histograms and the queue and agents over time, as inline SVG.
func (res *Result) WriteHTML(w io.Writer) error {
	var table strings.Builder
	if err := res.WriteTable(&table); err != nil {
		return err
	}
	var waiting, busy, active, calls, emails []float64
	for _, p := range res.Timeline {
		waiting = append(waiting, float64(max(p.Waiting, 0)))
		busy = append(busy, float64(p.Busy))
		active = append(active, float64(p.Active))
		calls = append(calls, float64(p.Calls))
		emails = append(emails, float64(p.Emails))
	}
	latency := []template.HTML{
		histSVG(res.Hists["relay"], "relay round trip, visitor → agent → visitor: messages by time (ms, log scale)"),
		histSVG(res.Hists["deliver"], "visitor → agent: messages by time (ms, log scale)"),
		histSVG(res.Hists["offer"], "first message → offer: chats by time (ms, log scale)")}
	series := []chart.Series{
		{Name: "waiting in queue", Color: "#d62728", Ys: waiting},
		{Name: "agents busy", Color: "#1f77b4", Ys: busy},
		{Name: "chats active", Color: "#2ca02c", Ys: active}}
	if res.CallRate > 0 {
		latency = append(latency, histSVG(res.Hists["call_offer"], "call posted → offer: calls by time (ms, log scale)"),
			histSVG(res.Hists["call_post"], "call POST → 201: calls by time (ms, log scale)"))
		series = append(series, chart.Series{Name: "calls active", Color: "#9467bd", Ys: calls})
	}
	if res.EmailRate > 0 {
		latency = append(latency, histSVG(res.Hists["email_assign"], "email posted → assigned: emails by time (ms, log scale)"))
		series = append(series, chart.Series{Name: "emails open", Color: "#8c564b", Ys: emails})
	}
	return chart.Page(w, fmt.Sprintf("switchboard bench — %s", res.Addr), table.String(),
		chart.Section{Heading: "Latency", Charts: latency},
		chart.Section{Heading: "Queue and agents", Charts: []template.HTML{
			chart.Lines("over the run, sampled every second", fmt.Sprintf("%d s", len(res.Timeline)), "", 1, series)}})
}

// histSVG draws a histogram's buckets from the first non-empty one to the
// last as bars on a log axis (the buckets grow geometrically), each
// labelled with its value in ms.
func histSVG(h *Hist, title string) template.HTML {
	if h == nil || h.N == 0 {
		return chart.Bars(title, nil)
	}
	lo, hi := -1, 0
	for i, c := range h.Counts {
		if c > 0 {
			if lo < 0 {
				lo = i
			}
			hi = i
		}
	}
	bars := make([]chart.Bar, 0, hi-lo+1)
	for i := lo; i <= hi; i++ {
		bars = append(bars, chart.Bar{Label: fmt.Sprintf("%.3g ms", bucketValue(i)/1e3), N: h.Counts[i]})
	}
	return chart.Bars(title, bars)
}
