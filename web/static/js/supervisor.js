// supervisor.js: the supervisor view (/supervisor). After welcome it
// subscribes to queues, agents and sessions, and draws live queue
// statistics with sparklines of the last minutes, agents with their status
// and load, and every session card with Join.

import { Socket, wsURL, connectionBanner } from './socket.js';
import { h, clear, svg, toast } from './dom.js';
import { renderCard, tickDurations, isEnded, contactName, humanize, formatDuration, elapsed } from './cards.js';
import { takeToken, forget, signIn } from './auth.js';

const $ = (id) => document.getElementById(id);

/** How much history the sparklines show. */
export const WINDOW_MS = 10 * 60 * 1000;
const MAX_ENDED = 200;

const state = {
  token: '',
  me: null,
  queues: new Map(),   // id → latest stats
  history: new Map(),  // id → [{t, waiting, sl}]
  agents: new Map(),   // id → {id, name, status, load} from agent_status frames
  cards: new Map(),    // session → card
  joined: new Set(),
  expanded: new Set(),
  filter: 'live',
};

let sock = null;
const banner = connectionBanner($('conn'));

function start() {
  state.token = takeToken();
  if (!state.token) {
    signIn($('signin'), '', (t) => { state.token = t; connect(); });
    return;
  }
  connect();
}

function connect() {
  $('app').hidden = false;
  sock = new Socket({
    url: wsURL('/v1/ws/agent'),
    hello: () => ({ type: 'hello', token: state.token }),
    onFrame,
    onState: (s) => {
      banner(s);
      if (s.state === 'closed' && s.code === 4401) {
        forget();
        $('app').hidden = true;
        signIn($('signin'), 'The token was refused.', (t) => { state.token = t; connect(); });
      }
    },
  });
  sock.start();
}

const handlers = {
  welcome: onWelcome,
  queue_stats: onQueueStats,
  agent_status: onAgentStatus,
  card: (f) => { if (f.card?.session) { addCard(f.card); scheduleRender(); } },
  needs_help: (f) => { if (f.card?.session) { addCard(f.card); scheduleRender(); } },
  error: (f) => toast(f.code && f.message ? `${humanize(f.code)}: ${f.message}` : (f.message || humanize(f.code) || 'Error'), 'error'),
};

function onFrame(f) {
  const fn = handlers[f.type];
  if (!fn) return;
  try { fn(f); } catch (e) { console.error('frame', f.type, e); }
}

async function onWelcome(f) {
  state.me = f.agent && typeof f.agent === 'object' ? f.agent : {};
  $('me').textContent = state.me.name || state.me.id || '';
  for (const c of arr(f.cards)) if (c?.session) addCard(c);
  for (const c of arr(f.needs_help)) if (c?.session) addCard(c);
  renderAll();
  try {
    await sock.request({ type: 'subscribe', topics: ['queues', 'agents', 'sessions'] });
    $('forbidden').hidden = true;
  } catch (e) {
    if (e.code === 'forbidden' || e.code === 'unauthorized') {
      $('forbidden').hidden = false;
      $('forbidden').textContent = 'This view is for supervisors. Your token belongs to an agent: use the agent desktop.';
    }
  }
}

function addCard(card) {
  state.cards.set(card.session, card);
  const ended = [...state.cards.values()].filter(isEnded);
  if (ended.length > MAX_ENDED) {
    ended.sort((a, b) => String(a.session).localeCompare(String(b.session)));
    for (const c of ended.slice(0, ended.length - MAX_ENDED)) state.cards.delete(c.session);
  }
}

// ---- queues -----------------------------------------------------------------

function onQueueStats(f) {
  const now = Date.now();
  for (const q of arr(f.queues)) {
    if (!q || typeof q !== 'object' || !q.id) continue;
    state.queues.set(q.id, q);
    const hist = state.history.get(q.id) || [];
    hist.push({ t: now, waiting: num(q.waiting), sl: num(q.service_level) });
    while (hist.length && now - hist[0].t > WINDOW_MS) hist.shift();
    if (hist.length > 600) hist.splice(0, hist.length - 600);
    state.history.set(q.id, hist);
  }
  renderQueues();
}

function renderQueues() {
  const rows = [...state.queues.values()].sort((a, b) => String(a.name || a.id).localeCompare(String(b.name || b.id)))
    .map((q) => {
      const hist = state.history.get(q.id) || [];
      const sl = serviceLevel(q.service_level);
      return h('tr', { 'data-queue': q.id },
        h('th', { scope: 'row', text: q.name || q.id }),
        h('td', { class: 'num' }, h('span', { class: 'big', text: String(num(q.waiting)) }),
          sparkline(hist.map((p) => [p.t, p.waiting]), `Waiting in ${q.name || q.id} over the last minutes`)),
        h('td', { class: 'num', text: formatDuration(num(q.longest_wait)) }),
        h('td', { class: 'num' }, h('span', { class: 'big', text: sl }),
          sparkline(hist.map((p) => [p.t, p.sl > 1 ? p.sl / 100 : p.sl]), `Service level of ${q.name || q.id} over the last minutes`, 1)),
        h('td', { class: 'num', text: `${num(q.agents_available)} / ${num(q.agents_online)}` }),
        h('td', { class: 'num', text: `${num(q.offered)} · ${num(q.answered)} · ${num(q.abandoned)}` }));
    });
  clear($('queues-body'), rows);
  $('queues-empty').hidden = rows.length > 0;
}

/** serviceLevel renders a 0–1 fraction (or a percentage) as "87%". */
function serviceLevel(v) {
  if (v === null || v === undefined || !Number.isFinite(Number(v))) return '—';
  const n = Number(v);
  return `${Math.round(n <= 1 ? n * 100 : n)}%`;
}

/**
 * sparkline draws points [[time ms, value]] over the last WINDOW_MS as a
 * small inline SVG polyline; max fixes the top of the scale (else the
 * largest value, at least 1).
 */
export function sparkline(points, label, max, now = Date.now()) {
  const W = 120;
  const H = 28;
  const top = max || Math.max(1, ...points.map((p) => p[1]));
  const el = svg('svg', { class: 'spark', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img' });
  const vals = points.map((p) => p[1]);
  const title = svg('title');
  title.textContent = vals.length
    ? `${label}: from ${round(vals[0])} to ${round(vals[vals.length - 1])}, peak ${round(Math.max(...vals))}`
    : `${label}: no data yet`;
  el.append(title);
  el.setAttribute('aria-label', title.textContent);
  el.append(svg('line', { x1: 0, y1: H - 1, x2: W, y2: H - 1, class: 'spark__base' }));
  if (!points.length) return el;
  // The x axis spans the history held, at least a minute, at most WINDOW_MS.
  const span = Math.min(WINDOW_MS, Math.max(60000, now - points[0][0]));
  const xy = points.map(([t, v]) => {
    const x = W - ((now - t) / span) * W;
    const y = H - 2 - (Math.min(v, top) / top) * (H - 4);
    return `${Math.max(0, x).toFixed(1)},${y.toFixed(1)}`;
  });
  if (xy.length === 1) xy.unshift(`0,${xy[0].split(',')[1]}`);
  el.append(svg('polyline', { points: xy.join(' '), class: 'spark__line', fill: 'none' }));
  return el;
}

function round(v) { return Math.round(v * 100) / 100; }

// ---- agents -----------------------------------------------------------------

function onAgentStatus(f) {
  const list = Array.isArray(f.agents) ? f.agents : [f.agent && typeof f.agent === 'object' ? f.agent : f];
  for (const a of list) {
    const id = a?.id || (typeof a?.agent === 'string' ? a.agent : '');
    if (!id) continue;
    const prev = state.agents.get(id) || {};
    state.agents.set(id, { ...prev, ...a, id });
  }
  scheduleRender();
}

/** agentsView merges agent_status frames with what the live cards show. */
function agentsView() {
  const view = new Map();
  for (const [id, a] of state.agents) view.set(id, { id, name: a.name || id, status: a.status || '', since: a.status_since || '', load: a.load, sessions: 0 });
  for (const c of state.cards.values()) {
    if (!c.agent?.id || isEnded(c)) continue;
    const a = view.get(c.agent.id) || { id: c.agent.id, name: c.agent.name || c.agent.id, status: '', sessions: 0 };
    a.sessions += 1;
    if (!a.name || a.name === a.id) a.name = c.agent.name || a.id;
    view.set(c.agent.id, a);
  }
  return [...view.values()].sort((a, b) => String(a.name).localeCompare(String(b.name)));
}

function renderAgents() {
  const rows = agentsView().map((a) => h('tr', { 'data-agent': a.id },
    h('th', { scope: 'row', text: a.name }),
    h('td', {}, h('span', { class: 'pill', 'data-status': a.status || 'unknown', text: a.status ? humanize(a.status) : '—' }),
      a.since ? ' ' : '',
      a.since ? h('span', { class: 'muted js-duration', 'data-since': a.since, title: `since ${a.since}`, 'aria-label': 'Time in status',
        text: formatDuration(elapsed(a.since)) }) : ''),
    h('td', {}, loadText(a.load)),
    h('td', { class: 'num', text: String(a.sessions) })));
  clear($('agents-body'), rows);
  $('agents-empty').hidden = rows.length > 0;
}

function loadText(load) {
  if (!load || typeof load !== 'object') return '—';
  const parts = Object.entries(load).filter(([, v]) => v && typeof v === 'object')
    .map(([m, v]) => `${humanize(m)} ${num(v.active)}/${num(v.capacity)}`);
  return parts.join(' · ') || '—';
}

// ---- sessions ---------------------------------------------------------------

const FILTERS = {
  live: (c) => !isEnded(c),
  waiting: (c) => !isEnded(c) && !c.agent,
  needs_help: (c) => !isEnded(c) && c.status === 'needs_help',
  ended: (c) => isEnded(c),
  all: () => true,
};

function renderSessions() {
  const keep = FILTERS[state.filter] || FILTERS.live;
  const cards = [...state.cards.values()].filter(keep)
    .sort((a, b) => String(b.session).localeCompare(String(a.session)));
  const a = document.activeElement;
  const focusKey = a?.closest?.('.card') && { s: a.closest('.card').dataset.session, t: a.textContent };
  clear($('sessions'), cards.map((c) => h('li', {}, renderCard(c, {
    expanded: state.expanded.has(c.session),
    onToggle: (x, open) => { if (open) state.expanded.add(x.session); else state.expanded.delete(x.session); },
    actions: actionsFor(c),
  }))));
  if (focusKey && !document.contains(a)) {
    const card = document.querySelector(`#sessions .card[data-session="${CSS.escape(focusKey.s)}"]`);
    [...(card?.querySelectorAll('button, a') || [])].find((b) => b.textContent === focusKey.t)?.focus();
  }
  $('sessions-empty').hidden = cards.length > 0;
  $('sessions-count').textContent = `(${[...state.cards.values()].filter(FILTERS.live).length} live)`;
}

function actionsFor(c) {
  if (state.joined.has(c.session) || (state.me?.id && c.agent?.id === state.me.id)) {
    return [h('a', { class: 'button', href: `/agent#session=${encodeURIComponent(c.session)}`, text: 'Open', 'aria-label': `Open ${c.title || 'session'} with ${contactName(c)} in the desktop` })];
  }
  if (isEnded(c)) return [];
  return [h('button', {
    type: 'button', class: 'join', text: 'Join', 'aria-label': `Join ${c.title || 'session'} with ${contactName(c)}`,
    onclick: () => join(c.session),
  })];
}

async function join(session) {
  try {
    await sock.request({ type: 'join', session });
    state.joined.add(session);
    toast('Joined. Open the conversation from its card.');
    renderSessions();
  } catch (e) {
    if (e.type !== 'error') toast(e.message, 'error');
  }
}

for (const r of document.querySelectorAll('input[name=filter]')) {
  r.addEventListener('change', () => { state.filter = r.value; renderSessions(); });
}

// ---- rendering --------------------------------------------------------------

let renderQueued = false;

/** scheduleRender coalesces bursts of frames into one redraw per frame. */
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => { renderQueued = false; renderAll(); }, 50);
}

function renderAll() {
  renderQueues();
  renderAgents();
  renderSessions();
}

function arr(x) { return Array.isArray(x) ? x : []; }
function num(x) { return Number.isFinite(Number(x)) ? Number(x) : 0; }

setInterval(() => tickDurations(), 1000);
setInterval(() => renderQueues(), 15000); // keep the sparklines sliding

globalThis.switchboardSupervisor = { state };

start();
