package reporttest

import (
	"html/template"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/bench/internal/chart"
	"github.com/switchboardhq/switchboard/internal/browsertest"
)

// TestChartsPass: a page of the chart package's own charts, with long
// names, a wide table and a one-bar histogram, has no problem.
func TestChartsPass(t *testing.T) {
	page := filepath.Join(t.TempDir(), "good.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	long := []chart.Series{
		{Name: "contacts in service (wrap-up included)", Color: "#1f77b4", Ys: []float64{0, 3, 12345, 7}},
		{Name: "contacts waiting for a French-speaking agent of the VIP queue", Color: "#d62728", Ys: []float64{1, 0, 4, 2}},
		{Name: "agents busy", Color: "#2ca02c", Ys: []float64{1, 2, 3, 4}},
		{Name: "calls active", Color: "#9467bd", Ys: []float64{4, 3, 2, 1}},
		{Name: "emails open", Color: "#8c564b", Ys: []float64{0, 0, 0, 0}},
		{Name: "with gaps", Color: "#e377c2", Ys: []float64{math.NaN(), 5, math.NaN(), 8}},
	}
	table := strings.Repeat("x", 136) + "\nshort line\n"
	err = chart.Page(f, "a report <with> everything", table,
		chart.Section{Heading: "Lines", Charts: []template.HTML{
			chart.Lines("over simulated time (warm-up included)", "26h24m0s", "", 1, long),
			chart.Lines("answered within t", "80 s", "%.0f %%", 100, long[:1]),
			chart.Lines("too short", "0 s", "", 1, []chart.Series{{Name: "one", Color: "#000", Ys: []float64{1}}}),
		}},
		chart.Section{Heading: "Bars", Charts: []template.HTML{
			chart.Bars("one bar (ms)", []chart.Bar{{Label: "1.23 ms", N: 9}}),
			chart.Bars("two bars (ms)", []chart.Bar{{Label: "1.23 ms", N: 9}, {Label: "1.45 ms", N: 2}}),
			chart.Bars("many bars (ms)", bars(120)),
			chart.Bars("no samples (ms)", nil),
		}})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	Check(t, Page{"chart-package", page})
}

func bars(n int) []chart.Bar {
	out := make([]chart.Bar, n)
	for i := range out {
		out[i] = chart.Bar{Label: strings.Repeat("9", 1+i%6) + ".5 ms", N: uint64(i * i % 97)}
	}
	return out
}

// TestProblemsFound: the check finds each defect a reader would see, on a
// page written to have them; so a report with one fails its test.
func TestProblemsFound(t *testing.T) {
	const bad = `<!doctype html><html><head><style>body{margin:8px}pre{overflow:auto;width:300px}</style></head><body>
<pre>` + "a table line far too long for the three hundred pixels its box is given, so that a reader must scroll it sideways" + `</pre>
<figure><figcaption>clipped</figcaption><div class="legend"><span><i style="background:#d62728"></i>waiting</span><span><i style="background:#000000"></i>busy</span></div>
<svg viewBox="0 0 900 240" width="900"><text x="880" y="20">a label past the right edge</text><text x="10" y="100">here</text><text x="12" y="102">over it</text><text x="40" y="230"> </text>
<g class="series" fill="none" stroke="#d62728"><polyline points="40,10 950,20"/></g><g class="series" fill="none" stroke="#1f77b4"><polyline points="40,10 60,20"/><circle cx="70" cy="250" r="2"/><polyline points="80,20"/></g></svg></figure>
<figure><figcaption></figcaption><svg viewBox="0 0 900 240" width="200"><text x="1" y="20">a</text></svg></figure>
<figure><figcaption>nothing</figcaption></figure>
<div style="width:2000px">wide</div>
</body></html>`
	page := filepath.Join(t.TempDir(), "bad.html")
	if err := os.WriteFile(page, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t, windowW, windowH)
	got := strings.Join(Problems(t, ctx, page), "\n")
	for _, want := range []string{
		"the page scrolls sideways",
		"the text table is wider than its box",
		`"clipped": the label "a label past the right edge" is cut off`,
		`"clipped": the labels "here" and "over it" overlap`,
		`"clipped" has an empty label`,
		`"clipped": a line leaves the plot at (950, 20)`,
		`"clipped": a line leaves the plot at (70, 250)`,
		`"clipped" has a line of 1 point`,
		`"clipped": the legend's "busy" is rgb(0, 0, 0), its line rgb(31, 119, 180)`,
		"chart 2 has no title",
		"chart 2 is drawn 200 × 53 px",
		"chart 2 has 1 axis labels",
		"chart 2 draws nothing",
		`"nothing" has neither a plot nor a note in its place`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the check missed %q; it found:\n%s", want, got)
		}
	}
}
