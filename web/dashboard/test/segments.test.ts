import { describe, expect, it } from 'vitest';
import { apiQuery, buildSearch, parseFilters } from '../src/lib/filters';
import { carriedSearch } from '../src/lib/paths';
import { comparedSegments, filtersAsSegment, parseCompare, segmentString, withCompare } from '../src/lib/segments';

describe('segments in the URL', () => {
  it('sends segment A as a filter and keeps segment B out of the API query', () => {
    const search = '?segment=device+%3D+%22mobile%22&segment_b=visitor+%3D+%22new%22&channel=email';
    const filters = parseFilters(search);
    expect(filters.segment).toBe('device = "mobile"');
    const q = apiQuery({ from: '2026-11-01', to: '2026-11-30' }, filters);
    expect(q.segment).toBe('device = "mobile"');
    expect(q).not.toHaveProperty('segment_b');
    expect(parseCompare(search)).toBe('visitor = "new"');
  });
  it('carries both segments to another page and drops the page’s own parameters', () => {
    const s = carriedSearch('?start=%2Fcart&segment=had_error&segment_b=converted&from=2026-11-01&to=2026-11-30');
    const p = new URLSearchParams(s);
    expect(p.get('segment')).toBe('had_error');
    expect(p.get('segment_b')).toBe('converted');
    expect(p.get('start')).toBeNull();
  });
  it('sets and clears segment B', () => {
    expect(parseCompare(withCompare('?device=mobile', '  converted '))).toBe('converted');
    expect(withCompare('?device=mobile&segment_b=x', null)).toBe('?device=mobile');
    expect(buildSearch('?segment_b=x', { filters: {} })).toBe('?segment_b=x');
  });
  it('compares B with the shared filters and its own segment', () => {
    const [a, b] = comparedSegments({ device: 'mobile', segment: 'converted' }, 'had_error');
    expect(a!.filters).toEqual({ device: 'mobile', segment: 'converted' });
    expect(b!.filters).toEqual({ device: 'mobile', segment: 'had_error' });
    expect(a!.label).toBe('A · converted');
    expect(comparedSegments({}, null)).toHaveLength(1);
    expect(comparedSegments({}, 'x')[0]!.label).toBe('A · All sessions');
  });
  it('writes filters as an expression with quoted strings', () => {
    expect(segmentString('say "hi" \\o/')).toBe('"say \\"hi\\" \\\\o/"');
    expect(filtersAsSegment({ visitor_type: 'new', utm_source: 'news' })).toBe('utm_source = "news" AND visitor = "new"');
    expect(filtersAsSegment({})).toBeNull();
  });
});
