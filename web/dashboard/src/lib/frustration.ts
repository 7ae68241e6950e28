// Frustration signals: the detector names the server uses (crates/sightline-insight/src/detect.rs `Kind`,
// documented in docs/frustration.md) and how the dashboard names them.

/** Every detector name, in the server's order. */
export const FRUSTRATION_KINDS = [
  'rage_click',
  'dead_click',
  'error_click',
  'u_turn',
  'excessive_scroll',
  'thrashed_cursor',
  'hesitation',
  'form_abandonment',
  'js_error',
  'failed_request',
  'slow_page',
] as const;

export type FrustrationKind = (typeof FRUSTRATION_KINDS)[number];

interface KindText {
  /** "Rage click": lists, selects, headings. */
  label: string;
  /** "Rage": chips in a crowded table cell. */
  short: string;
  /** One line: what the detector saw (tooltips). */
  hint: string;
}

const KIND_TEXT: Record<FrustrationKind, KindText> = {
  rage_click: { label: 'Rage click', short: 'Rage', hint: 'Repeated clicks on something that does not respond' },
  dead_click: { label: 'Dead click', short: 'Dead', hint: 'A click that changed nothing' },
  error_click: { label: 'Error click', short: 'Error click', hint: 'A click followed by a JavaScript error' },
  u_turn: { label: 'U-turn', short: 'U-turn', hint: 'Back to the previous page at once' },
  excessive_scroll: { label: 'Excessive scrolling', short: 'Scroll', hint: 'Scrolling up and down without getting anywhere' },
  thrashed_cursor: { label: 'Thrashed cursor', short: 'Thrash', hint: 'The pointer shaken back and forth' },
  hesitation: { label: 'Hesitation', short: 'Hesitation', hint: 'Hovering over a control for a long time' },
  form_abandonment: { label: 'Form abandonment', short: 'Form', hint: 'A form field used, then left unsent' },
  js_error: { label: 'JavaScript error', short: 'JS error', hint: 'A JavaScript error' },
  failed_request: { label: 'Failed request', short: 'Request', hint: 'A request that failed' },
  slow_page: { label: 'Slow page', short: 'Slow', hint: 'A page that loaded slowly (poor LCP)' },
};

export function isFrustrationKind(s: string | null | undefined): s is FrustrationKind {
  return (FRUSTRATION_KINDS as readonly string[]).includes(s ?? '');
}

/** snake_case -> "Snake case", for a kind a newer server may add. */
function humanize(s: string): string {
  const t = s.replace(/_/g, ' ').trim();
  return t ? t[0]!.toUpperCase() + t.slice(1) : s;
}

export function frustrationLabel(kind: string): string {
  return isFrustrationKind(kind) ? KIND_TEXT[kind].label : humanize(kind);
}

export function frustrationShort(kind: string): string {
  return isFrustrationKind(kind) ? KIND_TEXT[kind].short : humanize(kind);
}

export function frustrationHint(kind: string): string {
  return isFrustrationKind(kind) ? KIND_TEXT[kind].hint : humanize(kind);
}

/** A session's detections per kind as chips: largest count first, then the server's kind order. */
export function frustrationChips(counts: Readonly<Record<string, number>> | null | undefined): { kind: string; count: number }[] {
  const order = (k: string) => {
    const i = (FRUSTRATION_KINDS as readonly string[]).indexOf(k);
    return i < 0 ? FRUSTRATION_KINDS.length : i;
  };
  return Object.entries(counts ?? {})
    .filter(([, n]) => Number.isFinite(n) && n > 0)
    .map(([kind, count]) => ({ kind, count }))
    .sort((a, b) => b.count - a.count || order(a.kind) - order(b.kind) || a.kind.localeCompare(b.kind));
}

/** Friction score bands (0-100): how a score is coloured. */
export type FrictionBand = 'none' | 'low' | 'medium' | 'high';

/** Thresholds of the bands: one rage click alone (50) is already "high". */
export const FRICTION_MEDIUM = 20;
export const FRICTION_HIGH = 50;

export function frictionBand(score: number | null | undefined): FrictionBand {
  if (score === null || score === undefined || !Number.isFinite(score) || score <= 0) return 'none';
  if (score >= FRICTION_HIGH) return 'high';
  if (score >= FRICTION_MEDIUM) return 'medium';
  return 'low';
}

/** A score as a whole number 0-100 ("0" for unanalysed sessions). */
export function formatFriction(score: number | null | undefined): string {
  if (score === null || score === undefined || !Number.isFinite(score)) return '—';
  return String(Math.round(Math.min(100, Math.max(0, score))));
}

/**
 * Server texts quote selectors and fingerprints in backticks ("Dead click on `#buy`"): the pieces, with
 * `code` set on the quoted ones, so a view can show them as code. An unmatched backtick stays text.
 */
export function splitCode(text: string): { text: string; code: boolean }[] {
  const out: { text: string; code: boolean }[] = [];
  const re = /`([^`]+)`/g;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index > last) out.push({ text: text.slice(last, m.index), code: false });
    out.push({ text: m[1]!, code: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), code: false });
  return out;
}
