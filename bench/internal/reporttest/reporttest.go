// Package reporttest checks an HTML report of the bench or the simulator
// as a reader sees it: opened in a real browser (headless Chromium), every
// chart drawn at its size, nothing cut off or drawn over, the text table
// readable without scrolling sideways. Only tests import it.
package reporttest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/switchboardhq/switchboard/internal/browsertest"
)

// The window the reports are checked in: a laptop's screen.
const windowW, windowH = 1366, 860

// Page is a report to check: its file, and the name its screenshot takes.
type Page struct{ Name, Path string }

// Check opens each page in one Chromium, saves a screenshot of it as
// report-NAME.png among the test's artifacts, and fails t for every
// problem Problems finds on it. It skips t as browsertest.New does: call it
// in a test, or a subtest, of its own.
func Check(t *testing.T, pages ...Page) {
	t.Helper()
	ctx := browsertest.New(t, windowW, windowH)
	dir := browsertest.Artifacts(t)
	for _, p := range pages {
		for _, problem := range Problems(t, ctx, p.Path) {
			t.Errorf("%s: %s", p.Name, problem)
		}
		browsertest.Shot(t, ctx, dir, "report-"+p.Name)
	}
}

// Problems opens the page at path in ctx's tab and returns what a reader
// would find wrong with it, as sentences; none for a good page.
func Problems(t *testing.T, ctx context.Context, path string) []string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+abs)); err != nil {
		t.Fatalf("opening %s: %v", path, err)
	}
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](layoutCheck))
	if err != nil {
		t.Fatalf("checking %s: %v", path, err)
	}
	return problems
}

// layoutCheck runs in the page and lists its problems. SVG boxes are in
// the plot's own units (getBBox), so a label is cut off when its box leaves
// the viewBox, whatever the scale the window draws the plot at.
const layoutCheck = `(() => {
  const bad = [], slack = 0.5;
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth) bad.push("the page scrolls sideways: " + doc.scrollWidth + " px in a window of " + window.innerWidth);
  const pres = document.querySelectorAll("pre");
  if (pres.length !== 1 || !pres[0].textContent.trim()) bad.push("the page has no text table");
  for (const pre of pres) {
    if (pre.scrollWidth > pre.clientWidth) bad.push("the text table is wider than its box: " + pre.scrollWidth + " px in " + pre.clientWidth);
  }
  const figs = [...document.querySelectorAll("figure")];
  if (!figs.length) bad.push("the page has no charts");
  const inside = (b, vb) => b.x >= vb.x - slack && b.y >= vb.y - slack &&
    b.x + b.width <= vb.x + vb.width + slack && b.y + b.height <= vb.y + vb.height + slack;
  const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  figs.forEach((fig, i) => {
    const cap = fig.querySelector("figcaption");
    const name = cap && cap.textContent.trim() ? JSON.stringify(cap.textContent.trim()) : "chart " + (i + 1);
    if (!cap || !cap.textContent.trim()) bad.push(name + " has no title");
    const svg = fig.querySelector("svg");
    if (!svg) {
      if (!fig.querySelector(".empty")) bad.push(name + " has neither a plot nor a note in its place");
      return;
    }
    const r = svg.getBoundingClientRect();
    if (r.width < 400 || r.height < 100) bad.push(name + " is drawn " + Math.round(r.width) + " × " + Math.round(r.height) + " px");
    if (r.right > window.innerWidth) bad.push(name + " runs past the window's right edge");
    const vb = svg.viewBox.baseVal;
    const texts = [...svg.querySelectorAll("text")].map(e => ({s: e.textContent, b: e.getBBox()}));
    if (texts.length < 3) bad.push(name + " has " + texts.length + " axis labels");
    for (const t of texts) {
      if (!t.s.trim()) bad.push(name + " has an empty label");
      if (!inside(t.b, vb)) bad.push(name + ": the label " + JSON.stringify(t.s) + " is cut off");
    }
    for (let a = 0; a < texts.length; a++) for (let b = a + 1; b < texts.length; b++) {
      if (overlap(texts[a].b, texts[b].b)) bad.push(name + ": the labels " + JSON.stringify(texts[a].s) + " and " + JSON.stringify(texts[b].s) + " overlap");
    }
    const series = [...svg.querySelectorAll("g.series")], bars = [...svg.querySelectorAll("rect[fill='#1f77b4']")];
    if (!svg.querySelector("g.series > *") && !bars.length) bad.push(name + " draws nothing");
    const point = (x, y) => {
      if (isFinite(x) && isFinite(y) && inside({x: x, y: y, width: 0, height: 0}, vb)) return true;
      bad.push(name + ": a line leaves the plot at (" + x + ", " + y + ")");
      return false;
    };
    for (const l of svg.querySelectorAll("g.series polyline")) {
      const pts = l.points;
      if (pts.numberOfItems < 2) bad.push(name + " has a line of " + pts.numberOfItems + " point");
      for (let k = 0; k < pts.numberOfItems && point(pts.getItem(k).x, pts.getItem(k).y); k++) {}
    }
    for (const c of svg.querySelectorAll("g.series circle")) point(c.cx.baseVal.value, c.cy.baseVal.value);
    for (const rect of bars) {
      if (!inside(rect.getBBox(), vb)) { bad.push(name + ": a bar leaves the plot"); break; }
    }
    const legend = [...fig.querySelectorAll(".legend > span")];
    if (series.length && legend.length !== series.length) bad.push(name + " has " + series.length + " lines and " + legend.length + " legend entries");
    legend.forEach((e, k) => {
      const swatch = getComputedStyle(e.querySelector("i")).backgroundColor;
      const line = series[k] && getComputedStyle(series[k]).stroke;
      if (!e.textContent.trim()) bad.push(name + ": a legend entry has no name");
      if (line && swatch !== line) bad.push(name + ": the legend's " + JSON.stringify(e.textContent) + " is " + swatch + ", its line " + line);
      const b = e.getBoundingClientRect();
      if (b.right > fig.getBoundingClientRect().right + slack) bad.push(name + ": the legend's " + JSON.stringify(e.textContent) + " runs past the chart");
    });
  });
  return bad;
})()`
