/*
 * widget.js: the Switchboard chat widget. One script tag on any site:
 *
 *   <script src="https://hub.example.com/widget.js" data-widget="KEY" data-queue="support" async></script>
 *
 * data-widget is the workspace's widget key, data-queue (optional) the queue
 * to join. The websocket goes to the origin the script was loaded from. The
 * widget renders inside a shadow root, so the host page's CSS does not leak
 * in, and keeps the visitor id and secret in localStorage so a conversation
 * survives page reloads. It is one self-contained classic script: it is
 * loaded cross-origin and imports nothing. Every text reaches the page as a
 * text node, never as markup.
 */
(function () {
  'use strict';

  if (window.SwitchboardWidget) return; // loaded twice
  var script = document.currentScript || document.querySelector('script[data-widget]');
  if (!script || !script.src) return;

  var KEY = script.getAttribute('data-widget') || '';
  var QUEUE = script.getAttribute('data-queue') || '';
  var ORIGIN = new URL(script.src, location.href).origin;
  var WS_URL = ORIGIN.replace(/^http/, 'ws') + '/v1/ws/visitor';
  var STORE = 'switchboard.widget.' + KEY;
  var MAX_KEPT = 100; // messages kept across reloads

  // ---- persisted state ------------------------------------------------------

  var saved = load();
  var st = {
    visitor: saved.visitor || '',
    secret: saved.secret || '',
    last: saved.last || '',
    name: saved.name || '',
    email: saved.email || '',
    open: !!saved.open,
    phase: saved.phase || 'form', // form | chat | ended | done | deflected
    status: saved.status || '',
    messages: Array.isArray(saved.messages) ? saved.messages : [],
    surveyDone: !!saved.surveyDone,
    unread: 0,
    typing: '',
    conn: 'idle',
  };

  function load() {
    try { return JSON.parse(localStorage.getItem(STORE) || '{}') || {}; } catch (e) { return {}; }
  }

  function save() {
    try {
      localStorage.setItem(STORE, JSON.stringify({
        visitor: st.visitor, secret: st.secret, last: st.last, name: st.name, email: st.email,
        open: st.open, phase: st.phase, status: st.status, surveyDone: st.surveyDone,
        messages: st.messages.filter(function (m) { return !m.pending; }).slice(-MAX_KEPT),
      }));
    } catch (e) { /* storage full or blocked: the widget still works for this page */ }
  }

  // ---- DOM helpers ------------------------------------------------------------

  function el(tag, attrs) {
    var e = document.createElement(tag);
    var k;
    for (k in attrs || {}) {
      if (!Object.prototype.hasOwnProperty.call(attrs, k)) continue;
      var v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') e.textContent = String(v);
      else if (k === 'class') e.className = v;
      else if (k.slice(0, 2) === 'on' && typeof v === 'function') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return e;
  }

  function chatIcon() {
    var ns = 'http://www.w3.org/2000/svg';
    var s = document.createElementNS(ns, 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('focusable', 'false');
    var p = document.createElementNS(ns, 'path');
    p.setAttribute('d', 'M4 4h16a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H8l-4 4V5a1 1 0 0 1 1-1z');
    s.appendChild(p);
    return s;
  }

  // ---- styles -------------------------------------------------------------------

  var CSS = [
    ':host{all:initial;position:fixed;right:20px;bottom:20px;z-index:2147483000;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433}',
    '*{box-sizing:border-box}',
    '[hidden]{display:none!important}',
    'button,input,textarea{font:inherit;color:inherit}',
    ':focus-visible{outline:3px solid #f5a623;outline-offset:2px}',
    '.launcher{width:58px;height:58px;border-radius:50%;border:0;background:#1f5fbf;color:#fff;cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.25);display:grid;place-items:center;position:relative;margin-left:auto}',
    '.launcher svg{width:28px;height:28px;fill:currentColor}',
    '.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;border-radius:10px;background:#d93025;color:#fff;font-size:12px;font-weight:700;display:grid;place-items:center;padding:0 5px}',
    '.panel{width:min(370px,calc(100vw - 40px));height:min(560px,calc(100vh - 110px));background:#fff;border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.28);display:flex;flex-direction:column;overflow:hidden;margin-bottom:12px}',
    '.head{background:#1f5fbf;color:#fff;padding:12px 14px;display:flex;align-items:flex-start;gap:8px}',
    '.head h2{margin:0;font-size:16px}',
    '.head p{margin:2px 0 0;font-size:12.5px;opacity:.92}',
    '.head .grow{flex:1}',
    '.icon-btn{background:transparent;border:0;color:#fff;font-size:22px;line-height:1;cursor:pointer;padding:2px 6px;border-radius:6px}',
    '.conn{background:#fff4ce;color:#5c4400;font-size:12.5px;padding:4px 14px}',
    '.conn[data-state=open]{background:#e6f4ea;color:#0d5223}',
    '.body{flex:1;overflow:auto;padding:12px 14px;display:flex;flex-direction:column;gap:8px}',
    'form{display:flex;flex-direction:column;gap:8px}',
    'label{font-size:12.5px;font-weight:600;color:#4a5568}',
    'input,textarea{width:100%;border:1px solid #c4cbd6;border-radius:8px;padding:8px 10px;background:#fff}',
    'textarea{resize:none}',
    '.primary{background:#1f5fbf;color:#fff;border:0;border-radius:8px;padding:9px 14px;font-weight:600;cursor:pointer}',
    '.primary:disabled{opacity:.6;cursor:default}',
    '.secondary{background:#fff;color:#1f5fbf;border:1px solid #1f5fbf;border-radius:8px;padding:7px 12px;cursor:pointer}',
    '.log{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:6px}',
    '.msg{max-width:82%;padding:7px 10px;border-radius:12px;background:#eef1f6;align-self:flex-start;white-space:pre-wrap;word-wrap:break-word}',
    '.msg--visitor{align-self:flex-end;background:#1f5fbf;color:#fff}',
    '.msg--pending{opacity:.6}',
    '.msg--system{align-self:center;background:transparent;color:#5f6b7a;font-size:12.5px;font-style:italic;text-align:center}',
    '.msg .who{display:block;font-size:11.5px;font-weight:600;opacity:.8}',
    '.typing{min-height:18px;font-size:12.5px;color:#5f6b7a;margin:0 14px}',
    '.composer{flex-direction:row;align-items:flex-end;padding:10px 14px;border-top:1px solid #e3e7ee}',
    '.composer textarea{flex:1}',
    '.foot{display:flex;justify-content:space-between;align-items:center;padding:0 14px 10px}',
    '.link{background:none;border:0;color:#b3261e;cursor:pointer;padding:2px 0;text-decoration:underline}',
    '.rating{display:flex;gap:6px;border:0;padding:0;margin:0}',
    '.rating legend{font-weight:600;margin-bottom:6px}',
    '.rating label{flex:1;font-weight:500}',
    '.rating input{position:absolute;opacity:0;width:1px;height:1px}',
    '.rating span{display:block;text-align:center;border:1px solid #c4cbd6;border-radius:8px;padding:8px 4px;cursor:pointer}',
    '.rating input:checked+span{background:#1f5fbf;color:#fff;border-color:#1f5fbf}',
    '.rating input:focus-visible+span{outline:3px solid #f5a623;outline-offset:2px}',
    '.note{background:#f4f6fa;border-radius:10px;padding:10px 12px}',
    '.error{color:#b3261e;font-size:12.5px}',
    '.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}'
  ].join('\n');

  // ---- building the widget ------------------------------------------------------

  var host = el('div', { id: 'switchboard-widget' });
  var root = host.attachShadow({ mode: 'open' });
  try {
    // A constructed stylesheet is not an inline <style>, so strict host
    // CSPs without 'unsafe-inline' still apply it.
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    root.appendChild(el('style', { text: CSS }));
  }

  var ui = {};
  ui.launcher = el('button', { type: 'button', class: 'launcher', 'aria-label': 'Open chat', 'aria-expanded': 'false', 'aria-controls': 'sb-panel' }, chatIcon());
  ui.badge = el('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
  ui.launcher.appendChild(ui.badge);
  ui.title = el('h2', { id: 'sb-title', text: 'Chat with us' });
  ui.sub = el('p', { 'aria-live': 'polite' });
  ui.close = el('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Minimize chat', text: '–' });
  ui.conn = el('div', { class: 'conn', role: 'status', hidden: true });
  ui.body = el('div', { class: 'body' });
  ui.log = el('ol', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages' });
  ui.note = el('div', { class: 'note', hidden: true, 'aria-live': 'polite' });
  ui.error = el('p', { class: 'error', role: 'alert', hidden: true });
  ui.typing = el('p', { class: 'typing', 'aria-live': 'polite' });

  // start form
  ui.fName = el('input', { id: 'sb-name', name: 'name', autocomplete: 'name', maxlength: '100', required: true });
  ui.fEmail = el('input', { id: 'sb-email', name: 'email', type: 'email', autocomplete: 'email', maxlength: '254' });
  ui.fText = el('textarea', { id: 'sb-first', rows: '3', maxlength: '4000', required: true });
  ui.fSubmit = el('button', { type: 'submit', class: 'primary', text: 'Start chat' });
  ui.form = el('form', { class: 'start', 'aria-label': 'Start a chat' },
    el('label', { for: 'sb-name', text: 'Your name' }), ui.fName,
    el('label', { for: 'sb-email', text: 'Email (optional)' }), ui.fEmail,
    el('label', { for: 'sb-first', text: 'How can we help?' }), ui.fText,
    ui.fSubmit);

  // composer
  ui.text = el('textarea', { rows: '2', maxlength: '4000', 'aria-label': 'Message', placeholder: 'Write a message…' });
  ui.send = el('button', { type: 'submit', class: 'primary', text: 'Send' });
  ui.composer = el('form', { class: 'composer' }, ui.text, ui.send);
  ui.leave = el('button', { type: 'button', class: 'link', text: 'Leave chat' });
  ui.foot = el('div', { class: 'foot' }, ui.leave);

  // survey
  ui.survey = el('form', { class: 'survey', hidden: true, 'aria-label': 'Rate this chat' });
  var ratingSet = el('fieldset', { class: 'rating' }, el('legend', { text: 'How was this chat?' }));
  [['1', 'Poor'], ['2', 'Fair'], ['3', 'Good'], ['4', 'Great']].forEach(function (r) {
    ratingSet.appendChild(el('label', {},
      el('input', { type: 'radio', name: 'rating', value: r[0], 'aria-label': r[0] + ' of 4, ' + r[1] }),
      el('span', { text: r[0] + ' · ' + r[1] })));
  });
  ui.comment = el('textarea', { id: 'sb-comment', rows: '2', maxlength: '2000' });
  ui.survey.appendChild(ratingSet);
  ui.survey.appendChild(el('label', { for: 'sb-comment', text: 'Comment (optional)' }));
  ui.survey.appendChild(ui.comment);
  ui.survey.appendChild(el('button', { type: 'submit', class: 'primary', text: 'Send rating' }));
  ui.again = el('button', { type: 'button', class: 'secondary', text: 'Start a new chat', hidden: true });

  ui.body.appendChild(ui.form);
  ui.body.appendChild(ui.log);
  ui.body.appendChild(ui.note);
  ui.body.appendChild(ui.survey);
  ui.body.appendChild(ui.again);
  ui.body.appendChild(ui.error);

  ui.panel = el('section', { class: 'panel', id: 'sb-panel', role: 'dialog', 'aria-labelledby': 'sb-title', hidden: true },
    el('div', { class: 'head' }, el('div', { class: 'grow' }, ui.title, ui.sub), ui.close),
    ui.conn, ui.body, ui.typing, ui.composer, ui.foot);

  root.appendChild(ui.panel);
  root.appendChild(ui.launcher);

  // ---- rendering ------------------------------------------------------------------

  function render() {
    var p = st.phase;
    ui.panel.hidden = !st.open;
    ui.launcher.setAttribute('aria-expanded', String(st.open));
    ui.launcher.setAttribute('aria-label', st.open ? 'Close chat' : (st.unread ? 'Open chat, ' + st.unread + ' new messages' : 'Open chat'));
    ui.badge.hidden = !st.unread || st.open;
    ui.badge.textContent = String(st.unread);
    ui.form.hidden = p !== 'form';
    ui.log.hidden = p === 'form';
    ui.composer.hidden = p !== 'chat';
    ui.foot.hidden = p !== 'chat' || !hasSession();
    ui.survey.hidden = p !== 'ended' || st.surveyDone;
    ui.again.hidden = ['ended', 'done', 'deflected'].indexOf(p) < 0;
    ui.sub.textContent = st.status;
    ui.typing.textContent = st.typing;
    if (p === 'form') {
      if (!ui.fName.value) ui.fName.value = st.name;
      if (!ui.fEmail.value) ui.fEmail.value = st.email;
    }
  }

  function hasSession() {
    return st.messages.length > 0;
  }

  function renderLog() {
    ui.log.textContent = '';
    st.messages.forEach(function (m) { ui.log.appendChild(msgEl(m)); });
    scrollDown();
  }

  function msgEl(m) {
    var kind = m.from && (m.from.kind === 'visitor' || m.from.kind === 'agent') ? m.from.kind : 'system';
    var li = el('li', { class: 'msg msg--' + kind + (m.pending ? ' msg--pending' : '') });
    if (kind === 'agent') li.appendChild(el('span', { class: 'who', text: (m.from && m.from.name) || 'Agent' }));
    if (kind === 'visitor') li.appendChild(el('span', { class: 'sr', text: 'You: ' }));
    li.appendChild(document.createTextNode(String(m.text == null ? '' : m.text)));
    m.node = li;
    return li;
  }

  function scrollDown() { ui.body.scrollTop = ui.body.scrollHeight; }

  function addMessage(m) {
    if (!m || typeof m !== 'object') return;
    var i;
    if (m.id) {
      for (i = 0; i < st.messages.length; i++) if (st.messages[i].id === m.id) return;
      st.last = m.id; // frames arrive in order: the newest seen
    }
    if (m.from && m.from.kind === 'visitor') {
      for (i = 0; i < st.messages.length; i++) {
        var p = st.messages[i];
        if (p.pending && p.text === m.text) {
          p.pending = false;
          p.id = m.id;
          if (p.node) p.node.classList.remove('msg--pending');
          save();
          return;
        }
      }
    } else if (!st.open) {
      st.unread += 1;
    }
    var kept = { id: m.id, from: m.from, text: m.text, at: m.at, pending: !!m.pending, cid: m.cid };
    st.messages.push(kept);
    if (st.messages.length > MAX_KEPT * 2) st.messages.splice(0, st.messages.length - MAX_KEPT);
    ui.log.appendChild(msgEl(kept));
    scrollDown();
    save();
  }

  function systemLine(text) {
    addMessage({ from: { kind: 'system' }, text: text, at: new Date().toISOString() });
  }

  function showError(text) {
    ui.error.hidden = !text;
    ui.error.textContent = text || '';
    clearTimeout(showError.t);
    if (text) showError.t = setTimeout(function () { ui.error.hidden = true; }, 8000);
  }

  function setConn(state, text) {
    st.conn = state;
    ui.conn.dataset.state = state;
    clearTimeout(setConn.t);
    if (state === 'open' && text) {
      ui.conn.hidden = false;
      ui.conn.textContent = text;
      setConn.t = setTimeout(function () { ui.conn.hidden = true; }, 3000);
    } else if (state === 'reconnecting') {
      ui.conn.hidden = false;
      ui.conn.textContent = text || 'Reconnecting…';
    } else {
      ui.conn.hidden = true;
    }
  }

  // ---- socket --------------------------------------------------------------------

  var ws = null;
  var seq = 0;
  var attempt = 0;
  var everOpen = false;
  var welcomed = false;
  var retryTimer = null;
  var pending = {};
  var refN = 0;
  var afterWelcome = [];
  var pinger = null;

  function backoff(n) {
    var d = Math.min(30000, 500 * Math.pow(2, Math.min(n, 30)));
    return Math.round(d / 2 + Math.random() * d / 2);
  }

  function connect() {
    if (ws) return;
    clearTimeout(retryTimer);
    seq = 0;
    welcomed = false;
    try { ws = new WebSocket(WS_URL); } catch (e) { scheduleRetry(); return; }
    var sock = ws;
    sock.onopen = function () { sock.send(JSON.stringify(helloFrame())); startPinger(); };
    sock.onmessage = function (ev) { if (ws === sock) receive(ev.data); };
    sock.onclose = function (ev) { if (ws === sock) dropped(ev.code); };
    sock.onerror = function () {};
  }

  function helloFrame() {
    var f = { type: 'hello', widget: KEY, language: navigator.language || '', page: String(location.href).slice(0, 2000) };
    if (QUEUE) f.queue = QUEUE;
    if (st.name) f.name = st.name;
    if (st.email) f.email = st.email;
    if (st.visitor && st.secret) {
      f.resume = { visitor: st.visitor, secret: st.secret };
      if (st.last) f.resume.last_message = st.last;
    }
    return f;
  }

  function startPinger() {
    clearInterval(pinger);
    pinger = setInterval(function () {
      // The visitor socket has no ping; a long silence with a session open
      // is normal, so only a socket the browser reports closed reconnects.
      if (ws && ws.readyState > 1) dropped(1006);
    }, 15000);
  }

  function detach() {
    clearInterval(pinger);
    var s = ws;
    ws = null;
    if (!s) return;
    s.onopen = s.onmessage = s.onclose = s.onerror = null;
    try { s.close(1000); } catch (e) { /* closed */ }
  }

  function dropped(code) {
    detach();
    for (var r in pending) {
      if (Object.prototype.hasOwnProperty.call(pending, r)) pending[r].reject({ code: 'unavailable', message: 'Connection lost.' });
    }
    pending = {};
    if (code === 4401 || code === 4400) {
      if (!st.visitor) {
        // A fresh hello was refused: a wrong widget key or queue. Retrying won't help.
        setConn('closed');
        showError('The chat is not available on this page right now.');
        if (window.console) console.warn('switchboard widget: hello refused (' + code + '); check data-widget and data-queue');
        return;
      }
      // The hub no longer knows this visitor: start afresh.
      st.visitor = st.secret = st.last = '';
      if (st.phase !== 'form') st.phase = 'chat';
      save();
    }
    if (code === 4409) { setConn('closed'); return; } // another tab took over
    scheduleRetry();
  }

  function scheduleRetry() {
    var d = backoff(attempt++);
    if (everOpen) setConn('reconnecting', 'Reconnecting… (next try in ' + Math.ceil(d / 1000) + ' s)');
    retryTimer = setTimeout(connect, d);
  }

  window.addEventListener('online', function () { if (!ws && everOpen) { attempt = 0; connect(); } });

  function receive(data) {
    var f;
    try { f = JSON.parse(data); } catch (e) { return; }
    if (!f || typeof f !== 'object' || typeof f.type !== 'string') return;
    if (typeof f.seq === 'number') {
      if (seq && f.seq !== seq + 1) { dropped(4000); return; } // lost a frame: resume
      seq = f.seq;
    }
    if ((f.type === 'ack' || f.type === 'error') && f.ref && pending[f.ref]) {
      var p = pending[f.ref];
      delete pending[f.ref];
      if (f.type === 'ack') p.resolve(f); else p.reject(f);
    }
    var fn = frames[f.type];
    if (fn) {
      try { fn(f); } catch (e) { if (window.console) console.error('switchboard widget:', e); }
    }
  }

  function request(frame) {
    return new Promise(function (resolve, reject) {
      if (!ws || ws.readyState !== 1 || !welcomed) { reject({ code: 'unavailable', message: 'Not connected yet.' }); return; }
      var ref = 'w' + (++refN);
      frame.ref = ref;
      pending[ref] = { resolve: resolve, reject: reject };
      ws.send(JSON.stringify(frame));
      setTimeout(function () {
        if (pending[ref]) { delete pending[ref]; reject({ code: 'timeout', message: 'No answer from the server.' }); }
      }, 15000);
    });
  }

  function whenWelcomed(fn) {
    if (welcomed && ws && ws.readyState === 1) fn(); else { afterWelcome.push(fn); connect(); }
  }

  // ---- frames ---------------------------------------------------------------------

  var frames = {
    welcome: function (f) {
      var resumed = everOpen;
      everOpen = true;
      welcomed = true;
      attempt = 0;
      if (typeof f.visitor === 'string' && f.visitor) st.visitor = f.visitor;
      if (typeof f.secret === 'string' && f.secret) st.secret = f.secret;
      applyView(f.state, !!f.session);
      setConn('open', resumed ? 'Reconnected' : '');
      save();
      render();
      var q = afterWelcome;
      afterWelcome = [];
      q.forEach(function (fn) { fn(); });
      resendPending();
    },
    queued: function (f) {
      var pos = Number(f.position);
      var wait = Number(f.expected_wait);
      var parts = [];
      if (pos > 0) parts.push(pos === 1 ? 'You are next in line' : 'You are number ' + pos + ' in line');
      if (wait > 0) parts.push('about ' + humanWait(wait));
      st.status = parts.length ? parts.join(' · ') : 'Waiting for an agent…';
      if (st.phase === 'form') st.phase = 'chat';
      save();
      render();
    },
    agent_joined: function (f) {
      var name = String(f.name || 'An agent');
      st.status = 'Chatting with ' + name;
      systemLine(name + ' joined the chat');
      render();
    },
    agent_left: function (f) {
      systemLine(String(f.name || 'The agent') + ' left the chat');
    },
    message: function (f) {
      if (f.message && typeof f.message === 'object') addMessage(f.message);
      if (f.message && f.message.from && f.message.from.kind === 'agent') st.typing = '';
      render();
    },
    typing: function (f) {
      var from = f.from;
      if (from && typeof from === 'object' && from.kind === 'visitor') return;
      var name = typeof from === 'string' ? from : (from && from.name) || 'The agent';
      st.typing = name + ' is typing…';
      render();
      clearTimeout(frames.typing.t);
      frames.typing.t = setTimeout(function () { st.typing = ''; render(); }, 5000);
    },
    ended: function (f) {
      st.phase = 'ended';
      st.surveyDone = false;
      st.status = 'The chat has ended';
      st.typing = '';
      systemLine(f.by === 'customer' || f.by === 'visitor' ? 'You left the chat.' : 'The chat has ended.');
      save();
      render();
      if (st.open && !ui.survey.hidden) {
        var first = ui.survey.querySelector('input');
        if (first) first.focus();
      }
    },
    deflected: function (f) {
      st.phase = 'deflected';
      st.status = 'No one is available right now';
      systemLine(String(f.message || 'Sorry, no one can answer right now. Please try again later.'));
      save();
      render();
    },
    error: function (f) {
      showError(String(f.message || 'Something went wrong.'));
    }
  };

  var WAITING = ['scheduled', 'queued', 'requeued', 'selecting'];
  var LIVE = ['assigned', 'connecting', 'switching', 'connected', 'recovered'];

  /**
   * applyView sets the phase from a welcome's state: the name of the open
   * session's state ("none" when there is none), or a view object.
   */
  function applyView(v, hasSession) {
    var over = st.phase === 'ended' || st.phase === 'done' || st.phase === 'deflected';
    if (v && typeof v === 'object') {
      if (v.deflection) { st.phase = 'deflected'; st.status = 'No one is available right now'; return; }
      if (v.ended) {
        st.surveyDone = st.surveyDone || !!v.csat;
        st.phase = st.surveyDone ? 'done' : 'ended';
        st.status = 'The chat has ended';
        return;
      }
      v = v.agent ? 'connected' : v.waiting ? 'queued' : String(v.state_name || '');
    }
    var name = typeof v === 'string' ? v : '';
    if (!hasSession || name === '' || name === 'none') {
      // No open session: keep an ended chat's survey; else a new message starts one.
      if (!over && st.phase !== 'form') { st.phase = 'chat'; st.status = ''; }
      return;
    }
    st.phase = 'chat';
    if (WAITING.indexOf(name) >= 0) {
      if (!/line|Waiting/.test(st.status)) st.status = 'Waiting for an agent…';
    } else if (LIVE.indexOf(name) >= 0) {
      if (!/^Chatting/.test(st.status)) st.status = 'Connected';
    }
  }

  function humanWait(sec) {
    if (sec < 60) return 'less than a minute';
    var m = Math.round(sec / 60);
    return m === 1 ? '1 minute' : m + ' minutes';
  }

  // ---- actions --------------------------------------------------------------------

  function cid() {
    return 'v-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 8);
  }

  function sendText(text) {
    var m = { cid: cid(), pending: true, text: text, at: new Date().toISOString(), from: { kind: 'visitor', name: st.name } };
    addMessage(m);
    whenWelcomed(function () { deliver(findByCid(m.cid)); });
  }

  function findByCid(c) {
    for (var i = 0; i < st.messages.length; i++) if (st.messages[i].cid === c) return st.messages[i];
    return null;
  }

  function deliver(m) {
    if (!m || !m.pending || m.sending) return;
    m.sending = true;
    request({ type: 'send', text: m.text, client_id: m.cid }).then(function (ack) {
      m.sending = false;
      m.pending = false;
      var id = typeof ack.message === 'string' ? ack.message : ack.message && ack.message.id;
      if (id) m.id = id;
      if (m.node) m.node.classList.remove('msg--pending');
      save();
    }, function (e) {
      m.sending = false;
      if (e && e.type === 'error') { // refused: say so; retrying will not help
        m.pending = false;
        if (m.node) m.node.appendChild(el('span', { class: 'sr', text: ' (not sent)' }));
        if (m.node) m.node.classList.add('msg--pending');
      } // else: still pending; sent again after reconnecting
    });
  }

  function resendPending() {
    st.messages.forEach(function (m) { if (m.pending && m.cid) deliver(m); });
  }

  ui.launcher.addEventListener('click', function () { setOpen(!st.open); });
  ui.close.addEventListener('click', function () { setOpen(false); ui.launcher.focus(); });
  ui.panel.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') { setOpen(false); ui.launcher.focus(); }
  });

  function setOpen(open) {
    st.open = open;
    if (open) st.unread = 0;
    save();
    render();
    if (open) {
      scrollDown();
      var target = st.phase === 'form' ? (ui.fName.value ? ui.fText : ui.fName) : st.phase === 'chat' ? ui.text : ui.panel.querySelector('button:not([hidden])');
      if (target) target.focus();
    }
  }

  ui.form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var name = ui.fName.value.trim();
    var text = ui.fText.value.trim();
    if (!name || !text) return;
    st.name = name.slice(0, 100);
    st.email = ui.fEmail.value.trim().slice(0, 254);
    st.phase = 'chat';
    st.status = 'Connecting you with an agent…';
    ui.fText.value = '';
    render();
    sendText(text);
    ui.text.focus();
  });

  ui.composer.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = ui.text.value.trim();
    if (!text) return;
    ui.text.value = '';
    lastTyping = 0;
    sendText(text);
  });
  ui.text.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      if (typeof ui.composer.requestSubmit === 'function') ui.composer.requestSubmit();
      else ui.send.click();
    }
  });

  var lastTyping = 0;
  ui.text.addEventListener('input', function () {
    var now = Date.now();
    if (now - lastTyping < 3000 || !welcomed || !ws) return;
    lastTyping = now;
    ws.send(JSON.stringify({ type: 'typing' }));
  });

  ui.leave.addEventListener('click', function () {
    request({ type: 'leave' }).catch(function (e) {
      if (!e || e.type !== 'error') showError('Could not leave: ' + ((e && e.message) || 'not connected'));
    });
  });

  ui.survey.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var r = ui.survey.querySelector('input[name=rating]:checked');
    if (!r) { showError('Choose a rating from 1 to 4.'); return; }
    var f = { type: 'csat', rating: Number(r.value) };
    var c = ui.comment.value.trim();
    if (c) f.comment = c.slice(0, 2000);
    request(f).then(function () {
      st.surveyDone = true;
      st.phase = 'done';
      systemLine('Thank you for your feedback!');
      save();
      render();
      ui.again.focus();
    }, function (e) {
      if (!e || e.type !== 'error') showError((e && e.message) || 'Could not send the rating.');
    });
  });

  ui.again.addEventListener('click', function () {
    st.messages = [];
    st.phase = 'chat';
    st.status = '';
    st.surveyDone = false;
    ui.comment.value = '';
    var checked = ui.survey.querySelector('input[name=rating]:checked');
    if (checked) checked.checked = false;
    save();
    renderLog();
    render();
    ui.text.focus();
  });

  // ---- start ----------------------------------------------------------------------

  function mount() {
    document.body.appendChild(host);
    renderLog();
    render();
    if (st.visitor && st.secret) connect(); // resume the conversation
  }

  window.SwitchboardWidget = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
  };

  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
})();
