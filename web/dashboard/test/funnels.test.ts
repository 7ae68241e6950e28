import { describe, expect, it } from 'vitest';
import { NEW_FUNNEL, draftProblem, formatSpan, fromDefinition, funnelRequest, parseFunnelParam, toDefinition, withFunnelParam, type FunnelDraft } from '../src/lib/funnels';

const draft: FunnelDraft = {
  steps: [
    { kind: 'page', value: ' /product/:id ', onPage: 'ignored for pages', label: '' },
    { kind: 'click', value: '#buy', onPage: '/product/:id', label: 'Add to cart' },
    { kind: 'event', value: 'purchase', onPage: '', label: '' },
  ],
  windowMs: 3_600_000,
  order: 'strict',
  unit: 'visitor',
  breakdown: 'device',
};

describe('funnel definitions', () => {
  it('turns the builder’s draft into the API’s steps and back', () => {
    const def = toDefinition(draft);
    expect(def).toEqual({
      steps: [{ page: '/product/:id' }, { click: '#buy', on_page: '/product/:id', label: 'Add to cart' }, { event: 'purchase' }],
      window_ms: 3_600_000,
      order: 'strict',
      unit: 'visitor',
      breakdown: 'device',
    });
    expect(toDefinition(fromDefinition(def))).toEqual(def);
  });
  it('reads a saved definition whose unused fields are null', () => {
    const saved = { steps: [{ page: '/', click: null, event: null, on_page: null, label: null }, { page: null, click: '#buy', event: null, on_page: '/', label: null }], window_ms: 60_000, order: 'loose' as const, unit: 'session' as const, breakdown: null };
    expect(toDefinition(fromDefinition(saved))).toEqual({ steps: [{ page: '/' }, { click: '#buy', on_page: '/' }], window_ms: 60_000, order: 'loose', unit: 'session' });
  });
  it('says why a draft cannot run', () => {
    expect(draftProblem(NEW_FUNNEL)).toBe('Step 1 needs a page.');
    expect(draftProblem({ ...draft, steps: draft.steps.slice(0, 1) })).toMatch(/at least 2/);
    expect(draftProblem(draft)).toBeNull();
  });
  it('keeps the funnel in the URL and ignores an unreadable one', () => {
    const def = toDefinition(draft);
    const s = withFunnelParam('?from=2026-11-01', def);
    expect(parseFunnelParam(s)).toEqual(def);
    expect(parseFunnelParam('?funnel=%7Bnot json')).toBeNull();
    expect(parseFunnelParam(`?funnel=${encodeURIComponent(JSON.stringify({ steps: [{ page: '/' }] }))}`)).toBeNull();
  });
  it('sends the shared filters inside the segment expression', () => {
    const body = funnelRequest(toDefinition(draft), { from: '2026-11-01', to: '2026-11-30' }, { segment: 'revenue > 50', device: 'mobile', page: '/cart' });
    expect(body.segment).toBe('(revenue > 50) AND device = "mobile" AND visited("/cart")');
    expect(body).toMatchObject({ from: '2026-11-01', to: '2026-11-30' });
    expect('device' in body).toBe(false);
  });
  it('formats times between steps', () => {
    expect(formatSpan(800)).toBe('0.8 s');
    expect(formatSpan(12_000)).toBe('12 s');
    expect(formatSpan(95_000)).toBe('1.6 min');
    expect(formatSpan(null)).toBe('—');
  });
});
