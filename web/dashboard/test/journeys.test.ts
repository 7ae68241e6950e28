import { describe, expect, it } from 'vitest';
import type { PathsResponse } from '../src/api/types';
import { EXIT_NEXT, journeyApiQuery, journeySearch, linkSelection, nodeSelection, parseJourneyParams, sankeyModel } from '../src/lib/journeys';

const range = { from: '2026-11-01', to: '2026-11-30' };

const forward: PathsResponse = {
  direction: 'forward',
  anchor: 'entry',
  sessions: 100,
  nodes: [
    { id: '0:/', step: 0, name: '/', kind: 'page', sessions: 60, exits: 20 },
    { id: '0:/pricing', step: 0, name: '/pricing', kind: 'page', sessions: 40, exits: 40 },
    { id: '1:/cart', step: 1, name: '/cart', kind: 'page', sessions: 30, exits: 30 },
    { id: '1:(other)', step: 1, name: '(other)', kind: 'other', sessions: 10, exits: 10 },
  ],
  links: [
    { source: '0:/', target: '1:/cart', sessions: 30 },
    { source: '0:/', target: '1:(other)', sessions: 10 },
  ],
  top_paths: [],
};

describe('journey URL state', () => {
  it('reads defaults and keeps other parameters when writing', () => {
    expect(parseJourneyParams('')).toEqual({ start: null, end: null, steps: 5, nodes: 'pages', repeats: false });
    const j = { start: '/pricing', end: null, steps: 3, nodes: 'all' as const, repeats: true };
    const s = journeySearch('?device=mobile&steps=9', j);
    expect(parseJourneyParams(s)).toEqual(j);
    expect(new URLSearchParams(s).get('device')).toBe('mobile');
    expect(parseJourneyParams('?steps=11&nodes=x&start=entry')).toMatchObject({ steps: 5, nodes: 'pages', start: null });
  });
  it('asks for entry pages unless only an end is set', () => {
    const base = { start: null, end: null, steps: 5, nodes: 'pages' as const, repeats: false };
    expect(journeyApiQuery(range, { device: 'mobile' }, base)).toEqual({ from: '2026-11-01', to: '2026-11-30', device: 'mobile', start: 'entry', steps: 5, nodes: 'pages' });
    const back = journeyApiQuery(range, {}, { ...base, end: '/cart' });
    expect(back.start).toBeUndefined();
    expect(back.end).toBe('/cart');
  });
});

describe('sankeyModel', () => {
  it('places steps in columns and collects each step’s exits in one grey node after it (but the last step’s)', () => {
    const m = sankeyModel(forward);
    expect(m.columns).toBe(2);
    expect(m.lastStep).toBe(1);
    expect(m.nodes.some((n) => n.id === 'exit:1')).toBe(false);
    const exit0 = m.nodes.find((n) => n.id === 'exit:0')!;
    expect(exit0).toMatchObject({ kind: 'exit', depth: 1, sessions: 60 });
    // within a column: pages by sessions, then (other), then the drop-off node
    expect(m.nodes.filter((n) => n.depth === 1).map((n) => n.id)).toEqual(['1:/cart', '1:(other)', 'exit:0']);
    const exitLinks = m.links.filter((l) => l.kind === 'exit');
    expect(exitLinks.map((l) => [l.source, l.target, l.value])).toContainEqual(['0:/pricing', 'exit:0', 40]);
    expect(exitLinks.every((l) => l.next === EXIT_NEXT)).toBe(true);
  });
  it('draws a backward journey toward its end page, keeping the API’s step and node for the sessions query', () => {
    const backward: PathsResponse = {
      direction: 'backward',
      anchor: '/cart',
      sessions: 50,
      nodes: [
        { id: '0:/cart', step: 0, name: '/cart', kind: 'page', sessions: 50, exits: 5 },
        { id: '1:/product', step: 1, name: '/product', kind: 'page', sessions: 45, exits: 40 },
        { id: '2:/', step: 2, name: '/', kind: 'page', sessions: 5, exits: 5 },
      ],
      links: [
        { source: '0:/cart', target: '1:/product', sessions: 45 },
        { source: '1:/product', target: '2:/', sessions: 5 },
      ],
      top_paths: [],
    };
    const m = sankeyModel(backward);
    const cart = m.nodes.find((n) => n.id === '0:/cart')!;
    const product = m.nodes.find((n) => n.id === '1:/product')!;
    expect(product.depth).toBeLessThan(cart.depth);
    const flow = m.links.find((l) => l.kind === 'flow' && l.step === 0)!;
    expect(flow).toMatchObject({ source: '1:/product', target: '0:/cart', step: 0, node: '/cart', next: '/product' });
    // the sessions that started at /product come from a grey node on its left
    expect(m.links.find((l) => l.kind === 'exit' && l.target === '1:/product')).toMatchObject({ source: 'exit:1', value: 40 });
    expect(m.nodes.find((n) => n.id === 'exit:1')!.depth).toBeLessThan(product.depth);
    expect(Math.min(...m.nodes.map((n) => n.depth))).toBe(0);
    expect(linkSelection(flow, true).title).toBe('/product → /cart (step 1)');
  });
  it('turns clicks into sessions queries (none for the grey nodes)', () => {
    const m = sankeyModel(forward);
    expect(nodeSelection(m.nodes.find((n) => n.id === '1:/cart')!)).toMatchObject({ step: 1, node: '/cart' });
    expect(nodeSelection(m.nodes.find((n) => n.kind === 'exit')!)).toBeNull();
    const l = m.links.find((x) => x.kind === 'flow')!;
    expect(linkSelection(l, false)).toMatchObject({ step: 0, node: '/', next: '/cart' });
  });
});
