// Number, duration and label formatting shared by every view.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1234 -> "1,234". */
export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return integer.format(n);
}

/** 12_345 -> "12.3k", 2_500_000 -> "2.5M"; below 10,000 as is ("9,876"). */
export function formatCompact(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  const unit = (v: number, suffix: string) => {
    const s = v >= 100 ? Math.round(v).toString() : (Math.round(v * 10) / 10).toString();
    return `${n < 0 ? '-' : ''}${s}${suffix}`;
  };
  if (abs >= 1e9) return unit(abs / 1e9, 'B');
  if (abs >= 1e6) return unit(abs / 1e6, 'M');
  if (abs >= 1e4) return unit(abs / 1e3, 'k');
  return integer.format(n);
}

/** A 0..1 ratio as a percentage: 0.4234 -> "42.3%", 0.5 -> "50%". */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  const pct = Math.round(ratio * 1000) / 10;
  return `${pct}%`;
}

/** Milliseconds as m:ss, or h:mm:ss from one hour: 187_000 -> "3:07". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const CHANNELS: Record<string, string> = {
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
export const CHANNEL_NAMES = Object.keys(CHANNELS);

const DEVICES: Record<string, string> = { desktop: 'Desktop', mobile: 'Mobile', tablet: 'Tablet' };
export const DEVICE_NAMES = Object.keys(DEVICES);

const VISITOR_TYPES: Record<string, string> = { new: 'New visitors', returning: 'Returning visitors' };

/** snake_case -> "Snake case" for names without a known label. */
function humanize(s: string): string {
  const t = s.replace(/_/g, ' ').trim();
  return t ? t[0]!.toUpperCase() + t.slice(1) : s;
}

export function channelLabel(name: string): string {
  return CHANNELS[name] ?? humanize(name);
}

export function deviceLabel(name: string): string {
  return DEVICES[name] ?? humanize(name);
}

export function visitorTypeLabel(name: string): string {
  return VISITOR_TYPES[name] ?? humanize(name);
}

/** "(none)" for empty breakdown names (direct traffic without a page, unknown browser…). */
export function emptyName(name: string): string {
  return name === '' ? '(none)' : name;
}

/** "Mar 3, 2026, 14:05 UTC" for timestamps in ms. */
export function formatDateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${months[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${hh}:${mm} UTC`;
}

/** "just now", "5 minutes ago", "3 days ago"; "never" for null. */
export function formatRelative(ms: number | null | undefined, now: number = Date.now()): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return 'never';
  const s = Math.round((now - ms) / 1000);
  if (s < 45) return 'just now';
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  if (s < 3600) return plural(Math.max(1, Math.round(s / 60)), 'minute');
  if (s < 86_400) return plural(Math.round(s / 3600), 'hour');
  if (s < 86_400 * 60) return plural(Math.round(s / 86_400), 'day');
  return formatDateTime(ms);
}

/** Text areas with one entry per line <-> string lists. */
export function linesToList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

export function listToLines(list: readonly string[] | null | undefined): string {
  return (list ?? []).join('\n');
}

/** Bytes in binary units: 0 -> "0 B", 1536 -> "1.5 KB", 5_242_880 -> "5 MB". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const s = i === 0 || v >= 100 ? Math.round(v).toString() : (Math.round(v * 10) / 10).toString();
  return `${s} ${units[i]}`;
}
