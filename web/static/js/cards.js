// cards.js: session cards (DESIGN.md "Cards", seeds: Genesys) and the small
// formatting helpers they share with the pages. A card shows its color
// (blue ongoing, white ended by the customer without a wrap-up code, gray
// wrapped up), title, icon, a live duration, queue, agent and the status
// label (the wrap-up code once given); expanding it shows the journey.

import { h, icon, clear } from './dom.js';

/** Conversation statuses (seeds: Odoo) and their labels. */
export const STATUSES = [
  ['in_progress', 'In progress'],
  ['waiting_customer', 'Waiting for customer'],
  ['needs_help', 'Needs help'],
];

/** parseTime returns ms since the epoch of an RFC 3339 string, or NaN. */
export function parseTime(s) {
  return typeof s === 'string' && s ? Date.parse(s) : NaN;
}

/** formatDuration renders seconds as m:ss or h:mm:ss. */
export function formatDuration(sec) {
  if (!Number.isFinite(sec) || sec < 0) sec = 0;
  sec = Math.floor(sec);
  const hh = Math.floor(sec / 3600);
  const mm = Math.floor((sec % 3600) / 60);
  const ss = String(sec % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** elapsed returns the seconds from since to until (or now), 0 if unknown. */
export function elapsed(since, until, now = Date.now()) {
  const a = parseTime(since);
  if (Number.isNaN(a)) return 0;
  const b = parseTime(until);
  return Math.max(0, ((Number.isNaN(b) ? now : b) - a) / 1000);
}

/** humanize turns "waiting_customer" into "Waiting customer". */
export function humanize(code) {
  const s = String(code ?? '').replace(/[_-]+/g, ' ').trim();
  return s ? s[0].toUpperCase() + s.slice(1) : '';
}

/** statusText returns the label a card shows: its status_label, else the wrap-up code, else the status. */
export function statusText(card) {
  if (!card) return '';
  if (card.wrapup_code) return String(card.wrapup_code);
  if (card.status_label) return String(card.status_label);
  const st = STATUSES.find(([k]) => k === card.status);
  return st ? st[1] : humanize(card.state_name);
}

/** clockTime renders an RFC 3339 time as the local hh:mm:ss. */
export function clockTime(at) {
  const t = parseTime(at);
  if (Number.isNaN(t)) return '';
  return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** isEnded reports whether a card's session is over. */
export function isEnded(card) {
  return !!(card && (card.ended_at || card.color === 'gray' || card.wrapup_code));
}

/** needsWrapup reports whether agentId owes this card a wrap-up code. */
export function needsWrapup(card, agentId) {
  return !!(card && card.ended_at && !card.wrapup_code && card.color !== 'gray' &&
    (!card.agent || !agentId || card.agent.id === agentId));
}

/** contactName returns the best name for the card's contact. */
export function contactName(card) {
  const c = (card && card.contact) || {};
  return c.name || c.email || c.phone || 'Visitor';
}

const COLORS = new Set(['blue', 'white', 'gray']);
const ICONS = new Set(['call', 'chat', 'email']);

/** ref returns a {id, name} reference's name or id. */
function refName(r) {
  return (r && (r.name || r.id)) || '';
}

/**
 * renderCard returns the card element. opts: selected (bool), onOpen(card)
 * (makes the title a button), actions (extra buttons), expanded (bool).
 */
export function renderCard(card, opts = {}) {
  const color = COLORS.has(card.color) ? card.color : 'blue';
  const kind = ICONS.has(card.icon) ? card.icon : 'chat';
  const title = card.title || humanize(card.channel) || 'Session';
  const who = contactName(card);
  const jid = `journey-${cssId(card.session)}`;
  const journey = renderJourney(card, jid);
  journey.hidden = !opts.expanded;
  const toggle = h('button', {
    type: 'button', class: 'card__toggle', 'aria-expanded': String(!!opts.expanded),
    'aria-controls': jid, text: opts.expanded ? 'Hide journey' : 'Journey',
    'aria-label': `${opts.expanded ? 'Hide' : 'Show'} journey of ${title} with ${who}`,
  });
  toggle.addEventListener('click', () => {
    const open = journey.hidden;
    journey.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? 'Hide journey' : 'Journey';
    toggle.setAttribute('aria-label', `${open ? 'Hide' : 'Show'} journey of ${title} with ${who}`);
    opts.onToggle?.(card, open);
  });
  const titleEl = opts.onOpen
    ? h('button', { type: 'button', class: 'card__title', onclick: () => opts.onOpen(card), 'aria-label': `Open ${title} with ${who}` },
      h('span', { class: 'card__name', text: title }), h('span', { class: 'card__who', text: who }))
    : h('span', { class: 'card__title' }, h('span', { class: 'card__name', text: title }), h('span', { class: 'card__who', text: who }));
  const flags = [];
  if (card.status === 'needs_help' && statusText(card) !== 'Needs help') flags.push(h('span', { class: 'flag flag--help', text: 'Needs help' }));
  if (card.on_hold) flags.push(h('span', { class: 'flag', text: 'On hold' }));
  if (card.agent_disconnected) flags.push(h('span', { class: 'flag flag--warn', text: 'Agent disconnected' }));
  const el = h('article', {
    class: `card card--${color}${opts.selected ? ' card--selected' : ''}`,
    'data-session': card.session, 'data-color': color,
    'aria-label': `${title} with ${who}: ${statusText(card)}`,
    'aria-current': opts.selected ? 'true' : null,
  },
  h('div', { class: 'card__head' },
    h('span', { class: `card__icon card__icon--${kind}`, title: kind }, icon(kind)),
    titleEl,
    duration(card)),
  h('div', { class: 'card__meta' },
    h('span', { class: 'card__queue', text: refName(card.queue) || '—' }),
    card.agent ? h('span', { class: 'card__agent', text: refName(card.agent) }) : null),
  h('div', { class: 'card__foot' },
    h('span', { class: `card__status card__status--${cssId(card.status || card.state_name || '')}`, text: statusText(card) }),
    flags, h('span', { class: 'card__actions' }, toggle, opts.actions || [])),
  journey);
  return el;
}

/** duration returns the live duration element of a card, updated by tickDurations. */
function duration(card) {
  const el = h('span', { class: 'card__duration js-duration', 'data-since': card.started_at || '', 'aria-label': 'Duration' });
  if (card.ended_at) el.dataset.until = card.ended_at;
  el.textContent = formatDuration(elapsed(card.started_at, card.ended_at));
  return el;
}

/** renderJourney returns the journey list of a card. */
export function renderJourney(card, id) {
  const list = h('ol', { class: 'card__journey', id, 'aria-label': 'Journey' });
  const events = Array.isArray(card.journey) ? card.journey : [];
  if (!events.length) list.append(h('li', { class: 'muted', text: 'No events yet.' }));
  for (const e of events) {
    if (!e || typeof e !== 'object') continue;
    list.append(h('li', {},
      h('time', { datetime: e.at || '', text: clockTime(e.at) }), ' ',
      h('strong', { text: humanize(e.event) }),
      e.agent_name || e.agent ? ` · ${e.agent_name || e.agent}` : '',
      e.detail ? ` · ${e.detail}` : ''));
  }
  return list;
}

/** tickDurations refreshes every live duration under root. */
export function tickDurations(root = document, now = Date.now()) {
  for (const el of root.querySelectorAll('.js-duration')) {
    el.textContent = formatDuration(elapsed(el.dataset.since, el.dataset.until, now));
  }
}

/** cssId makes s safe as part of an id or class name. */
export function cssId(s) {
  return String(s ?? '').replace(/[^A-Za-z0-9_-]/g, '_');
}

/** renderCardList replaces list's children with the cards, newest first. */
export function renderCardList(list, cards, optsFor) {
  const sorted = [...cards].sort((a, b) => String(b.session).localeCompare(String(a.session)));
  clear(list, sorted.map((c) => h('li', {}, renderCard(c, optsFor(c)))));
}
