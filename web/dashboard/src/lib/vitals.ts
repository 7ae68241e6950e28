// Web vitals and issue groups on the errors & performance page: the metrics in display order, their units and
// web-vitals thresholds (for hints: the rating itself comes from the server), values written readably, the
// table of page group × device, and the good / needs-improvement / poor share bar.
import type { VitalStats } from '../api/types';
import { DEVICE_NAMES } from './format';

export const VITAL_NAMES = ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'] as const;
export type VitalName = (typeof VITAL_NAMES)[number];

export interface VitalInfo {
  label: string;
  /** `ms` or unitless (CLS). */
  unit: 'ms' | '';
  /** Upper bounds of "good" and "needs improvement" (web-vitals). */
  good: number;
  poor: number;
}

export const VITAL_INFO: Record<VitalName, VitalInfo> = {
  LCP: { label: 'Largest Contentful Paint', unit: 'ms', good: 2500, poor: 4000 },
  INP: { label: 'Interaction to Next Paint', unit: 'ms', good: 200, poor: 500 },
  CLS: { label: 'Cumulative Layout Shift', unit: '', good: 0.1, poor: 0.25 },
  FCP: { label: 'First Contentful Paint', unit: 'ms', good: 1800, poor: 3000 },
  TTFB: { label: 'Time to First Byte', unit: 'ms', good: 800, poor: 1800 },
};

export function isVitalName(s: string): s is VitalName {
  return (VITAL_NAMES as readonly string[]).includes(s);
}

/** A vital's value: "672 ms", "1.4 s" (from 1 s), "0.04" (CLS). */
export function formatVital(name: string, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const unit = isVitalName(name) ? VITAL_INFO[name].unit : 'ms';
  if (unit === '') return v < 0.005 && v > 0 ? '< 0.01' : v.toFixed(2);
  const ms = Math.round(v);
  if (ms >= 1000) return `${(Math.round(ms / 100) / 10).toFixed(1)} s`;
  return `${ms} ms`;
}

/** "good ≤ 2.5 s · poor > 4.0 s". */
export function vitalThresholds(name: string): string {
  if (!isVitalName(name)) return '';
  const i = VITAL_INFO[name];
  return `good ≤ ${formatVital(name, i.good)} · poor > ${formatVital(name, i.poor)}`;
}

export type Rating = 'good' | 'needs-improvement' | 'poor' | 'unknown';

export function ratingOf(s: string | null | undefined): Rating {
  return s === 'good' || s === 'needs-improvement' || s === 'poor' ? s : 'unknown';
}

export const RATING_LABELS: Record<Rating, string> = {
  good: 'Good',
  'needs-improvement': 'Needs improvement',
  poor: 'Poor',
  unknown: 'Not rated',
};

/**
 * The share bar's segment widths in percent (good, needs improvement, poor), summing to 100 when any
 * share is positive (the server's shares may not add up exactly), all 0 otherwise.
 */
export function ratingShares(v: Pick<VitalStats, 'good' | 'needs_improvement' | 'poor'>): [number, number, number] {
  const parts = [v.good, v.needs_improvement, v.poor].map((x) => (Number.isFinite(x) && x > 0 ? x : 0)) as [number, number, number];
  const sum = parts[0] + parts[1] + parts[2];
  if (sum <= 0) return [0, 0, 0];
  return parts.map((x) => (x / sum) * 100) as [number, number, number];
}

export interface VitalsRow {
  page: string;
  device: string;
  metrics: Partial<Record<string, VitalStats>>;
  /** Samples of the row's best-sampled metric. */
  samples: number;
}

/** One row per page group and device (pages A–Z, devices desktop, mobile, tablet, then others), a cell per metric. */
export function vitalsRows(vitals: readonly VitalStats[]): VitalsRow[] {
  const rows = new Map<string, VitalsRow>();
  for (const v of vitals) {
    const key = `${v.page}\u0000${v.device}`;
    let row = rows.get(key);
    if (!row) {
      row = { page: v.page, device: v.device, metrics: {}, samples: 0 };
      rows.set(key, row);
    }
    row.metrics[v.name] = v;
    row.samples = Math.max(row.samples, v.samples);
  }
  const deviceOrder = (d: string) => {
    const i = DEVICE_NAMES.indexOf(d);
    return i < 0 ? DEVICE_NAMES.length : i;
  };
  return [...rows.values()].sort((a, b) => a.page.localeCompare(b.page) || deviceOrder(a.device) - deviceOrder(b.device) || a.device.localeCompare(b.device));
}

/** How many rows each page group spans (for a page cell over its devices), by the row index it starts at. */
export function pageSpans(rows: readonly Pick<VitalsRow, 'page'>[]): Map<number, number> {
  const spans = new Map<number, number>();
  let start = 0;
  for (let i = 1; i <= rows.length; i++) {
    if (i === rows.length || rows[i]!.page !== rows[start]!.page) {
      spans.set(start, i - start);
      start = i;
    }
  }
  return spans;
}

/** The first `max` items of a list and how many more there are ("/cart +2"). */
export function firstOf<T>(list: readonly T[] | null | undefined, max: number): { shown: T[]; more: number } {
  const l = list ?? [];
  const n = Math.max(0, max);
  return { shown: l.slice(0, n), more: Math.max(0, l.length - n) };
}

/** A failed-request group's statuses (the server's `title`, "500, 503"; 0 = a network failure): "HTTP 500, 503 · network error". */
export function requestStatusText(title: string): string {
  const codes = title
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  if (codes.length === 0) return title;
  const http = codes.filter((c) => c !== '0');
  const parts = [http.length ? `HTTP ${http.join(', ')}` : null, codes.includes('0') ? 'network error' : null];
  return parts.filter(Boolean).join(' · ');
}
