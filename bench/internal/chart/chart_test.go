package chart

import (
	"html/template"
	"math"
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	svg := string(Lines("queue <over> time", "120 s", "%.0f %%", 1, []Series{
		{"waiting", "#d62728", []float64{0, 4, 2}},
		{"busy & idle", "#1f77b4", []float64{1, 1}},
	}))
	for _, want := range []string{
		"queue &lt;over&gt; time", "busy &amp; idle", "120 s", "4 %",
		// the highest point of the first series touches the plot's top
		// (y = 8), 0 its bottom (y = 216); x runs from 56 to 884
		`points="56.0,216.0 470.0,8.0 884.0,112.0"`,
		// the legend is HTML, in the series' order and colours
		`<div class="legend"><span><i style="background:#d62728"></i>waiting</span><span><i style="background:#1f77b4"></i>busy &amp; idle</span></div>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q:\n%s", want, svg)
		}
	}
	if strings.Count(svg, "<polyline") != 2 || !strings.HasSuffix(svg, "</svg></figure>") {
		t.Errorf("svg %s", svg)
	}
	// A NaN breaks its line: two runs of values, and a dot for one alone.
	gaps := string(Lines("t", "1 s", "", 1, []Series{{"gaps", "#000", []float64{1, 2, math.NaN(), 2, math.NaN(), math.NaN(), 1, 1}}}))
	for _, want := range []string{
		`<g class="series" fill="none" stroke="#000" stroke-width="1.5"><polyline points="56.0,112.0 174.3,8.0"/>` +
			`<circle cx="410.9" cy="8.0" r="2" fill="#000"/><polyline points="765.7,112.0 884.0,112.0"/></g>`,
	} {
		if !strings.Contains(gaps, want) {
			t.Errorf("gaps: svg lacks %q:\n%s", want, gaps)
		}
	}
	// least raises the top: 2 drawn against 8 sits at a quarter.
	if got := string(Lines("t", "1 s", "", 8, []Series{{"one", "#000", []float64{2, 2}}})); !strings.Contains(got, `points="56.0,164.0 884.0,164.0"`) {
		t.Errorf("least 8: %s", got)
	}
	if got := string(Lines("t", "0 s", "", 1, []Series{{"one", "#000", []float64{3}}})); !strings.Contains(got, "too short") {
		t.Errorf("one point: %s", got)
	}
}

func TestBars(t *testing.T) {
	svg := string(Bars("waits <ms>", []Bar{{"1 ms", 2}, {"2 ms", 0}, {"4 ms", 8}, {"8 ms", 1}, {"16 ms", 4}}))
	for _, want := range []string{
		"<figcaption>waits &lt;ms&gt;</figcaption>",
		// the tallest bar fills the plot's height; an empty bucket is a bar of 0
		`<rect x="387.2" y="8.0" width="165.1" height="208.0" fill="#1f77b4"><title>4 ms: 8</title></rect>`,
		`<rect x="221.6" y="216.0" width="165.1" height="0.0" fill="#1f77b4"><title>2 ms: 0</title></rect>`,
		// the y axis is the tallest bar's count; the x axis' ends and middle
		`text-anchor="end">8</text>`, `<text x="56.0" y="232">1 ms</text>`,
		`<text x="470.0" y="232" text-anchor="middle">4 ms</text>`, `<text x="884.0" y="232" text-anchor="end">16 ms</text>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q:\n%s", want, svg)
		}
	}
	if n := strings.Count(svg, `fill="#1f77b4"`); n != 5 {
		t.Errorf("%d bars drawn, want 5", n)
	}
	// Two bars have no middle label; one has only its own.
	if got := string(Bars("t", []Bar{{"1 ms", 1}, {"2 ms", 1}})); strings.Count(got, "<text") != 4 {
		t.Errorf("two bars: %s", got)
	}
	if got := string(Bars("t", []Bar{{"1 ms", 1}})); strings.Count(got, "<text") != 3 {
		t.Errorf("one bar: %s", got)
	}
	for _, empty := range [][]Bar{nil, {{"1 ms", 0}}} {
		if got := string(Bars("t", empty)); !strings.Contains(got, `<p class="empty">no samples</p>`) || strings.Contains(got, "<svg") {
			t.Errorf("no samples: %s", got)
		}
	}
}

func TestPage(t *testing.T) {
	var b strings.Builder
	err := Page(&b, "run <1>", "a | b\n1 | 2", Section{Heading: "Waits & queue", Charts: []template.HTML{"<svg>x</svg>", "<svg>y</svg>"}},
		Section{Heading: "Second"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<title>run &lt;1&gt;</title>", "<pre>a | b\n1 | 2</pre>", "<h2>Waits &amp; queue</h2><svg>x</svg><svg>y</svg>", "<h2>Second</h2>"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("page lacks %q:\n%s", want, b.String())
		}
	}
}
