import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  MAX_RANGE_DAYS,
  addDays,
  eachDay,
  isoDay,
  matchPreset,
  parseIsoDay,
  presetRange,
  rangeDays,
  rangeFromParams,
  rangeLabel,
  validateRange,
} from '../src/lib/dates';

// 2026-03-15 13:45 UTC
const NOW = Date.UTC(2026, 2, 15, 13, 45);

describe('parseIsoDay / isoDay', () => {
  it('round-trips real dates as UTC midnight', () => {
    expect(parseIsoDay('2026-03-15')).toBe(Date.UTC(2026, 2, 15));
    expect(isoDay(Date.UTC(2026, 2, 15, 23, 59))).toBe('2026-03-15');
    expect(parseIsoDay('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
  });
  it('rejects malformed and impossible dates', () => {
    for (const bad of ['', '2026-3-15', '2026-02-30', '2025-02-29', '2026-13-01', '15.03.2026', '1742000000000', 'today', null, undefined]) {
      expect(parseIsoDay(bad as string)).toBeNull();
    }
  });
  it('adds days across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});

describe('presets', () => {
  it('end today (UTC) and count today as a day', () => {
    expect(presetRange('today', NOW)).toEqual({ from: '2026-03-15', to: '2026-03-15' });
    expect(presetRange('7d', NOW)).toEqual({ from: '2026-03-09', to: '2026-03-15' });
    expect(presetRange('30d', NOW)).toEqual({ from: '2026-02-14', to: '2026-03-15' });
    expect(rangeDays(presetRange('90d', NOW))).toBe(90);
  });
  it('are recognised from a range', () => {
    expect(matchPreset({ from: '2026-03-09', to: '2026-03-15' }, NOW)).toBe('7d');
    expect(matchPreset({ from: '2026-03-08', to: '2026-03-15' }, NOW)).toBeNull();
  });
  it('use the UTC day, not the local one, just after midnight UTC', () => {
    const justAfter = Date.UTC(2026, 2, 16, 0, 5);
    expect(presetRange('today', justAfter).to).toBe('2026-03-16');
  });
});

describe('rangeFromParams', () => {
  const p = (s: string) => rangeFromParams(new URLSearchParams(s), NOW);
  it('defaults to the last 30 days when the URL names no range', () => {
    expect(p('')).toEqual({ range: { from: '2026-02-14', to: '2026-03-15' }, explicit: false });
    expect(p('from=garbage&to=2026-02-31')).toEqual({ range: { from: '2026-02-14', to: '2026-03-15' }, explicit: false });
  });
  it('keeps a valid range', () => {
    expect(p('from=2026-01-01&to=2026-01-31')).toEqual({ range: { from: '2026-01-01', to: '2026-01-31' }, explicit: true });
  });
  it('swaps a reversed range', () => {
    expect(p('from=2026-01-31&to=2026-01-01').range).toEqual({ from: '2026-01-01', to: '2026-01-31' });
  });
  it('fills a missing end', () => {
    expect(p('from=2026-03-01').range).toEqual({ from: '2026-03-01', to: '2026-03-15' });
    expect(p('to=2026-01-31').range).toEqual({ from: '2026-01-02', to: '2026-01-31' });
    // a lone `from` in the future is a one-day range, not a reversed one
    expect(p('from=2026-04-01').range).toEqual({ from: '2026-04-01', to: '2026-04-01' });
  });
  it('caps the length at what the server accepts', () => {
    const { range } = p('from=2000-01-01&to=2026-03-15');
    expect(range.to).toBe('2026-03-15');
    expect(rangeDays(range)).toBe(MAX_RANGE_DAYS);
  });
});

describe('eachDay / validateRange / rangeLabel', () => {
  it('lists every day start of the range', () => {
    const days = eachDay({ from: '2026-02-27', to: '2026-03-02' });
    expect(days.map(isoDay)).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(days[1]! - days[0]!).toBe(DAY_MS);
  });
  it('explains why a custom range is unusable', () => {
    expect(validateRange('2026-03-01', '2026-03-10')).toBeNull();
    expect(validateRange('', '2026-03-10')).toMatch(/start date/);
    expect(validateRange('2026-03-10', '2026-03-01')).toMatch(/not be after/);
    expect(validateRange('2020-01-01', '2026-03-01')).toMatch(/at most/);
  });
  it('labels presets by name and other ranges by their dates', () => {
    expect(rangeLabel(presetRange('90d', NOW), NOW)).toBe('Last 90 days');
    expect(rangeLabel({ from: '2026-01-05', to: '2026-01-11' }, NOW)).toBe('Jan 5 – Jan 11, 2026');
    expect(rangeLabel({ from: '2025-12-20', to: '2026-01-11' }, NOW)).toBe('Dec 20, 2025 – Jan 11, 2026');
    expect(rangeLabel({ from: '2026-01-05', to: '2026-01-05' }, NOW)).toBe('Jan 5, 2026');
  });
});
