import { describe, expect, it } from 'vitest';
import {
  channelLabel,
  deviceLabel,
  emptyName,
  formatCompact,
  formatDateTime,
  formatDuration,
  formatNumber,
  formatPercent,
  formatRelative,
  linesToList,
  listToLines,
} from '../src/lib/format';

describe('numbers', () => {
  it('groups thousands', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(NaN)).toBe('—');
    expect(formatNumber(undefined)).toBe('—');
  });
  it('compacts large numbers only', () => {
    expect(formatCompact(9876)).toBe('9,876');
    expect(formatCompact(12345)).toBe('12.3k');
    expect(formatCompact(999_499)).toBe('999k');
    expect(formatCompact(2_500_000)).toBe('2.5M');
    expect(formatCompact(3_000_000_000)).toBe('3B');
  });
  it('formats a 0..1 ratio as a percentage with at most one decimal', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.5)).toBe('50%');
    expect(formatPercent(0.42345)).toBe('42.3%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(null)).toBe('—');
  });
});

describe('formatDuration (mm:ss)', () => {
  it('formats minutes and seconds', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(7_000)).toBe('0:07');
    expect(formatDuration(187_000)).toBe('3:07');
    expect(formatDuration(59_600)).toBe('1:00');
    expect(formatDuration(600_000)).toBe('10:00');
  });
  it('adds hours from one hour on', () => {
    expect(formatDuration(3_723_000)).toBe('1:02:03');
  });
  it('shows a dash for missing or invalid values', () => {
    expect(formatDuration(-1)).toBe('—');
    expect(formatDuration(Infinity)).toBe('—');
  });
});

describe('labels', () => {
  it('names every channel the server reports', () => {
    const expected: Record<string, string> = {
      direct: 'Direct',
      organic_search: 'Organic search',
      paid_search: 'Paid search',
      organic_social: 'Organic social',
      paid_social: 'Paid social',
      email: 'Email',
      referral: 'Referral',
      display: 'Display',
      affiliate: 'Affiliate',
    };
    for (const [k, v] of Object.entries(expected)) expect(channelLabel(k)).toBe(v);
    expect(channelLabel('some_new_channel')).toBe('Some new channel');
  });
  it('names devices and empty names', () => {
    expect(deviceLabel('mobile')).toBe('Mobile');
    expect(emptyName('')).toBe('(none)');
  });
});

describe('dates and lists', () => {
  it('formats timestamps in UTC', () => {
    expect(formatDateTime(Date.UTC(2026, 2, 3, 14, 5))).toBe('Mar 3, 2026, 14:05 UTC');
  });
  it('says how long ago', () => {
    const now = Date.UTC(2026, 2, 3, 12);
    expect(formatRelative(null, now)).toBe('never');
    expect(formatRelative(now - 10_000, now)).toBe('just now');
    expect(formatRelative(now - 60_000, now)).toBe('1 minute ago');
    expect(formatRelative(now - 3 * 3600_000, now)).toBe('3 hours ago');
    expect(formatRelative(now - 2 * 86_400_000, now)).toBe('2 days ago');
  });
  it('turns text areas into lists and back', () => {
    expect(linesToList(' a.com \n\n b.com\r\n')).toEqual(['a.com', 'b.com']);
    expect(listToLines(['x', 'y'])).toBe('x\ny');
  });
});
