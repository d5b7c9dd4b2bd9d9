// auth.js: the agent token of the desktop and supervisor pages. It comes
// from ?token= in the address, is kept in sessionStorage (this tab only),
// and is removed from the address bar so it is not bookmarked or shared.

const KEY = 'switchboard.token';

/** takeToken returns the token from the URL or sessionStorage, cleaning the URL. */
export function takeToken() {
  const url = new URL(location.href);
  const fromURL = url.searchParams.get('token');
  if (fromURL) {
    store(fromURL);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    return fromURL;
  }
  try { return sessionStorage.getItem(KEY) || ''; } catch { return ''; }
}

/** store keeps token for this tab. */
export function store(token) {
  try { sessionStorage.setItem(KEY, token); } catch { /* private mode */ }
}

/** forget drops the stored token. */
export function forget() {
  try { sessionStorage.removeItem(KEY); } catch { /* private mode */ }
}

/**
 * signIn wires the sign-in form of a page: it shows section, with message
 * if given, and calls done(token) when the user submits one.
 */
export function signIn(section, message, done) {
  section.hidden = false;
  const err = section.querySelector('.error');
  if (err) { err.hidden = !message; err.textContent = message || ''; }
  const form = section.querySelector('form');
  const input = form.querySelector('input');
  input.focus();
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const t = input.value.trim();
    if (!t) return;
    store(t);
    section.hidden = true;
    done(t);
  };
}
