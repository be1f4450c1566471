// Small pieces shared by the views: the state badge, the budget bar, the outlook text.

import { h, text } from './dom.js';
import { usdNumber, minutes } from './format.js';

const STATE_TEXT = { active: 'Active', paused: 'Paused', ended: 'Ended' };

export function stateBadge(state) {
  const b = h('span', { class: 'badge' });
  updateBadge(b, state);
  return b;
}

export function updateBadge(el, state) {
  el.dataset.state = state;
  text(el, STATE_TEXT[state] ?? state ?? 'unknown');
}

/** Cost as a fraction of budget, or NaN when there is no budget. */
export function budgetFraction(run) {
  const cost = usdNumber(run.costUsd);
  const budget = usdNumber(run.budgetUsd);
  if (!Number.isFinite(budget) || budget <= 0) return NaN;
  return (Number.isFinite(cost) ? cost : 0) / budget;
}

/** A horizontal bar of cost against budget, with the meter role for assistive technology. */
export function budgetBar() {
  return h(
    'div',
    { class: 'bar', role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': 'Cost against budget' },
    h('div', { class: 'fill' }),
  );
}

export function updateBar(el, run) {
  const f = budgetFraction(run);
  const known = Number.isFinite(f);
  const pct = known ? Math.max(0, Math.min(1, f)) * 100 : 0;
  el.style.setProperty('--fill', `${pct.toFixed(2)}%`);
  el.dataset.level = !known ? 'none' : f >= 1 ? 'over' : f >= 0.8 ? 'high' : f >= 0.5 ? 'mid' : 'low';
  el.setAttribute('aria-valuenow', known ? Math.round(f * 100) : 0);
  el.setAttribute('aria-valuetext', known ? `${Math.round(f * 100)}% of budget` : 'no budget');
}

/** When the budget is reached at the current burn rate, in words. */
export function outlook(run) {
  const cost = usdNumber(run.costUsd);
  const budget = usdNumber(run.budgetUsd);
  const burn = usdNumber(run.burnRateUsdPerMinute);
  if (!Number.isFinite(budget)) return 'no budget';
  if (Number.isFinite(cost) && cost >= budget) return cost > budget ? 'over budget' : 'at budget';
  if (run.state === 'ended') return 'run ended';
  if (run.state === 'paused') return 'paused';
  if (!Number.isFinite(burn) || burn <= 0) return 'idle';
  return `in ${minutes((budget - (Number.isFinite(cost) ? cost : 0)) / burn)}`;
}
