// Package crashtest kills the real switchboard binary with SIGKILL at random
// points while clients drive it, restarts it on the same data, and checks
// that nothing acknowledged was lost: sessions, messages and wrap-ups are
// there, queues hold the same sessions in the same order, and visitors who
// reconnect get exactly the messages they missed, once.
//
// Rounds: SWITCHBOARD_CRASH_ROUNDS (default 6; CI runs more).
package crashtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/leakcheck"

	"github.com/coder/websocket"
)

const adminKey = "crash-admin"

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "switchboard-crash")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "switchboard")
	out, err := exec.Command("go", "build", "-o", binary, "../../cmd/switchboard").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building the binary: %v\n%s", err, out)
		os.Exit(1)
	}
	os.Exit(leakcheck.Run(m, leakcheck.Config{After: func() {
		os.RemoveAll(dir)
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	}}))
}

// proc is one run of the binary.
type proc struct {
	cmd  *exec.Cmd
	addr string
}

func start(t *testing.T, data string) *proc {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	// Every visitor of the test comes from 127.0.0.1: no per-address cap.
	cmd := exec.Command(binary, "--addr", addr, "--data", data, "--admin-key", adminKey, "--log-level", "warn",
		"--max-visitors-per-addr", "-1")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if os.Getenv("SWITCHBOARD_CRASH_LOG") != "" {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, addr: addr}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			p.kill()
			t.Fatalf("server not ready: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

func (p *proc) api(method, path, body string) (int, map[string]any, error) {
	req, _ := http.NewRequest(method, "http://"+p.addr+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, nil
}

// ledger is what the server acknowledged, kept by the test.
type ledger struct {
	mu       sync.Mutex
	sessions map[string]bool              // created (HTTP 201 or visitor ack)
	messages map[string]map[string]string // session → message id → text
	wrapped  map[string]string            // session → code
	visitors map[string]*visitorState
}

type visitorState struct {
	id, secret, session string
	seen                map[string]bool // message ids received
	lastSeen            int
}

func newLedger() *ledger {
	return &ledger{sessions: map[string]bool{}, messages: map[string]map[string]string{},
		wrapped: map[string]string{}, visitors: map[string]*visitorState{}}
}

func (l *ledger) message(session, id, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.messages[session] == nil {
		l.messages[session] = map[string]string{}
	}
	l.messages[session][id] = text
}

// ws is a minimal protocol client: send with ref, collect frames.
type ws struct {
	c      *websocket.Conn
	err    error // why the read loop ended
	mu     sync.Mutex
	acks   map[string]map[string]any
	frames []map[string]any
	refs   int
	done   chan struct{}
}

func dial(ctx context.Context, p *proc, path string, hello map[string]any) (*ws, map[string]any, error) {
	c, _, err := websocket.Dial(ctx, "ws://"+p.addr+path, nil)
	if err != nil {
		return nil, nil, err
	}
	w := &ws{c: c, acks: map[string]map[string]any{}, done: make(chan struct{})}
	b, _ := json.Marshal(hello)
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		return nil, nil, err
	}
	_, data, err := c.Read(ctx)
	if err != nil {
		return nil, nil, err
	}
	var wel map[string]any
	_ = json.Unmarshal(data, &wel)
	go w.loop()
	return w, wel, nil
}

func (w *ws) loop() {
	defer close(w.done)
	for {
		_, data, err := w.c.Read(context.Background())
		if err != nil {
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
			return
		}
		var m map[string]any
		_ = json.Unmarshal(data, &m)
		w.mu.Lock()
		if ref, ok := m["ref"].(string); ok {
			w.acks[ref] = m
		} else {
			w.frames = append(w.frames, m)
		}
		w.mu.Unlock()
	}
}

// do sends v and waits up to 2 s for its answer; nil when none came (the
// server died): the command may or may not have been applied, and the test
// counts only what was acknowledged.
func (w *ws) do(v map[string]any) map[string]any {
	w.mu.Lock()
	w.refs++
	ref := "r" + strconv.Itoa(w.refs)
	w.mu.Unlock()
	v["ref"] = ref
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if w.c.Write(ctx, websocket.MessageText, b) != nil {
		return nil
	}
	for ctx.Err() == nil {
		w.mu.Lock()
		a := w.acks[ref]
		w.mu.Unlock()
		if a != nil {
			return a
		}
		select {
		case <-w.done:
			return nil
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

func (w *ws) take(typ string) []map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []map[string]any
	rest := w.frames[:0]
	for _, f := range w.frames {
		if f["type"] == typ {
			out = append(out, f)
		} else {
			rest = append(rest, f)
		}
	}
	w.frames = rest
	return out
}

func (w *ws) close() { _ = w.c.CloseNow() }

// agentToken gives agent id a fresh token (through the admin API).
func agentToken(t *testing.T, p *proc, id string) string {
	_, m, err := p.api("POST", "/v1/agents/"+id+"/token", "")
	if err != nil {
		t.Fatal(err)
	}
	return m["token"].(string)
}

// workload drives the server until ctx ends: an agent accepting, talking
// and wrapping up chats, visitors writing, SMS sessions piling up in a queue.
func workload(ctx context.Context, t *testing.T, p *proc, l *ledger, rng *rand.Rand) {
	tok := agentToken(t, p, "ben")
	agent, _, err := dial(ctx, p, "/v1/ws/agent", map[string]any{"type": "hello", "token": tok})
	if err != nil {
		return
	}
	defer agent.close()
	agent.do(map[string]any{"type": "presence", "status": "available"})
	var visitors []*ws
	defer func() {
		for _, v := range visitors {
			v.close()
		}
	}()
	for ctx.Err() == nil {
		switch rng.IntN(5) {
		case 0: // an SMS waits in the queue
			code, m, err := p.api("POST", "/v1/sessions", fmt.Sprintf(`{"channel":"sms_inbound","queue":"backlog","priority":%d,"contact":{"phone":"+1555"}}`, 1+rng.IntN(8)))
			if err == nil && code == 201 {
				l.mu.Lock()
				l.sessions[m["session"].(string)] = true
				l.mu.Unlock()
			}
		case 1: // a new visitor writes
			v, wel, err := dial(ctx, p, "/v1/ws/visitor", map[string]any{"type": "hello", "widget": "demo", "name": "V"})
			if err != nil {
				return
			}
			vs := &visitorState{id: wel["visitor"].(string), secret: wel["secret"].(string), seen: map[string]bool{}}
			text := "hello " + strconv.Itoa(rng.IntN(1e6))
			if a := v.do(map[string]any{"type": "send", "text": text}); a != nil && a["type"] == "ack" {
				vs.session = a["session"].(string)
				l.mu.Lock()
				l.sessions[vs.session] = true
				l.visitors[vs.id] = vs
				l.mu.Unlock()
				l.message(vs.session, a["message"].(string), text)
			}
			visitors = append(visitors, v)
		case 2: // the agent accepts what rings and answers
			for _, o := range agent.take("offer") {
				offer := o["offer"].(map[string]any)
				if a := agent.do(map[string]any{"type": "accept", "offer": offer["id"]}); a != nil && a["type"] == "ack" {
					sid := a["session"].(string)
					text := "agent " + strconv.Itoa(rng.IntN(1e6))
					if a := agent.do(map[string]any{"type": "send", "session": sid, "text": text}); a != nil && a["type"] == "ack" {
						l.message(sid, a["message"].(string), text)
					}
				}
			}
		case 3: // the agent ends and wraps up one of their chats
			for _, c := range agent.take("card") {
				card := c["card"].(map[string]any)
				sid := card["session"].(string)
				if card["state_name"] != "connected" {
					continue
				}
				if a := agent.do(map[string]any{"type": "end", "session": sid}); a == nil || a["type"] != "ack" {
					continue
				}
				if a := agent.do(map[string]any{"type": "wrapup", "session": sid, "code": "solved"}); a != nil && a["type"] == "ack" {
					l.mu.Lock()
					l.wrapped[sid] = "solved"
					l.mu.Unlock()
				}
				break
			}
		case 4: // a visitor writes again
			if len(visitors) > 0 {
				v := visitors[rng.IntN(len(visitors))]
				text := "more " + strconv.Itoa(rng.IntN(1e6))
				if a := v.do(map[string]any{"type": "send", "text": text}); a != nil && a["type"] == "ack" {
					l.message(a["session"].(string), a["message"].(string), text)
				}
			}
		}
	}
}

func waitingOrder(t *testing.T, p *proc) []any {
	code, m, err := p.api("GET", "/v1/queues/backlog/waiting", "")
	if err != nil || code != 200 {
		t.Fatalf("waiting order: %d %v", code, err)
	}
	return m["sessions"].([]any)
}

func TestKill9LosesNothing(t *testing.T) {
	rounds := 6
	if v, err := strconv.Atoi(os.Getenv("SWITCHBOARD_CRASH_ROUNDS")); err == nil {
		rounds = v
	}
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("SWITCHBOARD_CRASH_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d (SWITCHBOARD_CRASH_SEED), %d rounds", seed, rounds)
	rng := rand.New(rand.NewPCG(seed, seed))
	data := t.TempDir()
	l := newLedger()
	p := start(t, data)
	if code, m, _ := p.api("PUT", "/v1/queues/backlog", `{"name":"Backlog"}`); code != 200 {
		t.Fatalf("queue: %d %v", code, m)
	}
	for round := 0; round < rounds; round++ {
		quiet := round%2 == 1
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(100+rng.IntN(400))*time.Millisecond)
		done := make(chan struct{})
		go func() { defer close(done); workload(ctx, t, p, l, rng) }()
		var before []any
		if quiet {
			<-done // a quiet moment: nothing in flight
			before = waitingOrder(t, p)
			p.kill()
		} else {
			<-ctx.Done() // mid-flight: commands may be in the air
			p.kill()
			<-done
		}
		cancel()
		p = start(t, data)
		after := waitingOrder(t, p)
		if quiet && !slices.Equal(before, after) {
			t.Fatalf("round %d: queue order changed across the crash:\nbefore %v\nafter  %v", round, before, after)
		}
		verify(t, p, l, round)
	}
	p.kill()
	n := 0
	for _, m := range l.messages {
		n += len(m)
	}
	t.Logf("verified after %d kills: %d sessions, %d messages, %d wrap-ups, %d visitors resumed",
		rounds, len(l.sessions), n, len(l.wrapped), len(l.visitors))
}

// verify checks every acknowledged thing against the restarted server.
func verify(t *testing.T, p *proc, l *ledger, round int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for sid := range l.sessions {
		if code, _, err := p.api("GET", "/v1/sessions/"+sid, ""); err != nil || code != 200 {
			t.Fatalf("round %d: acknowledged session %s lost: %d %v", round, sid, code, err)
		}
	}
	for sid, msgs := range l.messages {
		code, m, err := p.api("GET", "/v1/sessions/"+sid+"/transcript", "")
		if err != nil || code != 200 {
			t.Fatalf("round %d: transcript of %s: %d %v", round, sid, code, err)
		}
		stored := map[string]string{}
		for _, x := range m["messages"].([]any) {
			mm := x.(map[string]any)
			stored[mm["id"].(string)] = mm["text"].(string)
		}
		for id, text := range msgs {
			if stored[id] != text {
				t.Fatalf("round %d: acknowledged message %s/%s %q lost (stored %q)", round, sid, id, text, stored[id])
			}
		}
	}
	for sid, code := range l.wrapped {
		_, card, _ := p.api("GET", "/v1/sessions/"+sid, "")
		if card["wrapup_code"] != code || card["color"] != "gray" {
			t.Fatalf("round %d: acknowledged wrap-up of %s lost: %v", round, sid, card)
		}
	}
	// Visitors resume: the replay after their last seen message holds every
	// later acknowledged message of theirs, once.
	for _, vs := range l.visitors {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		v, wel, err := dial(ctx, p, "/v1/ws/visitor", map[string]any{"type": "hello", "widget": "demo",
			"resume": map[string]any{"visitor": vs.id, "secret": vs.secret, "last_message": "0"}})
		cancel()
		if err != nil || wel["type"] != "welcome" {
			t.Fatalf("round %d: visitor %s cannot resume: %v %v", round, vs.id, err, wel)
		}
		if wel["session"] == nil {
			v.close()
			continue // their chat is over
		}
		deadline := time.Now().Add(3 * time.Second)
		want := l.messages[wel["session"].(string)] // their open chat (a later one if the first was ended)
		got := map[string]int{}
		for time.Now().Before(deadline) {
			for _, f := range v.take("message") {
				got[f["message"].(map[string]any)["id"].(string)]++
			}
			if len(got) >= len(want) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		v.close()
		for id := range want {
			if got[id] != 1 {
				t.Fatalf("round %d: visitor %s got message %s %d times on resume (want once)", round, vs.id, id, got[id])
			}
		}
	}
}

// SIGTERM (and SIGINT) stop the server cleanly: open sockets are closed with
// 1001 (going away), the process exits 0, and what was acknowledged is there
// at the next start.
func TestGracefulShutdown(t *testing.T) {
	data := t.TempDir()
	p := start(t, data)
	code, card, err := p.api("POST", "/v1/sessions", `{"channel":"email","queue":"support","subject":"kept","contact":{"email":"a@example.com"}}`)
	if err != nil || code != 201 {
		t.Fatalf("create: %d %v", code, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, _, err := dial(ctx, p, "/v1/ws/visitor", map[string]any{"type": "hello", "widget": "demo"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-v.done:
	case <-time.After(10 * time.Second):
		t.Fatal("socket not closed at shutdown")
	}
	if code := websocket.CloseStatus(v.err); code != websocket.StatusGoingAway {
		t.Fatalf("socket closed with %d (%v), want 1001", code, v.err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit: %v", err)
	}
	p = start(t, data)
	defer p.kill()
	if code, _, _ := p.api("GET", "/v1/sessions/"+card["session"].(string), ""); code != 200 {
		t.Fatalf("session after a clean stop: %d", code)
	}
}

// With a certificate and key the server speaks HTTPS and WSS.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeSelfSigned(t, cert, key)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(binary, "--addr", addr, "--data", t.TempDir(), "--admin-key", adminKey,
		"--tls-cert", cert, "--tls-key", key, "--log-level", "warn")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGKILL); _ = cmd.Wait() }()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get("https://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("https not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
		resp.Body.Close() // Go's TLS server answers plain HTTP with 400
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP answered on a TLS port")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "wss://"+addr+"/v1/ws/visitor", &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","widget":"demo"}`))
	if _, data, err := c.Read(ctx); err != nil || !strings.Contains(string(data), `"welcome"`) {
		t.Fatalf("wss welcome: %s %v", data, err)
	}
}

func writeSelfSigned(t *testing.T, certFile, keyFile string) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
}
