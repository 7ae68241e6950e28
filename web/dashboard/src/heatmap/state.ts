// The heatmap page's URL state and links. The page (path or group) and the left panel's device are the
// shared `page` and `device` filters, so a heatmap link and its API query are the same thing; the page's
// own parameters are `kind`, `metric`, `compare` and the right panel's `b_device`, `b_from`, `b_to`.
import type { HeatmapKind } from '../api/types';
import { addDays, parseIsoDay, rangeDays, type DateRange } from '../lib/dates';
import type { Filters } from '../lib/filters';

export const VIEW_KINDS = ['click', 'move', 'scroll', 'attention', 'zones'] as const;
export type ViewKind = (typeof VIEW_KINDS)[number];

export const VIEW_LABELS: Record<ViewKind, string> = {
  click: 'Clicks',
  move: 'Moves',
  scroll: 'Scroll reach',
  attention: 'Attention',
  zones: 'Zones',
};

export const DEVICE_CLASSES = ['desktop', 'tablet', 'mobile'] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number];

/** What one panel shows: a device class over a date range. */
export interface PanelSpec {
  device: DeviceClass;
  range: DateRange;
}

export interface HeatmapView {
  kind: ViewKind;
  metric: string | undefined;
  compare: boolean;
  left: PanelSpec;
  right: PanelSpec;
}

const OWN_KEYS = ['kind', 'metric', 'compare', 'b_device', 'b_from', 'b_to'] as const;

function isDevice(v: string | null | undefined): v is DeviceClass {
  return (DEVICE_CLASSES as readonly string[]).includes(v ?? '');
}

function isKind(v: string | null): v is ViewKind {
  return (VIEW_KINDS as readonly string[]).includes(v ?? '');
}

/** The view in a query string; the shared range and filters come in already parsed. */
export function parseHeatmapView(search: string, range: DateRange, filters: Filters): HeatmapView {
  const p = new URLSearchParams(search);
  const kind = p.get('kind');
  const leftDevice: DeviceClass = isDevice(filters.device) ? filters.device : 'desktop';
  const bFrom = p.get('b_from');
  const bTo = p.get('b_to');
  const rightRange = bFrom && bTo && parseIsoDay(bFrom) !== null && parseIsoDay(bTo) !== null && bFrom <= bTo ? { from: bFrom, to: bTo } : range;
  const bDevice = p.get('b_device');
  return {
    kind: isKind(kind) ? kind : 'click',
    metric: p.get('metric') || undefined,
    compare: p.get('compare') === '1',
    left: { device: leftDevice, range },
    right: { device: isDevice(bDevice) ? bDevice : leftDevice === 'mobile' ? 'desktop' : 'mobile', range: rightRange },
  };
}

/** The query string with the page's own parameters replaced (`undefined` removes one); the rest kept. */
export function withHeatmapParams(search: string, own: Partial<Record<(typeof OWN_KEYS)[number], string | undefined>>): string {
  const p = new URLSearchParams(search);
  for (const [k, v] of Object.entries(own)) {
    if (v === undefined || v === '') p.delete(k);
    else p.set(k, v);
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The period of the same length just before `range` (for "before vs after"). */
export function previousPeriod(range: DateRange): DateRange {
  const days = Math.max(1, rangeDays(range));
  const to = addDays(range.from, -1);
  return { from: addDays(to, -(days - 1)), to };
}

/** The heatmap API's `kind` for a view (zones draw on the click map's page; they need no heatmap). */
export function apiKind(kind: ViewKind): HeatmapKind | null {
  return kind === 'zones' ? null : kind;
}

/** Filters the heatmap endpoints take besides `page` and `device`; others are not applied there. */
export const HEATMAP_FILTERS = ['browser', 'channel', 'segment'] as const;

/** The query of …/heatmap, …/zones, …/heatmap/snapshot and …/heatmap/sessions for one panel. */
export function panelQuery(page: string, spec: PanelSpec, filters: Filters): Record<string, string> {
  const q: Record<string, string> = { page, from: spec.range.from, to: spec.range.to, device: spec.device };
  for (const k of HEATMAP_FILTERS) {
    const v = filters[k];
    if (v) q[k] = v;
  }
  return q;
}

/** Shared filters set in the URL that the heatmap endpoints do not take (shown as a note). */
export function ignoredFilters(filters: Filters): string[] {
  return Object.keys(filters).filter((k) => k !== 'page' && k !== 'device' && !(HEATMAP_FILTERS as readonly string[]).includes(k));
}

/** The replay of a session opened at a moment (ms since the epoch). */
export function replayAtPath(site: string, session: string, at: number): string {
  return `/sites/${encodeURIComponent(site)}/replay/${encodeURIComponent(session)}?at=${Math.round(at)}`;
}

/** Page choices: the site's page groups, then the most viewed pages, without duplicates. */
export function pageChoices(groups: readonly string[] | null | undefined, topPages: readonly { name: string }[] | null | undefined, current?: string): string[] {
  const out: string[] = [];
  for (const p of [...(current ? [current] : []), ...(groups ?? []), ...(topPages ?? []).map((t) => t.name)]) {
    if (p && !out.includes(p)) out.push(p);
  }
  return out;
}
