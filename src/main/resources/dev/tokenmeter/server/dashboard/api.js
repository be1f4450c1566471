// The HTTP API, relative to the page (the dashboard is served by the same server at "/").
// Mutating calls carry the bearer token when one is known; a 401 asks for it, keeps it in
// sessionStorage (this tab only, never in the URL) and tries again.

const TOKEN_KEY = 'tokenmeter.apiToken';
const BASE = 'api/v1/';

/** An error the server answered with: its status and its own message. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function storeToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token lives only for this call
  }
}

export function forgetToken() {
  storeToken(null);
}

/** The server's error text from a response: {"error": "..."} or the body as text. */
async function errorText(res) {
  const body = await res.text().catch(() => '');
  try {
    const j = JSON.parse(body);
    if (j && typeof j.error === 'string') return j.error;
    if (j && typeof j.message === 'string') return j.message;
  } catch {
    // not JSON
  }
  const text = body.trim();
  return text || `${res.status} ${res.statusText}`.trim();
}

export async function getJson(path) {
  const res = await fetch(BASE + path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) throw new ApiError(res.status, await errorText(res));
  return res.json();
}

const runPath = (run) => `runs/${encodeURIComponent(run)}`;

export const getRuns = () => getJson('runs');
export const getRun = (run) => getJson(runPath(run));

/**
 * Sends a mutating request. `askToken(message)` is called on a 401 with the server's message
 * and resolves to a token, or null when the user cancels.
 */
export async function send(method, path, body, askToken) {
  for (let attempt = 0; attempt < 4; attempt++) {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    const token = storedToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
    if (res.ok) {
      const text = await res.text();
      return text ? JSON.parse(text) : null;
    }
    const message = await errorText(res);
    if (res.status !== 401 || !askToken) throw new ApiError(res.status, message);
    forgetToken();
    const next = await askToken(message, Boolean(token));
    if (!next) throw new ApiError(401, message);
    storeToken(next);
  }
  throw new ApiError(401, 'the token was refused too many times');
}

export const pause = (run, body, ask) => send('POST', `${runPath(run)}/pause`, body, ask);
export const resume = (run, body, ask) => send('POST', `${runPath(run)}/resume`, body, ask);
export const setBudget = (run, body, ask) => send('PUT', `${runPath(run)}/budget`, body, ask);
