// The run view (#/runs/<id>): cost against budget over time, tokens by type, subagent by model,
// the timeline of thresholds, pauses and resumes, and the controls. Built once per visit and
// updated in place.

import { h, s, fill, text } from './dom.js';
import { usd, usdNumber, int, time, TOKEN_TYPES, totalTokens } from './format.js';
import { budgetBar, updateBar, outlook, stateBadge, updateBadge } from './parts.js';
import { drawChart } from './chart.js';

const AMOUNT = /^\d+(\.\d+)?$/;

function card(title, id, ...content) {
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...content);
}

function stat(label, valueEl) {
  return h('div', { class: 'stat' }, h('dt', {}, label), h('dd', {}, valueEl));
}

function money(el, value, none = '—') {
  text(el, value == null ? none : usd(value));
  el.title = value == null ? '' : `$${value} exactly`;
}

/** Timeline entries, newest first, from the run's history and the thresholds seen live. */
function timeline(run, track) {
  const items = [];
  for (const e of run.history ?? []) {
    const what = { pause: 'Paused', resume: 'Resumed', budget: 'Budget set' }[e.action] ?? e.action;
    const parts = [];
    if (e.source) parts.push(e.source);
    if (e.by) parts.push(`by ${e.by}`);
    items.push({
      t: Date.parse(e.at),
      kind: e.action,
      title: what,
      detail: `${e.reason ? e.reason + ' · ' : ''}cost ${usd(e.costUsd)} · budget ${usd(e.budgetUsd)}${parts.length ? ' · ' + parts.join(' ') : ''}`,
    });
  }
  for (const e of track.thresholds) {
    items.push({
      t: e.t,
      kind: 'threshold',
      title: `${Math.round(Number(e.fraction) * 100)}% of budget`,
      detail: `${e.action ?? 'notify'} · cost ${usd(e.costUsd)} of ${usd(e.budgetUsd)}${e.scope && e.scope !== 'run' ? ` · ${e.scope} ${e.scopeKey ?? ''}` : ''}`,
    });
  }
  if (run.createdAt) items.push({ t: Date.parse(run.createdAt), kind: 'start', title: 'First usage', detail: '' });
  if (run.endedAt) items.push({ t: Date.parse(run.endedAt), kind: 'end', title: 'Ended', detail: '' });
  return items.filter((i) => Number.isFinite(i.t)).sort((a, b) => b.t - a.t);
}

/**
 * The cost curve. With the run's usage events at hand it is exact call by call: each call adds
 * its cost, from where the events held start; that start is the cost the server last reported
 * less the calls seen, which is zero unless the server's event buffer no longer holds the first
 * calls. Event times place the points; they never change the values. Without events, the points
 * known from history and thresholds are used.
 */
function costCurve(run, track) {
  const total = usdNumber(run.costUsd);
  const events = [...track.usage].sort((a, b) => a.t - b.t);
  if (!Number.isFinite(total) || events.length === 0) return [...track.costs];
  const seen = events.reduce((sum, e) => sum + e.v, 0);
  let c = Math.max(0, total - seen);
  const first = events[0].t;
  const curve = track.costs.filter((p) => p.t < first && p.v <= c + 1e-9);
  if (curve.length === 0 || curve[curve.length - 1].v < c) curve.push({ t: first - 1, v: c });
  for (const e of events) {
    c += e.v;
    curve.push({ t: e.t, v: c });
  }
  return curve;
}

function chartData(run, track, now) {
  const costs = costCurve(run, track);
  const budgets = [...track.budgets];
  const markers = [];
  // Thresholds first, so that a pause at the same moment is drawn on top.
  for (const e of track.thresholds) {
    markers.push({ t: e.t, v: usdNumber(e.costUsd), kind: 'threshold', label: `${Math.round(Number(e.fraction) * 100)}% of budget at ${time(e.at)}` });
  }
  for (const e of run.history ?? []) {
    markers.push({ t: Date.parse(e.at), v: usdNumber(e.costUsd), kind: e.action, label: `${e.action} at ${time(e.at)}: ${e.reason ?? ''}` });
  }
  return { costs, budgets, markers, now: run.state === 'ended' && run.endedAt ? Date.parse(run.endedAt) : now };
}

function controls(actions, status) {
  const run = () => actions.run;
  const busy = (form, on) => form.querySelectorAll('button, input').forEach((el) => { el.disabled = on; });

  const submit = (form, fn) => async (e) => {
    e.preventDefault();
    let body;
    try {
      body = fn(new FormData(form));
    } catch (err) {
      showStatus(status, err.message, 'error');
      return;
    }
    busy(form, true);
    showStatus(status, 'Sending…', 'pending');
    try {
      await actions.call(form.dataset.action, body);
      showStatus(status, `${form.dataset.done} ${run()}.`, 'ok');
      form.reset();
    } catch (err) {
      showStatus(status, `${form.dataset.failed}: ${err.message}`, 'error');
    } finally {
      busy(form, false);
      await actions.refreshNow();
      // The button pressed may now be disabled (a paused run cannot be paused again): keep the
      // keyboard user's place by moving focus to the message that says what happened.
      const pressed = form.querySelector('button[type="submit"]');
      if (pressed.disabled || document.activeElement === document.body) status.focus();
    }
  };

  const amount = (fd, name, label) => {
    const v = String(fd.get(name) ?? '').trim().replace(/^\$/, '');
    if (!AMOUNT.test(v)) throw new Error(`${label}: enter an amount in USD like 2.50`);
    return v;
  };
  const optional = (fd, body, name) => {
    const v = String(fd.get(name) ?? '').trim();
    if (v) body[name] = v;
    return body;
  };

  const pauseForm = h(
    'form',
    { class: 'control', id: 'pause-form', dataset: { action: 'pause', done: 'Paused', failed: 'Pause failed' } },
    h('h3', {}, 'Pause'),
    h('label', { for: 'pause-reason' }, 'Reason (optional)'),
    h('input', { id: 'pause-reason', name: 'reason', type: 'text', autocomplete: 'off', placeholder: 'checking the plan' }),
    h('button', { type: 'submit', id: 'pause-button' }, 'Pause run'),
  );
  pauseForm.addEventListener('submit', submit(pauseForm, (fd) => optional(fd, { by: 'dashboard' }, 'reason')));

  const how = (value, label, checked) =>
    h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'how', value, checked }), ` ${label}`);
  const resumeForm = h(
    'form',
    { class: 'control', id: 'resume-form', dataset: { action: 'resume', done: 'Resumed', failed: 'Resume failed' } },
    h('h3', {}, 'Resume'),
    h(
      'fieldset',
      {},
      h('legend', {}, 'How'),
      how('raiseUsd', 'Raise the budget by', true),
      how('budgetUsd', 'Set the budget to', false),
      how('override', 'Override (keep the budget)', false),
    ),
    h('label', { for: 'resume-amount' }, 'Amount (USD)'),
    h('input', { id: 'resume-amount', name: 'amount', type: 'text', inputmode: 'decimal', autocomplete: 'off', placeholder: '2.00' }),
    h('label', { for: 'resume-reason' }, 'Reason (optional)'),
    h('input', { id: 'resume-reason', name: 'reason', type: 'text', autocomplete: 'off' }),
    h('button', { type: 'submit', id: 'resume-button', class: 'primary' }, 'Resume run'),
  );
  const amountInput = resumeForm.querySelector('#resume-amount');
  resumeForm.addEventListener('change', () => {
    amountInput.disabled = resumeForm.elements.how.value === 'override';
  });
  resumeForm.addEventListener('reset', () => setTimeout(() => { amountInput.disabled = false; }));
  resumeForm.addEventListener(
    'submit',
    submit(resumeForm, (fd) => {
      const mode = fd.get('how');
      const body = { by: 'dashboard' };
      if (mode === 'override') body.override = true;
      else body[mode] = amount(fd, 'amount', mode === 'raiseUsd' ? 'Raise by' : 'New budget');
      return optional(fd, body, 'reason');
    }),
  );

  const budgetForm = h(
    'form',
    { class: 'control', id: 'budget-form', dataset: { action: 'budget', done: 'Budget set for', failed: 'Setting the budget failed' } },
    h('h3', {}, 'Budget'),
    h('label', { for: 'budget-amount' }, 'New budget (USD)'),
    h('input', { id: 'budget-amount', name: 'budgetUsd', type: 'text', inputmode: 'decimal', autocomplete: 'off', placeholder: '10.00' }),
    h('button', { type: 'submit', id: 'budget-button' }, 'Set budget'),
  );
  budgetForm.addEventListener('submit', submit(budgetForm, (fd) => ({ budgetUsd: amount(fd, 'budgetUsd', 'Budget'), by: 'dashboard' })));

  return { pauseForm, resumeForm, budgetForm };
}

function showStatus(el, message, kind) {
  el.dataset.kind = kind;
  text(el, message);
}

export function createRunView(root, runId, actions) {
  const title = h('h1', { id: 'run-title', tabindex: '-1' }, 'Run ', h('code', {}, runId));
  const badge = stateBadge('active');
  badge.id = 'run-state';
  const session = h('span', { class: 'session' });
  const breakpoint = h('div', { class: 'breakpoint', id: 'breakpoint', role: 'status', hidden: true });
  const unpriced = h('p', { class: 'unpriced', id: 'unpriced', hidden: true });
  const notFound = h('p', { class: 'notice', hidden: true });

  const cost = h('span', { class: 'num money big', id: 'run-cost' });
  const budget = h('span', { class: 'num money big', id: 'run-budget' });
  const burn = h('span', { class: 'num', id: 'run-burn' });
  const eta = h('span', { class: 'num', id: 'run-eta' });
  const calls = h('span', { class: 'num', id: 'run-calls' });
  const reserved = h('span', { class: 'num money' });
  const bar = budgetBar();

  const svg = s('svg', { class: 'chart', role: 'img', 'aria-labelledby': 'chart-title chart-desc' });
  const chartDesc = h('p', { id: 'chart-desc', class: 'visually-hidden' });
  const chartBox = h('div', { class: 'chart-box' }, svg);
  const legend = h(
    'ul',
    { class: 'legend', 'aria-hidden': 'true' },
    h('li', { class: 'cost' }, 'Cost'),
    h('li', { class: 'budget' }, 'Budget'),
    h('li', { class: 'threshold' }, 'Threshold'),
    h('li', { class: 'pause' }, 'Pause'),
    h('li', { class: 'resume' }, 'Resume'),
  );

  const tokenRows = new Map(
    TOKEN_TYPES.map(([k, label]) => {
      const n = h('td', { class: 'num' });
      const b = h('div', { class: 'bar thin', 'aria-hidden': 'true' }, h('div', { class: 'fill' }));
      return [k, { tr: h('tr', {}, h('th', { scope: 'row' }, label), n, h('td', { class: 'bar-td' }, b)), n, b }];
    }),
  );
  const tokenTotal = h('td', { class: 'num' });
  const tokensTable = h(
    'table',
    { class: 'tokens' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col', class: 'num' }, 'Tokens'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Share')))),
    h('tbody', {}, [...tokenRows.values()].map((r) => r.tr)),
    h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'Total'), tokenTotal, h('td'))),
  );

  const seriesBody = h('tbody');
  const seriesTable = h(
    'table',
    { class: 'series' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Subagent'),
        h('th', { scope: 'col' }, 'Model'),
        h('th', { scope: 'col', class: 'num' }, 'Calls'),
        TOKEN_TYPES.map(([, label]) => h('th', { scope: 'col', class: 'num' }, label)),
        h('th', { scope: 'col', class: 'num' }, 'Cost'),
      ),
    ),
    seriesBody,
  );

  const timelineList = h('ol', { class: 'timeline' });
  const status = h('p', { class: 'form-status', id: 'control-status', role: 'status', 'aria-live': 'polite', tabindex: '-1' });
  const { pauseForm, resumeForm, budgetForm } = controls(actions, status);

  fill(
    root,
    h(
      'section',
      { class: 'run-view' },
      h('p', { class: 'crumbs' }, h('a', { href: '#/' }, '← All runs')),
      h('div', { class: 'view-head' }, title, badge, session),
      notFound,
      breakpoint,
      unpriced,
      h(
        'div',
        { class: 'layout' },
        h(
          'div',
          { class: 'main-col' },
          h(
            'section',
            { class: 'card summary', 'aria-label': 'Summary' },
            h('dl', { class: 'stats' }, stat('Cost', cost), stat('Budget', budget), stat('Burn rate', burn), stat('Budget reached', eta), stat('Calls', calls), stat('Reserved', reserved)),
            bar,
          ),
          card('Cost against budget', 'chart-title', chartBox, legend, chartDesc),
          card('Tokens by type', 'tokens-title', tokensTable),
          card(
            'By subagent and model',
            'series-title',
            h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'series-title' }, seriesTable),
          ),
        ),
        h(
          'div',
          { class: 'side-col' },
          card('Control', 'control-title', pauseForm, resumeForm, budgetForm, status),
          card('Timeline', 'timeline-title', h('div', { class: 'scroll timeline-box', tabindex: '0', role: 'region', 'aria-labelledby': 'timeline-title' }, timelineList)),
        ),
      ),
    ),
  );

  // In-page link to the resume form without changing the route (the hash is the route).
  const toResume = (e) => {
    e.preventDefault();
    resumeForm.scrollIntoView({ block: 'start' });
    resumeForm.querySelector('input[name="how"]:checked')?.focus();
  };

  let last = null;
  let lastTrack = null;
  const redraw = () => {
    if (!last) return;
    drawChart(svg, chartData(last, lastTrack, Date.now()), chartBox.clientWidth || 600);
  };
  const resize = new ResizeObserver(() => redraw());
  resize.observe(chartBox);

  return {
    title,
    destroy() {
      resize.disconnect();
    },
    missing(message) {
      notFound.hidden = false;
      text(notFound, message);
    },
    update(run, track) {
      last = run;
      lastTrack = track;
      notFound.hidden = true;
      updateBadge(badge, run.state);
      text(session, run.session ? `session ${run.session}` : '');
      money(cost, run.costUsd);
      money(budget, run.budgetUsd, 'no budget');
      text(burn, run.burnRateUsdPerMinute == null ? '—' : `${usd(run.burnRateUsdPerMinute)}/min`);
      text(eta, outlook(run));
      text(calls, int(run.requests));
      money(reserved, run.reservedUsd ?? '0');
      updateBar(bar, run);

      const bp = run.breakpoint;
      breakpoint.hidden = !(run.state === 'paused' && bp);
      if (bp && run.state === 'paused') {
        fill(
          breakpoint,
          h('strong', {}, `Paused by ${bp.source ?? 'unknown'}`),
          h('span', { class: 'reason-text' }, `: ${bp.reason ?? 'no reason given'}`),
          h('span', { class: 'meta' }, ` · since ${time(bp.since)}${bp.by ? ` · by ${bp.by}` : ''}${bp.costUsd != null ? ` · cost ${usd(bp.costUsd)} of ${usd(bp.budgetUsd)}` : ''}`),
          h('a', { href: '#resume-form', class: 'to-controls', onclick: toResume }, 'Resume…'),
        );
      }
      const models = run.unpricedModels ?? [];
      unpriced.hidden = models.length === 0;
      text(unpriced, models.length ? `Cost is incomplete: no price for ${models.join(', ')}. Their tokens are counted; their cost is unknown, not zero.` : '');

      pauseForm.querySelector('button').disabled = run.state !== 'active';
      resumeForm.querySelector('button').disabled = run.state !== 'paused';

      const total = totalTokens(run.tokens);
      for (const [k, r] of tokenRows) {
        const v = Number(run.tokens?.[k] ?? 0);
        text(r.n, int(v));
        r.b.style.setProperty('--fill', `${total ? ((v / total) * 100).toFixed(2) : 0}%`);
      }
      text(tokenTotal, int(total));

      const series = [...(run.series ?? [])].sort(
        (a, b) => String(a.subagent).localeCompare(String(b.subagent)) || String(a.model).localeCompare(String(b.model)),
      );
      fill(
        seriesBody,
        series.length === 0
          ? h('tr', {}, h('td', { colspan: 9, class: 'empty' }, 'No calls yet.'))
          : series.map((e) => {
              const unknown = e.costUsd == null || models.includes(e.model);
              return h(
                'tr',
                { class: unknown ? 'unpriced-row' : null },
                h('td', {}, e.subagent),
                h('td', {}, e.model, unknown ? h('span', { class: 'flag' }, 'unpriced') : null),
                h('td', { class: 'num' }, int(e.requests)),
                TOKEN_TYPES.map(([k]) => h('td', { class: 'num' }, int(e.tokens?.[k] ?? 0))),
                h('td', { class: 'num', title: e.costUsd == null ? 'no price for this model' : `$${e.costUsd} exactly` }, e.costUsd == null ? 'unknown' : usd(e.costUsd)),
              );
            }),
      );

      const items = timeline(run, track);
      fill(
        timelineList,
        items.length === 0
          ? h('li', { class: 'empty' }, 'Nothing yet.')
          : items.map((i) =>
              h(
                'li',
                { dataset: { kind: i.kind } },
                h('time', { datetime: new Date(i.t).toISOString() }, time(new Date(i.t).toISOString())),
                h('span', { class: 'what' }, i.title),
                i.detail ? h('span', { class: 'detail' }, i.detail) : null,
              ),
            ),
      );

      text(
        chartDesc,
        `Cost ${usd(run.costUsd)} against a budget of ${run.budgetUsd == null ? 'none' : usd(run.budgetUsd)}; ` +
          `${track.thresholds.length} thresholds crossed and ${(run.history ?? []).length} control actions, listed in the timeline.`,
      );
      redraw();
    },
  };
}
