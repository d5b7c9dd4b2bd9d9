// agent.js: the agent desktop (/agent). It keeps the agent's cards, offers,
// needs-help list and transcripts in memory, rebuilt from every welcome, and
// renders them; every action is a command frame with a ref whose ack or
// error the user sees. Seeds: Genesys cards, Odoo information panel, Zoom
// ringing, open list and wrap-up.

import { Socket, wsURL, connectionBanner } from './socket.js';
import { h, clear, toast, announce } from './dom.js';
import {
  renderCard, tickDurations, statusText, isEnded, needsWrapup, contactName,
  clockTime, humanize, parseTime, formatDuration, elapsed, cssId,
} from './cards.js';
import { takeToken, forget, signIn } from './auth.js';

const $ = (id) => document.getElementById(id);

const state = {
  token: '',
  me: null,             // welcome.agent
  status: '',           // presence status
  chosen: '',           // the status the agent last chose
  load: {},
  resumeToken: '',
  cards: new Map(),     // session → card, the agent's own
  offers: new Map(),    // offer id → {offer, card, ringingSince}
  help: new Map(),      // session → card needing help
  messages: new Map(),  // session → Map(message id or client id → message)
  lastMsg: {},          // session → last message id seen
  unread: new Map(),    // session → count
  fetched: new Set(),   // sessions whose transcript was loaded over HTTP
  outbox: new Map(),    // client_id → {session, text}
  expanded: new Set(),  // sessions whose journey is open
  selected: '',
  typingFrom: new Map(), // session → {name, until}
  lastTypingSent: 0,
};

let sock = null;

// ---- start ---------------------------------------------------------------

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
    hello: ({ reconnect }) => {
      const f = { type: 'hello', token: state.token };
      if (reconnect && state.resumeToken) {
        f.resume = { token: state.resumeToken, last_message_ids: { ...state.lastMsg } };
      }
      return f;
    },
    onBadHello: () => { state.resumeToken = ''; },
    onFrame,
    onState: (s) => {
      banner(s);
      if (s.code) state.lastClose = { code: s.code, reason: s.reason || '' };
      $('presence').disabled = s.state !== 'open';
      if (s.state === 'closed' && s.code === 4401) {
        forget();
        $('app').hidden = true;
        $('presence').hidden = true;
        signIn($('signin'), 'The token was refused. Ask your administrator for a new one.', (t) => {
          state.token = t;
          connect();
        });
      }
    },
  });
  sock.start();
}

const banner = connectionBanner($('conn'));

// ---- frames --------------------------------------------------------------

const handlers = {
  welcome: onWelcome,
  presence: (f) => setPresence(f.status, f.load, f.reason, f.status_since),
  offer: onOffer,
  offer_revoked: onOfferRevoked,
  card: (f) => f.card && upsertCard(f.card),
  message: onMessage,
  typing: onTyping,
  needs_help: (f) => { if (f.card?.session) { state.help.set(f.card.session, f.card); renderHelp(); } },
  needs_help_cleared: (f) => { state.help.delete(f.session || f.card?.session); renderHelp(); },
  error: (f) => toast(errorText(f), 'error'),
};

/** errorText renders an error frame: "Not found: agent "x"". */
function errorText(f) {
  const code = humanize(f.code);
  const msg = typeof f.message === 'string' ? f.message : '';
  return code && msg ? `${code}: ${msg}` : (msg || code || 'Error');
}

function onFrame(f) {
  const fn = handlers[f.type];
  if (!fn) return; // ack, pong and unknown types
  try { fn(f); } catch (e) { console.error('frame', f.type, e); }
}

function onWelcome(f) {
  const resumed = !!state.me;
  state.me = f.agent && typeof f.agent === 'object' ? f.agent : { id: '', name: '' };
  state.resumeToken = typeof f.resume_token === 'string' ? f.resume_token : '';
  $('me').textContent = state.me.name || state.me.id || '';
  $('supervisor-link').hidden = state.me.role !== 'supervisor';
  $('presence').hidden = false;
  setPresence(state.me.status, state.me.load, '', state.me.status_since);

  const cards = new Map();
  for (const c of arr(f.cards)) if (c?.session) cards.set(c.session, c);
  for (const [id, c] of state.cards) if (!cards.has(id) && isEnded(c)) cards.set(id, c);
  state.cards = cards;

  state.offers.clear();
  for (const item of arr(f.offers)) {
    const offer = item?.offer && typeof item.offer === 'object' ? item.offer : item;
    if (!offer?.id) continue;
    addOffer(offer, item.card || cards.get(offer.session), false);
  }
  state.help.clear();
  for (const c of arr(f.needs_help)) if (c?.session) state.help.set(c.session, c);

  if (resumed) for (const [cid, m] of state.outbox) resend(cid, m);
  if (!state.selected) {
    const want = new URLSearchParams(location.hash.slice(1)).get('session');
    if (want && state.cards.has(want)) select(want);
  }
  renderAll();
}

function setPresence(status, load, reason, since) {
  if (typeof status === 'string' && status) state.status = status;
  if (typeof since === 'string' && since) {
    const el = $('status-since');
    el.dataset.since = since;
    el.textContent = formatDuration(elapsed(since));
    el.hidden = false;
  }
  if (['available', 'away', 'offline'].includes(state.status)) state.chosen = state.status;
  if (load && typeof load === 'object') state.load = load;
  for (const r of document.querySelectorAll('input[name=presence]')) r.checked = r.value === state.chosen;
  const pill = $('status-pill');
  pill.textContent = humanize(state.status);
  pill.dataset.status = state.status;
  renderLoad();
  if (reason) toast(`Your status is now ${humanize(state.status).toLowerCase()}: ${humanize(reason).toLowerCase()}.`, 'info', 10000);
}

function renderLoad() {
  const items = Object.entries(state.load).filter(([, v]) => v && typeof v === 'object')
    .map(([media, v]) => {
      const active = num(v.active);
      const cap = num(v.capacity);
      return h('li', { class: 'load__item', title: `${humanize(media)}: ${active} of ${cap}` },
        h('span', { class: 'load__media', text: humanize(media) }),
        h('meter', { min: 0, max: Math.max(cap, 1), value: active, 'aria-label': `${humanize(media)} load` }),
        h('span', { class: 'load__num', text: `${active}/${cap}` }));
    });
  clear($('load'), items);
}

// ---- offers ----------------------------------------------------------------

function onOffer(f) {
  const offer = f.offer;
  if (!offer?.id) return;
  if (offer.mode === 'auto') {
    // Assigned already (auto accept, email): straight into the open list.
    if (f.card?.session) {
      upsertCard(f.card, true);
      toast(`New ${humanize(offer.media || 'session').toLowerCase()} assigned: ${contactName(f.card)}`, 'info');
    }
    return;
  }
  addOffer(offer, f.card, true);
  renderOffers();
}

function addOffer(offer, card, ring) {
  if (offer.mode === 'auto') return;
  state.offers.set(offer.id, { offer, card: card || null, at: Date.now() });
  if (ring) {
    const who = card ? contactName(card) : 'a visitor';
    announce(`Incoming ${humanize(offer.media || 'chat').toLowerCase()} from ${who}. Accept with Alt+Shift+A, decline with Alt+Shift+D.`);
  }
}

function onOfferRevoked(f) {
  const id = typeof f.offer === 'string' ? f.offer : f.offer?.id;
  if (!state.offers.delete(id)) return;
  const why = { timeout: 'it timed out', taken: 'another agent took it', abandoned: 'the visitor left', rerouted: 'it was rerouted' }[f.reason] || humanize(f.reason).toLowerCase();
  toast(`Offer withdrawn${why ? `: ${why}` : ''}.`, 'info');
  renderOffers();
}

let focusBeforeRing = null;

/**
 * renderOffers keeps one ringing panel per manual offer. Panels that stay
 * are updated in place so that keyboard focus is not lost; a new offer
 * takes the focus (to its Accept button) and gives it back when the last
 * panel goes.
 */
function renderOffers() {
  const box = $('offers');
  const had = box.contains(document.activeElement);
  for (const el of [...box.querySelectorAll('.offer')]) if (!state.offers.has(el.dataset.offer)) el.remove();
  let fresh = null;
  for (const o of state.offers.values()) {
    const el = box.querySelector(`.offer[data-offer="${CSS.escape(o.offer.id)}"]`);
    if (el) {
      clear(el.querySelector('.offer__card'), offerCard(o));
      continue;
    }
    const panel = offerPanel(o);
    box.append(panel);
    fresh = fresh || panel;
  }
  tickOffers();
  document.title = state.offers.size ? `(${state.offers.size}) Ringing · Switchboard` : 'Agent desktop · Switchboard';
  if (fresh && !box.contains(document.activeElement)) {
    if (!had) focusBeforeRing = document.activeElement;
    fresh.querySelector('button.accept').focus();
  } else if (had && !box.contains(document.activeElement)) {
    const next = box.querySelector('button.accept:not([disabled])');
    if (next) next.focus(); else restoreFocus();
  }
}

function offerCard({ offer, card }) {
  return card ? renderCard(card, {}) : h('p', { text: `Session ${offer.session || ''}` });
}

function offerPanel(o) {
  const { offer, card } = o;
  const media = humanize(offer.media || card?.media || 'chat');
  const hid = `offer-h-${cssId(offer.id)}`;
  return h('section', { class: 'offer', 'data-offer': offer.id, 'aria-labelledby': hid, role: 'alertdialog' },
    h('h2', { id: hid, class: 'offer__title', text: `Incoming ${media.toLowerCase()}` }),
    h('div', { class: 'offer__card' }, offerCard(o)),
    h('p', { class: 'offer__countdown' },
      h('progress', { class: 'js-offer-progress', max: 100, value: 100, 'aria-hidden': 'true' }),
      h('span', { class: 'js-offer-left', 'data-expires': offer.expires_at || '', 'data-total': String(totalSeconds(offer)) })),
    h('div', { class: 'offer__buttons' },
      h('button', { type: 'button', class: 'accept', 'aria-keyshortcuts': 'Alt+Shift+A', onclick: () => accept(offer.id), text: 'Accept' }),
      h('button', { type: 'button', class: 'decline', 'aria-keyshortcuts': 'Alt+Shift+D', onclick: () => decline(offer.id), text: 'Decline' })));
}

function restoreFocus() {
  const back = focusBeforeRing;
  focusBeforeRing = null;
  if (back && document.contains(back) && typeof back.focus === 'function') back.focus();
  else if (state.selected) $('composer-text').focus();
}

function totalSeconds(offer) {
  const left = (parseTime(offer.expires_at) - Date.now()) / 1000;
  return Number.isFinite(left) ? Math.max(1, Math.round(left)) : 0;
}

function tickOffers() {
  for (const el of document.querySelectorAll('.js-offer-left')) {
    const exp = parseTime(el.dataset.expires);
    if (Number.isNaN(exp)) { el.textContent = ''; continue; }
    const left = Math.max(0, Math.ceil((exp - Date.now()) / 1000));
    el.textContent = left ? `Expires in ${left} s` : 'Expired';
    const bar = el.parentElement.querySelector('.js-offer-progress');
    const total = Number(el.dataset.total) || 1;
    if (bar) bar.value = Math.round((100 * left) / total);
    if (!left && Date.now() - exp > 3000) {
      // The hub revokes expired offers; don't keep ringing if that frame is lost.
      const id = el.closest('.offer')?.dataset.offer;
      if (id && state.offers.delete(id)) renderOffers();
    }
  }
}

async function accept(id) {
  const o = state.offers.get(id);
  if (!o) return;
  setOfferBusy(id);
  try {
    const ack = await sock.request({ type: 'accept', offer: id });
    state.offers.delete(id);
    const sid = ack.session || o.offer.session;
    if (o.card && !state.cards.has(sid)) state.cards.set(sid, o.card);
    renderOffers();
    if (sid) { select(sid); $('composer-text').focus(); }
    renderAll();
  } catch (e) {
    state.offers.delete(id);
    renderOffers();
    if (e.type !== 'error') toast(e.message || 'Could not accept.', 'error');
  }
}

async function decline(id) {
  if (!state.offers.has(id)) return;
  setOfferBusy(id);
  try {
    await sock.request({ type: 'decline', offer: id });
  } catch (e) {
    if (e.type !== 'error') toast(e.message || 'Could not decline.', 'error');
  }
  state.offers.delete(id);
  renderOffers();
}

function setOfferBusy(id) {
  const el = document.querySelector(`.offer[data-offer="${CSS.escape(id)}"]`);
  for (const b of el ? el.querySelectorAll('button') : []) b.disabled = true;
}

document.addEventListener('keydown', (ev) => {
  if (!ev.altKey || !ev.shiftKey) return;
  const first = state.offers.keys().next().value;
  if (!first) return;
  if (ev.code === 'KeyA') { ev.preventDefault(); accept(first); }
  if (ev.code === 'KeyD') { ev.preventDefault(); decline(first); }
});

// ---- cards -----------------------------------------------------------------

function isMine(card) {
  const me = state.me?.id;
  if (!me) return false;
  return card.agent?.id === me || arr(card.agents).some((a) => a?.id === me);
}

function upsertCard(card, mine = false) {
  if (!card?.session) return;
  const id = card.session;
  if (state.help.has(id)) {
    if (card.status === 'needs_help' && !isEnded(card)) state.help.set(id, card);
    else state.help.delete(id);
  }
  for (const o of state.offers.values()) if (o.offer.session === id) o.card = card;
  if (mine || state.cards.has(id) || isMine(card)) state.cards.set(id, card);
  renderAll();
}

function renderAll() {
  renderOffers();
  renderLists();
  renderHelp();
  renderConversation();
}

function cardOpts(card) {
  const n = state.unread.get(card.session) || 0;
  const actions = [];
  if (n) actions.push(h('span', { class: 'badge', text: `${n} new`, 'aria-label': `${n} new messages` }));
  if (isEnded(card) && !needsWrapup(card, state.me?.id)) {
    actions.push(h('button', { type: 'button', class: 'link', text: 'Dismiss', 'aria-label': `Dismiss ${card.title || 'session'} with ${contactName(card)}`, onclick: () => dismiss(card.session) }));
  }
  return {
    selected: card.session === state.selected,
    expanded: state.expanded.has(card.session),
    onToggle: (c, open) => { if (open) state.expanded.add(c.session); else state.expanded.delete(c.session); },
    onOpen: (c) => { select(c.session); $('composer-text').focus(); },
    actions,
  };
}

function renderLists() {
  const all = [...state.cards.values()].sort((a, b) => String(b.session).localeCompare(String(a.session)));
  const open = all.filter((c) => !isEnded(c) || needsWrapup(c, state.me?.id));
  const done = all.filter((c) => !open.includes(c));
  keepFocus(() => {
    clear($('open-list'), open.map((c) => h('li', {}, renderCard(c, cardOpts(c)))));
    clear($('done-list'), done.map((c) => h('li', {}, renderCard(c, cardOpts(c)))));
  });
  $('open-empty').hidden = open.length > 0;
  $('done-section').hidden = done.length === 0;
}

function renderHelp() {
  const cards = [...state.help.values()];
  keepFocus(() => clear($('help-list'), cards.map((c) => h('li', {}, renderCard(c, {
    expanded: state.expanded.has(c.session),
    onToggle: (x, open) => { if (open) state.expanded.add(x.session); else state.expanded.delete(x.session); },
    actions: state.cards.has(c.session) && isMine(c) ? [] : [h('button', {
      type: 'button', class: 'join', text: 'Join', 'aria-label': `Join ${c.title || 'conversation'} with ${contactName(c)}`,
      onclick: () => join(c.session),
    })],
  })))));
  $('help-empty').hidden = cards.length > 0;
  $('help-count').textContent = cards.length ? `(${cards.length})` : '';
}

/**
 * keepFocus runs a re-render and puts the keyboard focus back on the
 * equivalent control (same session, same button text) if it was inside.
 */
function keepFocus(fn) {
  const a = document.activeElement;
  const card = a?.closest?.('.card');
  const key = card && { session: card.dataset.session, cls: a.className, text: a.textContent };
  fn();
  if (!key || document.contains(a)) return;
  const again = document.querySelector(`.card[data-session="${CSS.escape(key.session)}"]`);
  const match = again && [...again.querySelectorAll('button')].find((b) => b.className === key.cls && b.textContent === key.text);
  match?.focus();
}

function dismiss(id) {
  state.cards.delete(id);
  state.messages.delete(id);
  if (state.selected === id) select('');
  renderAll();
}

async function join(session) {
  try {
    await sock.request({ type: 'join', session });
    const c = state.help.get(session);
    if (c) state.cards.set(session, c);
    select(session);
    renderAll();
    $('composer-text').focus();
  } catch (e) {
    if (e.type !== 'error') toast(e.message, 'error');
  }
}

// ---- conversation ----------------------------------------------------------

function select(id) {
  state.selected = id;
  state.unread.delete(id);
  history.replaceState(history.state, '', id ? `#session=${encodeURIComponent(id)}` : location.pathname);
  resetConversationView();
  if (id) loadTranscript(id);
  renderLists();
}

let renderedFor = '';
let renderedKeys = [];

function resetConversationView() {
  renderedFor = '';
  renderedKeys = [];
  $('notes').dataset.dirty = '';
  renderConversation();
}

function renderConversation() {
  const card = state.cards.get(state.selected);
  $('conv-empty').hidden = !!card;
  $('conv').hidden = !card;
  $('info').hidden = !card;
  if (!card) return;
  const key = `conv:${card.session}`; // the header's journey opens on its own
  clear($('conv-card'), renderCard(card, {
    expanded: state.expanded.has(key),
    onToggle: (c, open) => { if (open) state.expanded.add(key); else state.expanded.delete(key); },
  }));
  renderActions(card);
  renderTranscript();
  renderTyping();
  renderInfo(card);
}

function renderActions(card) {
  const ended = isEnded(card);
  const mine = isMine(card) || !card.agent;
  for (const id of ['act-transfer', 'act-release', 'act-end']) $(id).hidden = ended || !mine;
  const voice = card.media === 'voice' || card.icon === 'call';
  $('act-hold').hidden = ended || !voice || !mine;
  $('act-hold').textContent = card.on_hold ? 'Unhold' : 'Hold';
  $('act-hold').setAttribute('aria-pressed', String(!!card.on_hold));
  const wrap = needsWrapup(card, state.me?.id);
  $('composer').hidden = ended;
  const form = $('wrapup');
  const wasHidden = form.hidden;
  form.hidden = !wrap;
  if (wrap && (wasHidden || form.dataset.session !== card.session)) buildWrapup(card);
}

function buildWrapup(card) {
  const form = $('wrapup');
  form.dataset.session = card.session;
  const codes = arr(card.wrapup_codes).filter((c) => typeof c === 'string' && c);
  const field = codes.length
    ? [h('label', { for: 'wrapup-code', text: 'Wrap-up code' }),
      h('select', { id: 'wrapup-code', required: true },
        h('option', { value: '', text: 'Choose a code…' }),
        codes.map((c) => h('option', { value: c, text: c })))]
    : [h('label', { for: 'wrapup-code', text: 'Wrap-up code' }),
      h('input', { id: 'wrapup-code', required: true, maxlength: 64, placeholder: 'e.g. resolved' })];
  clear($('wrapup-code-field'), field);
  $('wrapup-notes').value = card.notes || '';
  $('wrapup-outcome').value = '';
  $('wrapup-code').focus();
  if (!codes.length && card.queue?.id) offerQueueCodes(card);
}

const queueCodes = new Map(); // queue id → Promise of its wrap-up codes

/**
 * offerQueueCodes fetches the queue's wrap-up codes when the card carries
 * none, and turns the free-text field into a choice if the queue has some
 * and nothing was typed yet.
 */
async function offerQueueCodes(card) {
  const id = card.queue.id;
  if (!queueCodes.has(id)) {
    queueCodes.set(id, fetch(`/v1/queues/${encodeURIComponent(id)}`, {
      headers: { Authorization: `Bearer ${state.token}`, Accept: 'application/json' },
    }).then((r) => (r.ok ? r.json() : {})).then((q) => arr((q && (q.wrapup_codes || q.queue?.wrapup_codes)) || []))
      .catch(() => { queueCodes.delete(id); return []; }));
  }
  const codes = (await queueCodes.get(id)).filter((c) => typeof c === 'string' && c);
  const input = $('wrapup-code');
  if (!codes.length || !input || input.tagName !== 'INPUT' || input.value || $('wrapup').dataset.session !== card.session) return;
  const focused = document.activeElement === input;
  const notes = $('wrapup-notes').value;
  const outcome = $('wrapup-outcome').value;
  buildWrapup({ ...card, wrapup_codes: codes });
  $('wrapup-notes').value = notes;
  $('wrapup-outcome').value = outcome;
  if (!focused) $('wrapup-code').blur();
}

function messagesOf(id) {
  let m = state.messages.get(id);
  if (!m) { m = new Map(); state.messages.set(id, m); }
  return m;
}

/**
 * sortedMessages returns a session's messages in order: by id (the hub
 * numbers them), then the ones not yet acknowledged, by time.
 */
function sortedMessages(id) {
  return [...messagesOf(id).values()].sort((a, b) => {
    if (a.id && b.id) return compareIds(a.id, b.id);
    if (a.id || b.id) return a.id ? -1 : 1;
    return (parseTime(a.at) || 0) - (parseTime(b.at) || 0);
  });
}

/**
 * renderTranscript appends the selected session's new messages, and
 * rebuilds the list only when the order of the ones shown changed, so that
 * the log region announces each message once.
 */
function renderTranscript() {
  const id = state.selected;
  const list = $('transcript');
  const msgs = sortedMessages(id);
  const keys = msgs.map((m) => m.key);
  const fresh = renderedFor !== id || renderedKeys.some((k, i) => keys[i] !== k);
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  if (fresh) {
    list.setAttribute('aria-busy', 'true');
    list.replaceChildren();
    renderedKeys = [];
    renderedFor = id;
  }
  const byKey = new Map(msgs.map((m) => [m.key, m]));
  for (const el of list.children) el.classList.toggle('msg--pending', !!byKey.get(el.dataset.key)?.pending);
  for (const m of msgs.slice(renderedKeys.length)) {
    list.append(renderMessage(m));
    renderedKeys.push(m.key);
  }
  if (fresh) list.removeAttribute('aria-busy');
  if (fresh || atBottom) list.scrollTop = list.scrollHeight;
}

function renderMessage(m) {
  const kind = ['visitor', 'agent', 'system'].includes(m.from?.kind) ? m.from.kind : 'system';
  const own = kind === 'agent' && m.from?.id === state.me?.id;
  const who = own ? 'You' : (m.from?.name || humanize(kind));
  return h('li', { class: `msg msg--${kind}${own ? ' msg--own' : ''}${m.pending ? ' msg--pending' : ''}`, 'data-key': m.key },
    h('div', { class: 'msg__meta' }, h('span', { class: 'msg__who', text: who }), ' ',
      h('time', { datetime: m.at || '', text: clockTime(m.at) })),
    h('div', { class: 'msg__text', text: String(m.text ?? '') }));
}

function onMessage(f) {
  const sid = f.session || f.message?.session;
  const m = f.message;
  if (!sid || !m || typeof m !== 'object') return;
  addMessage(sid, m);
  if (m.id) state.lastMsg[sid] = maxId(state.lastMsg[sid], m.id);
  const t = state.typingFrom.get(sid);
  if (t && m.from?.kind !== 'agent') { state.typingFrom.delete(sid); renderTyping(); }
  if (sid === state.selected) renderTranscript();
  else if (m.from?.kind !== 'agent' || m.from?.id !== state.me?.id) {
    state.unread.set(sid, (state.unread.get(sid) || 0) + 1);
    renderLists();
  }
}

/** addMessage stores m once, matching our own pending sends by text. */
function addMessage(sid, m) {
  const store = messagesOf(sid);
  if (m.id && store.has(m.id)) return;
  if (m.from?.kind === 'agent' && m.from?.id === state.me?.id) {
    for (const [k, p] of store) {
      if (!p.pending || p.text !== m.text) continue;
      store.delete(k);
      Object.assign(p, { id: m.id, at: m.at || p.at, pending: false });
      store.set(m.id || k, p);
      return;
    }
  }
  const key = m.id ? `m:${m.id}` : `k:${m.at}-${m.text}`;
  store.set(m.id || key, { ...m, key });
}

/** compareIds orders message ids, numerically when they are numbers. */
function compareIds(a, b) {
  return String(a ?? '').localeCompare(String(b ?? ''), 'en', { numeric: true });
}

function maxId(a, b) {
  if (!a) return b;
  return compareIds(b, a) > 0 ? b : a;
}

async function loadTranscript(id) {
  if (state.fetched.has(id)) return;
  state.fetched.add(id);
  try {
    const res = await fetch(`/v1/sessions/${encodeURIComponent(id)}/transcript`, {
      headers: { Authorization: `Bearer ${state.token}`, Accept: 'application/json' },
    });
    if (!res.ok) return;
    const body = await res.json();
    const list = Array.isArray(body) ? body : arr(body?.messages);
    for (const m of list) if (m && typeof m === 'object') addMessage(id, m);
    if (id === state.selected) renderTranscript();
  } catch {
    state.fetched.delete(id); // try again next time it is opened
  }
}

// composer

$('composer').addEventListener('submit', (ev) => { ev.preventDefault(); sendComposer(); });
$('composer-text').addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); sendComposer(); }
});
$('composer-text').addEventListener('input', () => {
  const now = Date.now();
  if (!state.selected || now - state.lastTypingSent < 3000) return;
  state.lastTypingSent = now;
  sock?.send({ type: 'typing', session: state.selected });
});

function sendComposer() {
  const box = $('composer-text');
  const text = box.value.trim();
  const session = state.selected;
  if (!text || !session) return;
  box.value = '';
  state.lastTypingSent = 0;
  const cid = `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  messagesOf(session).set(cid, {
    key: `c:${cid}`, pending: true, text, at: new Date().toISOString(),
    from: { kind: 'agent', id: state.me?.id, name: state.me?.name },
  });
  state.outbox.set(cid, { session, text });
  renderTranscript();
  resend(cid, { session, text });
}

async function resend(cid, { session, text }) {
  try {
    const ack = await sock.request({ type: 'send', session, text, client_id: cid });
    state.outbox.delete(cid);
    const store = messagesOf(session);
    const p = store.get(cid); // gone if the message frame came first
    const id = typeof ack.message === 'string' ? ack.message : ack.message?.id;
    if (p) {
      p.pending = false;
      if (id && !store.has(id)) { store.delete(cid); p.id = id; store.set(id, p); }
    }
    if (session === state.selected) renderTranscript();
  } catch (e) {
    if (e.type === 'error') { // refused: it will not go through by retrying
      state.outbox.delete(cid);
      const p = messagesOf(session).get(cid);
      if (p) { p.pending = false; p.text = `${p.text} (not sent)`; }
      renderedFor = ''; // redraw with the note
      if (session === state.selected) renderTranscript();
    } // else: kept in the outbox and sent again after reconnecting
  }
}

// typing

function onTyping(f) {
  const sid = f.session;
  if (!sid) return;
  const from = f.from;
  if (from && typeof from === 'object' && from.kind === 'agent' && from.id === state.me?.id) return;
  const name = typeof from === 'string' ? from : (from?.name || humanize(from?.kind) || 'Visitor');
  state.typingFrom.set(sid, { name, until: Date.now() + 5000 });
  renderTyping();
}

function renderTyping() {
  const t = state.typingFrom.get(state.selected);
  const on = t && t.until > Date.now();
  $('typing').textContent = on ? `${t.name} is typing…` : '';
}

// actions

function act(type, extra = {}) {
  const session = state.selected;
  if (!session) return Promise.resolve(null);
  return sock.request({ type, session, ...extra }).catch((e) => {
    if (e.type !== 'error') toast(e.message || 'Failed.', 'error');
    return null;
  });
}

$('act-end').addEventListener('click', async () => {
  if (await act('end')) announce('Conversation ended. Complete the wrap-up.');
});
$('act-release').addEventListener('click', async () => {
  if (await act('release')) toast('Released back to the queue.');
});
$('act-hold').addEventListener('click', () => {
  const card = state.cards.get(state.selected);
  act(card?.on_hold ? 'unhold' : 'hold');
});

$('act-transfer').addEventListener('click', () => {
  const queues = new Map();
  for (const c of state.cards.values()) if (c.queue?.id) queues.set(c.queue.id, c.queue.name || c.queue.id);
  clear($('transfer-options'), [...queues].map(([id, name]) => h('option', { value: id, text: name })));
  $('transfer-target').value = '';
  $('transfer-note').value = '';
  $('transfer-dialog').showModal();
});
$('transfer-cancel').addEventListener('click', () => $('transfer-dialog').close());
$('transfer-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const kind = document.querySelector('input[name=transfer-kind]:checked')?.value || 'queue';
  const target = $('transfer-target').value.trim();
  if (!target) return;
  const note = $('transfer-note').value.trim();
  $('transfer-dialog').close();
  const extra = { [kind]: target };
  if (note) extra.note = note;
  if (await act('transfer', extra)) toast(`Transfer to ${target} requested.`);
  $('act-transfer').focus();
});

$('wrapup').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const code = $('wrapup-code')?.value.trim();
  if (!code) { $('wrapup-code')?.focus(); return; }
  const extra = { code };
  const notes = $('wrapup-notes').value.trim();
  const outcome = $('wrapup-outcome').value;
  if (notes) extra.notes = notes;
  if (outcome) extra.outcome = outcome;
  $('wrapup-submit').disabled = true;
  const ok = await act('wrapup', extra);
  $('wrapup-submit').disabled = false;
  if (ok) {
    const card = state.cards.get(state.selected);
    if (card && !card.wrapup_code) upsertCard({ ...card, wrapup_code: code, color: 'gray', status_label: code });
    announce(`Wrapped up as ${code}.`);
  }
});

// ---- information panel ----------------------------------------------------

function renderInfo(card) {
  const c = card.contact && typeof card.contact === 'object' ? card.contact : {};
  $('info-name').textContent = c.name || '—';
  $('info-email').textContent = c.email || '—';
  $('info-phone').textContent = c.phone || '—';
  $('info-verified').textContent = c.verified ? '✓ Verified contact' : 'Not verified';
  $('info-verified').dataset.verified = String(!!c.verified);
  if (!$('verify-form').contains(document.activeElement)) {
    $('verify-email').value = c.email || '';
    $('verify-phone').value = c.phone || '';
  }
  $('verify-form').hidden = !!c.verified || isEnded(card);
  $('info-locale').textContent = [regionName(c.country), languageName(c.language)].filter(Boolean).join(' · ') || '—';

  const ended = isEnded(card);
  $('status-group').disabled = ended;
  for (const r of document.querySelectorAll('input[name=conv-status]')) r.checked = r.value === card.status;

  const notes = $('notes');
  if (!notes.dataset.dirty && document.activeElement !== notes) notes.value = card.notes || '';
  renderChips($('tags'), arr(card.tags), 'tag', (t) => act('annotate', { remove_tags: [t] }));
  renderChips($('expertise'), arr(card.expertise), 'expertise', (t) => act('annotate', { expertise: arr(card.expertise).filter((x) => x !== t) }));
  clear($('exp-options'), arr(state.me?.expertise).map((x) => h('option', { value: x })));

  const recent = Array.isArray(card.recent) ? card.recent.filter((r) => r && typeof r === 'object') : recentOf(card);
  $('recent-section').hidden = !recent || !recent.length;
  if (recent) {
    clear($('recent'), recent.map((r) => h('li', {},
      h('span', { class: 'recent__title', text: r.title || humanize(r.channel) || 'Conversation' }), ' ',
      h('time', { datetime: r.started_at || r.at || '', text: shortDate(r.started_at || r.at) }), ' ',
      h('span', { class: 'muted', text: r.wrapup_code || r.status_label || humanize(r.outcome) || '' }),
      r.agent ? h('span', { class: 'muted', text: ` · ${r.agent.name || r.agent}` }) : null)));
  }
}

/**
 * recentOf returns the contact's other conversations (newest first) from the
 * contact index once fetched, and fetches them the first time a card of that
 * contact is shown (the info panel is rendered again when they arrive).
 */
const recentByContact = new Map();
function recentOf(card) {
  const key = typeof card.contact_key === 'string' ? card.contact_key : '';
  if (!key) return null;
  if (!recentByContact.has(key)) {
    recentByContact.set(key, null);
    fetch(`/v1/sessions?contact=${encodeURIComponent(key)}&limit=6`, {
      headers: { Authorization: `Bearer ${state.token}`, Accept: 'application/json' },
    }).then((r) => (r.ok ? r.json() : { sessions: [] }))
      .then((body) => {
        recentByContact.set(key, arr(body.sessions));
        const open = state.cards.get(state.selected);
        if (open && open.contact_key === key) renderInfo(open);
      })
      .catch(() => recentByContact.delete(key));
  }
  const list = recentByContact.get(key);
  return list ? list.filter((r) => r && r.session !== card.session).slice(0, 5) : null;
}

function renderChips(list, items, what, onRemove) {
  keepFocusIn(list, () => clear(list, items.filter((x) => typeof x === 'string').map((t) => h('li', { class: 'chip' },
    h('span', { text: t }),
    h('button', { type: 'button', class: 'chip__x', 'aria-label': `Remove ${what} ${t}`, text: '×', onclick: () => onRemove(t) })))));
}

function keepFocusIn(list, fn) {
  const had = list.contains(document.activeElement);
  fn();
  if (had) (list.querySelector('button') || list.nextElementSibling?.querySelector('input'))?.focus();
}

function regionName(code) {
  if (!code) return '';
  try { return new Intl.DisplayNames([], { type: 'region' }).of(String(code).toUpperCase()) || code; } catch { return code; }
}

function languageName(code) {
  if (!code) return '';
  try { return new Intl.DisplayNames([], { type: 'language' }).of(String(code)) || code; } catch { return code; }
}

function shortDate(at) {
  const t = parseTime(at);
  return Number.isNaN(t) ? '' : new Date(t).toLocaleDateString([], { month: 'short', day: 'numeric' });
}

document.querySelectorAll('input[name=conv-status]').forEach((r) => r.addEventListener('change', async () => {
  const card = state.cards.get(state.selected);
  if (!(await act('set_status', { status: r.value })) && card) {
    for (const x of document.querySelectorAll('input[name=conv-status]')) x.checked = x.value === card.status;
  }
}));

$('notes').addEventListener('input', () => { $('notes').dataset.dirty = '1'; });
$('notes-save').addEventListener('click', async () => {
  if (await act('annotate', { notes: $('notes').value })) {
    $('notes').dataset.dirty = '';
    toast('Notes saved.');
  }
});

$('tag-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const t = $('tag-input').value.trim();
  if (t && await act('annotate', { add_tags: [t] })) $('tag-input').value = '';
});

$('exp-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const x = $('exp-input').value.trim();
  const card = state.cards.get(state.selected);
  if (!x || !card) return;
  const all = [...new Set([...arr(card.expertise), x])];
  if (await act('annotate', { expertise: all })) $('exp-input').value = '';
});

$('verify-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const extra = {};
  const email = $('verify-email').value.trim();
  const phone = $('verify-phone').value.trim();
  if (email) extra.email = email;
  if (phone) extra.phone = phone;
  if (await act('verify_contact', extra)) toast('Contact verified.');
});

document.querySelectorAll('input[name=presence]').forEach((r) => r.addEventListener('change', async () => {
  try {
    await sock.request({ type: 'presence', status: r.value });
    state.chosen = r.value;
  } catch (e) {
    if (e.type !== 'error') toast(e.message, 'error');
    setPresence(state.status);
  }
}));

// ---- helpers and timers ----------------------------------------------------

function arr(x) { return Array.isArray(x) ? x : []; }
function num(x) { return Number.isFinite(Number(x)) ? Number(x) : 0; }

setInterval(() => {
  tickDurations();
  tickOffers();
  renderTyping();
}, 1000);

// For the browser tests and the curious: a read-only peek at the state.
globalThis.switchboardDesktop = { state, formatDuration, elapsed, statusText };

start();
