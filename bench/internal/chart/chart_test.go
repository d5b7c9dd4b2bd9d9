package chart

import (
	"html/template"
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
		// the highest point of the first series touches the top (y = pad)
		`points="40.0,220.0 450.0,40.0 860.0,130.0"`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q:\n%s", want, svg)
		}
	}
	if strings.Count(svg, "<polyline") != 2 || !strings.HasSuffix(svg, "</svg>") {
		t.Errorf("svg %s", svg)
	}
	// least raises the top: 2 drawn against 8 sits at a quarter.
	if got := string(Lines("t", "1 s", "", 8, []Series{{"one", "#000", []float64{2, 2}}})); !strings.Contains(got, `points="40.0,175.0 860.0,175.0"`) {
		t.Errorf("least 8: %s", got)
	}
	if got := string(Lines("t", "0 s", "", 1, []Series{{"one", "#000", []float64{3}}})); !strings.Contains(got, "too short") {
		t.Errorf("one point: %s", got)
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
