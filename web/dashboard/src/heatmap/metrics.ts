// The zone metrics: which ones colour the zone layer, how every one is labelled and formatted in the
// tooltip and the table. Rates are 0..1 (null: no denominator), times ms, money in the site's currency.
import type { ZoneStats } from '../api/types';
import { formatNumber, formatPercent } from '../lib/format';
import { formatMoney } from '../lib/problems';

export type MetricFormat = 'rate' | 'ms' | 'money' | 'count' | 'ratio';

export interface ZoneMetric {
  id: string;
  label: string;
  format: MetricFormat;
  hint: string;
  value: (z: ZoneStats) => number | null;
}

const num = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

/** Every metric, in the tooltip's order; `COLOUR_METRICS` are the ones offered to colour zones by. */
export const ZONE_METRICS: readonly ZoneMetric[] = [
  { id: 'click_rate', label: 'Click rate', format: 'rate', hint: 'Pageviews with a click on it / pageviews', value: (z) => num(z.click_rate) },
  { id: 'clicks', label: 'Clicks', format: 'count', hint: 'All clicks and taps on it', value: (z) => z.clicks },
  { id: 'exposure_rate', label: 'Exposure rate', format: 'rate', hint: 'Pageviews on which it was in view ≥ 150 ms / pageviews', value: (z) => num(z.exposure_rate) },
  { id: 'exposure_time_ms', label: 'Time in view', format: 'ms', hint: 'Mean time in view per exposed pageview', value: (z) => num(z.exposure_time_ms) },
  { id: 'attractiveness_rate', label: 'Attractiveness', format: 'rate', hint: 'Pageviews exposed and clicked / pageviews exposed', value: (z) => num(z.attractiveness_rate) },
  { id: 'hover_rate', label: 'Hover rate', format: 'rate', hint: 'Pageviews with a hover on it / pageviews', value: (z) => num(z.hover_rate) },
  { id: 'hover_time_ms', label: 'Hover time', format: 'ms', hint: 'Mean time hovered per hovering pageview', value: (z) => num(z.hover_time_ms) },
  { id: 'engagement_rate', label: 'Engagement rate', format: 'rate', hint: 'Pageviews with a click or a hover on it / pageviews', value: (z) => num(z.engagement_rate) },
  { id: 'clicks_per_clicking_pageview', label: 'Clicks per clicking pageview', format: 'ratio', hint: 'Clicks / pageviews with a click', value: (z) => num(z.clicks_per_clicking_pageview) },
  { id: 'time_before_first_click', label: 'Time before first click (median)', format: 'ms', hint: 'From the pageview’s start to its first click on it', value: (z) => num(z.time_before_first_click_ms.median) },
  { id: 'hesitation', label: 'Hesitation (median)', format: 'ms', hint: 'First click − start of the last hover on it before', value: (z) => num(z.hesitation_ms.median) },
  { id: 'rage_clicks', label: 'Rage clicks', format: 'count', hint: 'Rage-click detections on it', value: (z) => z.rage_clicks },
  { id: 'dead_clicks', label: 'Dead clicks', format: 'count', hint: 'Clicks on it that changed nothing', value: (z) => z.dead_clicks },
  { id: 'error_clicks', label: 'Error clicks', format: 'count', hint: 'Clicks on it followed by an error', value: (z) => z.error_clicks },
  { id: 'conversion_rate_clicked', label: 'Conversion (clicked)', format: 'rate', hint: 'Sessions that clicked it and converted / sessions that clicked it', value: (z) => num(z.conversion_rate_clicked) },
  { id: 'conversion_rate_exposed_not_clicked', label: 'Conversion (seen, not clicked)', format: 'rate', hint: 'Sessions that saw it, never clicked it and converted / such sessions', value: (z) => num(z.conversion_rate_exposed_not_clicked) },
  { id: 'revenue_clicked', label: 'Revenue (clicked)', format: 'money', hint: 'Revenue of the sessions that clicked it', value: (z) => z.revenue_clicked },
  { id: 'revenue_per_click', label: 'Revenue per click', format: 'money', hint: 'Revenue of the sessions that clicked / clicks', value: (z) => num(z.revenue_per_click) },
];

export const COLOUR_METRIC_IDS = [
  'click_rate',
  'exposure_rate',
  'attractiveness_rate',
  'engagement_rate',
  'hesitation',
  'time_before_first_click',
  'conversion_rate_clicked',
  'revenue_clicked',
  'rage_clicks',
  'dead_clicks',
  'error_clicks',
] as const;

export const DEFAULT_METRIC = 'click_rate';

/** The table's columns (besides the selector). */
export const TABLE_METRIC_IDS = ['clicks', 'click_rate', 'exposure_rate', 'attractiveness_rate', 'hesitation', 'rage_clicks', 'dead_clicks', 'conversion_rate_clicked', 'revenue_clicked'] as const;

export function zoneMetric(id: string | null | undefined): ZoneMetric {
  return ZONE_METRICS.find((m) => m.id === id) ?? ZONE_METRICS[0]!;
}

/** Milliseconds for people: 340 -> "340 ms", 1_250 -> "1.3 s", 75_000 -> "1 min 15 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) {
    const s = Math.round(ms / 100) / 10;
    return `${s >= 10 ? Math.round(s) : s} s`;
  }
  const total = Math.round(ms / 1000);
  const m = Math.floor(total / 60);
  const s = total % 60;
  return s ? `${m} min ${s} s` : `${m} min`;
}

export function formatMetric(format: MetricFormat, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  switch (format) {
    case 'rate':
      return formatPercent(v);
    case 'ms':
      return formatMs(v);
    case 'money':
      return formatMoney(v);
    case 'ratio':
      return (Math.round(v * 10) / 10).toString();
    case 'count':
      return formatNumber(v);
  }
}

/** A metric's formatted value for one zone. */
export function formatZoneMetric(m: ZoneMetric, z: ZoneStats): string {
  return formatMetric(m.format, m.value(z));
}

/** Sorts zones by a metric (nulls last in either direction), then by selector for a stable order. */
export function sortZones(zones: readonly ZoneStats[], metricId: string, order: 'asc' | 'desc'): ZoneStats[] {
  const m = metricId === 'selector' ? null : zoneMetric(metricId);
  return [...zones].sort((a, b) => {
    if (!m) return order === 'asc' ? a.selector.localeCompare(b.selector) : b.selector.localeCompare(a.selector);
    const va = m.value(a);
    const vb = m.value(b);
    if (va === null && vb === null) return a.selector.localeCompare(b.selector);
    if (va === null) return 1;
    if (vb === null) return -1;
    return (order === 'asc' ? va - vb : vb - va) || a.selector.localeCompare(b.selector);
  });
}
