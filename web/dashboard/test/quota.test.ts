import { describe, expect, it } from 'vitest';
import { formatBytes } from '../src/lib/format';
import { formatRate, parseRate, replayUsage } from '../src/lib/quota';

const MB = 1024 * 1024;

describe('replayUsage', () => {
  it('warns from 80 % and says when the quota is full', () => {
    expect(replayUsage({ replay_bytes: 10 * MB, replay_quota_mb: 100 })).toEqual({ usedBytes: 10 * MB, quotaBytes: 100 * MB, ratio: 0.1, warn: false, full: false });
    expect(replayUsage({ replay_bytes: 79.9 * MB, replay_quota_mb: 100 }).warn).toBe(false);
    expect(replayUsage({ replay_bytes: 80 * MB, replay_quota_mb: 100 })).toMatchObject({ warn: true, full: false });
    expect(replayUsage({ replay_bytes: 101 * MB, replay_quota_mb: 100 })).toMatchObject({ warn: true, full: true });
  });
  it('treats missing values as nothing used / no quota', () => {
    expect(replayUsage({})).toEqual({ usedBytes: 0, quotaBytes: 0, ratio: 0, warn: false, full: false });
  });
});

describe('sample rate field', () => {
  it('shows 0..1 as a percentage and reads it back', () => {
    expect(formatRate(1)).toBe('100');
    expect(formatRate(0.125)).toBe('12.5');
    expect(formatRate(0)).toBe('0');
    expect(parseRate('12.5')).toBe(0.125);
    expect(parseRate('100')).toBe(1);
    expect(parseRate('0')).toBe(0);
    expect(parseRate(' 50 ')).toBe(0.5);
  });
  it('refuses what the server would', () => {
    for (const bad of ['', '-1', '100.5', 'abc']) expect(parseRate(bad)).toBeNull();
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * MB)).toBe('5 MB');
    expect(formatBytes(1.25 * 1024 * MB)).toBe('1.3 GB');
    expect(formatBytes(-1)).toBe('—');
  });
});
