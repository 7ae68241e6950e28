// Segments: one expression language for every view (`segment=` in the URL, sent with the other filters by
// `apiQuery`), and a second segment B to compare with (`segment_b=`, carried across pages but never sent as a
// filter: a compared view makes one request per segment).
import { MAX_SEGMENT_LEN, type Filters } from './filters';

export const COMPARE_PARAM = 'segment_b';

/** A segment expression as kept in the URL: trimmed; null when empty or too long. */
export function normalizeSegment(raw: string | null | undefined): string | null {
  const v = (raw ?? '').trim();
  return v === '' || v.length > MAX_SEGMENT_LEN ? null : v;
}

/** The compared segment B of a query string, if any. */
export function parseCompare(search: string | URLSearchParams): string | null {
  const p = typeof search === 'string' ? new URLSearchParams(search) : search;
  return normalizeSegment(p.get(COMPARE_PARAM));
}

/** The query string with segment B set (or removed, for null); the other parameters kept in order. */
export function withCompare(search: string, expression: string | null): string {
  const p = new URLSearchParams(search);
  const v = normalizeSegment(expression);
  if (v === null) p.delete(COMPARE_PARAM);
  else p.set(COMPARE_PARAM, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

export type SegmentSide = 'a' | 'b';

/** One side of a comparison: its label and the filters its requests send (B swaps in its segment). */
export interface ComparedSegment {
  side: SegmentSide;
  label: string;
  expression: string | null;
  filters: Filters;
}

/**
 * The views to draw: just A (the filters as they are) without a segment B, else A and B — both with the
 * shared filters, A with its segment (or none: "All sessions"), B with `compare` as its segment.
 */
export function comparedSegments(filters: Filters, compare: string | null): ComparedSegment[] {
  const a: ComparedSegment = { side: 'a', label: segmentTitle('a', filters.segment ?? null, compare !== null), expression: filters.segment ?? null, filters };
  if (compare === null) return [a];
  const { segment: _a, ...shared } = filters;
  return [a, { side: 'b', label: segmentTitle('b', compare, true), expression: compare, filters: { ...shared, segment: compare } }];
}

/** "A · device = "mobile"", "A · All sessions", or just the expression / "All sessions" without a comparison. */
export function segmentTitle(side: SegmentSide, expression: string | null, comparing: boolean): string {
  const body = expression ?? 'All sessions';
  return comparing ? `${side.toUpperCase()} · ${body}` : body;
}

/** Colours of the two sides in every compared chart. */
export const SEGMENT_COLORS: Record<SegmentSide, string> = { a: '#4f46e5', b: '#f59e0b' };

/** A few expressions the editor offers as examples. */
export const SEGMENT_EXAMPLES: readonly string[] = [
  'device = "mobile" AND NOT visited("/cart")',
  'visitor = "new"',
  'converted AND revenue > 50',
  'clicked("#buy") >= 3',
  'duration >= 30s AND pages >= 3',
];

/** A string literal of the segment language (double quotes; backslash and quote escaped). */
export function segmentString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const FILTER_FIELDS: Partial<Record<keyof Filters, string>> = {
  device: 'device',
  browser: 'browser',
  os: 'os',
  channel: 'channel',
  utm_source: 'utm_source',
  utm_medium: 'utm_medium',
  utm_campaign: 'utm_campaign',
  entry_page: 'entry_page',
  visitor_type: 'visitor',
};

/**
 * The shared filters and the segment as one segment expression, for the endpoints that take a JSON body
 * (funnels): `(segment) AND device = "mobile" AND visited("/pricing")`. Null without any.
 */
export function filtersAsSegment(filters: Filters): string | null {
  const parts: string[] = [];
  if (filters.segment) parts.push(`(${filters.segment})`);
  for (const [key, field] of Object.entries(FILTER_FIELDS) as [keyof Filters, string][]) {
    const v = filters[key];
    if (v !== undefined) parts.push(`${field} = ${segmentString(v)}`);
  }
  if (filters.page !== undefined) parts.push(`visited(${segmentString(filters.page)})`);
  return parts.length ? parts.join(' AND ') : null;
}
