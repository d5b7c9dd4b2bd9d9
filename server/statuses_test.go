package server

import (
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/hub"
	"github.com/switchboardhq/switchboard/session"
)

// TestAgentStatusesOverHTTP: GET /v1/agent-statuses reads the agents'
// status changes back in time order, within from and to, a page at a
// time; an agent reads their own; bad queries are refused with a problem
// document.
func TestAgentStatusesOverHTTP(t *testing.T) {
	e := newEnv(t)
	ana := e.available("ana")
	e.clock.Advance(time.Minute)
	ana.ok(map[string]any{"type": "presence", "status": "away"})
	e.clock.Advance(time.Minute)
	ana.ok(map[string]any{"type": "presence", "status": "available"})
	e.available("ben")

	list := func(key, query string) []map[string]any {
		t.Helper()
		code, body := e.apiAs(key, "GET", "/v1/agent-statuses?"+query, "")
		if code != 200 {
			t.Fatalf("%s: %d %v", query, code, body)
		}
		var out []map[string]any
		for _, v := range body["statuses"].([]any) {
			out = append(out, v.(map[string]any))
		}
		return out
	}
	at := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339) }
	want := [][2]string{{at(0), "available"}, {at(time.Minute), "away"}, {at(2 * time.Minute), "available"}}
	got := list(testAdmin, "agent=ana")
	if len(got) != len(want) {
		t.Fatalf("ana's statuses: %v", got)
	}
	for i, w := range want {
		if str(got[i], "agent") != "ana" || str(got[i], "at") != w[0] || str(got[i], "status") != w[1] {
			t.Errorf("ana's status %d: %v, want %v", i, got[i], w)
		}
	}
	// The agent's view says since when they have been in their status.
	if code, body := e.apiAs(testAdmin, "GET", "/v1/agents/ana", ""); code != 200 || str(body, "status") != "available" ||
		str(body, "status_since") != "2026-03-02T12:02:00.000Z" {
		t.Errorf("GET /v1/agents/ana: %d %v", code, body)
	}
	all := list(testAdmin, "")
	if len(all) != 4 || str(all[3], "agent") != "ben" {
		t.Errorf("every agent's: %v", all)
	}
	span := url.Values{"from": {at(30 * time.Second)}, "to": {at(2 * time.Minute)}}
	if got := list(testAdmin, span.Encode()); len(got) != 1 || str(got[0], "status") != "away" {
		t.Errorf("from 0:30 to 2:00: %v", got)
	}

	// Pages of one, and one agent's (from the log by agent) in pages of two.
	pages := func(limit int, agent string) []string {
		t.Helper()
		var out []string
		for cursor := ""; ; {
			q := url.Values{"limit": {strconv.Itoa(limit)}}
			if agent != "" {
				q.Set("agent", agent)
			}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			code, body := e.api("GET", "/v1/agent-statuses?"+q.Encode(), "")
			page, _ := body["statuses"].([]any)
			if code != 200 || len(page) > limit {
				t.Fatalf("%s's page after %q: %d %v", agent, cursor, code, body)
			}
			for _, s := range page {
				out = append(out, str(s.(map[string]any), "agent")+" "+str(s.(map[string]any), "status"))
			}
			if cursor = str(body, "cursor"); cursor == "" {
				return out
			}
		}
	}
	if got := pages(1, ""); len(got) != 4 || got[0] != "ana available" || got[1] != "ana away" || got[3] != "ben available" {
		t.Errorf("pages of one: %v", got)
	}
	if got := pages(2, "ana"); len(got) != 3 || got[0] != "ana available" || got[1] != "ana away" || got[2] != "ana available" {
		t.Errorf("ana's pages of two: %v", got)
	}

	// An agent reads their own.
	tok := e.srv.DemoTokens()["ana"]
	if got := list(tok, ""); len(got) != 3 {
		t.Errorf("ana reads %d status changes, want her 3", len(got))
	}
	if code, body := e.apiAs(tok, "GET", "/v1/agent-statuses?agent=ben", ""); code != 403 || str(body, "code") != "forbidden" {
		t.Errorf("ana reads ben's: %d %v", code, body)
	}

	for _, q := range []string{"from=yesterday", "to=2026-03-02", "limit=0", "limit=10001", "cursor=abc",
		url.Values{"from": {at(time.Minute)}, "to": {at(time.Minute)}}.Encode()} {
		if code, body := e.api("GET", "/v1/agent-statuses?"+q, ""); code != 400 || str(body, "code") != "bad_request" {
			t.Errorf("%s: %d %v", q, code, body)
		}
	}
}

// TestStatusRetention: a server with a status retention removes the
// changes older than that from the log, in time order and by agent, and
// counts them on /metrics; the newer ones stay.
func TestStatusRetention(t *testing.T) {
	e := newEnvWith(t, Config{StatusRetention: 24 * time.Hour})
	ana := e.available("ana")
	e.clock.Advance(time.Minute)
	ana.ok(map[string]any{"type": "presence", "status": "away"})
	count := func(query string) int {
		t.Helper()
		code, body := e.api("GET", "/v1/agent-statuses?"+query, "")
		if code != 200 {
			t.Fatalf("%s: %d %v", query, code, body)
		}
		return len(body["statuses"].([]any))
	}
	if n := count(""); n != 2 {
		t.Fatalf("%d changes logged, want 2", n)
	}
	// A day later, the pruner's hourly round finds them past the retention.
	e.clock.Advance(23 * time.Hour)
	ana.ok(map[string]any{"type": "presence", "status": "available"})
	deadline := time.Now().Add(10 * time.Second)
	for count("") != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("still %d changes logged a day and more later", count(""))
		}
		e.clock.Advance(time.Hour)
		time.Sleep(10 * time.Millisecond)
	}
	if n := count("agent=ana"); n != 1 {
		t.Errorf("ana's changes: %d, want the one of the last day", n)
	}
	if page := e.metricsPage(); !strings.Contains(page, "switchboard_status_log_pruned_total 2") {
		t.Errorf("no count of the 2 pruned on /metrics")
	}
}

// TestMissLimitOfAWorkspace: a workspace's miss_limit (3 by default) is
// how many offers in a row its agents may let ring out before the hub
// sets them away, and the status log's away says so. Bad values are
// refused and change nothing; the limit is kept across a restart.
func TestMissLimitOfAWorkspace(t *testing.T) {
	data := t.TempDir()
	clock := hub.NewManualClock(t0)
	e := newEnvWith(t, Config{DataDir: data, Clock: clock})
	limit := func() float64 {
		t.Helper()
		code, body := e.api("GET", "/v1/workspace", "")
		if code != 200 {
			t.Fatalf("GET /v1/workspace: %d %v", code, body)
		}
		return body["miss_limit"].(float64)
	}
	if n := limit(); n != 3 {
		t.Fatalf("miss_limit %v by default, want 3", n)
	}
	for _, bad := range []string{`0`, `-1`, `21`, `2.5`, `"2"`} {
		if code, body := e.api("PATCH", "/v1/workspace", `{"name":"Renamed","miss_limit":`+bad+`}`); code != 400 || str(body, "code") != "bad_request" {
			t.Errorf("miss_limit %s: %d %v", bad, code, body)
		}
	}
	if _, body := e.api("GET", "/v1/workspace", ""); limit() != 3 || str(body, "name") == "Renamed" {
		t.Fatalf("refused patches changed the workspace: %v", body)
	}
	if code, body := e.api("PATCH", "/v1/workspace", `{"miss_limit":1}`); code != 200 || body["miss_limit"].(float64) != 1 {
		t.Fatalf("PATCH miss_limit 1: %d %v", code, body)
	}

	// One offer rung out sets ana away, logged with the limit.
	missOnce := func() {
		t.Helper()
		ana, ben := e.availableAs(testAdmin, "ana"), e.availableAs(testAdmin, "ben")
		v, _ := e.visitor(map[string]any{"language": "es"})
		v.ok(map[string]any{"type": "send", "text": "hola"})
		ana.wait("offer", nil)
		e.clock.Advance(21 * time.Second) // the demo queue's offers ring 20 s
		if p := ana.wait("presence", func(m map[string]any) bool { return str(m, "status") == "away" }); str(p, "reason") != "missed_offers" {
			t.Fatalf("presence %v", p)
		}
		ben.wait("offer", nil)
		_, body := e.api("GET", "/v1/agent-statuses?agent=ana", "")
		all := body["statuses"].([]any)
		last := all[len(all)-1].(map[string]any)
		if str(last, "status") != "away" || str(last, "reason") != "missed_offers" || last["miss_limit"] != 1.0 {
			t.Fatalf("ana's last status change: %v", last)
		}
	}
	missOnce()

	e.close()
	clock.Advance(time.Minute)
	e = newEnvWith(t, Config{DataDir: data, Clock: clock})
	if n := limit(); n != 1 {
		t.Fatalf("miss_limit %v after a restart, want 1", n)
	}
	missOnce() // at the restart's instant: logged a nanosecond after it
	// The restart logged ana offline, for no reason it knows: not for
	// missed offers.
	_, body := e.api("GET", "/v1/agent-statuses?agent=ana", "")
	var got []string
	for _, s := range body["statuses"].([]any) {
		m := s.(map[string]any)
		got = append(got, fmt.Sprintf("%s %s %v", str(m, "status"), str(m, "reason"), m["miss_limit"]))
	}
	want := []string{"available  <nil>", "away missed_offers 1", "offline  <nil>", "available  <nil>", "away missed_offers 1"}
	if !slices.Equal(got, want) {
		t.Errorf("ana's statuses:\n got %q\nwant %q", got, want)
	}
}

// TestStatusRetentionOfAWorkspace: a workspace's status_retention keeps
// its status log that long, whatever the server's --status-retention;
// setting it prunes at once, it is kept across a restart (where it starts
// the pruner of a server without a retention of its own), "" follows the
// server's again, and bad values are refused and change nothing.
func TestStatusRetentionOfAWorkspace(t *testing.T) {
	data := t.TempDir()
	clock := hub.NewManualClock(t0)
	e := newEnvWith(t, Config{DataDir: data, Clock: clock})
	count := func(key string) int {
		t.Helper()
		code, body := e.apiAs(key, "GET", "/v1/agent-statuses", "")
		if code != 200 {
			t.Fatalf("GET /v1/agent-statuses: %d %v", code, body)
		}
		return len(body["statuses"].([]any))
	}
	waitCount := func(key string, n int, what string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); count(key) != n; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d changes logged, want %d", what, count(key), n)
			}
		}
	}
	ana := e.available("ana")
	clock.Advance(time.Minute)
	ana.ok(map[string]any{"type": "presence", "status": "away"})
	// Another workspace, without a retention of its own.
	zz := e.workspaceZoe()
	if count(testAdmin) != 2 || count(zz) != 1 {
		t.Fatalf("%d and %d changes logged, want 2 and 1", count(testAdmin), count(zz))
	}

	for _, bad := range []string{`"30m"`, `"-1d"`, `"1.5d"`, `"abc"`, `5`} {
		if code, body := e.api("PATCH", "/v1/workspace", `{"name":"Renamed","status_retention":`+bad+`}`); code != 400 || str(body, "code") != "bad_request" {
			t.Errorf("status_retention %s: %d %v", bad, code, body)
		}
	}
	if _, body := e.api("GET", "/v1/workspace", ""); str(body, "status_retention") != "" || str(body, "name") == "Renamed" {
		t.Fatalf("refused patches changed the workspace: %v", body)
	}
	clock.Advance(48 * time.Hour)
	if code, body := e.api("PATCH", "/v1/workspace", `{"status_retention":"1d"}`); code != 200 || str(body, "status_retention") != "1d" {
		t.Fatalf("PATCH status_retention 1d: %d %v", code, body)
	}
	waitCount(testAdmin, 0, "two days on, with a retention of a day")
	if n := count(zz); n != 1 {
		t.Errorf("the other workspace's log: %d changes, want its 1 kept", n)
	}

	// After a restart, the server (no retention of its own) prunes the
	// workspace's log at start.
	ana.ok(map[string]any{"type": "presence", "status": "available"})
	e.close()
	clock.Advance(48 * time.Hour)
	e = newEnvWith(t, Config{DataDir: data, Clock: clock})
	if _, body := e.api("GET", "/v1/workspace", ""); str(body, "status_retention") != "1d" {
		t.Fatalf("after a restart: %v", body)
	}
	waitCount(testAdmin, 1, "after a restart")
	if _, body := e.api("GET", "/v1/agent-statuses", ""); str(body["statuses"].([]any)[0].(map[string]any), "status") != "offline" {
		t.Errorf("after a restart, the log kept %v; want only the restart's offline", body)
	}
	if n := count(zz); n != 2 {
		t.Errorf("the other workspace's log after a restart: %d changes, want 2", n)
	}
	if code, body := e.api("PATCH", "/v1/workspace", `{"status_retention":""}`); code != 200 || str(body, "status_retention") != "" {
		t.Fatalf("PATCH status_retention \"\": %d %v", code, body)
	}
}

// TestStatusRetentionKeptForever: a workspace's status_retention "0"
// keeps its log forever on a server that prunes after a day. The other
// workspace, zz, follows the server's: once its old changes are gone,
// the round that pruned it had passed the default workspace (rounds go
// in id order).
func TestStatusRetentionKeptForever(t *testing.T) {
	e := newEnvWith(t, Config{StatusRetention: 24 * time.Hour})
	if code, body := e.api("PATCH", "/v1/workspace", `{"status_retention":"0"}`); code != 200 || str(body, "status_retention") != "0" {
		t.Fatalf("PATCH status_retention 0: %d %v", code, body)
	}
	e.available("ana")
	zz := e.workspaceZoe()
	count := func(key string) int {
		t.Helper()
		_, body := e.apiAs(key, "GET", "/v1/agent-statuses", "")
		return len(body["statuses"].([]any))
	}
	e.clock.Advance(48 * time.Hour)
	for deadline := time.Now().Add(10 * time.Second); count(zz) != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("zz's log still has %d changes two days on", count(zz))
		}
		e.clock.Advance(time.Hour)
	}
	if n := count(testAdmin); n != 1 {
		t.Errorf("the log kept forever has %d changes, want 1", n)
	}
}

// workspaceZoe creates workspace zz, with agent zoe available in queue
// help, and returns its API key.
func (e *env) workspaceZoe() string {
	e.t.Helper()
	_, created := e.api("PUT", "/v1/workspaces/zz", `{"name":"ZZ"}`)
	zz := str(created, "api_key")
	e.apiAs(zz, "PUT", "/v1/queues/help", `{"name":"Help"}`)
	e.apiAs(zz, "PUT", "/v1/agents/zoe", `{"name":"Zoe","queues":["help"]}`)
	e.availableAs(zz, "zoe")
	return zz
}

// availableAs connects agent id with a token the API gives key (the
// demo's tokens are handed out only when it is created) and sets them
// available.
func (e *env) availableAs(key, id string) *client {
	e.t.Helper()
	_, tok := e.apiAs(key, "POST", "/v1/agents/"+id+"/token", "")
	c := e.dial("/v1/ws/agent")
	c.send(map[string]any{"type": "hello", "token": str(tok, "token")})
	c.wait("welcome", nil)
	c.ok(map[string]any{"type": "presence", "status": "available"})
	return c
}

// TestStatusFlurryOnTheWallClock: an agent's desktop that sends presence
// changes back to back, without waiting for their acks, has them applied
// several to a cycle, at the cycle's time; the log on Pebble keeps every
// one, in the order sent.
func TestStatusFlurryOnTheWallClock(t *testing.T) {
	e := newEnvWith(t, Config{DataDir: t.TempDir(), Clock: hub.RealClock()})
	ana := e.available("ana")
	const n = 200
	for i := range n {
		status := []string{"away", "available"}[i%2]
		ana.send(map[string]any{"type": "presence", "status": status, "ref": fmt.Sprintf("f%d", i)})
	}
	ana.waitAny(func(m map[string]any) bool { return m["ref"] == fmt.Sprintf("f%d", n-1) }, "the last ack")
	var got []string
	var last time.Time
	for path := "/v1/agent-statuses?agent=ana&limit=10000"; ; {
		_, body := e.api("GET", path, "")
		for _, s := range body["statuses"].([]any) {
			m := s.(map[string]any)
			at, err := time.Parse(time.RFC3339Nano, str(m, "at"))
			if err != nil || !at.After(last) {
				t.Fatalf("entry %v after %v", m, last)
			}
			last = at
			got = append(got, str(m, "status"))
		}
		if body["cursor"] == nil {
			break
		}
		path = "/v1/agent-statuses?agent=ana&limit=10000&cursor=" + str(body, "cursor")
	}
	want := []string{"available"}
	for i := range n {
		want = append(want, []string{"away", "available"}[i%2])
	}
	if !slices.Equal(got, want) {
		t.Errorf("%d entries logged of %d sent (and the first available): %q", len(got), n+1, got)
	}
}

// TestOffersInTheMetadata: the metadata document lists the session's
// offers as they ended: one rang out, one rerouted as it rang (the agent
// went away; the card's journey says offer_rerouted), one accepted 2 s
// after it was made.
func TestOffersInTheMetadata(t *testing.T) {
	e := newEnv(t)
	ana, ben := e.available("ana"), e.available("ben")
	v, _ := e.visitor(map[string]any{"language": "es"})
	id := str(v.ok(map[string]any{"type": "send", "text": "hola"}), "session")
	ana.wait("offer", nil)
	e.clock.Advance(21 * time.Second) // the demo queue's offers ring 20 s
	ben.wait("offer", nil)
	e.clock.Advance(time.Second)
	ben.ok(map[string]any{"type": "presence", "status": "away"})
	ben.wait("offer_revoked", func(m map[string]any) bool { return str(m, "reason") == "rerouted" })
	e.clock.Advance(time.Second)
	ben.ok(map[string]any{"type": "presence", "status": "available"})
	offer := ben.wait("offer", nil) // the second
	e.clock.Advance(2 * time.Second)
	ben.ok(map[string]any{"type": "accept", "offer": offerID(offer)})
	code, md := e.api("GET", "/v1/sessions/"+id+"/metadata", "")
	if code != 200 {
		t.Fatalf("GET metadata: %d %v", code, md)
	}
	at := func(sec int) string { return session.FormatTime(t0.Add(time.Duration(sec) * time.Second)) }
	want := []any{
		map[string]any{"agent": "ana", "at": at(0), "result": "missed", "ended_at": at(20)},
		map[string]any{"agent": "ben", "at": at(20), "result": "withdrawn", "reason": "rerouted", "ended_at": at(22)},
		map[string]any{"agent": "ben", "at": at(23), "result": "accepted", "ended_at": at(25)},
	}
	if got := md["offers"]; !reflect.DeepEqual(got, want) {
		t.Errorf("offers:\n got %v\nwant %v", got, want)
	}
	_, card := e.api("GET", "/v1/sessions/"+id, "")
	var journey []string
	for _, ev := range card["journey"].([]any) {
		m := ev.(map[string]any)
		journey = append(journey, str(m, "event")+" "+str(m, "agent"))
	}
	if !slices.Contains(journey, "offer_rerouted ben") {
		t.Errorf("journey %q", journey)
	}
}
