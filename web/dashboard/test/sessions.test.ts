import { describe, expect, it } from 'vitest';
import { buildSearch, withFilter } from '../src/lib/filters';
import {
  DEFAULT_LIMIT,
  MAX_OFFSET,
  hasNextPage,
  hasPrevPage,
  pageBy,
  pageLabel,
  parseSessionParams,
  sessionFilterCount,
  sessionSearch,
  sessionsApiQuery,
  toggleSort,
  updateSessionState,
} from '../src/lib/sessions';

const defaults = parseSessionParams('');

describe('parseSessionParams', () => {
  it('has defaults for an empty query', () => {
    expect(defaults).toEqual({ sort: 'started', order: 'desc', limit: DEFAULT_LIMIT, offset: 0, filters: {} });
  });
  it('reads sort, order, paging and every session filter', () => {
    const s = parseSessionParams(
      'sort=duration&order=asc&limit=100&offset=200&has_replay=true&had_error=false&converted=true&min_duration_ms=30000&max_duration_ms=600000' +
        '&min_active_ms=5000&min_pages=2&max_pages=9&min_revenue=10.5&clicked=%23buy',
    );
    expect(s).toEqual({
      sort: 'duration',
      order: 'asc',
      limit: 100,
      offset: 200,
      filters: {
        has_replay: true,
        had_error: false,
        converted: true,
        min_duration_ms: 30000,
        max_duration_ms: 600000,
        min_active_ms: 5000,
        min_pages: 2,
        max_pages: 9,
        min_revenue: 10.5,
        clicked: '#buy',
      },
    });
  });
  it('repairs or ignores unusable values (the server would answer 400)', () => {
    const s = parseSessionParams('sort=random&order=up&limit=0&offset=-5&has_replay=yes&min_duration_ms=1.5&min_pages=abc&min_revenue=-1&clicked=%20%20');
    expect(s).toEqual(defaults);
    expect(parseSessionParams('limit=9999').limit).toBe(500);
    expect(parseSessionParams(`offset=${MAX_OFFSET + 1}`).offset).toBe(MAX_OFFSET);
    expect(parseSessionParams(`clicked=${'x'.repeat(513)}`).filters).toEqual({});
  });
});

describe('sessionSearch', () => {
  it('leaves defaults out and keeps the range and shared filters in their place', () => {
    expect(sessionSearch('from=2026-01-01&to=2026-01-07&device=mobile', defaults)).toBe('?from=2026-01-01&to=2026-01-07&device=mobile');
    expect(sessionSearch('', defaults)).toBe('');
  });
  it('writes the state in a fixed order and round-trips', () => {
    const state = updateSessionState(defaults, { sort: 'revenue', order: 'asc', limit: 25, filters: { clicked: '.add', has_replay: true, min_duration_ms: 10000 } });
    const search = sessionSearch('device=mobile&sort=pages&offset=50', { ...state, offset: 75 });
    expect(search).toBe('?device=mobile&has_replay=true&min_duration_ms=10000&clicked=.add&sort=revenue&order=asc&limit=25&offset=75');
    expect(parseSessionParams(search)).toEqual({ ...state, offset: 75 });
  });
  it('drops a filter set to null', () => {
    const state = parseSessionParams('had_error=true&converted=false');
    expect(sessionSearch('had_error=true&converted=false', updateSessionState(state, { filters: { had_error: null } }))).toBe('?converted=false');
  });
});

describe('changing the list', () => {
  const onPage3 = parseSessionParams('sort=clicks&offset=100');
  it('a filter, sort or page size change goes back to the first page', () => {
    expect(updateSessionState(onPage3, { filters: { converted: true } }).offset).toBe(0);
    expect(updateSessionState(onPage3, { limit: 100 }).offset).toBe(0);
    expect(toggleSort(onPage3, 'duration').offset).toBe(0);
    expect(updateSessionState(onPage3, { offset: 150 }).offset).toBe(150);
  });
  it('a shared filter or range change in the URL drops the offset too', () => {
    expect(withFilter('sort=clicks&offset=100', 'device', 'mobile')).toBe('?sort=clicks&device=mobile');
    expect(buildSearch('offset=100&sort=clicks', { range: { from: '2026-01-01', to: '2026-01-02' } })).toBe('?sort=clicks&from=2026-01-01&to=2026-01-02');
  });
  it('toggleSort flips the order of the sorted column and starts another column descending', () => {
    const byClicksDesc = parseSessionParams('sort=clicks');
    expect(toggleSort(byClicksDesc, 'clicks')).toMatchObject({ sort: 'clicks', order: 'asc' });
    expect(toggleSort(toggleSort(byClicksDesc, 'clicks'), 'clicks')).toMatchObject({ sort: 'clicks', order: 'desc' });
    expect(toggleSort(parseSessionParams('sort=clicks&order=asc'), 'errors')).toMatchObject({ sort: 'errors', order: 'desc' });
  });
  it('pages forward and back, never before the first page', () => {
    const s = parseSessionParams('limit=25');
    expect(pageBy(s, 1).offset).toBe(25);
    expect(pageBy(pageBy(s, 1), -1).offset).toBe(0);
    expect(pageBy(s, -1).offset).toBe(0);
    expect(hasPrevPage(s)).toBe(false);
    expect(hasPrevPage(pageBy(s, 1))).toBe(true);
    expect(hasNextPage(s, 25)).toBe(false);
    expect(hasNextPage(s, 26)).toBe(true);
    expect(hasNextPage(pageBy(s, 1), 50)).toBe(false);
  });
  it('counts the session filters set', () => {
    expect(sessionFilterCount({})).toBe(0);
    expect(sessionFilterCount({ has_replay: false, clicked: 'a' })).toBe(2);
  });
});

describe('pageLabel', () => {
  it('says which rows are shown out of how many', () => {
    expect(pageLabel(0, 50, 1234)).toBe('1–50 of 1,234');
    expect(pageLabel(50, 10, 60)).toBe('51–60 of 60');
    expect(pageLabel(0, 0, 0)).toBe('0 of 0');
  });
});

describe('sessionsApiQuery', () => {
  it('is the range, the shared filters, sort, paging and the session filters under the API names', () => {
    const state = parseSessionParams('sort=errors&order=asc&limit=25&offset=25&has_replay=true&min_duration_ms=60000&clicked=%23go&min_revenue=5');
    expect(sessionsApiQuery({ from: '2026-01-01', to: '2026-01-31' }, { device: 'mobile', page: '/pricing' }, state)).toEqual({
      from: '2026-01-01',
      to: '2026-01-31',
      device: 'mobile',
      page: '/pricing',
      sort: 'errors',
      order: 'asc',
      limit: 25,
      offset: 25,
      has_replay: true,
      min_duration_ms: 60000,
      min_revenue: 5,
      clicked: '#go',
    });
  });
});

describe('friction and frustration', () => {
  it('sorts by friction', () => {
    expect(parseSessionParams('sort=friction').sort).toBe('friction');
    expect(toggleSort(defaults, 'friction')).toMatchObject({ sort: 'friction', order: 'desc' });
  });
  it('reads a known frustration kind and its page and element; ignores an unknown kind', () => {
    const s = parseSessionParams('frustration=rage_click&frustration_page=%2Fcart&frustration_element=%23buy');
    expect(s.filters).toEqual({ frustration: 'rage_click', frustration_page: '/cart', frustration_element: '#buy' });
    expect(parseSessionParams('frustration=angry').filters).toEqual({});
  });
  it('keeps them in the URL and sends them to the API', () => {
    const state = updateSessionState(defaults, { sort: 'friction', filters: { frustration: 'dead_click', frustration_element: '#img' } });
    expect(sessionSearch('?from=2026-11-01', state)).toBe('?from=2026-11-01&frustration=dead_click&frustration_element=%23img&sort=friction');
    expect(sessionsApiQuery({ from: '2026-11-01', to: '2026-11-30' }, {}, state)).toMatchObject({
      sort: 'friction',
      frustration: 'dead_click',
      frustration_element: '#img',
    });
    expect(sessionFilterCount(state.filters)).toBe(2);
  });
  it('drops them with the other session filters', () => {
    const state = parseSessionParams('frustration=u_turn&frustration_page=%2F&offset=50');
    const cleared = updateSessionState(state, { filters: { frustration: null, frustration_page: null } });
    expect(cleared.filters).toEqual({});
    expect(cleared.offset).toBe(0);
  });
});
