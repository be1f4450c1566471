// Cost against budget over time, drawn as SVG at the container's width and a fixed height.
// Numbers here are geometry only; every amount shown as text comes from the API's strings.

import { s } from './dom.js';
import { usd, time } from './format.js';

const HEIGHT = 240;
const PAD = { top: 14, right: 16, bottom: 28, left: 64 };

function niceStep(max, ticks) {
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag;
}

function money(v, step) {
  return usd(v.toFixed(step < 0.01 ? 4 : 2), { places: step < 0.01 ? 4 : 2 });
}

/**
 * Draws into `svg`. `data` has `costs` [{t, v}] (cumulative cost), `budgets` [{t, v}] (the
 * budget from t on), `markers` [{t, kind, label}] and `now`.
 */
export function drawChart(svg, data, width) {
  const W = Math.max(280, Math.floor(width));
  svg.setAttribute('viewBox', `0 0 ${W} ${HEIGHT}`);
  svg.setAttribute('width', W);
  svg.setAttribute('height', HEIGHT);
  svg.replaceChildren();

  const { costs, budgets, markers, now } = data;
  const times = [...costs, ...budgets, ...markers].map((p) => p.t).filter(Number.isFinite);
  if (costs.length === 0 || times.length === 0) {
    svg.append(s('text', { x: W / 2, y: HEIGHT / 2, 'text-anchor': 'middle', class: 'empty' }, 'No spend recorded yet'));
    return;
  }
  const t0 = Math.min(...times);
  const tEnd = Math.max(now, ...times);
  const t1 = Math.max(tEnd, t0 + 10_000);
  const maxV = Math.max(0.0001, ...costs.map((p) => p.v), ...budgets.map((p) => p.v).filter(Number.isFinite));
  const step = niceStep(maxV * 1.08, 4);
  const top = Math.ceil((maxV * 1.08) / step) * step;

  const iw = W - PAD.left - PAD.right;
  const ih = HEIGHT - PAD.top - PAD.bottom;
  const x = (t) => PAD.left + ((t - t0) / (t1 - t0)) * iw;
  const y = (v) => PAD.top + ih - (v / top) * ih;

  const grid = s('g', { class: 'grid' });
  for (let v = 0; v <= top + step / 2; v += step) {
    grid.append(s('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }));
    grid.append(s('text', { x: PAD.left - 8, y: y(v) + 4, 'text-anchor': 'end' }, money(v, step)));
  }
  const ticks = W < 500 ? 2 : 4;
  for (let i = 0; i <= ticks; i++) {
    const t = t0 + ((t1 - t0) * i) / ticks;
    const anchor = i === 0 ? 'start' : i === ticks ? 'end' : 'middle';
    grid.append(s('text', { x: x(t), y: HEIGHT - 8, 'text-anchor': anchor }, time(new Date(t).toISOString())));
  }
  svg.append(grid);

  // Budget: a step line, the value holding until the next change.
  if (budgets.length) {
    let d = '';
    budgets.forEach((p, i) => {
      if (!Number.isFinite(p.v)) return;
      const nextT = i + 1 < budgets.length ? budgets[i + 1].t : tEnd;
      d += `${d ? 'L' : 'M'}${x(Math.max(p.t, t0)).toFixed(1)},${y(p.v).toFixed(1)}H${x(nextT).toFixed(1)}`;
    });
    if (d) svg.append(s('path', { d, class: 'budget-line' }));
  }

  // Cost: the known points joined, then flat to now (no spend is not a fall).
  const pts = costs.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
  const last = costs[costs.length - 1];
  pts.push(`${x(tEnd).toFixed(1)},${y(last.v).toFixed(1)}`);
  const base = y(0).toFixed(1);
  svg.append(s('path', { d: `M${x(costs[0].t).toFixed(1)},${base}L${pts.join('L')}L${x(tEnd).toFixed(1)},${base}Z`, class: 'cost-area' }));
  svg.append(s('path', { d: `M${pts.join('L')}`, class: 'cost-line' }));

  for (const m of markers) {
    if (!Number.isFinite(m.t)) continue;
    const mx = x(m.t);
    const g = s('g', { class: `marker ${m.kind}` });
    g.append(s('title', {}, m.label));
    g.append(s('line', { x1: mx, x2: mx, y1: PAD.top, y2: PAD.top + ih }));
    if (Number.isFinite(m.v)) g.append(s('circle', { cx: mx, cy: y(m.v), r: 4 }));
    svg.append(g);
  }
}

export const CHART_HEIGHT = HEIGHT;
