// socket.js: one agent or supervisor connection to the hub (PROTOCOL.md).
//
// Socket opens the websocket, sends hello (built fresh on every attempt, so
// it can carry the latest resume token), checks that every hub frame's seq
// is the previous one plus one, matches ack and error frames to the
// requests that carried their ref, pings to detect dead links, and
// reconnects by itself with exponential backoff and jitter until stopped.

/** Close codes after which reconnecting would not help. */
export const FATAL_CLOSE = { 4401: 'unauthorized', 4409: 'replaced by a newer connection' };

/**
 * backoff returns the delay in ms before reconnect attempt n (0-based):
 * base·2^n capped at max, then jittered into [d/2, d) so that many clients
 * dropped together do not come back together.
 */
export function backoff(n, { base = 500, max = 30000 } = {}, random = Math.random) {
  const d = Math.min(max, base * 2 ** Math.min(n, 30));
  return Math.round(d / 2 + random() * d / 2);
}

/** wsURL returns the websocket URL of path on the page's own origin. */
export function wsURL(path, loc = globalThis.location) {
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${loc.host}${path}`;
}

let refCounter = 0;
const refPrefix = Math.random().toString(36).slice(2, 8);

/** newRef returns a ref unique to this page. */
export function newRef() {
  refCounter += 1;
  return `${refPrefix}-${refCounter}`;
}

/**
 * Socket is a self-healing connection. Options:
 *   url        websocket URL
 *   hello()    returns the hello frame for the next attempt
 *   onFrame(f) every hub frame, in order (welcome, error and ack included)
 *   onState(s) {state: connecting|open|reconnecting|closed, attempt, delay,
 *              resumed, code, reason}
 *   onBadHello()  called when the hub refuses the hello (4400), before
 *              retrying: drop a resume token that may be stale
 *   pingEvery, staleAfter (ms), requestTimeout (ms), base, max (backoff)
 *   WebSocket  the constructor to use (tests)
 */
export class Socket {
  constructor(opts) {
    this.o = {
      pingEvery: 20000, staleAfter: 50000, requestTimeout: 15000,
      base: 500, max: 30000, WebSocket: globalThis.WebSocket,
      onFrame() {}, onState() {}, onBadHello() {}, ...opts,
    };
    this.ws = null;
    this.seq = 0;
    this.attempt = 0;
    this.everOpen = false;
    this.stopped = false;
    this.pending = new Map(); // ref → {resolve, reject, timer}
    this.timer = null;
    this.pinger = null;
    this.lastFrameAt = 0;
    this.state = 'idle';
  }

  /** start connects; the socket then stays up until stop. */
  start() {
    this.stopped = false;
    if (globalThis.addEventListener && !this.onOnline) {
      this.onOnline = () => { if (this.state === 'reconnecting') this.retryNow(); };
      globalThis.addEventListener('online', this.onOnline);
    }
    this.open();
  }

  /** stop closes the socket for good and fails pending requests. */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.detach(1000, 'bye');
    this.failPending('closed');
    this.setState({ state: 'closed', reason: 'stopped' });
  }

  /** retryNow skips the remaining backoff delay. */
  retryNow() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    this.open();
  }

  /** isOpen reports whether a welcome was received on the current connection. */
  isOpen() { return this.state === 'open'; }

  /** send writes a frame if the socket is open and reports whether it did. */
  send(frame) {
    if (!this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /**
   * request sends frame with a fresh ref and resolves with the ack frame, or
   * rejects with {code, message}: the hub's error frame, "unavailable" when
   * the socket is down or drops first, "timeout" after requestTimeout.
   */
  request(frame, timeout = this.o.requestTimeout) {
    const ref = newRef();
    return new Promise((resolve, reject) => {
      if (!this.isOpen() || !this.send({ ...frame, ref })) {
        reject({ code: 'unavailable', message: 'Not connected; try again in a moment.' });
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject({ code: 'timeout', message: 'No answer from the server.' });
      }, timeout);
      this.pending.set(ref, { resolve, reject, timer });
    });
  }

  open() {
    this.seq = 0;
    this.setState({ state: this.everOpen ? 'reconnecting' : 'connecting', attempt: this.attempt });
    let ws;
    try {
      ws = new this.o.WebSocket(this.o.url);
    } catch (e) {
      this.scheduleReconnect(0, String(e));
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.lastFrameAt = Date.now();
      ws.send(JSON.stringify(this.o.hello({ reconnect: this.everOpen })));
      this.startPinger();
    };
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = (ev) => { if (this.ws === ws) this.closed(ev.code, ev.reason); };
    ws.onerror = () => {}; // onclose follows
  }

  receive(data) {
    this.lastFrameAt = Date.now();
    let f;
    try { f = JSON.parse(data); } catch { return; }
    if (!f || typeof f !== 'object' || typeof f.type !== 'string') return;
    if (typeof f.seq === 'number') {
      if (this.seq && f.seq !== this.seq + 1) {
        // A lost frame: start over and let resume fill the gap.
        this.detach(4000, 'seq gap');
        this.closed(4000, 'seq gap');
        return;
      }
      this.seq = f.seq;
    }
    if (f.type === 'welcome') {
      const resumed = this.everOpen;
      this.everOpen = true;
      this.attempt = 0;
      this.setState({ state: 'open', resumed });
    }
    if ((f.type === 'ack' || f.type === 'error') && f.ref && this.pending.has(f.ref)) {
      const p = this.pending.get(f.ref);
      this.pending.delete(f.ref);
      clearTimeout(p.timer);
      if (f.type === 'ack') p.resolve(f); else p.reject(f);
    }
    this.o.onFrame(f);
  }

  startPinger() {
    clearInterval(this.pinger);
    this.pinger = setInterval(() => {
      if (Date.now() - this.lastFrameAt > this.o.staleAfter) {
        // The link is dead without a close: don't wait for TCP to notice.
        this.detach(4000, 'stale');
        this.closed(4000, 'no frames from the server');
        return;
      }
      this.send({ type: 'ping' });
    }, this.o.pingEvery);
  }

  detach(code, reason) {
    clearInterval(this.pinger);
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try { ws.close(code, reason); } catch { /* already closed */ }
  }

  closed(code, reason) {
    this.detach(1000, '');
    this.failPending('connection lost');
    if (this.stopped) return;
    if (FATAL_CLOSE[code]) {
      this.stopped = true;
      this.setState({ state: 'closed', code, reason: reason || FATAL_CLOSE[code] });
      return;
    }
    if (code === 4400) this.o.onBadHello();
    this.scheduleReconnect(code, reason);
  }

  scheduleReconnect(code, reason) {
    const delay = backoff(this.attempt, this.o);
    this.attempt += 1;
    this.setState({ state: 'reconnecting', attempt: this.attempt, delay, code, reason });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), delay);
  }

  failPending(message) {
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject({ code: 'unavailable', message: `Not sent: ${message}.` });
    }
    this.pending.clear();
  }

  setState(s) {
    this.state = s.state;
    this.o.onState(s);
  }
}

/**
 * connectionBanner keeps el showing the connection state: "Connecting…",
 * "Reconnecting… (in 4 s)", "Reconnected" (then hidden), or why it stopped.
 * It returns the onState callback to give Socket.
 */
export function connectionBanner(el) {
  let hideTimer = null;
  return (s) => {
    clearTimeout(hideTimer);
    el.hidden = false;
    el.dataset.state = s.state;
    if (s.state === 'connecting') el.textContent = 'Connecting…';
    else if (s.state === 'reconnecting') {
      el.textContent = s.delay ? `Reconnecting… (next try in ${Math.ceil(s.delay / 1000)} s)` : 'Reconnecting…';
    } else if (s.state === 'open') {
      el.textContent = s.resumed ? 'Reconnected' : 'Connected';
      hideTimer = setTimeout(() => { el.hidden = true; }, s.resumed ? 4000 : 1500);
    } else if (s.state === 'closed') {
      el.textContent = s.code === 4401 ? 'Signed out: the token was refused.'
        : s.code === 4409 ? 'This desktop was opened in another window.'
          : 'Disconnected.';
    }
  };
}
