import { describe, expect, it } from 'vitest';
import type { VitalStats } from '../src/api/types';
import { firstOf, formatVital, pageSpans, ratingOf, ratingShares, requestStatusText, vitalThresholds, vitalsRows } from '../src/lib/vitals';

const v = (page: string, device: string, name: string, p75: number, samples = 10): VitalStats => ({
  page,
  device,
  name,
  p75,
  samples,
  rating: 'good',
  good: 1,
  needs_improvement: 0,
  poor: 0,
});

describe('vital values', () => {
  it('writes times in ms below a second and in seconds from one, CLS unitless', () => {
    expect(formatVital('LCP', 831)).toBe('831 ms');
    expect(formatVital('LCP', 1445)).toBe('1.4 s');
    expect(formatVital('INP', 999.6)).toBe('1.0 s');
    expect(formatVital('CLS', 0.0391)).toBe('0.04');
    expect(formatVital('CLS', 0)).toBe('0.00');
    expect(formatVital('CLS', 0.001)).toBe('< 0.01');
    expect(formatVital('TTFB', NaN)).toBe('—');
  });
  it('states the web-vitals thresholds', () => {
    expect(vitalThresholds('LCP')).toBe('good ≤ 2.5 s · poor > 4.0 s');
    expect(vitalThresholds('CLS')).toBe('good ≤ 0.10 · poor > 0.25');
    expect(vitalThresholds('XYZ')).toBe('');
  });
  it('knows the three ratings', () => {
    expect(ratingOf('needs-improvement')).toBe('needs-improvement');
    expect(ratingOf('meh')).toBe('unknown');
  });
});

describe('the share bar', () => {
  it('gives segment widths summing to 100', () => {
    expect(ratingShares({ good: 0.5, needs_improvement: 0.25, poor: 0.25 })).toEqual([50, 25, 25]);
    const [g, n, p] = ratingShares({ good: 0.68, needs_improvement: 0.29, poor: 0.028 });
    expect(g + n + p).toBeCloseTo(100);
  });
  it('rescales shares that do not add up, and is empty without any', () => {
    expect(ratingShares({ good: 1, needs_improvement: 1, poor: 0 })).toEqual([50, 50, 0]);
    expect(ratingShares({ good: 0, needs_improvement: -1, poor: NaN })).toEqual([0, 0, 0]);
  });
});

describe('the vitals table', () => {
  const rows = vitalsRows([
    v('/b', 'mobile', 'LCP', 1),
    v('/a', 'tablet', 'LCP', 2),
    v('/a', 'desktop', 'LCP', 3, 40),
    v('/a', 'desktop', 'CLS', 0.1, 41),
    v('/a', 'tv', 'LCP', 4),
  ]);
  it('has a row per page and device: pages A-Z, devices desktop, mobile, tablet, then others', () => {
    expect(rows.map((r) => `${r.page} ${r.device}`)).toEqual(['/a desktop', '/a tablet', '/a tv', '/b mobile']);
    expect(Object.keys(rows[0]!.metrics).sort()).toEqual(['CLS', 'LCP']);
    expect(rows[0]!.samples).toBe(41);
  });
  it('spans each page cell over its devices', () => {
    expect([...pageSpans(rows)]).toEqual([
      [0, 3],
      [3, 1],
    ]);
    expect(pageSpans([]).size).toBe(0);
  });
});

describe('issue groups', () => {
  it('shows the first items and counts the rest', () => {
    expect(firstOf(['a', 'b', 'c'], 2)).toEqual({ shown: ['a', 'b'], more: 1 });
    expect(firstOf(['a'], 2)).toEqual({ shown: ['a'], more: 0 });
    expect(firstOf(null, 2)).toEqual({ shown: [], more: 0 });
  });
  it('writes failed-request statuses, 0 as a network error', () => {
    expect(requestStatusText('500, 503')).toBe('HTTP 500, 503');
    expect(requestStatusText('0')).toBe('network error');
    expect(requestStatusText('404, 0')).toBe('HTTP 404 · network error');
    expect(requestStatusText('')).toBe('');
  });
});
