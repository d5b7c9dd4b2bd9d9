package load

import (
	"fmt"
	"html/template"
	"io"
	"math"
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
		histSVG(res.Hists["relay"], "relay round trip (ms)"),
		histSVG(res.Hists["deliver"], "visitor → agent (ms)"),
		histSVG(res.Hists["offer"], "first message → offer (ms)")}
	series := []chart.Series{
		{Name: "waiting in queue", Color: "#d62728", Ys: waiting},
		{Name: "agents busy", Color: "#1f77b4", Ys: busy},
		{Name: "chats active", Color: "#2ca02c", Ys: active}}
	if res.CallRate > 0 {
		latency = append(latency, histSVG(res.Hists["call_offer"], "call posted → offer (ms)"),
			histSVG(res.Hists["call_post"], "call POST → 201 (ms)"))
		series = append(series, chart.Series{Name: "calls active", Color: "#9467bd", Ys: calls})
	}
	if res.EmailRate > 0 {
		latency = append(latency, histSVG(res.Hists["email_assign"], "email posted → assigned (ms)"))
		series = append(series, chart.Series{Name: "emails open", Color: "#8c564b", Ys: emails})
	}
	return chart.Page(w, fmt.Sprintf("switchboard bench — %s", res.Addr), table.String(),
		chart.Section{Heading: "Latency", Charts: latency},
		chart.Section{Heading: "Queue and agents", Charts: []template.HTML{
			chart.Lines("over time (s)", fmt.Sprintf("%d s", len(res.Timeline)), "", 1, series)}})
}

// histSVG draws a histogram's non-empty buckets as bars on a log axis.
func histSVG(h *Hist, title string) template.HTML {
	const width, height, pad = 900.0, 220.0, 40.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg width="%g" height="%g" viewBox="0 0 %g %g" role="img"><text x="%g" y="14">%s</text>`,
		width, height, width, height, pad, template.HTMLEscapeString(title))
	if h == nil || h.N == 0 {
		b.WriteString(`<text x="40" y="60">no samples</text></svg>`)
		return template.HTML(b.String())
	}
	lo, hi, peak := -1, 0, uint64(0)
	for i, c := range h.Counts {
		if c > 0 {
			if lo < 0 {
				lo = i
			}
			hi = i
			peak = max(peak, c)
		}
	}
	n := hi - lo + 1
	bw := (width - 2*pad) / float64(n)
	for i := lo; i <= hi; i++ {
		c := h.Counts[i]
		bh := (height - 2*pad) * float64(c) / float64(peak)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#1f77b4"><title>%.3f ms: %d</title></rect>`,
			pad+float64(i-lo)*bw, height-pad-bh, math.Max(bw-0.5, 0.5), bh, bucketValue(i)/1e3, c)
	}
	for _, i := range []int{lo, (lo + hi) / 2, hi} {
		fmt.Fprintf(&b, `<text x="%.1f" y="%g">%.3g</text>`, pad+float64(i-lo)*bw, height-pad+16, bucketValue(i)/1e3)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
