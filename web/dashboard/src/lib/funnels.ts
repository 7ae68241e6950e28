// Funnels (POST …/funnel): the step builder's drafts and their API form, the definition kept in the URL
// (`funnel=` JSON, so a reload or a link shows the same funnel), validation, and small formatting helpers.
import {
  FUNNEL_BREAKDOWNS,
  type FunnelBreakdown,
  type FunnelDefinition,
  type FunnelRequest,
  type FunnelStepDef,
  type FunnelStepResult,
} from '../api/types';
import type { DateRange } from './dates';
import type { Filters } from './filters';
import { filtersAsSegment } from './segments';

export type StepKind = 'page' | 'click' | 'event';
export const STEP_KINDS: readonly { id: StepKind; label: string; placeholder: string }[] = [
  { id: 'page', label: 'Visited page', placeholder: '/pricing or /product/:id' },
  { id: 'click', label: 'Clicked', placeholder: '#buy or [data-sl-zone="add-to-cart"]' },
  { id: 'event', label: 'Event', placeholder: 'purchase' },
];

export interface StepDraft {
  kind: StepKind;
  value: string;
  /** Click and event steps: only on this page (group). */
  onPage: string;
  label: string;
}

export const MIN_STEPS = 2;
export const MAX_STEPS = 10;
export const DEFAULT_WINDOW_MS = 86_400_000;

export const WINDOW_CHOICES: readonly { ms: number; label: string }[] = [
  { ms: 300_000, label: '5 minutes' },
  { ms: 1_800_000, label: '30 minutes' },
  { ms: 3_600_000, label: '1 hour' },
  { ms: 86_400_000, label: '1 day' },
  { ms: 7 * 86_400_000, label: '7 days' },
  { ms: 30 * 86_400_000, label: '30 days' },
];

export const BREAKDOWN_LABELS: Record<FunnelBreakdown, string> = {
  device: 'Device',
  browser: 'Browser',
  os: 'OS',
  channel: 'Channel',
  utm_source: 'UTM source',
  utm_medium: 'UTM medium',
  utm_campaign: 'UTM campaign',
  entry_page: 'Entry page',
  visitor: 'New vs returning',
};

export const emptyStep = (kind: StepKind = 'page'): StepDraft => ({ kind, value: '', onPage: '', label: '' });

export interface FunnelDraft {
  steps: StepDraft[];
  windowMs: number;
  order: FunnelDefinition['order'];
  unit: FunnelDefinition['unit'];
  breakdown: FunnelBreakdown | null;
}

export const NEW_FUNNEL: FunnelDraft = { steps: [emptyStep(), emptyStep()], windowMs: DEFAULT_WINDOW_MS, order: 'loose', unit: 'session', breakdown: null };

export function stepDef(s: StepDraft): FunnelStepDef {
  const def: FunnelStepDef = { [s.kind]: s.value.trim() };
  if (s.kind !== 'page' && s.onPage.trim()) def.on_page = s.onPage.trim();
  if (s.label.trim()) def.label = s.label.trim();
  return def;
}

export function stepDraft(d: FunnelStepDef): StepDraft {
  const kind: StepKind = d.click != null ? 'click' : d.event != null ? 'event' : 'page';
  return { kind, value: d[kind] ?? '', onPage: d.on_page ?? '', label: d.label ?? '' };
}

export function toDefinition(d: FunnelDraft): FunnelDefinition {
  const def: FunnelDefinition = { steps: d.steps.map(stepDef), window_ms: d.windowMs, order: d.order, unit: d.unit };
  if (d.breakdown) def.breakdown = d.breakdown;
  return def;
}

export function fromDefinition(def: FunnelDefinition): FunnelDraft {
  return {
    steps: def.steps.map(stepDraft),
    windowMs: def.window_ms ?? DEFAULT_WINDOW_MS,
    order: def.order === 'strict' ? 'strict' : 'loose',
    unit: def.unit === 'visitor' ? 'visitor' : 'session',
    breakdown: def.breakdown && (FUNNEL_BREAKDOWNS as readonly string[]).includes(def.breakdown) ? def.breakdown : null,
  };
}

/** Why the draft cannot run yet (null: it can). */
export function draftProblem(d: FunnelDraft): string | null {
  if (d.steps.length < MIN_STEPS) return `A funnel needs at least ${MIN_STEPS} steps.`;
  if (d.steps.length > MAX_STEPS) return `A funnel has at most ${MAX_STEPS} steps.`;
  const empty = d.steps.findIndex((s) => s.value.trim() === '');
  if (empty >= 0) return `Step ${empty + 1} needs a ${d.steps[empty]!.kind === 'page' ? 'page' : d.steps[empty]!.kind === 'click' ? 'selector' : 'event name'}.`;
  return null;
}

export const FUNNEL_PARAM = 'funnel';

/** The funnel in a query string (null when absent or unreadable). */
export function parseFunnelParam(search: string): FunnelDefinition | null {
  const raw = new URLSearchParams(search).get(FUNNEL_PARAM);
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as FunnelDefinition;
    if (!v || !Array.isArray(v.steps) || v.steps.length < MIN_STEPS) return null;
    return fromDefinitionChecked(v);
  } catch {
    return null;
  }
}

function fromDefinitionChecked(v: FunnelDefinition): FunnelDefinition | null {
  const steps = v.steps.filter((s) => s && typeof s === 'object' && ['page', 'click', 'event'].some((k) => typeof (s as Record<string, unknown>)[k] === 'string'));
  if (steps.length < MIN_STEPS) return null;
  return toDefinition(fromDefinition({ ...v, steps }));
}

export function withFunnelParam(search: string, def: FunnelDefinition | null): string {
  const p = new URLSearchParams(search);
  if (def) p.set(FUNNEL_PARAM, JSON.stringify(def));
  else p.delete(FUNNEL_PARAM);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The request body: the definition, the range, and the shared filters folded into the segment expression. */
export function funnelRequest(def: FunnelDefinition, range: DateRange, filters: Filters): FunnelRequest {
  const body: FunnelRequest = { ...def, from: range.from, to: range.to };
  const segment = filtersAsSegment(filters);
  if (segment) body.segment = segment;
  return body;
}

/** A step's name in charts and tables: its label, else "Clicked #buy", "Event purchase", the page. */
export function stepName(def: FunnelStepDef | undefined, result: FunnelStepResult | undefined, index: number): string {
  if (def?.label) return def.label;
  if (def?.page) return def.page;
  if (def?.click) return `Click ${def.click}${def.on_page ? ` on ${def.on_page}` : ''}`;
  if (def?.event) return `${def.event}${def.on_page ? ` on ${def.on_page}` : ''}`;
  return result?.label ?? `Step ${index + 1}`;
}

/** 800 ms -> "0.8 s", 12_000 -> "12 s", 95_000 -> "1.6 min", 7_200_000 -> "2 h", 3 days -> "3 d". */
export function formatSpan(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  const round = (v: number) => (v >= 10 ? Math.round(v).toString() : (Math.round(v * 10) / 10).toString());
  if (ms < 60_000) return `${round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${round(ms / 3_600_000)} h`;
  return `${round(ms / 86_400_000)} d`;
}

export function windowLabel(ms: number): string {
  return WINDOW_CHOICES.find((c) => c.ms === ms)?.label ?? formatSpan(ms);
}
