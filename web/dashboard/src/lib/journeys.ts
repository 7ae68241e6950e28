// Journeys (GET …/paths): the page's own URL state (start, end, steps, nodes, repeats), its API query, and
// the sankey model drawn from an answer — the API's nodes and links placed by step, plus one grey drop-off
// node per step collecting that step's exits (for a backward journey: where sessions started).
import type { PathLink, PathNode, PathNodeKind, PathNodesMode, PathsResponse } from '../api/types';
import type { DateRange } from './dates';
import { apiQuery, type Filters } from './filters';

export interface JourneyParams {
  /** A page (group) to start from; null: the sessions' entry pages. */
  start: string | null;
  /** A page (group) to end at: with no start, the steps before the first arrival there. */
  end: string | null;
  steps: number;
  nodes: PathNodesMode;
  repeats: boolean;
}

export const STEP_CHOICES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
export const DEFAULT_STEPS = 5;
export const NODE_MODES: readonly { id: PathNodesMode; label: string }[] = [
  { id: 'pages', label: 'Pages' },
  { id: 'events', label: 'Events' },
  { id: 'all', label: 'Pages & events' },
];
const OWN_KEYS = ['start', 'end', 'steps', 'nodes', 'repeats'] as const;

const text = (v: string | null) => {
  const t = (v ?? '').trim();
  return t === '' ? null : t.slice(0, 512);
};

export function parseJourneyParams(search: string): JourneyParams {
  const p = new URLSearchParams(search);
  const start = text(p.get('start'));
  const steps = Number(p.get('steps'));
  const nodes = p.get('nodes');
  return {
    start: start === 'entry' ? null : start,
    end: text(p.get('end')),
    steps: Number.isInteger(steps) && steps >= 1 && steps <= 10 ? steps : DEFAULT_STEPS,
    nodes: nodes === 'events' || nodes === 'all' ? nodes : 'pages',
    repeats: p.get('repeats') === 'true',
  };
}

/** The query string with the journey's own parameters replaced (defaults left out). */
export function journeySearch(search: string, j: JourneyParams): string {
  const p = new URLSearchParams(search);
  for (const k of OWN_KEYS) p.delete(k);
  if (j.start) p.set('start', j.start);
  if (j.end) p.set('end', j.end);
  if (j.steps !== DEFAULT_STEPS) p.set('steps', String(j.steps));
  if (j.nodes !== 'pages') p.set('nodes', j.nodes);
  if (j.repeats) p.set('repeats', 'true');
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** GET …/paths: range and filters, then the journey; `start=entry` unless an end alone asks for the way there. */
export function journeyApiQuery(range: DateRange, filters: Filters, j: JourneyParams): Record<string, string | number | boolean> {
  const q: Record<string, string | number | boolean> = { ...apiQuery(range, filters) };
  if (j.start) q.start = j.start;
  else if (!j.end) q.start = 'entry';
  if (j.end) q.end = j.end;
  q.steps = j.steps;
  q.nodes = j.nodes;
  if (j.repeats) q.repeats = true;
  return q;
}

/** The name of the API's "sessions that exited here" choice for `next`. */
export const EXIT_NEXT = '(exit)';

export type SankeyNodeKind = PathNodeKind | 'exit';

export interface SankeyNode {
  id: string;
  name: string;
  kind: SankeyNodeKind;
  /** The API's step (for an exit node: the step whose exits it collects). */
  step: number;
  /** Column, left to right. */
  depth: number;
  sessions: number;
  exits: number;
}

/** What a click on a link asks `…/paths/sessions` for: sessions at `node` of `step` going on to `next`. */
export interface SankeyLink {
  source: string;
  target: string;
  value: number;
  kind: 'flow' | 'exit';
  step: number;
  node: string;
  next: string;
}

export interface SankeyModel {
  nodes: SankeyNode[];
  links: SankeyLink[];
  /** The journey's last step (its exits are in its labels, not a grey column). */
  lastStep: number;
  backward: boolean;
  /** Columns drawn (steps plus the drop-off column). */
  columns: number;
  /** Most nodes in one column. */
  tallestColumn: number;
}

const exitId = (step: number) => `exit:${step}`;
const kindRank = (k: SankeyNodeKind) => (k === 'exit' ? 2 : k === 'other' ? 1 : 0);

/**
 * The sankey of a journey. Forward: step k in column k, its exits flowing into a grey "Drop-off" node in
 * column k + 1. Backward: the end page on the right (step k in column maxStep − k, links drawn toward the
 * end), and the sessions that started at a node coming from a grey "Session start" node on its left.
 * The last step gets no grey column of its own (it would take a column for one figure): forward, its nodes'
 * labels carry their exits; every node's tooltip has them. Within a column: most sessions first, "(other)" then the grey node last.
 */
export function sankeyModel(p: PathsResponse): SankeyModel {
  const backward = p.direction === 'backward';
  const maxStep = Math.max(0, ...p.nodes.map((n) => n.step));
  // backward: one more column on the left for the "session start" nodes
  const depthOf = (step: number) => (backward ? maxStep - step + 1 : step);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const nodes: SankeyNode[] = p.nodes.map((n: PathNode) => ({ id: n.id, name: n.name, kind: n.kind, step: n.step, depth: depthOf(n.step), sessions: n.sessions, exits: n.exits }));
  const links: SankeyLink[] = [];
  for (const l of p.links as PathLink[]) {
    const from = byId.get(l.source);
    const to = byId.get(l.target);
    if (!from || !to || l.sessions <= 0) continue;
    const flow = { value: l.sessions, kind: 'flow' as const, step: from.step, node: from.name, next: to.name };
    links.push(backward ? { source: l.target, target: l.source, ...flow } : { source: l.source, target: l.target, ...flow });
  }
  const exitsByStep = new Map<number, number>();
  for (const n of p.nodes) if (n.exits > 0 && n.step < maxStep) exitsByStep.set(n.step, (exitsByStep.get(n.step) ?? 0) + n.exits);
  for (const [step, exits] of exitsByStep) {
    nodes.push({ id: exitId(step), name: backward ? 'Session start' : 'Drop-off', kind: 'exit', step, depth: backward ? depthOf(step) - 1 : step + 1, sessions: exits, exits: 0 });
  }
  for (const n of p.nodes) {
    if (n.exits <= 0 || n.step >= maxStep) continue;
    const flow = { value: n.exits, kind: 'exit' as const, step: n.step, node: n.name, next: EXIT_NEXT };
    links.push(backward ? { source: exitId(n.step), target: n.id, ...flow } : { source: n.id, target: exitId(n.step), ...flow });
  }
  nodes.sort((a, b) => a.depth - b.depth || kindRank(a.kind) - kindRank(b.kind) || b.sessions - a.sessions || a.name.localeCompare(b.name));
  // shift so the first drawn column is 0 (a backward journey without exits has no "session start" column)
  const minDepth = Math.min(...nodes.map((n) => n.depth));
  for (const n of nodes) n.depth -= minDepth;
  const perColumn = new Map<number, number>();
  for (const n of nodes) perColumn.set(n.depth, (perColumn.get(n.depth) ?? 0) + 1);
  return {
    nodes,
    links,
    lastStep: maxStep,
    backward,
    columns: nodes.length ? Math.max(...nodes.map((n) => n.depth)) + 1 : 0,
    tallestColumn: Math.max(0, ...perColumn.values()),
  };
}

/** Sankey height: room for each node of the tallest column and its one-line label. */
export function sankeyHeight(m: SankeyModel): number {
  return Math.max(320, Math.min(960, m.tallestColumn * 52 + 40));
}

/** What to list for a clicked node or link (null for the grey drop-off nodes: click their links). */
export interface PathSelection {
  step: number;
  node: string;
  next?: string;
  title: string;
}

export function nodeSelection(n: SankeyNode): PathSelection | null {
  if (n.kind === 'exit') return null;
  return { step: n.step, node: n.name, title: `Step ${n.step + 1}: ${n.name}` };
}

export function linkSelection(l: SankeyLink, backward: boolean): PathSelection {
  const title =
    l.kind === 'exit'
      ? backward
        ? `Started at ${l.node} (step ${l.step + 1})`
        : `Left after ${l.node} (step ${l.step + 1})`
      : backward
        ? `${l.next} → ${l.node} (step ${l.step + 1})`
        : `${l.node} → ${l.next} (step ${l.step + 1})`;
  return { step: l.step, node: l.node, next: l.next, title };
}

/** A share of the journey's sessions as a percentage string. */
export function shareOf(n: number, total: number): number {
  return total > 0 ? n / total : 0;
}
