// Session replay logic without the player: one clock for everything on the replay page (ms from the
// session's first event, the `t` of `/sites/:site/replay/:session?t=`), timeline markers and the event
// list from the session's stored events, the side panel's summary, and the mapping between that clock and
// the rrweb player's (ms from the first recorded rrweb event).
import type { Detection, Moment, ReplayChunk, StoredEvent } from '../api/types';
import { channelLabel, deviceLabel, formatNumber } from './format';
import { frustrationLabel } from './frustration';

/** Kinds of timeline marker, one lane each. `frustration` is the slot for rage/dead-click signals. */
export type MarkerKind = 'page' | 'click' | 'error' | 'custom' | 'frustration';

export interface MarkerLane {
  kind: MarkerKind;
  label: string;
}

/** Lanes in display order. Frustration signals (rage clicks, dead clicks…) get their own lane when computed. */
export const MARKER_LANES: readonly MarkerLane[] = [
  { kind: 'page', label: 'Pages' },
  { kind: 'click', label: 'Clicks' },
  { kind: 'error', label: 'Errors' },
  { kind: 'custom', label: 'Events' },
  { kind: 'frustration', label: 'Frustration' },
];

export interface TimelineMarker {
  kind: MarkerKind;
  /** ms from the session start. */
  t: number;
  /** Short text (tooltip, list). */
  label: string;
  /** Index of the source event in the session's event array (-1 for a frustration signal). */
  index: number;
  /** The pageview it happened on, when not the source event's (frustration signals). */
  pageview?: string;
}

/** One row of the event list beside the player. */
export interface EventRow {
  /** ms from the session start. */
  t: number;
  type: string;
  /** What happened, in a few words: the page, the clicked element, the error message… */
  text: string;
  /** More detail (a tooltip): full selector, click text… */
  detail?: string;
  kind: MarkerKind | 'other';
  index: number;
}

/** A frustration signal from a future detector: placed on its own lane and listed with the events. */
export interface FrustrationSignal {
  /** ms since epoch, like stored events. */
  ts: number;
  label: string;
  pageview?: string;
}

/** The analysis pass's detections as timeline signals: "Rage click on #buy". */
export function detectionSignals(detections: readonly Pick<Detection, 'kind' | 'ts' | 'element' | 'pageview'>[]): FrustrationSignal[] {
  return detections
    .filter((d) => Number.isFinite(d.ts))
    .map((d) => ({ ts: d.ts, label: `${frustrationLabel(d.kind)}${d.element ? ` on ${d.element}` : ''}`, pageview: d.pageview || undefined }));
}

/** ms since epoch of the session's first event (events come in time order, but do not rely on it). */
export function sessionStartTs(events: readonly StoredEvent[]): number | null {
  let min: number | null = null;
  for (const e of events) if (min === null || e.ts < min) min = e.ts;
  return min;
}

export function sessionEndTs(events: readonly StoredEvent[]): number | null {
  let max: number | null = null;
  for (const e of events) if (max === null || e.ts > max) max = e.ts;
  return max;
}

function clickLabel(e: StoredEvent): string {
  const text = e.text?.trim();
  return text ? `“${text.length > 40 ? `${text.slice(0, 39)}…` : text}”` : (e.selector ?? e.tag ?? 'element');
}

/** Timeline markers: pageviews, clicks, errors, custom events (and frustration signals when given), by time. */
export function timelineMarkers(
  events: readonly StoredEvent[],
  start: number,
  frustration: readonly FrustrationSignal[] = [],
): TimelineMarker[] {
  const out: TimelineMarker[] = [];
  events.forEach((e, index) => {
    const t = Math.max(0, e.ts - start);
    switch (e.type) {
      case 'pageview':
        out.push({ kind: 'page', t, label: e.path ?? 'page', index });
        break;
      case 'click':
        out.push({ kind: 'click', t, label: `Click ${clickLabel(e)}`, index });
        break;
      case 'error':
        out.push({ kind: 'error', t, label: `Error: ${e.name ?? 'unknown'}`, index });
        break;
      case 'custom':
        out.push({ kind: 'custom', t, label: e.name ?? 'custom event', index });
        break;
    }
  });
  frustration.forEach((f) =>
    out.push({ kind: 'frustration', t: Math.max(0, f.ts - start), label: f.label, index: -1, ...(f.pageview ? { pageview: f.pageview } : {}) }),
  );
  return out.sort((a, b) => a.t - b.t || a.index - b.index);
}

/** Marker position on a timeline of `duration` ms, in percent (0..100). */
export function markerPercent(t: number, duration: number): number {
  if (!(duration > 0)) return 0;
  return Math.min(100, Math.max(0, (t / duration) * 100));
}

function money(v: number): string {
  return v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** The event list: what a viewer scans for (pages, clicks, errors, custom events, forms, failed requests). */
export function eventRows(events: readonly StoredEvent[], start: number): EventRow[] {
  const rows: EventRow[] = [];
  events.forEach((e, index) => {
    const t = Math.max(0, e.ts - start);
    switch (e.type) {
      case 'pageview':
        rows.push({ t, type: 'Page', text: e.path ?? '(unknown page)', detail: e.name ?? undefined, kind: 'page', index });
        break;
      case 'click': {
        const changed = e.changed === false ? ' (nothing happened)' : '';
        const label = clickLabel(e);
        rows.push({ t, type: 'Click', text: `${label}${changed}`, detail: e.selector && e.selector !== label ? e.selector : undefined, kind: 'click', index });
        break;
      }
      case 'error':
        rows.push({ t, type: 'Error', text: e.name ?? 'unknown error', detail: e.selector ?? undefined, kind: 'error', index });
        break;
      case 'custom': {
        const rev = typeof e.revenue === 'number' && e.revenue > 0 ? ` · ${money(e.revenue)}${e.text ? ` ${e.text}` : ''}` : '';
        rows.push({ t, type: 'Event', text: `${e.name ?? 'custom'}${rev}`, kind: 'custom', index });
        break;
      }
      case 'input':
        // focus/blur/change are noise in a list; a submitted or abandoned form is worth a row
        if (e.name === 'submit' || e.name === 'abandon') {
          rows.push({ t, type: 'Form', text: `${e.name === 'submit' ? 'Submitted' : 'Abandoned at'} ${e.selector ?? 'form'}`, kind: 'other', index });
        }
        break;
      case 'request': {
        const status = typeof e.value === 'number' ? e.value : null;
        if (status !== null && (status === 0 || status >= 400)) {
          const what = [e.tag, e.name].filter(Boolean).join(' ');
          rows.push({ t, type: 'Request', text: `${status === 0 ? 'network error' : status} ${what}`.trim(), kind: 'other', index });
        }
        break;
      }
      case 'identify':
        rows.push({ t, type: 'Identify', text: e.user_id ?? e.name ?? 'user', kind: 'other', index });
        break;
    }
  });
  return rows.sort((a, b) => a.t - b.t || a.index - b.index);
}

/** Index of the row current at time `t`: the last one at or before it; -1 before the first. */
export function currentRowIndex(rows: readonly { t: number }[], t: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.t <= t) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** A player clock: whole seconds, floored: 0 -> "0:00", 65_999 -> "1:05", 3_723_000 -> "1:02:03". */
export function formatClock(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–:––';
  const total = Math.floor(Math.max(0, ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** `?t=` of a replay link: whole ms ≥ 0, else null (ignored). */
export function parseTimeParam(raw: string | null | undefined): number | null {
  if (!raw || !/^\d{1,12}$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

/** `?at=` of a replay link: a moment as ms since the epoch (what the API's timestamps are), else null. */
export function parseAtParam(raw: string | null | undefined): number | null {
  if (!raw || !/^\d{1,15}$/.test(raw.trim())) return null;
  const n = Number(raw.trim());
  return Number.isSafeInteger(n) ? n : null;
}

/** Where the replay opens on the session clock: `t` when given, else `at` (epoch ms) from the session start. */
export function resolveStartAt(t: number | null, at: number | null, sessionStart: number): number | null {
  if (t !== null) return t;
  if (at === null || !Number.isFinite(sessionStart)) return null;
  return Math.max(0, at - sessionStart);
}

/** The pageview a moment (epoch ms) falls in: the last pageview at or before it, else the first one. */
export function pageviewAt(events: readonly Pick<StoredEvent, 'type' | 'pageview' | 'ts'>[], ts: number): string | undefined {
  let best: { ts: number; pageview: string } | undefined;
  let first: { ts: number; pageview: string } | undefined;
  for (const e of events) {
    if (e.type !== 'pageview') continue;
    if (!first || e.ts < first.ts) first = e;
    if (e.ts <= ts && (!best || e.ts >= best.ts)) best = e;
  }
  return (best ?? first)?.pageview;
}

/** One moment of the session summary, on the replay clock. */
export interface MomentRow {
  /** ms from the session start. */
  t: number;
  kind: string;
  text: string;
  /** The pageview it falls in (seeks land on that page's recording). */
  pageview?: string;
  index: number;
}

/** The summary's moments on the session clock (by their `ts`, which the events share), in time order. */
export function momentRows(moments: readonly Moment[], events: readonly Pick<StoredEvent, 'type' | 'pageview' | 'ts'>[], start: number): MomentRow[] {
  return moments
    .map((m, index) => ({ t: Math.max(0, m.ts - start), kind: m.kind, text: m.text, pageview: pageviewAt(events, m.ts), index }))
    .sort((a, b) => a.t - b.t || a.index - b.index);
}

/** A moment's kind as a word: pages, conversions and errors, else the detection kind's label. */
export function momentKindLabel(kind: string): string {
  if (kind === 'page') return 'Page';
  if (kind === 'conversion') return 'Conversion';
  if (kind === 'error') return 'Error';
  return frustrationLabel(kind);
}

export interface SessionInfo {
  start: number;
  end: number;
  durationMs: number;
  device: string;
  browser: string;
  os: string;
  channel: string | null;
  entryPage: string | null;
  exitPage: string | null;
  pages: number;
  clicks: number;
  errors: number;
  revenue: number;
  conversions: number;
}

/** The side panel's facts, from the session's events (the first event carries device, browser, OS, channel). */
export function sessionInfo(events: readonly StoredEvent[]): SessionInfo | null {
  const start = sessionStartTs(events);
  const end = sessionEndTs(events);
  if (start === null || end === null) return null;
  const ordered = [...events].sort((a, b) => a.ts - b.ts);
  const first = ordered[0]!;
  const pageviews = ordered.filter((e) => e.type === 'pageview');
  const customs = ordered.filter((e) => e.type === 'custom');
  const revenue = customs.reduce((s, e) => s + (typeof e.revenue === 'number' ? e.revenue : 0), 0);
  return {
    start,
    end,
    durationMs: end - start,
    device: first.device,
    browser: first.browser,
    os: first.os,
    channel: ordered.find((e) => e.channel)?.channel ?? null,
    entryPage: pageviews[0]?.path ?? null,
    exitPage: pageviews[pageviews.length - 1]?.path ?? null,
    pages: pageviews.length,
    clicks: ordered.filter((e) => e.type === 'click').length,
    errors: ordered.filter((e) => e.type === 'error').length,
    revenue,
    conversions: customs.filter((e) => typeof e.revenue === 'number' && e.revenue > 0).length,
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${formatNumber(n)} ${n === 1 ? one : many}`;

/** "Desktop · Chrome on Linux · 3 pages, 12 clicks, 1 error · converted (59.90)". */
export function summaryLine(info: SessionInfo): string {
  const parts = [
    deviceLabel(info.device),
    `${info.browser || 'Unknown browser'}${info.os ? ` on ${info.os}` : ''}`,
    [plural(info.pages, 'page'), plural(info.clicks, 'click'), plural(info.errors, 'error')].join(', '),
  ];
  if (info.channel) parts.splice(2, 0, channelLabel(info.channel));
  if (info.revenue > 0) parts.push(`converted (${money(info.revenue)})`);
  return parts.join(' · ');
}

/**
 * How far (ms) to shift rrweb timestamps onto the events' clock. Stored events are corrected by the server
 * for a client clock that is off (by more than 5 s); the rrweb events inside replay chunks are not. The
 * recorder starts right after its pageview, so chunk 0 of a pageview begins at about that pageview's time:
 * when they are further apart than `tolerance`, the difference is the client's clock error.
 */
export function replayClockShift(
  chunks: readonly Pick<ReplayChunk, 'pageview' | 'chunk' | 'first_ts'>[],
  events: readonly Pick<StoredEvent, 'type' | 'pageview' | 'ts'>[],
  tolerance = 60_000,
): number {
  for (const c of chunks) {
    if (c.chunk !== 0) continue;
    const pv = events.find((e) => e.type === 'pageview' && e.pageview === c.pageview);
    if (!pv) continue;
    const d = pv.ts - c.first_ts;
    return Math.abs(d) > tolerance ? d : 0;
  }
  return 0;
}

/**
 * The replay page's clock: `offset` = where the recording starts on the session clock (ms after the session
 * start; negative if it starts first), `duration` = the session clock's length (the later of the last event
 * and the recording's end).
 */
export interface ReplayClock {
  offset: number;
  duration: number;
}

export function replayClock(sessionStart: number, sessionEnd: number, replayStart: number, replayEnd: number, shift = 0): ReplayClock {
  const offset = replayStart + shift - sessionStart;
  const duration = Math.max(sessionEnd - sessionStart, replayEnd + shift - sessionStart, 0);
  return { offset, duration };
}

/** Session clock -> player clock (ms from the first rrweb event), clamped to the recording. */
export function toPlayerTime(clock: ReplayClock, sessionT: number, playerTotal: number): number {
  return Math.min(Math.max(0, sessionT - clock.offset), Math.max(0, playerTotal));
}

/** Player clock -> session clock. */
export function toSessionTime(clock: ReplayClock, playerT: number): number {
  return playerT + clock.offset;
}

/**
 * Where each pageview can first be shown on the session clock: just after the first full snapshot (rrweb
 * type 2) inside that pageview's chunks, else its first chunk's start. The recorder starts a little after
 * its pageview (once the add-on has loaded), and the player draws events strictly before the time it is
 * given, so seeking to a pageview's own time would still show the previous page: seeks to an event go to
 * at least this.
 */
export function pageviewRecordingStarts(
  chunks: readonly Pick<ReplayChunk, 'pageview' | 'first_ts' | 'last_ts'>[],
  snapshots: readonly number[],
  sessionStart: number,
  shift = 0,
): Map<string, number> {
  const ranges = new Map<string, [number, number]>();
  for (const c of chunks) {
    const r = ranges.get(c.pageview);
    ranges.set(c.pageview, r ? [Math.min(r[0], c.first_ts), Math.max(r[1], c.last_ts)] : [c.first_ts, c.last_ts]);
  }
  const out = new Map<string, number>();
  for (const [pv, [first, last]] of ranges) {
    const snap = snapshots.filter((s) => s >= first && s <= last).sort((a, b) => a - b)[0];
    out.set(pv, (snap !== undefined ? snap + 1 : first) + shift - sessionStart);
  }
  return out;
}

/** The moment to show for an event at `t` of `pageview`: not before that pageview can be shown. */
export function eventSeekTime(t: number, pageview: string | undefined, starts: ReadonlyMap<string, number>): number {
  const s = pageview === undefined ? undefined : starts.get(pageview);
  return s !== undefined && s > t ? s : t;
}
