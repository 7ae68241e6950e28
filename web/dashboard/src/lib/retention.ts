// Lowering a site's retention deletes what is older than the new limit at the next retention pass. The
// privacy form asks the server how much that is (`GET …/retention-preview`) and asks for confirmation first.
import type { RetentionPreview } from '../api/types';
import { formatBytes, formatDateTime, formatNumber } from './format';

/** Only a lower retention can delete stored data. */
export function lowersRetention(currentDays: number, nextDays: number): boolean {
  return Number.isInteger(nextDays) && nextDays >= 1 && nextDays < currentDays;
}

export function deletesData(preview: RetentionPreview | null | undefined): boolean {
  return !!preview && preview.events + preview.replay_chunks > 0;
}

/** "12,345 events and 3 replay chunks (1.5 MB) from before 1 Dec 2025, 10:00" — or that nothing is that old. */
export function describeDeletion(preview: RetentionPreview): string {
  const before = formatDateTime(preview.cutoff_ms);
  if (!deletesData(preview)) return `Nothing stored is older than ${plural(preview.retention_days, 'day')}.`;
  const parts = [plural(preview.events, 'event')];
  if (preview.replay_chunks > 0) parts.push(`${plural(preview.replay_chunks, 'replay chunk')} (${formatBytes(preview.replay_bytes)})`);
  return `${parts.join(' and ')} from before ${before}`;
}

function plural(n: number, word: string): string {
  return `${formatNumber(n)} ${word}${n === 1 ? '' : 's'}`;
}
