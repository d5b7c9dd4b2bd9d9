// Unit tests of socket.js against a fake WebSocket, run by web_test.go with node --test.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Socket, backoff, wsURL } from '../js/socket.js';

class FakeWS {
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeWS.all.push(this);
    setTimeout(() => { this.readyState = 1; this.onopen?.(); }, 0);
  }
  send(s) { this.sent.push(JSON.parse(s)); }
  close(code) { this.readyState = 3; this.closedWith = code; }
  // test side
  push(f) { this.onmessage?.({ data: JSON.stringify(f) }); }
  drop(code = 1006) { this.readyState = 3; this.onclose?.({ code, reason: '' }); }
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

function newSocket(extra = {}) {
  FakeWS.all = [];
  const frames = [];
  const states = [];
  let resume = '';
  const s = new Socket({
    url: 'ws://x/v1/ws/agent', WebSocket: FakeWS, base: 1, max: 4,
    hello: ({ reconnect }) => ({ type: 'hello', token: 't', ...(reconnect && resume ? { resume: { token: resume } } : {}) }),
    onFrame: (f) => { frames.push(f); if (f.type === 'welcome') resume = f.resume_token; },
    onState: (st) => states.push(st),
    ...extra,
  });
  return { s, frames, states };
}

test('backoff doubles, caps and jitters into [d/2, d)', () => {
  assert.equal(backoff(0, { base: 500, max: 30000 }, () => 0), 250);
  assert.equal(backoff(0, { base: 500, max: 30000 }, () => 0.999), 500);
  assert.equal(backoff(3, { base: 500, max: 30000 }, () => 0), 2000);
  assert.equal(backoff(20, { base: 500, max: 30000 }, () => 0), 15000);
  assert.ok(backoff(100, { base: 500, max: 30000 }) <= 30000);
});

test('wsURL follows the page scheme', () => {
  assert.equal(wsURL('/v1/ws/agent', { protocol: 'https:', host: 'h:1' }), 'wss://h:1/v1/ws/agent');
  assert.equal(wsURL('/v1/ws/agent', { protocol: 'http:', host: 'h' }), 'ws://h/v1/ws/agent');
});

test('hello, welcome, request ack and error', async () => {
  const { s, frames, states } = newSocket();
  s.start();
  await tick();
  const ws = FakeWS.all[0];
  assert.deepEqual(ws.sent[0], { type: 'hello', token: 't' });
  await assert.rejects(s.request({ type: 'presence', status: 'away' }), { code: 'unavailable' });
  ws.push({ type: 'welcome', seq: 1, resume_token: 'r1' });
  assert.equal(states.at(-1).state, 'open');
  const p = s.request({ type: 'presence', status: 'away' });
  const sent = ws.sent.at(-1);
  assert.equal(sent.type, 'presence');
  ws.push({ type: 'ack', seq: 2, ref: sent.ref });
  assert.equal((await p).type, 'ack');
  const q = s.request({ type: 'accept', offer: 'o1' });
  ws.push({ type: 'error', seq: 3, ref: ws.sent.at(-1).ref, code: 'conflict', message: 'taken' });
  await assert.rejects(q, { code: 'conflict' });
  ws.push({ type: 'mystery', seq: 4 }); // unknown types still reach onFrame, which ignores them
  assert.deepEqual(frames.map((f) => f.type), ['welcome', 'ack', 'error', 'mystery']);
  s.stop();
});

test('drop: pending requests fail, reconnect resumes, Reconnected', async () => {
  const { s, states } = newSocket();
  s.start();
  await tick();
  FakeWS.all[0].push({ type: 'welcome', seq: 1, resume_token: 'r1' });
  const p = s.request({ type: 'send', session: 's', text: 'hi' });
  FakeWS.all[0].drop();
  await assert.rejects(p, { code: 'unavailable' });
  assert.equal(states.at(-1).state, 'reconnecting');
  await tick(30);
  const ws2 = FakeWS.all[1];
  assert.ok(ws2, 'reconnected');
  assert.deepEqual(ws2.sent[0], { type: 'hello', token: 't', resume: { token: 'r1' } });
  ws2.push({ type: 'welcome', seq: 1, resume_token: 'r2' });
  assert.deepEqual(states.at(-1), { state: 'open', resumed: true });
  s.stop();
});

test('a seq gap forces a reconnect', async () => {
  const { s } = newSocket();
  s.start();
  await tick();
  const ws = FakeWS.all[0];
  ws.push({ type: 'welcome', seq: 1, resume_token: 'r1' });
  ws.push({ type: 'card', seq: 3 });
  assert.equal(ws.closedWith, 4000);
  await tick(30);
  assert.equal(FakeWS.all.length, 2);
  s.stop();
});

test('4401 stops for good; 4400 drops the resume token', async () => {
  let bad = 0;
  const { s, states } = newSocket({ onBadHello: () => { bad += 1; } });
  s.start();
  await tick();
  FakeWS.all[0].drop(4400);
  assert.equal(bad, 1);
  await tick(30);
  FakeWS.all[1].drop(4401);
  assert.equal(states.at(-1).state, 'closed');
  assert.equal(states.at(-1).code, 4401);
  await tick(30);
  assert.equal(FakeWS.all.length, 2);
});
