// Formatting for the dashboard. Money arrives as decimal strings ("12.345678") and is shown by
// exact decimal rounding on those strings (BigInt), never through floating point; numbers are
// only made from it for bars and charts (usdNumber).

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Rounds a decimal string half-up to `places` decimals; null when it is not a decimal. */
export function roundDecimal(text, places) {
  const m = DECIMAL.exec(String(text ?? '').trim());
  if (!m) return null;
  const [, sign, int, frac = ''] = m;
  let digits = BigInt(int + frac);
  const scale = frac.length;
  if (scale > places) {
    const div = 10n ** BigInt(scale - places);
    const rest = digits % div;
    digits /= div;
    if (rest * 2n >= div) digits += 1n;
  } else {
    digits *= 10n ** BigInt(places - scale);
  }
  const s = digits.toString().padStart(places + 1, '0');
  const intPart = s.slice(0, s.length - places);
  const fracPart = s.slice(s.length - places);
  const negative = sign === '-' && digits !== 0n;
  return { negative, int: intPart, frac: fracPart };
}

function group(int) {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * "$1,234.57" for amounts of a dollar or more; below, up to 4 decimals and at least 2 ("$0.0123",
 * "$0.10", "<$0.0001"); "—" when there is no amount. The string given is the whole truth; this only rounds it for reading.
 */
export function usd(text, { places } = {}) {
  if (text === null || text === undefined || text === '') return '—';
  const m = DECIMAL.exec(String(text).trim());
  if (!m) return String(text);
  const zero = /^0*$/.test(m[2] + (m[3] ?? ''));
  const small = m[2] === '0' && !zero;
  const p = places ?? (small ? 4 : 2);
  const r = roundDecimal(text, p);
  let frac = r.frac;
  if (places === undefined && small) {
    if (/^0*$/.test(frac) && r.int === '0') return `${m[1] ? '>−' : '<'}$0.0001`;
    frac = frac.replace(/0{1,2}$/, '');
  }
  return `${r.negative ? '−' : ''}$${group(r.int)}${frac ? '.' + frac : ''}`;
}

/** The amount as a number, for geometry only (bars, charts); NaN when absent. */
export function usdNumber(text) {
  if (text === null || text === undefined || text === '') return NaN;
  return Number(text);
}

/** 1234567 -> "1,234,567". */
export function int(n) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return '—';
  return group(String(Math.trunc(Number(n))));
}

/** Compact tokens: 1234 -> "1.2k", 2500000 -> "2.5M". */
export function compact(n) {
  const v = Number(n);
  if (!Number.isFinite(v)) return '—';
  if (v < 1000) return String(v);
  if (v < 1e6) return `${(v / 1e3).toFixed(v < 1e4 ? 1 : 0)}k`;
  if (v < 1e9) return `${(v / 1e6).toFixed(v < 1e7 ? 1 : 0)}M`;
  return `${(v / 1e9).toFixed(1)}G`;
}

/** A duration in minutes as "45 s", "12 min", "3 h 05 min", "2 d 4 h". */
export function minutes(m) {
  if (!Number.isFinite(m) || m < 0) return '—';
  if (m < 1) return `${Math.max(1, Math.round(m * 60))} s`;
  if (m < 60) return `${Math.round(m)} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(Math.round(m - h * 60)).padStart(2, '0')} min`;
  const d = Math.floor(h / 24);
  return `${d} d ${h - d * 24} h`;
}

/** "14:03:27" in local time, or "Dec 4, 14:03" when not today. */
export function time(iso) {
  if (!iso) return '—';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return String(iso);
  const now = new Date();
  const sameDay = t.toDateString() === now.toDateString();
  return sameDay
    ? t.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
    : t.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
}

/** "3 min ago" style, for a timestamp in the past. */
export function ago(iso, nowMs = Date.now()) {
  if (!iso) return '—';
  const ms = nowMs - new Date(iso).getTime();
  if (!Number.isFinite(ms)) return '—';
  if (ms < 5000) return 'just now';
  return `${minutes(ms / 60000)} ago`;
}

/** The token types in the order the API gives them, with readable names. */
export const TOKEN_TYPES = [
  ['input', 'Input'],
  ['output', 'Output'],
  ['cache_read', 'Cache read'],
  ['cache_write_5m', 'Cache write 5m'],
  ['cache_write_1h', 'Cache write 1h'],
];

/** Sum of all token types of a tokens object. */
export function totalTokens(tokens) {
  if (!tokens) return 0;
  return TOKEN_TYPES.reduce((s, [k]) => s + (Number(tokens[k]) || 0), 0);
}
