// Switchboard load test for k6 (https://k6.io), for teams that already load
// test with it. It speaks the wire protocol (PROTOCOL.md) like
// `switchboard bench`: agents that accept offers and echo messages, and
// visitors arriving at a constant rate who chat and leave.
//
//   k6 run -e ADDR=127.0.0.1:8080 -e ADMIN_KEY=k -e AGENTS=50 -e RATE=10 \
//          -e DURATION=60s bench/k6/switchboard.js
//
// Metrics: offer_latency (visitor's first message → offer at an agent, same
// host clocks), relay_latency (visitor → agent → visitor round trip),
// chats, messages, ws_errors, echoes_after_leave (an agent's echo refused
// because its visitor had just left: a race of the workload). setup() creates a fresh workspace with the
// admin key, so runs never collide. The server limits new chats to 2/s per
// client address (PROTOCOL.md, rate_limited): from one address k6 sees
// those refusals above RATE=2; `switchboard bench` spreads local runs over
// loopback source addresses instead. bench/k6/k6_test.go runs this script
// against a server (CI installs k6 for it).
import http from 'k6/http';
import ws from 'k6/ws';
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';

const ADDR = __ENV.ADDR || '127.0.0.1:8080';
const ADMIN_KEY = __ENV.ADMIN_KEY || 'k';
const AGENTS = parseInt(__ENV.AGENTS || '20', 10);
const RATE = parseInt(__ENV.RATE || '5', 10); // visitors per second
const DURATION = __ENV.DURATION || '60s';
const CHAT_SECONDS = parseFloat(__ENV.CHAT_SECONDS || '30');
const MESSAGE_GAP = parseFloat(__ENV.MESSAGE_GAP || '5');
const QUEUE = 'bench';

const offerLatency = new Trend('offer_latency', true);
const relayLatency = new Trend('relay_latency', true);
const chats = new Counter('chats');
const messages = new Counter('messages');
const wsErrors = new Counter('ws_errors');
// An agent's echo that crossed its visitor's leave is refused (conflict: the
// session has ended): a race of the workload, not a server error.
const echoesAfterLeave = new Counter('echoes_after_leave');

export const options = {
  scenarios: {
    agents: {
      executor: 'per-vu-iterations', exec: 'agent', vus: AGENTS, iterations: 1,
      maxDuration: DURATION,
    },
    visitors: {
      executor: 'constant-arrival-rate', exec: 'visitor', rate: RATE, timeUnit: '1s',
      duration: DURATION, preAllocatedVUs: Math.ceil(RATE * (CHAT_SECONDS + 10)),
      startTime: '3s', // agents first
    },
  },
};

function exp(mean) {
  return -Math.log(1 - Math.random()) * mean;
}

function api(method, path, body, key, workspace) {
  const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` };
  if (workspace) headers['Switchboard-Workspace'] = workspace;
  const res = http.request(method, `http://${ADDR}${path}`, body ? JSON.stringify(body) : null, { headers });
  if (res.status < 200 || res.status > 299) {
    throw new Error(`${method} ${path}: ${res.status} ${res.body}`);
  }
  return res.body ? res.json() : null;
}

export function setup() {
  const id = `bench-k6-${Date.now()}`;
  const widget = `bench-${Math.random().toString(36).slice(2)}`;
  const created = api('PUT', `/v1/workspaces/${id}`, { name: 'k6 bench', widget_keys: [widget] }, ADMIN_KEY);
  const key = created.api_key;
  api('PUT', `/v1/queues/${QUEUE}`, { name: 'Bench', accept_mode: 'manual' }, key);
  const tokens = [];
  for (let i = 1; i <= AGENTS; i++) {
    const aid = `agent-${i}`;
    api('PUT', `/v1/agents/${aid}`, {
      name: `Bench Agent ${i}`, queues: [QUEUE], languages: { primary: 'en' },
      capacity: { chat: 3, voice: 0, email: 0 },
    }, key);
    tokens.push(api('POST', `/v1/agents/${aid}/token`, null, key).token);
  }
  return { widget, tokens };
}

// agent: one desktop per VU for the whole test, each with its own agent.
// (Not __VU: VU numbers are shared with the visitors' scenario and need not
// be contiguous, and two desktops of one agent would both accept its
// offers.)
export function agent(data) {
  const token = data.tokens[exec.scenario.iterationInTest % data.tokens.length];
  const busy = {};
  const res = ws.connect(`ws://${ADDR}/v1/ws/agent`, {}, (socket) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'hello', token })));
    socket.on('message', (raw) => {
      const f = JSON.parse(raw);
      switch (f.type) {
        case 'welcome':
          socket.send(JSON.stringify({ type: 'presence', status: 'available' }));
          break;
        case 'offer': {
          const name = (f.card && f.card.contact && f.card.contact.name) || '';
          const sent = parseInt(name.split('-').pop(), 10);
          if (name.startsWith('k6v-') && sent > 0) offerLatency.add(Date.now() - sent);
          socket.send(JSON.stringify({ type: 'accept', offer: f.offer.id, ref: `acc-${f.offer.id}` }));
          break;
        }
        case 'ack':
          if (f.session && f.ref && f.ref.startsWith('acc-')) {
            busy[f.session] = true;
            chats.add(1);
          }
          break;
        case 'message':
          if (f.message.from.kind === 'visitor' && f.message.text.startsWith('rt ')) {
            socket.send(JSON.stringify({ type: 'send', session: f.session, text: f.message.text, ref: `echo-${f.session}` }));
          }
          break;
        case 'card':
          if (f.card.state_name === 'finished' && !f.card.wrapup_code && busy[f.card.session]) {
            delete busy[f.card.session];
            socket.send(JSON.stringify({ type: 'wrapup', session: f.card.session, code: 'done' }));
          }
          break;
        case 'error':
          if (f.code === 'conflict' && (f.ref || '').startsWith('echo-')) {
            echoesAfterLeave.add(1);
          } else {
            wsErrors.add(1, { kind: `agent_${f.code}` });
          }
          break;
        default:
      }
    });
    socket.on('error', () => wsErrors.add(1, { kind: 'agent_socket' }));
    socket.setTimeout(() => socket.close(), 1000 * (parseInt(DURATION, 10) + 15));
  });
  check(res, { 'agent socket upgraded': (r) => r && r.status === 101 });
}

// visitor: one chat per iteration.
export function visitor(data) {
  const sent = Date.now();
  const res = ws.connect(`ws://${ADDR}/v1/ws/visitor`, {}, (socket) => {
    let joined = false;
    socket.on('open', () => {
      socket.send(JSON.stringify({ type: 'hello', widget: data.widget, queue: QUEUE, name: `k6v-${__VU}-${sent}` }));
      socket.send(JSON.stringify({ type: 'send', text: 'hello, I need help' }));
    });
    socket.on('message', (raw) => {
      const f = JSON.parse(raw);
      if (f.type === 'agent_joined' && !joined) {
        joined = true;
        const end = Date.now() + 1000 * exp(CHAT_SECONDS);
        const tick = () => {
          if (Date.now() >= end) {
            socket.send(JSON.stringify({ type: 'leave' }));
            return;
          }
          socket.send(JSON.stringify({ type: 'send', text: `rt ${Date.now()}` }));
          messages.add(1);
          socket.setTimeout(tick, 1000 * exp(MESSAGE_GAP));
        };
        socket.setTimeout(tick, 1000 * exp(MESSAGE_GAP));
      } else if (f.type === 'message' && f.message.from.kind === 'agent' && f.message.text.startsWith('rt ')) {
        relayLatency.add(Date.now() - parseInt(f.message.text.slice(3), 10));
      } else if (f.type === 'ended' || f.type === 'deflected') {
        socket.close();
      } else if (f.type === 'error') {
        wsErrors.add(1, { kind: `visitor_${f.code}` });
      }
    });
    socket.on('error', () => wsErrors.add(1, { kind: 'visitor_socket' }));
    socket.setTimeout(() => socket.close(), 1000 * (CHAT_SECONDS * 10 + 60));
  });
  check(res, { 'visitor socket upgraded': (r) => r && r.status === 101 });
}

export function teardown() {
  sleep(1);
}
