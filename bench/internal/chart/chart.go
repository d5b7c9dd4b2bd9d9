// Package chart draws the small charts of the bench's and the simulator's
// HTML reports: inline SVG for the plots, HTML for their titles and
// legends (where text wraps instead of being cut off), no scripts and no
// external files, so a report is one self-contained page.
package chart

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
)

// The plot's geometry, in SVG user units: every chart is 900 × 240, its
// plot inset by margins that hold the axes' labels.
const (
	width, height = 900.0, 240.0
	left, right   = 56.0, 16.0 // the y axis' labels are left of the plot
	top, bottom   = 8.0, 24.0  // the x axis' labels are under it
	plotW, plotH  = width - left - right, height - top - bottom
	baseline      = height - bottom
)

// How the plot's frame, its grid line and its labels are drawn.
const (
	frameStyle = `fill="none" stroke="#bbb" stroke-width="1"`
	gridStyle  = `stroke="#e4e4e4" stroke-width="1"`
	anchorEnd  = `text-anchor="end"`
	anchorMid  = `text-anchor="middle"`
)

// Series is one line: its name, colour and values, sampled at equal steps
// from the left edge to the right. A NaN is a sample with no value (an
// interval with no contacts, a model with no answer): the line breaks
// there.
type Series struct {
	Name, Color string
	Ys          []float64
}

// Lines draws series over a shared y axis from 0 to the largest value, or
// to least when that is larger. The x axis runs from 0 to xEnd, its label;
// yTop formats the top of the y axis ("%.0f" when empty). Each series is a
// group (class "series") of polylines, one per run of values between
// gaps; a value alone between gaps is a dot.
func Lines(title, xEnd, yTop string, least float64, ss []Series) template.HTML {
	n, peak := 0, math.Max(least, 1e-9)
	for _, s := range ss {
		n = max(n, len(s.Ys))
		for _, y := range s.Ys {
			if !math.IsNaN(y) {
				peak = math.Max(peak, y)
			}
		}
	}
	if n < 2 {
		return empty(title, "run too short for a chart")
	}
	if yTop == "" {
		yTop = "%.0f"
	}
	var b strings.Builder
	open(&b)
	yAxis(&b, fmt.Sprintf(yTop, peak))
	x := func(i int) float64 { return left + plotW*float64(i)/float64(n-1) }
	y := func(v float64) float64 { return baseline - plotH*v/peak }
	for _, s := range ss {
		color := template.HTMLEscapeString(s.Color)
		fmt.Fprintf(&b, `<g class="series" fill="none" stroke="%s" stroke-width="1.5">`, color)
		for i := 0; i < len(s.Ys); {
			if math.IsNaN(s.Ys[i]) {
				i++
				continue
			}
			j := i + 1
			for j < len(s.Ys) && !math.IsNaN(s.Ys[j]) {
				j++
			}
			if j == i+1 {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2" fill="%s"/>`, x(i), y(s.Ys[i]), color)
			} else {
				b.WriteString(`<polyline points="`)
				for k := i; k < j; k++ {
					if k > i {
						b.WriteByte(' ')
					}
					fmt.Fprintf(&b, "%.1f,%.1f", x(k), y(s.Ys[k]))
				}
				b.WriteString(`"/>`)
			}
			i = j
		}
		b.WriteString(`</g>`)
	}
	xLabel(&b, left, "", "0")
	xLabel(&b, width-right, anchorEnd, xEnd)
	b.WriteString(`</svg>`)
	return figure(title, ss, b.String())
}

// Bar is one bar of a histogram: its count and what its x axis says under
// it (the bucket's value).
type Bar struct {
	Label string
	N     uint64
}

// Bars draws a histogram, one bar per bucket in the order given, empty
// buckets included; the x axis labels the first, the middle and the last
// bucket, the y axis the tallest bar's count.
func Bars(title string, bars []Bar) template.HTML {
	var peak uint64
	for _, bar := range bars {
		peak = max(peak, bar.N)
	}
	if peak == 0 {
		return empty(title, "no samples")
	}
	var b strings.Builder
	open(&b)
	yAxis(&b, fmt.Sprint(peak))
	bw := plotW / float64(len(bars))
	for i, bar := range bars {
		h := plotH * float64(bar.N) / float64(peak)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#1f77b4"><title>%s: %d</title></rect>`,
			left+float64(i)*bw, baseline-h, math.Max(bw-0.5, 0.5), h, template.HTMLEscapeString(bar.Label), bar.N)
	}
	last := len(bars) - 1
	xLabel(&b, left, "", bars[0].Label)
	if last >= 4 { // room for a middle label between the two ends
		xLabel(&b, left+(float64(last/2)+0.5)*bw, anchorMid, bars[last/2].Label)
	}
	if last > 0 {
		xLabel(&b, width-right, anchorEnd, bars[last].Label)
	}
	b.WriteString(`</svg>`)
	return figure(title, nil, b.String())
}

// open starts a plot's SVG: it scales down with a narrow window, never up.
func open(b *strings.Builder) {
	fmt.Fprintf(b, `<svg viewBox="0 0 %g %g" width="%g" role="img">`, width, height, width)
}

// yAxis draws the plot's frame, a grid line at the middle, and the y axis'
// labels: topLabel at the top, 0 at the bottom.
func yAxis(b *strings.Builder, topLabel string) {
	fmt.Fprintf(b, `<line x1="%g" y1="%g" x2="%g" y2="%g" %s/>`, left, top+plotH/2, width-right, top+plotH/2, gridStyle)
	fmt.Fprintf(b, `<rect x="%g" y="%g" width="%g" height="%g" %s/>`, left, top, plotW, plotH, frameStyle)
	fmt.Fprintf(b, `<text x="%g" y="%g" %s>%s</text>`, left-6, top+8, anchorEnd, template.HTMLEscapeString(topLabel))
	fmt.Fprintf(b, `<text x="%g" y="%g" %s>0</text>`, left-6, baseline, anchorEnd)
}

// xLabel writes s under the x axis at x, anchored as anchor says (start
// when empty).
func xLabel(b *strings.Builder, x float64, anchor, s string) {
	if anchor != "" {
		anchor = " " + anchor
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%g"%s>%s</text>`, x, baseline+16, anchor, template.HTMLEscapeString(s))
}

// figure wraps an SVG plot with its title and its series' legend.
func figure(title string, legend []Series, svg string) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<figure><figcaption>%s</figcaption>`, template.HTMLEscapeString(title))
	if len(legend) > 0 {
		b.WriteString(`<div class="legend">`)
		for _, s := range legend {
			fmt.Fprintf(&b, `<span><i style="background:%s"></i>%s</span>`, template.HTMLEscapeString(s.Color), template.HTMLEscapeString(s.Name))
		}
		b.WriteString(`</div>`)
	}
	b.WriteString(svg)
	b.WriteString(`</figure>`)
	return template.HTML(b.String())
}

// empty is a chart with nothing to plot: its title, and note in the
// plot's place.
func empty(title, note string) template.HTML {
	return template.HTML(fmt.Sprintf(`<figure><figcaption>%s</figcaption><p class="empty">%s</p></figure>`,
		template.HTMLEscapeString(title), template.HTMLEscapeString(note)))
}

// Section is a heading and the charts under it.
type Section struct {
	Heading string
	Charts  []template.HTML
}

// Page writes a self-contained report page: the title, the report's text
// table, then the sections.
func Page(w io.Writer, title, table string, sections ...Section) error {
	return page.Execute(w, map[string]any{"Title": title, "Table": table, "Sections": sections})
}

// The page is wide enough for the reports' text tables (up to 136
// columns) beside a 1366-pixel screen's margins; the charts shrink with a
// narrower window and the table scrolls.
var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;max-width:1180px;color:#222}
h1{font-size:1.5em}
pre{background:#f6f6f6;padding:1em;overflow:auto;font:12px/1.4 ui-monospace,monospace}
figure{margin:1.5em 0;max-width:900px}
figcaption{font-size:13px;margin-bottom:.3em}
.legend{display:flex;flex-wrap:wrap;gap:.2em 1.2em;font-size:12px;margin-bottom:.3em}
.legend i{display:inline-block;width:1.2em;height:3px;margin-right:.4em;vertical-align:middle}
svg{display:block;max-width:100%;height:auto}
text{font:11px system-ui,sans-serif;fill:#444}
.empty{color:#777}
</style></head>
<body><h1>{{.Title}}</h1><pre>{{.Table}}</pre>
{{range .Sections}}<h2>{{.Heading}}</h2>{{range .Charts}}{{.}}{{end}}
{{end}}</body></html>
`))
