// The shared filter state: one set of filters for every view, kept in the URL query string under the
// API's own parameter names (so `?device=mobile&channel=email` is both the link and the API query).
import type { DateRange } from './dates';
import { CHANNEL_NAMES, DEVICE_NAMES, channelLabel, deviceLabel, visitorTypeLabel } from './format';

export const FILTER_KEYS = [
  'device',
  'browser',
  'os',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'page',
  'entry_page',
  'visitor_type',
  // the segment expression (lib/segments.ts): sent to every analytical endpoint like the other filters,
  // edited by its own control rather than a chip
  'segment',
] as const;

export type FilterKey = (typeof FILTER_KEYS)[number];
export type Filters = Partial<Record<FilterKey, string>>;

/** Which overview breakdown offers values for a filter. */
export type SuggestionSource = 'devices' | 'browsers' | 'channels' | 'top_pages' | 'entry_pages';

export interface FilterDef {
  key: FilterKey;
  label: string;
  /** Fixed choices (value -> label), when the set is closed. */
  options?: readonly string[];
  suggestFrom?: SuggestionSource;
  placeholder?: string;
  valueLabel?: (value: string) => string;
}

export const FILTER_DEFS: readonly FilterDef[] = [
  { key: 'page', label: 'Page', suggestFrom: 'top_pages', placeholder: '/pricing' },
  { key: 'entry_page', label: 'Entry page', suggestFrom: 'entry_pages', placeholder: '/' },
  { key: 'channel', label: 'Channel', options: CHANNEL_NAMES, suggestFrom: 'channels', valueLabel: channelLabel },
  { key: 'device', label: 'Device', options: DEVICE_NAMES, suggestFrom: 'devices', valueLabel: deviceLabel },
  { key: 'browser', label: 'Browser', suggestFrom: 'browsers', placeholder: 'Chrome' },
  { key: 'os', label: 'OS', placeholder: 'Windows' },
  { key: 'utm_source', label: 'UTM source', placeholder: 'newsletter' },
  { key: 'utm_medium', label: 'UTM medium', placeholder: 'email' },
  { key: 'utm_campaign', label: 'UTM campaign', placeholder: 'spring_sale' },
  { key: 'visitor_type', label: 'Visitor type', options: ['new', 'returning'], valueLabel: visitorTypeLabel },
];

export function filterDef(key: FilterKey): FilterDef {
  return FILTER_DEFS.find((d) => d.key === key)!;
}

export function filterValueLabel(key: FilterKey, value: string): string {
  return filterDef(key).valueLabel?.(value) ?? value;
}

/** The server refuses longer filter values. */
export const MAX_FILTER_VALUE_LEN = 512;
/** Segment expressions may be longer than a filter value. */
export const MAX_SEGMENT_LEN = 4000;

function isFilterKey(k: string): k is FilterKey {
  return (FILTER_KEYS as readonly string[]).includes(k);
}

/** Cleans one value: trimmed; null when empty, too long, or not one of a closed set's values. */
export function normalizeFilterValue(key: FilterKey, raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const v = raw.trim();
  if (v === '' || v.length > (key === 'segment' ? MAX_SEGMENT_LEN : MAX_FILTER_VALUE_LEN)) return null;
  if (key === 'visitor_type' && v !== 'new' && v !== 'returning') return null;
  return v;
}

/** The filters named in a query string (unknown keys and unusable values are ignored). */
export function parseFilters(params: URLSearchParams | string): Filters {
  const p = typeof params === 'string' ? new URLSearchParams(params) : params;
  const out: Filters = {};
  for (const key of FILTER_KEYS) {
    const v = normalizeFilterValue(key, p.get(key));
    if (v !== null) out[key] = v;
  }
  return out;
}

export function filterCount(filters: Filters): number {
  return FILTER_KEYS.filter((k) => filters[k] !== undefined).length;
}

/** Filters as [key, value] pairs in display order. */
export function filterEntries(filters: Filters): [FilterKey, string][] {
  return FILTER_KEYS.filter((k) => filters[k] !== undefined).map((k) => [k, filters[k]!]);
}

/** The filters shown as "key is value" chips: all but the segment (which has its own editor). */
export function chipEntries(filters: Filters): [FilterKey, string][] {
  return filterEntries(filters).filter(([k]) => k !== 'segment');
}

/**
 * A canonical query string: the other parameters first (as they were), then `from`, `to`, then the
 * filters in a fixed order. Parameters named in `state` replace those in `base`; `null` removes.
 * A changed range or filter set also drops `offset` (a paged list starts again at its first page).
 */
export function buildSearch(
  base: URLSearchParams | string,
  state: { range?: DateRange | null; filters?: Filters },
): string {
  const src = typeof base === 'string' ? new URLSearchParams(base) : base;
  const out = new URLSearchParams();
  const changes = state.range !== undefined || state.filters !== undefined;
  for (const [k, v] of src) {
    if (k === 'from' || k === 'to' || isFilterKey(k)) continue;
    if (k === 'offset' && changes) continue;
    out.append(k, v);
  }
  const range = state.range === undefined ? { from: src.get('from'), to: src.get('to') } : state.range;
  if (range?.from) out.set('from', range.from);
  if (range?.to) out.set('to', range.to);
  const filters = state.filters ?? parseFilters(src);
  for (const [k, v] of filterEntries(filters)) out.set(k, v);
  const s = out.toString();
  return s ? `?${s}` : '';
}

/** The query string with one filter set (or removed, for a null value). */
export function withFilter(search: string, key: FilterKey, value: string | null): string {
  const filters = { ...parseFilters(search) };
  const v = normalizeFilterValue(key, value);
  if (v === null) delete filters[key];
  else filters[key] = v;
  return buildSearch(search, { filters });
}

/** The query string without any filter (the range and other parameters kept). */
export function withoutFilters(search: string): string {
  return buildSearch(search, { filters: {} });
}

/** The API query for a range and filters: `from`, `to` (YYYY-MM-DD) and one parameter per filter. */
export function apiQuery(range: DateRange, filters: Filters): Record<string, string> {
  const q: Record<string, string> = { from: range.from, to: range.to };
  for (const [k, v] of filterEntries(filters)) q[k] = v;
  return q;
}
