// The runs view: every active and recently ended run, one row each, updated in place so that
// focus and scroll survive live updates.

import { h, fill, text } from './dom.js';
import { usd, time, ago } from './format.js';
import { budgetBar, updateBar, outlook, stateBadge, updateBadge } from './parts.js';

const ORDER = { paused: 0, active: 1, ended: 2 };

function sortRuns(runs) {
  return [...runs].sort(
    (a, b) =>
      (ORDER[a.state] ?? 3) - (ORDER[b.state] ?? 3) ||
      String(b.createdAt ?? '').localeCompare(String(a.createdAt ?? '')) ||
      String(a.run).localeCompare(String(b.run)),
  );
}

function cell(label, ...content) {
  return h('div', { class: `cell ${label.toLowerCase().replace(/\W+/g, '-')}` }, h('span', { class: 'label' }, label), ...content);
}

function createRow(run) {
  const link = h('a', { href: `#/runs/${encodeURIComponent(run.run)}`, class: 'run-link' });
  const session = h('span', { class: 'session' });
  const badge = stateBadge(run.state);
  const cost = h('span', { class: 'num money cost-value' });
  const budget = h('span', { class: 'num money budget-value' });
  const bar = budgetBar();
  const burn = h('span', { class: 'num' });
  const eta = h('span', { class: 'num' });
  const detail = h('p', { class: 'detail' });
  const li = h(
    'li',
    { class: 'run' },
    h('div', { class: 'cell name' }, link, session),
    cell('State', badge),
    cell('Cost', cost, h('span', { class: 'of' }, ' of '), budget),
    h('div', { class: 'cell bar-cell' }, bar),
    cell('Burn rate', burn),
    cell('Budget reached', eta),
    detail,
  );
  return { li, link, session, badge, cost, budget, bar, burn, eta, detail };
}

function updateRow(row, run, now) {
  row.li.dataset.state = run.state;
  row.li.dataset.run = run.run;
  text(row.link, run.run);
  text(row.session, run.session ? `session ${run.session}` : '');
  updateBadge(row.badge, run.state);
  text(row.cost, usd(run.costUsd));
  row.cost.title = run.costUsd == null ? '' : `$${run.costUsd}`;
  text(row.budget, run.budgetUsd == null ? 'no budget' : usd(run.budgetUsd));
  row.budget.title = run.budgetUsd == null ? '' : `$${run.budgetUsd}`;
  updateBar(row.bar, run);
  text(row.burn, run.burnRateUsdPerMinute == null ? '—' : `${usd(run.burnRateUsdPerMinute)}/min`);
  text(row.eta, outlook(run));

  const bp = run.breakpoint;
  let detail;
  if (run.state === 'paused' && bp) {
    detail = `Paused by ${bp.source ?? 'unknown'}${bp.by ? ` (${bp.by})` : ''} at ${time(bp.since)}: ${bp.reason ?? 'no reason given'}`;
  } else if (run.state === 'ended') {
    detail = `Ended ${ago(run.endedAt ?? run.lastUsageAt, now)} · ${run.requests ?? 0} calls`;
  } else {
    detail = `Last call ${ago(run.lastUsageAt, now)} · ${run.requests ?? 0} calls`;
  }
  if (run.unpricedModels?.length) detail += ` · unpriced: ${run.unpricedModels.join(', ')}`;
  text(row.detail, detail);
  row.detail.classList.toggle('reason', run.state === 'paused');
}

export function createRunsView(root) {
  const list = h('ul', { class: 'runs', 'aria-labelledby': 'runs-title' });
  const empty = h('p', { class: 'empty', hidden: true }, 'No runs yet. Runs appear here as soon as their first usage is recorded.');
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const title = h('h1', { id: 'runs-title', tabindex: '-1' }, 'Runs');
  fill(root, h('section', { class: 'runs-view' }, h('div', { class: 'view-head' }, title, summary), empty, list));
  const rows = new Map();

  return {
    title,
    update(runs) {
      const now = Date.now();
      const sorted = sortRuns(runs);
      const seen = new Set();
      sorted.forEach((run, i) => {
        seen.add(run.run);
        let row = rows.get(run.run);
        if (!row) {
          row = createRow(run);
          rows.set(run.run, row);
        }
        updateRow(row, run, now);
        if (list.children[i] !== row.li) list.insertBefore(row.li, list.children[i] ?? null);
      });
      for (const [id, row] of rows) {
        if (!seen.has(id)) {
          row.li.remove();
          rows.delete(id);
        }
      }
      empty.hidden = sorted.length > 0;
      const count = (st) => sorted.filter((r) => r.state === st).length;
      text(summary, `${count('active')} active · ${count('paused')} paused · ${count('ended')} ended`);
    },
  };
}
