package load

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
)

// WriteHTML writes res as a self-contained HTML page: the table, latency
// histograms and the queue and agents over time, as inline SVG.
func (res *Result) WriteHTML(w io.Writer) error {
	var table strings.Builder
	if err := res.WriteTable(&table); err != nil {
		return err
	}
	var waiting, busy, active []float64
	for _, p := range res.Timeline {
		waiting = append(waiting, float64(max(p.Waiting, 0)))
		busy = append(busy, float64(p.Busy))
		active = append(active, float64(p.Active))
	}
	data := map[string]any{
		"Title":   fmt.Sprintf("switchboard bench — %s", res.Addr),
		"Table":   table.String(),
		"Relay":   histSVG(res.Hists["relay"], "relay round trip (ms)"),
		"Deliver": histSVG(res.Hists["deliver"], "visitor → agent (ms)"),
		"Offer":   histSVG(res.Hists["offer"], "first message → offer (ms)"),
		"Time": lineSVG("over time (s)", []series{{"waiting in queue", "#d62728", waiting},
			{"agents busy", "#1f77b4", busy}, {"chats active", "#2ca02c", active}}),
	}
	return page.Execute(w, data)
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:960px}pre{background:#f6f6f6;padding:1em;overflow:auto}
svg{display:block;margin:1em 0}text{font:11px system-ui,sans-serif}</style></head>
<body><h1>{{.Title}}</h1><pre>{{.Table}}</pre>
<h2>Latency</h2>{{.Relay}}{{.Deliver}}{{.Offer}}<h2>Queue and agents</h2>{{.Time}}</body></html>
`))

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

type series struct {
	name, color string
	ys          []float64
}

// lineSVG draws series over seconds.
func lineSVG(title string, ss []series) template.HTML {
	const width, height, pad = 900.0, 260.0, 40.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg width="%g" height="%g" viewBox="0 0 %g %g" role="img"><text x="%g" y="14">%s</text>`,
		width, height, width, height, pad, template.HTMLEscapeString(title))
	n, top := 0, 1.0
	for _, s := range ss {
		n = max(n, len(s.ys))
		for _, y := range s.ys {
			top = math.Max(top, y)
		}
	}
	if n < 2 {
		b.WriteString(`<text x="40" y="60">run too short for a timeline</text></svg>`)
		return template.HTML(b.String())
	}
	for k, s := range ss {
		var pts []string
		for i, y := range s.ys {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", pad+(width-2*pad)*float64(i)/float64(n-1), height-pad-(height-2*pad)*y/top))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`, s.color, strings.Join(pts, " "))
		fmt.Fprintf(&b, `<text x="%g" y="%d" fill="%s">%s</text>`, width-200, 30+14*k, s.color, template.HTMLEscapeString(s.name))
	}
	fmt.Fprintf(&b, `<text x="4" y="%g">%.0f</text><text x="4" y="%g">0</text><text x="%g" y="%g">%d s</text></svg>`,
		pad+4, top, height-pad, width-pad-20, height-pad+16, n)
	return template.HTML(b.String())
}
