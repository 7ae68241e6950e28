// Date ranges of the dashboard: whole UTC days, `from`/`to` as YYYY-MM-DD, `to` inclusive
// (exactly what the API takes). The range lives in the URL so every view is linkable.

export const DAY_MS = 86_400_000;
/** Longest range the server accepts (3 × 366 days). */
export const MAX_RANGE_DAYS = 3 * 366;

export interface DateRange {
  /** First day, YYYY-MM-DD (UTC). */
  from: string;
  /** Last day, inclusive, YYYY-MM-DD (UTC). */
  to: string;
}

export type PresetId = 'today' | '7d' | '30d' | '90d';

export const PRESETS: readonly { id: PresetId; label: string; days: number }[] = [
  { id: 'today', label: 'Today', days: 1 },
  { id: '7d', label: 'Last 7 days', days: 7 },
  { id: '30d', label: 'Last 30 days', days: 30 },
  { id: '90d', label: 'Last 90 days', days: 90 },
];

export const DEFAULT_PRESET: PresetId = '30d';

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** YYYY-MM-DD of the UTC day containing `ms`. */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Start (ms, UTC) of a YYYY-MM-DD day; null unless it is a real calendar date. */
export function parseIsoDay(s: string | null | undefined): number | null {
  if (!s) return null;
  const m = ISO_DAY.exec(s);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isFinite(ms) && isoDay(ms) === s ? ms : null;
}

/** Start (ms) of the UTC day containing `ms`. */
export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function addDays(day: string, n: number): string {
  const ms = parseIsoDay(day);
  if (ms === null) throw new Error(`not a YYYY-MM-DD date: ${day}`);
  return isoDay(ms + n * DAY_MS);
}

/** The preset's range ending today (UTC). */
export function presetRange(id: PresetId, now: number = Date.now()): DateRange {
  const preset = PRESETS.find((p) => p.id === id) ?? PRESETS[2]!;
  const to = isoDay(now);
  return { from: addDays(to, -(preset.days - 1)), to };
}

/** The preset a range is equal to today, if any. */
export function matchPreset(range: DateRange, now: number = Date.now()): PresetId | null {
  for (const p of PRESETS) {
    const r = presetRange(p.id, now);
    if (r.from === range.from && r.to === range.to) return p.id;
  }
  return null;
}

/** Number of days in the range (both ends counted). */
export function rangeDays(range: DateRange): number {
  const a = parseIsoDay(range.from);
  const b = parseIsoDay(range.to);
  if (a === null || b === null) return 0;
  return Math.round((b - a) / DAY_MS) + 1;
}

/** Start (ms) of every day in the range, in order. */
export function eachDay(range: DateRange): number[] {
  const a = parseIsoDay(range.from);
  const n = rangeDays(range);
  if (a === null || n <= 0) return [];
  return Array.from({ length: n }, (_, i) => a + i * DAY_MS);
}

/** Why a custom range cannot be used, or null when it can. */
export function validateRange(from: string, to: string): string | null {
  const a = parseIsoDay(from);
  const b = parseIsoDay(to);
  if (a === null) return 'Pick a start date.';
  if (b === null) return 'Pick an end date.';
  if (a > b) return 'The start date must not be after the end date.';
  if (rangeDays({ from, to }) > MAX_RANGE_DAYS) return `A range can cover at most ${MAX_RANGE_DAYS} days.`;
  return null;
}

/**
 * The range in `params` (`from`, `to`), repaired where it can be: swapped when reversed, one missing
 * end filled in (a lone `from` runs to today, a lone `to` gets the default length), the default
 * (last 30 days) when neither is a valid date. `explicit` says whether the URL named a range.
 */
export function rangeFromParams(
  params: URLSearchParams,
  now: number = Date.now(),
): { range: DateRange; explicit: boolean } {
  let from = parseIsoDay(params.get('from'));
  let to = parseIsoDay(params.get('to'));
  if (from === null && to === null) return { range: presetRange(DEFAULT_PRESET, now), explicit: false };
  const defaultDays = PRESETS.find((p) => p.id === DEFAULT_PRESET)!.days;
  if (from === null) from = to! - (defaultDays - 1) * DAY_MS;
  if (to === null) to = Math.max(from, startOfDay(now));
  if (from > to) [from, to] = [to, from];
  if ((to - from) / DAY_MS + 1 > MAX_RANGE_DAYS) from = to - (MAX_RANGE_DAYS - 1) * DAY_MS;
  return { range: { from: isoDay(from), to: isoDay(to) }, explicit: true };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Mar 3" (UTC), with the year when `withYear`. */
export function shortDay(ms: number, withYear = false): string {
  const d = new Date(ms);
  const s = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
  return withYear ? `${s}, ${d.getUTCFullYear()}` : s;
}

/** What the date picker shows: the preset's name, or "Mar 3 – Mar 9, 2026". */
export function rangeLabel(range: DateRange, now: number = Date.now()): string {
  const preset = matchPreset(range, now);
  if (preset) return PRESETS.find((p) => p.id === preset)!.label;
  const a = parseIsoDay(range.from)!;
  const b = parseIsoDay(range.to)!;
  if (a === b) return shortDay(a, true);
  const sameYear = range.from.slice(0, 4) === range.to.slice(0, 4);
  return `${shortDay(a, !sameYear)} – ${shortDay(b, true)}`;
}
