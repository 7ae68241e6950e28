import { describe, expect, it } from 'vitest';
import {
  FILTER_KEYS,
  apiQuery,
  buildSearch,
  filterCount,
  filterValueLabel,
  parseFilters,
  withFilter,
  withoutFilters,
} from '../src/lib/filters';

describe('parseFilters', () => {
  it('reads every known filter from the query string', () => {
    const q = 'device=mobile&browser=Firefox&os=iOS&channel=email&utm_source=news&utm_medium=mail&utm_campaign=spring&page=%2Fpricing&entry_page=%2F&visitor_type=returning';
    expect(parseFilters(q)).toEqual({
      device: 'mobile',
      browser: 'Firefox',
      os: 'iOS',
      channel: 'email',
      utm_source: 'news',
      utm_medium: 'mail',
      utm_campaign: 'spring',
      page: '/pricing',
      entry_page: '/',
      visitor_type: 'returning',
    });
  });
  it('ignores unknown keys, empty and unusable values', () => {
    expect(parseFilters('foo=bar&device=&browser=%20%20&visitor_type=sometimes&from=2026-01-01&page=' + 'x'.repeat(513))).toEqual({});
  });
  it('trims values and keeps characters that need encoding', () => {
    expect(parseFilters('page=%20%2Fsearch%3Fq%3Da%26b%20&utm_campaign=%C3%A9t%C3%A9+2026')).toEqual({ page: '/search?q=a&b', utm_campaign: 'été 2026' });
  });
});

describe('serialisation', () => {
  it('round-trips through the URL', () => {
    const filters = { page: '/a b/ç?x=1&y', channel: 'paid_search', visitor_type: 'new' };
    const search = buildSearch('', { range: { from: '2026-01-01', to: '2026-01-31' }, filters });
    expect(search).toBe('?from=2026-01-01&to=2026-01-31&channel=paid_search&page=%2Fa+b%2F%C3%A7%3Fx%3D1%26y&visitor_type=new');
    expect(parseFilters(search)).toEqual(filters);
  });
  it('writes a canonical order whatever order the filters were added in', () => {
    const a = withFilter(withFilter('', 'page', '/x'), 'device', 'tablet');
    const b = withFilter(withFilter('', 'device', 'tablet'), 'page', '/x');
    expect(a).toBe(b);
    expect(a).toBe('?device=tablet&page=%2Fx');
  });
  it('keeps the range and other parameters when a filter changes', () => {
    expect(withFilter('?site=abc&from=2026-01-01&to=2026-01-02&device=mobile', 'browser', 'Safari')).toBe(
      '?site=abc&from=2026-01-01&to=2026-01-02&device=mobile&browser=Safari',
    );
  });
  it('removes a filter with null or an empty value, and all with withoutFilters', () => {
    expect(withFilter('?device=mobile&browser=Safari', 'device', null)).toBe('?browser=Safari');
    expect(withFilter('?device=mobile', 'device', '  ')).toBe('');
    expect(withoutFilters('?from=2026-01-01&device=mobile&page=%2F')).toBe('?from=2026-01-01');
  });
  it('replaces or removes the range', () => {
    expect(buildSearch('?from=2026-01-01&to=2026-01-02&device=mobile', { range: null })).toBe('?device=mobile');
    expect(buildSearch('?device=mobile', { range: { from: '2026-02-01', to: '2026-02-03' } })).toBe('?from=2026-02-01&to=2026-02-03&device=mobile');
  });
});

describe('apiQuery', () => {
  it('uses the API parameter names, so the URL state is the API query', () => {
    expect(apiQuery({ from: '2026-01-01', to: '2026-01-31' }, { device: 'mobile', utm_source: 'x' })).toEqual({
      from: '2026-01-01',
      to: '2026-01-31',
      device: 'mobile',
      utm_source: 'x',
    });
  });
  it('knows exactly the filters the overview endpoint takes (the segment expression included)', () => {
    expect([...FILTER_KEYS].sort()).toEqual(
      ['browser', 'channel', 'device', 'entry_page', 'os', 'page', 'segment', 'utm_campaign', 'utm_medium', 'utm_source', 'visitor_type'].sort(),
    );
  });
});

describe('labels', () => {
  it('shows human labels for closed sets and raw values otherwise', () => {
    expect(filterValueLabel('channel', 'organic_social')).toBe('Organic social');
    expect(filterValueLabel('device', 'tablet')).toBe('Tablet');
    expect(filterValueLabel('visitor_type', 'returning')).toBe('Returning visitors');
    expect(filterValueLabel('browser', 'Firefox')).toBe('Firefox');
    expect(filterCount({ device: 'mobile', page: '/' })).toBe(2);
  });
});
