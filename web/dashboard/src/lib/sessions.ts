// The sessions list's own URL state, beside the shared range and filters (lib/filters.ts): sort, order,
// paging and the session-only filters, all under the API's parameter names, so the page URL and the API
// query stay the same thing (`?has_replay=true&sort=duration&order=asc&offset=50`).
// Defaults are left out of the URL (sort=started, order=desc, limit=50, offset=0).
import type { DateRange } from './dates';
import { apiQuery, type Filters } from './filters';
import { formatNumber } from './format';
import { isFrustrationKind, type FrustrationKind } from './frustration';

/** Sort keys the server accepts (`sort=`). */
export const SESSION_SORTS = ['started', 'duration', 'active_time', 'pages', 'clicks', 'errors', 'revenue', 'friction'] as const;
export type SessionSort = (typeof SESSION_SORTS)[number];
export type SortOrder = 'asc' | 'desc';

export const DEFAULT_SORT: SessionSort = 'started';
export const DEFAULT_ORDER: SortOrder = 'desc';
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
export const PAGE_SIZES: readonly number[] = [25, 50, 100];
/** The server refuses larger offsets. */
export const MAX_OFFSET = 1_000_000;

/** Yes/no filters (absent = either). */
export const SESSION_FLAG_KEYS = ['has_replay', 'had_error', 'converted'] as const;
export type SessionFlagKey = (typeof SESSION_FLAG_KEYS)[number];
/** Whole-number bounds (ms or counts). */
export const SESSION_INT_KEYS = ['min_duration_ms', 'max_duration_ms', 'min_active_ms', 'min_pages', 'max_pages'] as const;
export type SessionIntKey = (typeof SESSION_INT_KEYS)[number];
/**
 * Free-text filters. The visited page is the shared `page` filter (lib/filters.ts), not repeated here.
 * `frustration_page` / `frustration_element` narrow the `frustration` kind to a page group / element (a
 * problem's sessions link sets them).
 */
export const SESSION_TEXT_KEYS = ['clicked', 'frustration_page', 'frustration_element'] as const;
export type SessionTextKey = (typeof SESSION_TEXT_KEYS)[number];

export interface SessionFilters {
  has_replay?: boolean;
  had_error?: boolean;
  converted?: boolean;
  min_duration_ms?: number;
  max_duration_ms?: number;
  min_active_ms?: number;
  min_pages?: number;
  max_pages?: number;
  /** Revenue at least this (a decimal). */
  min_revenue?: number;
  /** A clicked element's selector. */
  clicked?: string;
  /** Sessions with a detection of this kind (lib/frustration.ts)… */
  frustration?: FrustrationKind;
  /** …on this page group… */
  frustration_page?: string;
  /** …on this element. */
  frustration_element?: string;
}

export interface SessionListState {
  sort: SessionSort;
  order: SortOrder;
  limit: number;
  offset: number;
  filters: SessionFilters;
}

/** Every URL parameter this module owns (the rest of the query is left as it is). */
export const SESSION_PARAM_KEYS: readonly string[] = [
  'sort',
  'order',
  'limit',
  'offset',
  ...SESSION_FLAG_KEYS,
  ...SESSION_INT_KEYS,
  'min_revenue',
  ...SESSION_TEXT_KEYS,
  'frustration',
];

const MAX_TEXT_LEN = 512;

function parseFlag(v: string | null): boolean | undefined {
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

function parseWhole(v: string | null, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === null || !/^\d{1,16}$/.test(v.trim())) return undefined;
  const n = Number(v.trim());
  return Number.isSafeInteger(n) && n <= max ? n : undefined;
}

function parseDecimal(v: string | null): number | undefined {
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v.trim());
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function parseText(v: string | null): string | undefined {
  const t = v?.trim();
  return t && t.length <= MAX_TEXT_LEN ? t : undefined;
}

/** The session filters named in a query string (unusable values ignored). */
export function parseSessionFilters(params: URLSearchParams | string): SessionFilters {
  const p = typeof params === 'string' ? new URLSearchParams(params) : params;
  const out: SessionFilters = {};
  for (const k of SESSION_FLAG_KEYS) {
    const v = parseFlag(p.get(k));
    if (v !== undefined) out[k] = v;
  }
  for (const k of SESSION_INT_KEYS) {
    const v = parseWhole(p.get(k));
    if (v !== undefined) out[k] = v;
  }
  const rev = parseDecimal(p.get('min_revenue'));
  if (rev !== undefined) out.min_revenue = rev;
  for (const k of SESSION_TEXT_KEYS) {
    const v = parseText(p.get(k));
    if (v !== undefined) out[k] = v;
  }
  const kind = p.get('frustration')?.trim();
  if (isFrustrationKind(kind)) out.frustration = kind;
  return out;
}

/** Sort, order, paging and session filters from a query string, repaired to valid values. */
export function parseSessionParams(params: URLSearchParams | string): SessionListState {
  const p = typeof params === 'string' ? new URLSearchParams(params) : params;
  const sortRaw = p.get('sort');
  const sort = (SESSION_SORTS as readonly string[]).includes(sortRaw ?? '') ? (sortRaw as SessionSort) : DEFAULT_SORT;
  const order: SortOrder = p.get('order') === 'asc' ? 'asc' : p.get('order') === 'desc' ? 'desc' : DEFAULT_ORDER;
  const limitRaw = parseWhole(p.get('limit'));
  const limit = limitRaw !== undefined && limitRaw >= 1 ? Math.min(limitRaw, MAX_LIMIT) : DEFAULT_LIMIT;
  const offsetRaw = parseWhole(p.get('offset'));
  const offset = offsetRaw !== undefined ? Math.min(offsetRaw, MAX_OFFSET) : 0;
  return { sort, order, limit, offset, filters: parseSessionFilters(p) };
}

/** Number of session filters set (for "Clear" buttons and empty states). */
export function sessionFilterCount(f: SessionFilters): number {
  return Object.values(f).filter((v) => v !== undefined).length;
}

function filterPairs(f: SessionFilters): [string, string][] {
  const out: [string, string][] = [];
  for (const k of SESSION_FLAG_KEYS) if (f[k] !== undefined) out.push([k, String(f[k])]);
  for (const k of SESSION_INT_KEYS) if (f[k] !== undefined) out.push([k, String(f[k])]);
  if (f.min_revenue !== undefined) out.push(['min_revenue', String(f.min_revenue)]);
  if (f.frustration !== undefined) out.push(['frustration', f.frustration]);
  for (const k of SESSION_TEXT_KEYS) if (f[k] !== undefined) out.push([k, f[k]!]);
  return out;
}

/**
 * The query string with the session list state replaced by `next` (defaults left out), other parameters
 * (range, shared filters, anything else) kept in their order, the session ones appended in a fixed order.
 */
export function sessionSearch(base: URLSearchParams | string, next: SessionListState): string {
  const src = typeof base === 'string' ? new URLSearchParams(base) : base;
  const out = new URLSearchParams();
  for (const [k, v] of src) if (!SESSION_PARAM_KEYS.includes(k)) out.append(k, v);
  for (const [k, v] of filterPairs(next.filters)) out.set(k, v);
  if (next.sort !== DEFAULT_SORT) out.set('sort', next.sort);
  if (next.order !== DEFAULT_ORDER) out.set('order', next.order);
  if (next.limit !== DEFAULT_LIMIT) out.set('limit', String(next.limit));
  if (next.offset > 0) out.set('offset', String(next.offset));
  const s = out.toString();
  return s ? `?${s}` : '';
}

/** A changed list state: changing filters, sort or page size goes back to the first page. */
export function updateSessionState(
  state: SessionListState,
  change: Partial<Omit<SessionListState, 'filters'>> & { filters?: { [K in keyof SessionFilters]?: SessionFilters[K] | null } },
): SessionListState {
  const filters: SessionFilters = { ...state.filters };
  if (change.filters) {
    for (const [k, v] of Object.entries(change.filters) as [keyof SessionFilters, unknown][]) {
      if (v === null || v === undefined || v === '') delete filters[k];
      else (filters as Record<string, unknown>)[k] = v;
    }
  }
  const next: SessionListState = {
    sort: change.sort ?? state.sort,
    order: change.order ?? state.order,
    limit: change.limit ?? state.limit,
    offset: change.offset ?? state.offset,
    filters,
  };
  const resets = change.filters !== undefined || change.sort !== undefined || change.order !== undefined || change.limit !== undefined;
  if (resets && change.offset === undefined) next.offset = 0;
  return next;
}

/** Clicking a column header: the same column flips the order, another starts descending (largest first). */
export function toggleSort(state: SessionListState, sort: SessionSort): SessionListState {
  if (state.sort === sort) return updateSessionState(state, { order: state.order === 'desc' ? 'asc' : 'desc' });
  return updateSessionState(state, { sort, order: 'desc' });
}

/** The state with the page `delta` pages away (clamped at the first page). */
export function pageBy(state: SessionListState, delta: number): SessionListState {
  return { ...state, offset: Math.min(MAX_OFFSET, Math.max(0, state.offset + delta * state.limit)) };
}

export function hasPrevPage(state: SessionListState): boolean {
  return state.offset > 0;
}

export function hasNextPage(state: SessionListState, total: number): boolean {
  return state.offset + state.limit < total && state.offset + state.limit <= MAX_OFFSET;
}

/** "1–50 of 1,234"; "0 of 0" when empty; "51–60 of 60". */
export function pageLabel(offset: number, shown: number, total: number): string {
  if (shown === 0) return `0 of ${formatNumber(total)}`;
  return `${formatNumber(offset + 1)}–${formatNumber(offset + shown)} of ${formatNumber(total)}`;
}

/** The API query: range and shared filters (`apiQuery`), then sort, paging and the session filters. */
export function sessionsApiQuery(range: DateRange, shared: Filters, state: SessionListState): Record<string, string | number | boolean> {
  const q: Record<string, string | number | boolean> = { ...apiQuery(range, shared) };
  q.sort = state.sort;
  q.order = state.order;
  q.limit = state.limit;
  q.offset = state.offset;
  for (const k of SESSION_FLAG_KEYS) if (state.filters[k] !== undefined) q[k] = state.filters[k]!;
  for (const k of SESSION_INT_KEYS) if (state.filters[k] !== undefined) q[k] = state.filters[k]!;
  if (state.filters.min_revenue !== undefined) q.min_revenue = state.filters.min_revenue;
  if (state.filters.frustration !== undefined) q.frustration = state.filters.frustration;
  for (const k of SESSION_TEXT_KEYS) if (state.filters[k] !== undefined) q[k] = state.filters[k]!;
  return q;
}

/** Choices of the "Min. duration" filter (ms). */
export const MIN_DURATION_CHOICES: readonly { ms: number; label: string }[] = [
  { ms: 10_000, label: '≥ 10 s' },
  { ms: 30_000, label: '≥ 30 s' },
  { ms: 60_000, label: '≥ 1 min' },
  { ms: 180_000, label: '≥ 3 min' },
  { ms: 600_000, label: '≥ 10 min' },
];
