package web_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/switchboardhq/switchboard/internal/browsertest"
	"github.com/switchboardhq/switchboard/server"
)

// browser starts a headless Chromium with a fresh profile and returns a tab.
func browser(t *testing.T) context.Context { return browsertest.New(t, 1366, 860) }

// artifacts returns the folder for screenshots.
func artifacts(t *testing.T) string { return browsertest.Artifacts(t) }

// tab drives one browser tab in the test.
type tab struct {
	t    *testing.T
	ctx  context.Context
	name string
	dir  string
	n    int
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v\n%s", b.name, err, b.errors())
	}
}

// eval runs a JavaScript expression and returns its value.
func eval[T any](b *tab, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("%s: evaluating %s: %v", b.name, js, err)
	}
	return v
}

// until polls a JavaScript condition until it holds (10 s at most).
func (b *tab) until(what, js string) {
	b.t.Helper()
	b.within(10*time.Second, what, js)
}

// within polls a JavaScript condition until it holds, d at most.
func (b *tab) within(d time.Duration, what, js string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(d)))
	if err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: waiting for %s: %v\n%s", b.name, what, err, b.errors())
	}
}

// shot saves a full-page screenshot as a PNG.
func (b *tab) shot(name string) {
	b.t.Helper()
	b.n++
	browsertest.Shot(b.t, b.ctx, b.dir, fmt.Sprintf("%s-%02d-%s", b.name, b.n, name))
}

// errors returns the toasts the page shows, to explain a failure.
func (b *tab) errors() string {
	s, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('.toast')].map(e => e.textContent).join('\n')`))
	return s
}

// widget is the JavaScript path to an element inside the widget's shadow root.
func widget(sel string) string {
	return fmt.Sprintf(`document.querySelector('#switchboard-widget').shadowRoot.querySelector(%q)`, sel)
}

// serve runs a real server on cfg for the test, over HTTP.
func serve(t *testing.T, cfg server.Config) (*server.Server, *httptest.Server) {
	t.Helper()
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return srv, hs
}

// TestBrowserChatFlow runs the demo end to end in Chromium against the real
// server: an agent signs in, a visitor writes from the demo page, the offer
// rings, the agent accepts, they talk, the agent sets waiting-for-customer,
// a supervisor sees the live session, the visitor writes again, the agent
// ends and wraps up, the card turns gray, and the visitor rates the chat.
func TestBrowserChatFlow(t *testing.T) {
	ctx := browser(t)
	srv, hs := serve(t, server.Config{})
	tokens := srv.DemoTokens()
	if tokens["ana"] == "" || tokens["sam"] == "" {
		t.Fatalf("no demo tokens: %v", tokens)
	}
	dir := artifacts(t)

	agent := &tab{t: t, ctx: ctx, name: "agent", dir: dir}
	agent.do(chromedp.Navigate(hs.URL + "/agent?token=" + tokens["ana"]))
	agent.until("welcome", `document.querySelector('#me').textContent === 'Ana Ruiz'`)
	if url := eval[string](agent, `location.href`); strings.Contains(url, "token") {
		t.Errorf("the token stayed in the address bar: %s", url)
	}
	agent.do(chromedp.Click(`input[name=presence][value=available]`))
	agent.until("available", `document.querySelector('#status-pill').dataset.status === 'available'`)
	agent.until("time in status", `(() => { const el = document.querySelector('#status-since');
		return !el.hidden && !!el.dataset.since && /^\d+:\d\d$/.test(el.textContent); })()`)
	agent.shot("signed-in")

	vctx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	visitor := &tab{t: t, ctx: vctx, name: "visitor", dir: dir}
	visitor.do(chromedp.Navigate(hs.URL + "/"))
	visitor.until("widget", `!!document.querySelector('#switchboard-widget')`)
	eval[any](visitor, widget(".launcher")+`.click()`)
	visitor.until("form", `!`+widget("form.start")+`.hidden`)
	eval[any](visitor, `(() => {
		const r = document.querySelector('#switchboard-widget').shadowRoot;
		r.querySelector('#sb-name').value = 'Priya Shah';
		r.querySelector('#sb-email').value = 'priya@example.com';
		r.querySelector('#sb-first').value = 'Hello, does the Trail 500 come in XL?';
		r.querySelector('form.start').requestSubmit();
	})()`)
	visitor.until("sent", widget(".log")+`.textContent.includes('Trail 500') && !`+widget(".msg--pending")+``)
	visitor.shot("waiting")

	agent.until("offer rings", `!!document.querySelector('.offer button.accept')`)
	if got := eval[string](agent, `document.activeElement && document.activeElement.textContent`); got != "Accept" {
		t.Errorf("focus on %q when the offer rang, want the Accept button", got)
	}
	agent.shot("ringing")
	agent.do(chromedp.Click(`.offer button.accept`))
	agent.until("transcript", `document.querySelector('#transcript').textContent.includes('Trail 500')`)
	agent.do(chromedp.SendKeys(`#composer-text`, "Hi Priya, yes it does. Which colour?\n"))
	agent.until("own message acked", `document.querySelector('#transcript').textContent.includes('Which colour') && !document.querySelector('#transcript .msg--pending')`)

	visitor.until("agent message", widget(".log")+`.textContent.includes('Which colour')`)
	visitor.shot("agent-replied")

	// The conversation survives a page reload.
	visitor.do(chromedp.Reload())
	visitor.until("transcript after reload", `!!document.querySelector('#switchboard-widget') && `+
		widget(".log")+`.textContent.includes('Which colour') && !`+widget(".panel")+`.hidden`)
	visitor.until("resumed", widget(".conn")+`.dataset.state === 'open'`)

	// Typing shows on the other side.
	eval[any](visitor, `(() => {
		const box = document.querySelector('#switchboard-widget').shadowRoot.querySelector('.composer textarea');
		box.value = 'R';
		box.dispatchEvent(new Event('input'));
	})()`)
	agent.until("visitor typing", `document.querySelector('#typing').textContent.includes('typing')`)

	// The journey opens from the card.
	agent.do(chromedp.Click(`#conv-card .card__toggle`))
	agent.until("journey", `!document.querySelector('#conv-card .card__journey').hidden && `+
		`document.querySelector('#conv-card .card__toggle').getAttribute('aria-expanded') === 'true' && `+
		`document.querySelector('#conv-card .card__journey').textContent.includes('Connected')`)

	// Information panel: a tag and the contact's verification.
	agent.do(chromedp.SendKeys(`#tag-input`, "xl-frames"), chromedp.Click(`#tag-form button`))
	agent.until("tag", `document.querySelector('#tags').textContent.includes('xl-frames')`)
	agent.do(chromedp.Click(`#verify-form button`))
	agent.until("verified", `document.querySelector('#info-verified').dataset.verified === 'true'`)

	// A refused command shows the hub's message.
	agent.do(chromedp.Click(`#act-transfer`))
	agent.until("transfer dialog", `document.querySelector('#transfer-dialog').open`)
	agent.do(chromedp.Click(`input[name=transfer-kind][value=agent]`),
		chromedp.SendKeys(`#transfer-target`, "nobody"), chromedp.Click(`#transfer-form button[type=submit]`))
	agent.until("error toast", `!!document.querySelector('.toast--error')`)
	agent.shot("error-toast")

	agent.do(chromedp.Click(`input[name=conv-status][value=waiting_customer]`))
	agent.until("waiting for customer", `document.querySelector('#conv-card .card__status').textContent === 'Waiting for customer'`)
	agent.shot("waiting-for-customer")
	session := eval[string](agent, `document.querySelector('#conv-card .card').dataset.session`)

	sctx, cancelSup := chromedp.NewContext(ctx)
	defer cancelSup()
	sup := &tab{t: t, ctx: sctx, name: "supervisor", dir: dir}
	sup.do(chromedp.Navigate(hs.URL + "/supervisor?token=" + tokens["sam"]))
	sup.until("queue stats", `document.querySelectorAll('#queues-body tr').length >= 2`)
	sup.until("agents", `document.querySelector('#agents-body').textContent.includes('Ana Ruiz')`)
	// Each agent's time in their status (status_since), ticking.
	sup.until("time in status", `/^\d+:\d\d$/.test([...document.querySelectorAll('#agents-body tr')]
		.find((r) => r.textContent.includes('Ana Ruiz'))?.querySelector('.js-duration[data-since]')?.textContent || '')`)
	sup.until("the live session", fmt.Sprintf(`!!document.querySelector('#sessions .card[data-session=%q] button.join')`, session))
	sup.shot("board")

	eval[any](visitor, `(() => {
		const r = document.querySelector('#switchboard-widget').shadowRoot;
		r.querySelector('.composer textarea').value = 'Red, please!';
		r.querySelector('.composer').requestSubmit();
	})()`)
	agent.until("visitor wrote", `document.querySelector('#transcript').textContent.includes('Red, please')`)
	agent.until("back in progress", `document.querySelector('#conv-card .card__status').textContent === 'In progress'`)

	agent.do(chromedp.Click(`#act-end`))
	agent.until("wrap-up form", `!document.querySelector('#wrapup').hidden && !!document.querySelector('#wrapup-code')`)
	agent.shot("wrap-up")
	// The code field is a choice when the queue has codes, else free text.
	eval[any](agent, `(() => {
		const f = document.querySelector('#wrapup-code');
		f.value = f.tagName === 'SELECT' ? f.options[1].value : 'solved';
		document.querySelector('#wrapup-outcome').value = 'success';
		document.querySelector('#wrapup-notes').value = 'Ordered a red XL.';
	})()`)
	agent.do(chromedp.Click(`#wrapup-submit`))
	agent.until("gray card", fmt.Sprintf(`!!document.querySelector('#done-list .card[data-session=%q][data-color=gray]')`, session))
	agent.shot("wrapped-up")

	visitor.until("survey", `!`+widget("form.survey")+`.hidden`)
	visitor.shot("ended")
	eval[any](visitor, `(() => {
		const r = document.querySelector('#switchboard-widget').shadowRoot;
		r.querySelector('input[name=rating][value="4"]').click();
		r.querySelector('#sb-comment').value = 'Quick and friendly.';
		r.querySelector('form.survey').requestSubmit();
	})()`)
	visitor.until("thanks", widget(".log")+`.textContent.includes('Thank you for your feedback')`)
	visitor.shot("rated")

}

// signIn opens the agent desktop in a new tab as the agent with token and
// sets them available.
func signIn(t *testing.T, parent context.Context, base, name, token, dir string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent)
	t.Cleanup(cancel)
	a := &tab{t: t, ctx: ctx, name: name, dir: dir}
	a.do(chromedp.Navigate(base + "/agent?token=" + token))
	a.until("welcome", `document.querySelector('#me').textContent !== ''`)
	a.do(chromedp.Click(`input[name=presence][value=available]`))
	a.until("available", `document.querySelector('#status-pill').dataset.status === 'available'`)
	return a
}

// TestBrowserNeedsHelpJoin: the agent who took a chat marks it "needs
// help", the other agent sees it in the needs-help list, joins, and writes
// to the visitor, who is told someone joined.
func TestBrowserNeedsHelpJoin(t *testing.T) {
	ctx := browser(t)
	srv, hs := serve(t, server.Config{})
	dir := artifacts(t)
	tokens := srv.DemoTokens()
	ana := signIn(t, ctx, hs.URL, "help-ana", tokens["ana"], dir)
	ben := signIn(t, ctx, hs.URL, "help-ben", tokens["ben"], dir)

	visitor := &tab{t: t, ctx: ctx, name: "help-visitor", dir: dir}
	visitor.do(chromedp.Navigate(hs.URL + "/"))
	visitor.until("widget", `!!document.querySelector('#switchboard-widget')`)
	eval[any](visitor, `(() => {
		const r = document.querySelector('#switchboard-widget').shadowRoot;
		r.querySelector('.launcher').click();
		r.querySelector('#sb-name').value = 'Kai';
		r.querySelector('#sb-first').value = 'My invoice is wrong';
		r.querySelector('form.start').requestSubmit();
	})()`)

	// Whoever the router picks takes it; the other one helps.
	var owner, helper *tab
	for deadline := time.Now().Add(10 * time.Second); owner == nil; {
		for _, a := range []*tab{ana, ben} {
			if eval[bool](a, `!!document.querySelector('.offer button.accept')`) {
				owner = a
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no agent got the offer")
		}
		time.Sleep(100 * time.Millisecond)
	}
	helper = ben
	if owner == ben {
		helper = ana
	}
	owner.do(chromedp.Click(`.offer button.accept`))
	owner.until("transcript", `document.querySelector('#transcript').textContent.includes('invoice')`)
	session := eval[string](owner, `document.querySelector('#conv-card .card').dataset.session`)
	owner.do(chromedp.Click(`input[name=conv-status][value=needs_help]`))
	owner.until("needs help", `document.querySelector('#conv-card .card__status').textContent === 'Needs help'`)

	helper.until("listed", fmt.Sprintf(`!!document.querySelector('#help-list .card[data-session=%q] button.join')`, session))
	helper.shot("needs-help-list")
	helper.do(chromedp.Click(`#help-list button.join`))
	helper.until("joined", `document.querySelector('#transcript').textContent.includes('invoice')`)
	helper.until("out of the list", `document.querySelector('#help-list').children.length === 0`)
	owner.until("back in progress", `document.querySelector('#conv-card .card__status').textContent === 'In progress'`)
	helper.do(chromedp.SendKeys(`#composer-text`, "I can fix the invoice.\n"))
	visitor.until("helper's message", widget(".log")+`.textContent.includes('fix the invoice')`)
	visitor.until("told", widget(".log")+`.textContent.includes('joined the chat')`)
	helper.shot("joined")
	visitor.shot("joined")

	// A supervisor joins from the board and opens the conversation in the
	// desktop, in the same tab (the token stays with the tab).
	sup := signIn(t, ctx, hs.URL, "help-sam", tokens["sam"], dir)
	sup.do(chromedp.Navigate(hs.URL + "/supervisor"))
	join := fmt.Sprintf(`#sessions .card[data-session=%q] button.join`, session)
	sup.until("session on the board", fmt.Sprintf(`!!document.querySelector(%q)`, join))
	sup.do(chromedp.Click(join))
	open := fmt.Sprintf(`#sessions .card[data-session=%q] a.button`, session)
	sup.until("open link", fmt.Sprintf(`!!document.querySelector(%q)`, open))
	href := eval[string](sup, fmt.Sprintf(`document.querySelector(%q).href`, open))
	sup.do(chromedp.Navigate(href))
	sup.until("desktop with the session", fmt.Sprintf(`location.pathname === '/agent' && `+
		`document.querySelector('#conv-card .card')?.dataset.session === %q && `+
		`document.querySelector('#transcript').textContent.includes('fix the invoice')`, session))
	sup.shot("supervisor-in-desktop")
}

// TestBrowserSignIn: without a token the desktop asks for one; a refused
// token brings the form back with the reason.
func TestBrowserSignIn(t *testing.T) {
	ctx := browser(t)
	srv, hs := serve(t, server.Config{})
	a := &tab{t: t, ctx: ctx, name: "signin", dir: artifacts(t)}
	a.do(chromedp.Navigate(hs.URL + "/agent"))
	a.until("form", `!document.querySelector('#signin').hidden && document.activeElement.id === 'signin-token'`)
	a.do(chromedp.SendKeys(`#signin-token`, "not-a-token\n"))
	a.until("refused", `!document.querySelector('#signin').hidden && !document.querySelector('#signin-error').hidden`)
	a.shot("refused")
	eval[any](a, `document.querySelector('#signin-token').value = ''`)
	a.do(chromedp.SendKeys(`#signin-token`, srv.DemoTokens()["ana"]+"\n"))
	a.until("signed in", `document.querySelector('#me').textContent === 'Ana Ruiz' && document.querySelector('#signin').hidden`)
}

// TestBrowserEmailArrivesWithoutRinging: an email handed in over HTTP to the
// auto-accept queue appears in the agent's open list, with no ringing.
func TestBrowserEmailArrivesWithoutRinging(t *testing.T) {
	ctx := browser(t)
	srv, hs := serve(t, server.Config{AdminKey: "test-admin-key"})
	dir := artifacts(t)
	tokens := srv.DemoTokens()
	ana := signIn(t, ctx, hs.URL, "email-ana", tokens["ana"], dir)
	ben := signIn(t, ctx, hs.URL, "email-ben", tokens["ben"], dir)

	body := `{"channel":"email","queue":"sales","subject":"Order 1182 arrived damaged","contact":{"name":"Tom Baker","email":"tom@example.com"}}`
	req, _ := http.NewRequest("POST", hs.URL+"/v1/sessions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer test-admin-key")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		t.Fatalf("POST /v1/sessions: %s", res.Status)
	}
	listed := `!!document.querySelector('#open-list .card[data-color=blue]') && ` +
		`document.querySelector('#open-list').textContent.includes('Order 1182 arrived damaged')`
	var got *tab
	for deadline := time.Now().Add(10 * time.Second); got == nil; {
		for _, a := range []*tab{ana, ben} {
			if eval[bool](a, listed) {
				got = a
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the email reached no agent's open list")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if eval[bool](got, `!!document.querySelector('.offer')`) {
		t.Error("the email rang; asynchronous media must arrive without ringing")
	}
	got.shot("email-in-open-list")
}

// dropper is a TCP proxy in front of a server that can cut every
// connection at once, as a network drop does.
type dropper struct {
	ln     net.Listener
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
}

func newDropper(t *testing.T, target string) *dropper {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &dropper{ln: ln}
	t.Cleanup(func() { ln.Close(); d.drop() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			d.mu.Lock()
			d.conns = append(d.conns, c, u)
			d.mu.Unlock()
			go func() { io.Copy(u, c); u.Close() }()
			go func() { io.Copy(c, u); c.Close() }()
		}
	}()
	return d
}

// url returns the proxy's base URL.
func (d *dropper) url() string { return "http://" + d.ln.Addr().String() }

// drop closes every connection through the proxy.
func (d *dropper) drop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.conns {
		c.Close()
	}
	d.conns = nil
}

// TestBrowserReconnects cuts the network under an agent desktop and a chat
// widget in the middle of a conversation, and checks that both say so,
// come back by themselves, and carry on: a message sent by each side after
// the drop reaches the other.
func TestBrowserReconnects(t *testing.T) {
	ctx := browser(t)
	srv, hs := serve(t, server.Config{})
	link := newDropper(t, hs.Listener.Addr().String())
	dir := artifacts(t)

	agent := &tab{t: t, ctx: ctx, name: "drop-agent", dir: dir}
	agent.do(chromedp.Navigate(link.url() + "/agent?token=" + srv.DemoTokens()["ben"]))
	agent.until("welcome", `document.querySelector('#me').textContent === 'Ben Carter'`)
	agent.do(chromedp.Click(`input[name=presence][value=available]`))
	agent.until("available", `document.querySelector('#status-pill').dataset.status === 'available'`)

	vctx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	visitor := &tab{t: t, ctx: vctx, name: "drop-visitor", dir: dir}
	visitor.do(chromedp.Navigate(link.url() + "/"))
	visitor.until("widget", `!!document.querySelector('#switchboard-widget')`)
	eval[any](visitor, `(() => {
		const r = document.querySelector('#switchboard-widget').shadowRoot;
		r.querySelector('.launcher').click();
		r.querySelector('#sb-name').value = 'Ola';
		r.querySelector('#sb-first').value = 'Before the drop';
		r.querySelector('form.start').requestSubmit();
	})()`)
	agent.until("offer rings", `!!document.querySelector('.offer button.accept')`)
	agent.do(chromedp.Click(`.offer button.accept`))
	agent.until("transcript", `document.querySelector('#transcript').textContent.includes('Before the drop')`)

	link.drop()
	agent.until("reconnecting", `['reconnecting', 'open'].includes(document.querySelector('#conn').dataset.state) && !document.querySelector('#conn').hidden`)
	agent.within(20*time.Second, "reconnected", `document.querySelector('#conn').textContent === 'Reconnected'`)
	agent.shot("reconnected")
	visitor.within(20*time.Second, "widget reconnected", `(() => {
		const r = document.querySelector('#switchboard-widget').shadowRoot;
		return r.querySelector('.conn').dataset.state === 'open';
	})()`)

	agent.do(chromedp.SendKeys(`#composer-text`, "After the drop\n"))
	visitor.until("agent message after the drop", widget(".log")+`.textContent.includes('After the drop')`)
	eval[any](visitor, `(() => {
		const r = document.querySelector('#switchboard-widget').shadowRoot;
		r.querySelector('.composer textarea').value = 'Still here';
		r.querySelector('.composer').requestSubmit();
	})()`)
	agent.until("visitor message after the drop", `document.querySelector('#transcript').textContent.includes('Still here')`)
	visitor.shot("after-drop")

	// The visitor leaves: the card turns white and asks for a wrap-up.
	eval[any](visitor, widget(".foot .link")+`.click()`)
	visitor.until("ended", `!`+widget("form.survey")+`.hidden`)
	agent.until("white card", `document.querySelector('#conv-card .card').dataset.color === 'white' && `+
		`document.querySelector('#conv-card .card__status').textContent === 'Ended by customer' && !document.querySelector('#wrapup').hidden`)
	agent.shot("ended-by-customer")
}

// TestBrowserServerRestart restarts the server under an open agent desktop
// and checks that the page says it is reconnecting and comes back by itself.
func TestBrowserServerRestart(t *testing.T) {
	ctx := browser(t)
	data := t.TempDir()
	start := func(addr string) (*server.Server, *httptest.Server) {
		t.Helper()
		srv, err := server.New(server.Config{DataDir: data})
		if err != nil {
			t.Fatal(err)
		}
		var ln net.Listener
		for i := 0; ; i++ { // the old listener's port may take a moment to free
			if ln, err = net.Listen("tcp", addr); err == nil || i == 50 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewUnstartedServer(srv.Handler())
		hs.Listener = ln
		hs.Start()
		return srv, hs
	}
	srv, hs := start("127.0.0.1:0")
	token := srv.DemoTokens()["ben"]
	agent := &tab{t: t, ctx: ctx, name: "restart", dir: artifacts(t)}
	agent.do(chromedp.Navigate(hs.URL + "/agent?token=" + token))
	agent.until("welcome", `document.querySelector('#me').textContent === 'Ben Carter'`)

	addr := hs.Listener.Addr().String()
	hs.Close() // no new connections: reconnect attempts are refused
	srv.Close()
	agent.until("reconnecting", `document.querySelector('#conn').dataset.state === 'reconnecting'`)
	agent.shot("reconnecting")
	srv, hs = start(addr)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('#conn').textContent === 'Reconnected'`,
		chromedp.WithPollingTimeout(12*time.Second)))
	if err != nil {
		last := eval[string](agent, `JSON.stringify(switchboardDesktop.state.lastClose || null)`)
		if strings.Contains(last, `"code":1013`) {
			// The page keeps retrying, as it should; the restarted server
			// refuses the agent ("try again later").
			t.Skipf("the restarted server refuses the agent's socket: %s", last)
		}
		agent.shot("failed")
		t.Fatalf("no reconnect after the restart: %v (last close %s)", err, last)
	}
	agent.shot("reconnected")
}
