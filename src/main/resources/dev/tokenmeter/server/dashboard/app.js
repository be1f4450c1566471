// The dashboard: routes (#/ and #/runs/<id>), the live stream, and the refresh loop.

import * as api from './api.js';
import { connect } from './live.js';
import { text } from './dom.js';
import { usdNumber } from './format.js';
import { createRunsView } from './runs-view.js';
import { createRunView } from './run-view.js';

const MAX_POINTS = 2000;
const MAX_TRACKS = 200;
const REFRESH_EVERY_MS = 5000;

const viewRoot = document.getElementById('view');
const loadError = document.getElementById('load-error');

/** The view on screen: { key, view, runId }. */
let current = null;

/** What is known of each run over time, for the chart and the timeline: run -> track. */
const tracks = new Map();

function track(run) {
  let t = tracks.get(run);
  if (!t) {
    t = { costs: [], budgets: [], thresholds: [], thresholdKeys: new Set(), usage: [], usageIds: new Set() };
    tracks.set(run, t);
    // A page left open for days must not keep every run it ever saw: forget the oldest ones
    // (but never the one on screen); a run seen again starts afresh from the server's data.
    for (const id of tracks.keys()) {
      if (tracks.size <= MAX_TRACKS) break;
      if (id !== current?.runId) tracks.delete(id);
    }
  }
  return t;
}

function addPoint(list, t, v) {
  if (!Number.isFinite(t) || !Number.isFinite(v)) return;
  let i = list.length;
  while (i > 0 && list[i - 1].t > t) i--;
  if (i > 0 && list[i - 1].t === t) list[i - 1].v = v;
  else list.splice(i, 0, { t, v });
  if (list.length > MAX_POINTS) list.splice(1, 1);
}

/** Folds a run's JSON into its track: its start, its control history, its current cost. */
function observe(run) {
  const tr = track(run.run);
  const created = Date.parse(run.createdAt);
  const budgetNow = usdNumber(run.budgetUsd);
  if (Number.isFinite(created) && !tr.costs.some((p) => p.t <= created)) addPoint(tr.costs, created, 0);
  for (const e of run.history ?? []) {
    addPoint(tr.costs, Date.parse(e.at), usdNumber(e.costUsd));
    addPoint(tr.budgets, Date.parse(e.at), usdNumber(e.budgetUsd));
  }
  const at = Date.parse(run.lastUsageAt) || Date.now();
  addPoint(tr.costs, at, usdNumber(run.costUsd));
  if (Number.isFinite(budgetNow)) {
    const first = tr.budgets[0];
    if (Number.isFinite(created) && (!first || first.t > created)) addPoint(tr.budgets, created, first ? first.v : budgetNow);
    const lastB = tr.budgets[tr.budgets.length - 1];
    if (!lastB || lastB.v !== budgetNow) addPoint(tr.budgets, Date.now(), budgetNow);
  }
}

/** Keeps each usage event's time and cost, to draw the cost curve call by call. */
function observeUsage(e, id) {
  const tr = track(e.run);
  if (id && tr.usageIds.has(id)) return;
  if (id) tr.usageIds.add(id);
  const t = Date.parse(e.timestamp) || Date.now();
  const v = usdNumber(e.costUsd);
  tr.usage.push({ t, v: Number.isFinite(v) ? v : 0 });
  if (tr.usage.length > MAX_POINTS) {
    tr.usage.splice(0, tr.usage.length - MAX_POINTS);
    tr.usageIds.clear();
  }
}

function observeThreshold(e) {
  const tr = track(e.run);
  const key = `${e.at}|${e.fraction}|${e.scope}|${e.scopeKey}`;
  if (tr.thresholdKeys.has(key)) return;
  tr.thresholdKeys.add(key);
  const t = Date.parse(e.at) || Date.now();
  tr.thresholds.push({ ...e, t });
  if (!e.scope || e.scope === 'run') {
    addPoint(tr.costs, t, usdNumber(e.costUsd));
    addPoint(tr.budgets, t, usdNumber(e.budgetUsd));
  }
}

// ------------------------------------------------------------------ token prompt

const dialog = document.getElementById('token-dialog');
const tokenInput = document.getElementById('token-input');
const tokenError = document.getElementById('token-error');

function askToken(serverMessage, hadToken) {
  return new Promise((resolve) => {
    text(tokenError, hadToken ? `The server refused the token: ${serverMessage}` : `The server said: ${serverMessage}`);
    tokenInput.value = '';
    const done = (value) => {
      dialog.removeEventListener('close', onClose);
      document.getElementById('token-cancel').removeEventListener('click', onCancel);
      resolve(value);
    };
    const onClose = () => done(dialog.returnValue === 'ok' ? tokenInput.value.trim() || null : null);
    const onCancel = () => {
      dialog.returnValue = 'cancel';
      dialog.close();
    };
    dialog.addEventListener('close', onClose);
    document.getElementById('token-cancel').addEventListener('click', onCancel);
    dialog.returnValue = '';
    dialog.showModal();
    tokenInput.focus();
  });
}

// ------------------------------------------------------------------ views and refresh

let inFlight = null;
let again = false;

/** Loads what the current view shows; one load at a time, and one more if asked meanwhile. */
function refresh() {
  if (inFlight) {
    again = true;
    return inFlight;
  }
  inFlight = load().finally(() => {
    inFlight = null;
    if (again) {
      again = false;
      setTimeout(refresh, 100);
    }
  });
  return inFlight;
}

async function load() {
  const c = current;
  try {
    if (c.runId === null) {
      const body = await api.getRuns();
      const runs = Array.isArray(body) ? body : body.runs ?? [];
      runs.forEach(observe);
      if (c === current) c.view.update(runs);
    } else {
      try {
        const run = await api.getRun(c.runId);
        observe(run);
        if (c === current) c.view.update(run, track(run.run));
      } catch (e) {
        if (e.status === 404 && c === current) c.view.missing(`No run "${c.runId}" here: ${e.message}`);
        else throw e;
      }
    }
    loadError.hidden = true;
  } catch (e) {
    loadError.hidden = false;
    text(loadError, `Could not load from the server: ${e.message}`);
  }
}

let pending = null;
/** A refresh soon, at most one every 150 ms however many events arrive. */
function soon() {
  if (!pending) pending = setTimeout(() => { pending = null; refresh(); }, 150);
}

function route(event) {
  const m = /^#\/runs\/(.+)$/.exec(location.hash);
  const runId = m ? decodeURIComponent(m[1]) : null;
  const key = runId === null ? 'runs' : `run:${runId}`;
  if (current?.key === key) return;
  current?.view.destroy?.();
  const actions = {
    run: runId,
    refresh: soon,
    refreshNow: () => refresh(),
    call(action, body) {
      const fn = { pause: api.pause, resume: api.resume, budget: api.setBudget }[action];
      return fn(runId, body, askToken);
    },
  };
  const view = runId === null ? createRunsView(viewRoot) : createRunView(viewRoot, runId, actions);
  current = { key, view, runId };
  document.title = runId === null ? 'Runs · tokenmeter' : `${runId} · tokenmeter`;
  const nav = document.getElementById('nav-runs');
  if (runId === null) nav.setAttribute('aria-current', 'page');
  else nav.removeAttribute('aria-current');
  // After an in-page navigation, the focus goes to the new view's heading (the link that had it
  // is gone); on the first load it stays where the browser puts it.
  if (event) view.title.focus();
  refresh();
}

// ------------------------------------------------------------------ live

const live = document.getElementById('live');
const liveText = document.getElementById('live-text');
const LIVE_TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', closed: 'Disconnected, retrying' };

connect({
  onState(state) {
    live.dataset.state = state;
    text(liveText, LIVE_TEXT[state] ?? state);
    if (state === 'live') soon();
  },
  onEvent(type, data, id) {
    if (type === 'threshold') observeThreshold(data);
    if (type === 'usage') observeUsage(data, id);
    if (current && (current.runId === null || current.runId === data.run)) soon();
  },
});

window.addEventListener('hashchange', route);
setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_EVERY_MS);
route(null);
