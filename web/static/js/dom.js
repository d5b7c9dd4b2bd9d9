// dom.js: building elements from nodes (never from markup strings), icons and toasts.
// Every piece of data reaches the page as a text node or an attribute value,
// so nothing from the wire is ever parsed as markup.

/**
 * h builds an element. attrs: "class", "text" (text content), "on<event>"
 * (listener), "hidden"/"disabled"/... (booleans), anything else becomes an
 * attribute. children: nodes, strings (as text), arrays, null (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else if (k === 'class') el.className = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** clear removes every child of el and appends children. */
export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';

// Icon paths on a 24×24 grid (drawn for this project).
const ICONS = {
  call: 'M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z',
  chat: 'M4 4h16a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H8l-4 4V5a1 1 0 0 1 1-1z',
  email: 'M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm0 2v.4l9 5.6 9-5.6V7l-9 5.6z',
  help: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 15h-2v-2h2zm0-4h-2V7h2z',
};

/** icon returns an inline SVG icon (call, chat, email, help), hidden from screen readers. */
export function icon(name, cls = 'icon') {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const p = document.createElementNS(SVG, 'path');
  p.setAttribute('d', ICONS[name] || ICONS.chat);
  svg.append(p);
  return svg;
}

/** svg creates an SVG element with attributes. */
export function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

let toastBox = null;

/** toast shows a short message in a live region; kind is "error" or "info". */
export function toast(message, kind = 'info', ms = 6000) {
  if (!toastBox) {
    toastBox = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(toastBox);
  }
  const t = h('div', { class: `toast toast--${kind}` },
    h('span', { text: String(message || '') }),
    h('button', { type: 'button', class: 'toast__close', 'aria-label': 'Dismiss', text: '×', onclick: () => t.remove() }));
  toastBox.append(t);
  setTimeout(() => t.remove(), ms);
  return t;
}

/** announce reads text out through a visually hidden assertive live region. */
let announcer = null;
export function announce(text) {
  if (!announcer) {
    announcer = h('div', { class: 'sr-only', 'aria-live': 'assertive', role: 'alert' });
    document.body.append(announcer);
  }
  announcer.textContent = '';
  setTimeout(() => { announcer.textContent = String(text); }, 50);
}
