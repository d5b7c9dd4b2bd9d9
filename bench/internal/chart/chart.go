// Package chart draws the small inline SVG charts of the bench's and the
// simulator's HTML reports: no scripts, no external files, so a report is
// one self-contained page.
package chart

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
)

// Series is one line: its name, colour and values, sampled at equal steps
// from the left edge to the right.
type Series struct {
	Name, Color string
	Ys          []float64
}

// Lines draws series as polylines over a shared y axis from 0 to the
// largest value, or to least when that is larger. xEnd labels the right end
// of the x axis and yTop formats the top of the y axis ("%.0f" when empty).
func Lines(title, xEnd, yTop string, least float64, ss []Series) template.HTML {
	const width, height, pad = 900.0, 260.0, 40.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg width="%g" height="%g" viewBox="0 0 %g %g" role="img"><text x="%g" y="14">%s</text>`,
		width, height, width, height, pad, template.HTMLEscapeString(title))
	n, top := 0, math.Max(least, 1e-9)
	for _, s := range ss {
		n = max(n, len(s.Ys))
		for _, y := range s.Ys {
			top = math.Max(top, y)
		}
	}
	if n < 2 {
		b.WriteString(`<text x="40" y="60">run too short for a chart</text></svg>`)
		return template.HTML(b.String())
	}
	for k, s := range ss {
		var pts []string
		for i, y := range s.Ys {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", pad+(width-2*pad)*float64(i)/float64(n-1), height-pad-(height-2*pad)*y/top))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`, s.Color, strings.Join(pts, " "))
		// the legend: one row above the plot, right-aligned
		fmt.Fprintf(&b, `<text x="%g" y="30" fill="%s">%s</text>`, width-pad-150*float64(len(ss)-k), s.Color, template.HTMLEscapeString(s.Name))
	}
	if yTop == "" {
		yTop = "%.0f"
	}
	fmt.Fprintf(&b, `<text x="4" y="%g">%s</text><text x="4" y="%g">0</text><text x="%g" y="%g">%s</text></svg>`,
		pad+4, template.HTMLEscapeString(fmt.Sprintf(yTop, top)), height-pad, width-pad-60, height-pad+16, template.HTMLEscapeString(xEnd))
	return template.HTML(b.String())
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

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:960px}pre{background:#f6f6f6;padding:1em;overflow:auto}
svg{display:block;margin:1em 0}text{font:11px system-ui,sans-serif}</style></head>
<body><h1>{{.Title}}</h1><pre>{{.Table}}</pre>
{{range .Sections}}<h2>{{.Heading}}</h2>{{range .Charts}}{{.}}{{end}}
{{end}}</body></html>
`))
