package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboardhq/switchboard/internal/offstack"
)

// frame is the union of the fields the bench reads from the hub's frames.
type frame struct {
	Type    string          `json:"type"`
	Ref     string          `json:"ref"`
	Code    string          `json:"code"`
	Session string          `json:"session"`
	Reason  string          `json:"reason"`
	Status  string          `json:"status"` // an agent's, in presence
	Offer   json.RawMessage `json:"offer"`  // an object in offer, a string in offer_revoked
	Card    *struct {
		Session    string `json:"session"`
		StateName  string `json:"state_name"`
		WrapupCode string `json:"wrapup_code"`
		Contact    struct {
			Name string `json:"name"`
		} `json:"contact"`
		Agent *struct {
			ID string `json:"id"`
		} `json:"agent"`
	} `json:"card"`
	// Message is an object in message frames and a string in error
	// frames: decoded by chat().
	Message json.RawMessage `json:"message"`
	// at is when the frame was read, before its decode.
	at time.Time
}

// chatMessage is the object of a message frame.
type chatMessage struct {
	Text string `json:"text"`
	From struct {
		Kind string `json:"kind"`
	} `json:"from"`
}

// chat returns the chat message of a message frame, or nil.
func (f *frame) chat() *chatMessage {
	if f.Type != "message" || len(f.Message) == 0 || f.Message[0] != '{' {
		return nil
	}
	m := &chatMessage{}
	if json.Unmarshal(f.Message, m) != nil {
		return nil
	}
	return m
}

// offerInfo is the object of an offer frame.
type offerInfo struct {
	ID      string `json:"id"`
	Session string `json:"session"`
	Mode    string `json:"mode"`
	Media   string `json:"media"`
}

// pool is a set of HTTP clients, taken round robin.
type pool struct {
	clients []*http.Client
	mu      sync.Mutex
	next    int
}

// pick returns the next client.
func (p *pool) pick() *http.Client {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.clients[p.next%len(p.clients)]
	p.next++
	return c
}

// close drops the clients' idle connections.
func (p *pool) close() {
	for _, c := range p.clients {
		c.CloseIdleConnections()
	}
}

// loopback reports whether addr's host is this machine over IPv4, where
// the bench spreads its connections over source addresses in 127.0.0.0/8.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	return err == nil && (host == "localhost" || (ip != nil && ip.IsLoopback() && ip.To4() != nil))
}

// dialer opens websockets to the server, spreading them over loopback
// source addresses when the server is local.
type dialer struct {
	base string
	pool
}

// sourceAddrs is how many loopback source addresses a local run spreads
// visitors over: the server allows 2 new chats and 50 visitor frames per
// second per address, so 1,000 addresses carry 2,000 new chats and 50,000
// visitor frames per second.
const sourceAddrs = 1000

func newDialer(addr string) *dialer {
	d := &dialer{base: "ws://" + addr}
	if loopback(addr) {
		for i := range sourceAddrs {
			local := &net.TCPAddr{IP: net.IPv4(127, 1, byte(i/250), byte(1+i%250))}
			nd := &net.Dialer{LocalAddr: local, Timeout: 10 * time.Second}
			d.clients = append(d.clients, &http.Client{Transport: &http.Transport{DialContext: nd.DialContext, DisableKeepAlives: true}})
		}
		return d
	}
	d.clients = []*http.Client{{Transport: &http.Transport{DisableKeepAlives: true}}}
	return d
}

// dial opens a socket to path; spread picks the next source address.
func (d *dialer) dial(ctx context.Context, path string, spread bool) (*websocket.Conn, error) {
	c := d.clients[0]
	if spread {
		c = d.pick()
	}
	type dialed struct {
		ws  *websocket.Conn
		err error
	}
	got := offstack.Call(func() dialed { // deep: off the reader's stack
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, d.base+path, &websocket.DialOptions{HTTPClient: c})
		return dialed{ws, err}
	})
	if got.err != nil {
		return nil, got.err
	}
	got.ws.SetReadLimit(1 << 16)
	return got.ws, nil
}

// sock is one client socket: writes are serialised and counted.
type sock struct {
	ws *websocket.Conn
	r  *runner
	mu sync.Mutex
	// skip, when set, says which frames the socket's role does not read:
	// serve counts them and does not decode them. Decoding every frame was
	// 15 % of a bench worker's CPU at 500 chats/s, most of it on session
	// cards it never looks at.
	skip func(typ string, b []byte) bool
}

// send writes v as one text frame.
func (s *sock) send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.ws.Write(wctx, websocket.MessageText, b); err != nil {
		return err
	}
	s.r.framesOut.Add(1)
	return nil
}

// serve reads frames and calls act with each one the socket's role reads,
// decoded, until act returns true (serve then returns nil), the read or a
// decode fails, or ctx ends. Frames skipped are only counted. The decode
// and act run off the reader's stack, one frame at a time, so that the
// reader keeps 4 KiB (internal/offstack): 8.6 → 4.6 KiB of stack per
// socket in a chat run, for about 7 % more of the bench's CPU at 500
// chats/s (BENCHMARKS, "The bench's own cost").
func (s *sock) serve(ctx context.Context, act func(*frame) (stop bool)) error {
	type acted struct {
		stop bool
		err  error
	}
	for {
		_, b, err := s.ws.Read(ctx)
		if err != nil {
			return err
		}
		at := time.Now()
		s.r.framesIn.Add(1)
		if s.skip != nil {
			if t, ok := frameType(b); ok && s.skip(t, b) {
				continue
			}
		}
		got := offstack.Call(func() acted {
			f := &frame{at: at}
			if err := json.Unmarshal(b, f); err != nil {
				return acted{err: fmt.Errorf("bad frame %.100q: %w", b, err)}
			}
			return acted{stop: act(f)}
		})
		if got.err != nil || got.stop {
			return got.err
		}
	}
}

// frameType reads a frame's type without decoding it: the server begins
// every frame with its "seq" (which the bench does not read) and then its
// "type". ok is false for any other frame, which must be decoded.
func frameType(b []byte) (typ string, ok bool) {
	rest, ok := bytes.CutPrefix(b, []byte(`{"seq":`))
	if !ok {
		return "", false
	}
	digits := 0
	for digits < len(rest) && '0' <= rest[digits] && rest[digits] <= '9' {
		digits++
	}
	if rest, ok = bytes.CutPrefix(rest[digits:], []byte(`,"type":"`)); !ok || digits == 0 {
		return "", false
	}
	end := bytes.IndexByte(rest, '"')
	if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return "", false
	}
	return string(rest[:end]), true
}

// reads returns a sock.skip that reads the frames of types, and message
// frames only from the other party (the kind in their "from"; "" reads
// none): a party's own messages come back to it echoed.
func reads(other string, types ...string) func(string, []byte) bool {
	from := []byte(`"from":{"kind":"` + other + `"`)
	return func(t string, b []byte) bool {
		if t == "message" {
			return other == "" || !bytes.Contains(b, from)
		}
		return !slices.Contains(types, t)
	}
}

// errKind names a socket error for the errors table.
func errKind(prefix string, err error) string {
	if s := websocket.CloseStatus(err); s != -1 {
		return fmt.Sprintf("%s_close_%d", prefix, int(s))
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "429"):
		return prefix + "_rate_limited"
	case strings.Contains(msg, "connection refused"):
		return prefix + "_refused"
	case strings.Contains(msg, "too many open files"):
		return prefix + "_fd_limit"
	case strings.Contains(msg, "deadline exceeded") || strings.Contains(msg, "timeout"):
		return prefix + "_timeout"
	case strings.Contains(msg, "EOF") || strings.Contains(msg, "reset"):
		return prefix + "_eof"
	}
	return prefix + "_other"
}
