import { describe, expect, it } from 'vitest';
import { formatDateTime } from '../src/lib/format';
import { deletesData, describeDeletion, lowersRetention } from '../src/lib/retention';

const cutoff = Date.UTC(2025, 11, 1, 10, 0);

describe('retention preview', () => {
  it('only a lower, valid retention can delete data', () => {
    expect(lowersRetention(395, 30)).toBe(true);
    expect(lowersRetention(30, 30)).toBe(false);
    expect(lowersRetention(30, 400)).toBe(false);
    expect(lowersRetention(30, 0)).toBe(false);
    expect(lowersRetention(30, 2.5)).toBe(false);
  });
  it('says what would be deleted', () => {
    const preview = { retention_days: 30, cutoff_ms: cutoff, events: 12_345, replay_chunks: 3, replay_bytes: 1536 * 1024 };
    expect(deletesData(preview)).toBe(true);
    expect(describeDeletion(preview)).toBe(`12,345 events and 3 replay chunks (1.5 MB) from before ${formatDateTime(cutoff)}`);
    expect(describeDeletion({ ...preview, events: 1, replay_chunks: 0, replay_bytes: 0 })).toBe(`1 event from before ${formatDateTime(cutoff)}`);
  });
  it('says when nothing is that old', () => {
    const nothing = { retention_days: 1, cutoff_ms: cutoff, events: 0, replay_chunks: 0, replay_bytes: 0 };
    expect(deletesData(nothing)).toBe(false);
    expect(deletesData(null)).toBe(false);
    expect(describeDeletion(nothing)).toBe('Nothing stored is older than 1 day.');
  });
});
