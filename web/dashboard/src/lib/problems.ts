// The problems page without React: its URL state (`kind`, `page_group` beside the shared range and
// filters), how a problem's cost is written ("−12.3 pp (−18.0 to −6.5)"), where its interval sits on a
// shared axis, and the dashboard links for its sessions (`sessions_url` mapped onto the sessions route) and
// its replay (`replay_session` at `replay_ts`).
import type { Problem } from '../api/types';
import { isoDay, parseIsoDay, type DateRange } from './dates';
import { apiQuery, buildSearch, parseFilters, type Filters } from './filters';
import { formatPercent } from './format';
import { isFrustrationKind, type FrustrationKind } from './frustration';
import { sitePagePath } from './paths';

/** The server calls a problem significant only with at least this many sessions in both groups. */
export const MIN_GROUP_SESSIONS = 30;
const MAX_TEXT_LEN = 512;

// ---------- URL state ----------

export interface ProblemFilters {
  kind?: FrustrationKind;
  page_group?: string;
}

export const PROBLEM_PARAM_KEYS = ['kind', 'page_group'] as const;

/** `kind` (one detector name; anything else ignored) and `page_group` from a query string. */
export function parseProblemParams(params: URLSearchParams | string): ProblemFilters {
  const p = typeof params === 'string' ? new URLSearchParams(params) : params;
  const out: ProblemFilters = {};
  const kind = p.get('kind')?.trim();
  if (isFrustrationKind(kind)) out.kind = kind;
  const page = p.get('page_group')?.trim();
  if (page && page.length <= MAX_TEXT_LEN) out.page_group = page;
  return out;
}

/** The query string with the problem filters replaced (absent ones removed), everything else kept. */
export function problemsSearch(base: URLSearchParams | string, next: ProblemFilters): string {
  const src = typeof base === 'string' ? new URLSearchParams(base) : base;
  const out = new URLSearchParams();
  for (const [k, v] of src) if (!(PROBLEM_PARAM_KEYS as readonly string[]).includes(k)) out.append(k, v);
  if (next.kind) out.set('kind', next.kind);
  if (next.page_group) out.set('page_group', next.page_group);
  const s = out.toString();
  return s ? `?${s}` : '';
}

/** The API query: range, shared filters, then `kind` and `page_group`. */
export function problemsApiQuery(range: DateRange, shared: Filters, own: ProblemFilters): Record<string, string> {
  const q = apiQuery(range, shared);
  if (own.kind) q.kind = own.kind;
  if (own.page_group) q.page_group = own.page_group;
  return q;
}

// ---------- numbers ----------

const MINUS = '\u2212';

/** One decimal with an explicit sign: −12.3, +4.0, 0.0 (never "−0.0"). */
function signedOneDecimal(points: number): string {
  const r = Math.round(points * 10) / 10;
  if (r === 0) return '0.0';
  return `${r < 0 ? MINUS : '+'}${Math.abs(r).toFixed(1)}`;
}

/** A difference of two 0..1 rates in percentage points: -0.123 -> "−12.3 pp". */
export function formatPp(delta: number | null | undefined): string {
  if (delta === null || delta === undefined || !Number.isFinite(delta)) return '—';
  return `${signedOneDecimal(delta * 100)} pp`;
}

/** An interval of rate differences: "−12.3 pp (−18.0 to −6.5)". */
export function formatDifference(d: { estimate: number; low: number; high: number } | null | undefined): string {
  if (!d || ![d.estimate, d.low, d.high].every(Number.isFinite)) return '—';
  return `${formatPp(d.estimate)} (${signedOneDecimal(d.low * 100)} to ${signedOneDecimal(d.high * 100)})`;
}

/** "10.9% vs 92.5%". */
export function formatConversionPair(affected: number, unaffected: number): string {
  return `${formatPercent(affected)} vs ${formatPercent(unaffected)}`;
}

/** An estimate (lost conversions): one decimal below 100 ("4.4", "0"), whole from 100 ("1,234"). */
export function formatEstimate(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (Math.abs(v) < 0.05) return '0';
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  return (Math.round(v * 10) / 10).toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** An amount of money (no currency is stored): whole from 100 ("16,134"), cents below ("59.80"). */
export function formatMoney(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (Math.abs(v) < 0.005) return '0';
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  return v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

// ---------- significance ----------

export type Significance = 'significant' | 'not_significant' | 'too_few';

export function significance(p: Pick<Problem, 'significant' | 'sessions_affected' | 'sessions_unaffected'>): Significance {
  if (p.significant) return 'significant';
  if (p.sessions_affected < MIN_GROUP_SESSIONS || p.sessions_unaffected < MIN_GROUP_SESSIONS) return 'too_few';
  return 'not_significant';
}

export const SIGNIFICANCE_TEXT: Record<Significance, { label: string; hint: string }> = {
  significant: { label: 'Significant', hint: 'The 95 % interval of the difference does not contain 0.' },
  not_significant: { label: 'Not significant', hint: 'The 95 % interval contains 0: the difference may be chance.' },
  too_few: {
    label: 'Too few sessions',
    hint: `Fewer than ${MIN_GROUP_SESSIONS} sessions with or without the problem: too few to tell the difference from chance.`,
  },
};

// ---------- the interval on a shared axis ----------

/** Half-width of the axis (a rate difference, 0..1) that holds every interval: 5 pp steps, 5 pp to 100 pp. */
export function intervalScale(intervals: readonly { low: number; high: number; estimate: number }[]): number {
  let max = 0;
  for (const i of intervals) for (const v of [i.low, i.high, i.estimate]) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  const stepped = Math.ceil(max * 20 - 1e-9) / 20;
  return Math.min(1, Math.max(0.05, stepped));
}

/** Positions (percent of the axis width, 0 at the left, 50 = no difference) of an interval's ends and estimate. */
export function intervalGeometry(i: { low: number; high: number; estimate: number }, scale: number): { low: number; high: number; estimate: number } {
  const s = scale > 0 ? scale : 1;
  const pos = (v: number) => (Number.isFinite(v) ? 50 + Math.min(1, Math.max(-1, v / s)) * 50 : 50);
  const [low, high] = [pos(i.low), pos(i.high)].sort((a, b) => a - b) as [number, number];
  return { low, high, estimate: pos(i.estimate) };
}

// ---------- links ----------

/** The frustration parameters a problem's `sessions_url` may carry, and the sessions list understands. */
const SESSION_LINK_KEYS = ['frustration', 'frustration_page', 'frustration_element'] as const;

/** A `from`/`to` of `sessions_url` (ms since the epoch, `to` exclusive; or already a day) as a day. */
function urlDay(raw: string | null, isEnd: boolean): string | null {
  if (!raw) return null;
  if (parseIsoDay(raw) !== null) return raw;
  if (!/^\d{1,15}$/.test(raw)) return null;
  const ms = Number(raw);
  return isoDay(isEnd ? Math.max(0, ms - 1) : ms);
}

/**
 * The dashboard's sessions-list query for a problem's `sessions_url` (an API URL such as
 * `/api/v1/sites/k/sessions?from=<ms>&to=<ms>&frustration=…&frustration_page=…&frustration_element=…`):
 * its range as whole days, its frustration filters, and the shared filters the problem list was computed
 * under (the API's URL omits them; its own win when it names one).
 */
export function problemSessionsSearch(sessionsUrl: string, shared: Filters = {}): string {
  let params: URLSearchParams;
  try {
    params = new URL(sessionsUrl, 'http://sightline.invalid').searchParams;
  } catch {
    params = new URLSearchParams();
  }
  const base = new URLSearchParams();
  for (const k of SESSION_LINK_KEYS) {
    const v = params.get(k);
    if (v) base.set(k, v);
  }
  const from = urlDay(params.get('from'), false);
  const to = urlDay(params.get('to'), true);
  const range = from && to ? { from, to: to < from ? from : to } : null;
  return buildSearch(base, { range, filters: { ...shared, ...parseFilters(params) } });
}

/** `/sites/:site/sessions?…` for a problem's affected sessions. */
export function problemSessionsPath(site: string, p: Pick<Problem, 'sessions_url'>, shared: Filters = {}): string {
  return sitePagePath(site, 'sessions', problemSessionsSearch(p.sessions_url, shared));
}

/** The replay of the problem's sample occurrence, opened at it (`?at=` ms since the epoch); null without one. */
export function problemReplayPath(site: string, p: Pick<Problem, 'replay_session' | 'replay_ts'>): string | null {
  if (!p.replay_session) return null;
  const at = typeof p.replay_ts === 'number' && Number.isFinite(p.replay_ts) && p.replay_ts >= 0 ? `?at=${Math.round(p.replay_ts)}` : '';
  return sitePagePath(site, `replay/${encodeURIComponent(p.replay_session)}`, at);
}

/** What a problem happened on, readably: a JS error's fingerprint becomes its message when known. */
export function problemElementText(p: Pick<Problem, 'kind' | 'element'>, errorTitles: ReadonlyMap<string, string> = new Map()): string | null {
  if (!p.element) return null;
  if (p.kind === 'js_error') return errorTitles.get(p.element) ?? p.element;
  return p.element;
}
