import { describe, expect, it } from 'vitest';
import type { Problem } from '../src/api/types';
import {
  MIN_GROUP_SESSIONS,
  formatConversionPair,
  formatDifference,
  formatEstimate,
  formatMoney,
  formatPp,
  intervalGeometry,
  intervalScale,
  parseProblemParams,
  problemElementText,
  problemReplayPath,
  problemSessionsPath,
  problemSessionsSearch,
  problemsApiQuery,
  problemsSearch,
  significance,
} from '../src/lib/problems';
import { parseSessionParams, sessionsApiQuery } from '../src/lib/sessions';
import { parseFilters } from '../src/lib/filters';
import { rangeFromParams } from '../src/lib/dates';

const DAY = 86_400_000;
const NOV_3 = Date.UTC(2026, 10, 3);
const DEC_2 = Date.UTC(2026, 11, 2);

describe('differences in percentage points', () => {
  it('writes a rate difference with a real minus sign, one decimal and "pp"', () => {
    expect(formatPp(-0.123)).toBe('\u221212.3 pp');
    expect(formatPp(0.04)).toBe('+4.0 pp');
    expect(formatPp(0)).toBe('0.0 pp');
    expect(formatPp(NaN)).toBe('—');
  });
  it('never shows a negative zero', () => {
    expect(formatPp(-0.0004)).toBe('0.0 pp');
    expect(formatDifference({ estimate: -0.0001, low: -0.0002, high: 0.0003 })).toBe('0.0 pp (0.0 to 0.0)');
  });
  it('writes the 95 % interval after the estimate', () => {
    expect(formatDifference({ estimate: -0.123, low: -0.18, high: -0.065 })).toBe('\u221212.3 pp (\u221218.0 to \u22126.5)');
    expect(formatDifference({ estimate: -0.0656, low: -0.17997, high: 0.0487 })).toBe('\u22126.6 pp (\u221218.0 to +4.9)');
    expect(formatDifference({ estimate: 0.2, low: Infinity, high: 0.3 })).toBe('—');
  });
  it('writes conversion rates side by side', () => {
    expect(formatConversionPair(0.10869, 0.925)).toBe('10.9% vs 92.5%');
  });
  it('rounds estimates and money readably', () => {
    expect(formatEstimate(37.78)).toBe('37.8');
    expect(formatEstimate(4.397)).toBe('4.4');
    expect(formatEstimate(0.01)).toBe('0');
    expect(formatEstimate(1234.4)).toBe('1,234');
    expect(formatMoney(16134.27)).toBe('16,134');
    expect(formatMoney(59.8)).toBe('59.80');
    expect(formatMoney(0)).toBe('0');
    expect(formatMoney(undefined)).toBe('—');
  });
});

describe('significance', () => {
  const p = (significant: boolean, a: number, u: number) => ({ significant, sessions_affected: a, sessions_unaffected: u });
  it('follows the server, and explains a non-significant result by the group sizes', () => {
    expect(significance(p(true, 46, 80))).toBe('significant');
    expect(significance(p(false, 67, 201))).toBe('not_significant');
    expect(significance(p(false, MIN_GROUP_SESSIONS - 1, 500))).toBe('too_few');
    expect(significance(p(false, 500, MIN_GROUP_SESSIONS - 1))).toBe('too_few');
    expect(significance(p(false, MIN_GROUP_SESSIONS, MIN_GROUP_SESSIONS))).toBe('not_significant');
  });
});

describe('the interval on a shared axis', () => {
  it('holds every interval, in 5 pp steps between 5 pp and 100 pp', () => {
    expect(intervalScale([{ estimate: -0.82, low: -0.944, high: -0.699 }, { estimate: 0.01, low: -0.1, high: 0.12 }])).toBeCloseTo(0.95);
    expect(intervalScale([{ estimate: 0.001, low: -0.002, high: 0.003 }])).toBe(0.05);
    expect(intervalScale([{ estimate: 0.1, low: 0.05, high: 0.15 }])).toBeCloseTo(0.15);
    expect(intervalScale([{ estimate: -2, low: -3, high: 1 }])).toBe(1);
    expect(intervalScale([])).toBe(0.05);
  });
  it('puts no difference in the middle and clamps to the ends', () => {
    expect(intervalGeometry({ estimate: 0, low: -0.1, high: 0.1 }, 0.2)).toEqual({ low: 25, high: 75, estimate: 50 });
    expect(intervalGeometry({ estimate: -0.5, low: -0.9, high: -0.3 }, 0.5)).toEqual({ low: 0, high: 20, estimate: 0 });
    expect(intervalGeometry({ estimate: 0.1, low: 0.2, high: 0.05 }, 0.2)).toEqual({ low: 62.5, high: 100, estimate: 75 });
    expect(intervalGeometry({ estimate: NaN, low: -0.1, high: 0.1 }, 0)).toEqual({ low: 45, high: 55, estimate: 50 });
  });
});

describe('URL state', () => {
  it('reads a known kind and a page group, ignoring anything else', () => {
    expect(parseProblemParams('kind=rage_click&page_group=%2Fcart&device=mobile')).toEqual({ kind: 'rage_click', page_group: '/cart' });
    expect(parseProblemParams('kind=clicky&page_group=%20')).toEqual({});
  });
  it('replaces only its own parameters', () => {
    expect(problemsSearch('?from=2026-11-01&kind=u_turn&device=mobile', { page_group: '/cart' })).toBe('?from=2026-11-01&device=mobile&page_group=%2Fcart');
    expect(problemsSearch('?kind=u_turn', {})).toBe('');
  });
  it('sends range, shared filters, kind and page group to the API', () => {
    expect(problemsApiQuery({ from: '2026-11-01', to: '2026-11-30' }, { device: 'mobile' }, { kind: 'dead_click', page_group: '/p' })).toEqual({
      from: '2026-11-01',
      to: '2026-11-30',
      device: 'mobile',
      kind: 'dead_click',
      page_group: '/p',
    });
  });
});

describe('links of a problem', () => {
  const url =
    `/api/v1/sites/929fdc3fa67a1814b9e2b5cd/sessions?from=${NOV_3}&to=${DEC_2 + DAY}` +
    '&frustration=form_abandonment&frustration_page=%2Fdemo%2Fcheckout.html&frustration_element=%23security-code';

  it("maps sessions_url's ms range (to exclusive) onto whole days, keeping its frustration filters", () => {
    const search = problemSessionsSearch(url);
    const params = new URLSearchParams(search);
    expect(params.get('from')).toBe('2026-11-03');
    expect(params.get('to')).toBe('2026-12-02');
    expect(params.get('frustration')).toBe('form_abandonment');
    expect(params.get('frustration_page')).toBe('/demo/checkout.html');
    expect(params.get('frustration_element')).toBe('#security-code');
    expect(rangeFromParams(params).range).toEqual({ from: '2026-11-03', to: '2026-12-02' });
  });

  it('gives a query the sessions list turns into the same API filters', () => {
    const search = problemSessionsSearch(url, { device: 'mobile' });
    const state = parseSessionParams(search);
    expect(state.filters).toMatchObject({ frustration: 'form_abandonment', frustration_page: '/demo/checkout.html', frustration_element: '#security-code' });
    const q = sessionsApiQuery(rangeFromParams(new URLSearchParams(search)).range, parseFilters(search), state);
    expect(q).toMatchObject({
      from: '2026-11-03',
      to: '2026-12-02',
      device: 'mobile',
      frustration: 'form_abandonment',
      frustration_page: '/demo/checkout.html',
      frustration_element: '#security-code',
    });
  });

  it('keeps the range of a ms range that is not whole days, and day ranges as they are', () => {
    const odd = problemSessionsSearch(`/api/v1/sites/k/sessions?from=${NOV_3 + 5_000}&to=${NOV_3 + 7_000}&frustration=u_turn&frustration_page=%2F`);
    expect(new URLSearchParams(odd).get('from')).toBe('2026-11-03');
    expect(new URLSearchParams(odd).get('to')).toBe('2026-11-03');
    const days = problemSessionsSearch('/api/v1/sites/k/sessions?from=2026-11-01&to=2026-11-02&frustration=u_turn');
    expect(days).toBe('?frustration=u_turn&from=2026-11-01&to=2026-11-02');
  });

  it("lets the URL's own filters win over the shared ones and drops unknown parameters", () => {
    const s = problemSessionsSearch('/api/v1/sites/k/sessions?frustration=u_turn&device=tablet&limit=3', { device: 'mobile', channel: 'email' });
    expect(s).toBe('?frustration=u_turn&device=tablet&channel=email');
  });

  it('survives a URL without a query', () => {
    expect(problemSessionsSearch('/api/v1/sites/k/sessions')).toBe('');
    expect(problemSessionsPath('my site', { sessions_url: '' })).toBe('/sites/my%20site/sessions');
  });

  it('opens the replay at the occurrence (ms since the epoch), only with a session', () => {
    expect(problemReplayPath('k', { replay_session: 'a/b', replay_ts: 1796157414421 })).toBe('/sites/k/replay/a%2Fb?at=1796157414421');
    expect(problemReplayPath('k', { replay_session: 's1', replay_ts: null })).toBe('/sites/k/replay/s1');
    expect(problemReplayPath('k', { replay_session: null, replay_ts: 5 })).toBeNull();
  });

  it("names a JS error problem's element by the error's message when it is known", () => {
    const titles = new Map([['8cd0', 'TypeError: x']]);
    const p = (kind: string, element: string | null) => ({ kind, element }) as Pick<Problem, 'kind' | 'element'>;
    expect(problemElementText(p('js_error', '8cd0'), titles)).toBe('TypeError: x');
    expect(problemElementText(p('js_error', 'ffff'), titles)).toBe('ffff');
    expect(problemElementText(p('dead_click', '8cd0'), titles)).toBe('8cd0');
    expect(problemElementText(p('u_turn', null), titles)).toBeNull();
  });
});
