// Replay storage against the site's quota: the settings page shows the usage, and both it and the
// sessions list warn from 80 %. At 100 % the server stops recording new sessions (the tracker config then
// says `replay_sample_rate: 0`).

export const QUOTA_WARN_RATIO = 0.8;

export interface ReplayUsage {
  usedBytes: number;
  quotaBytes: number;
  /** used / quota (0 when there is no quota). */
  ratio: number;
  /** At or above 80 %. */
  warn: boolean;
  /** At or above 100 %: new sessions are not recorded. */
  full: boolean;
}

export function replayUsage(site: { replay_bytes?: number | null; replay_quota_mb?: number | null }): ReplayUsage {
  const usedBytes = Math.max(0, site.replay_bytes ?? 0);
  const quotaBytes = Math.max(0, (site.replay_quota_mb ?? 0) * 1024 * 1024);
  const ratio = quotaBytes > 0 ? usedBytes / quotaBytes : 0;
  return { usedBytes, quotaBytes, ratio, warn: quotaBytes > 0 && ratio >= QUOTA_WARN_RATIO, full: quotaBytes > 0 && ratio >= 1 };
}

/** The server's limit on `replay_quota_mb`. */
export const MAX_QUOTA_MB = 10_000_000;

/** The sample-rate field: 0..1 -> "12.5" (percent, at most 2 decimals). */
export function formatRate(rate: number): string {
  return String(Math.round(rate * 10_000) / 100);
}

/** "12.5" (percent) -> 0.125; null unless a number from 0 to 100. */
export function parseRate(text: string): number | null {
  if (text.trim() === '') return null;
  const pct = Number(text);
  if (!Number.isFinite(pct) || pct < 0 || pct > 100) return null;
  return Math.round(pct * 100) / 10_000;
}
