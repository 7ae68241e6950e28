import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../src/api/types';
import {
  currentRowIndex,
  eventRows,
  eventSeekTime,
  formatClock,
  pageviewRecordingStarts,
  markerPercent,
  parseTimeParam,
  replayClock,
  replayClockShift,
  sessionInfo,
  summaryLine,
  timelineMarkers,
  toPlayerTime,
  toSessionTime,
} from '../src/lib/replay';

const T0 = 1_764_380_000_000;
let n = 0;
function ev(type: string, dt: number, extra: Partial<StoredEvent> = {}): StoredEvent {
  return { ts: T0 + dt, type, pageview: 'pv1', visitor: 'v1', device: 'desktop', browser: 'Chrome', os: 'Linux', channel: null, ...extra, name: extra.name ?? null, path: extra.path ?? `/p${n++}` } as StoredEvent;
}

const EVENTS: StoredEvent[] = [
  ev('pageview', 0, { path: '/', channel: 'organic_search', name: 'Home' }),
  ev('scroll', 800),
  ev('click', 1200, { selector: '#buy', text: 'Buy now', changed: true }),
  ev('error', 1500, { name: "TypeError: x is undefined" }),
  ev('pageview', 3000, { path: '/checkout', pageview: 'pv2' }),
  ev('input', 3500, { name: 'focus', selector: '#email' }),
  ev('input', 4000, { name: 'abandon', selector: '#email' }),
  ev('request', 4200, { name: '/api/cart', tag: 'POST', value: 500 }),
  ev('request', 4300, { name: '/api/ok', tag: 'GET', value: 200 }),
  ev('custom', 5000, { name: 'purchase', revenue: 59.9, text: 'EUR' }),
  ev('click', 2000, { selector: '.img', text: null, changed: false }),
  ev('pageleave', 6000),
];

describe('timelineMarkers', () => {
  it('places pageviews, clicks, errors and custom events on the session clock, in time order', () => {
    const m = timelineMarkers(EVENTS, T0);
    expect(m.map((x) => [x.kind, x.t])).toEqual([
      ['page', 0],
      ['click', 1200],
      ['error', 1500],
      ['click', 2000],
      ['page', 3000],
      ['custom', 5000],
    ]);
    expect(m[0]!.label).toBe('/');
    expect(m[1]!.label).toBe('Click “Buy now”');
    expect(m[2]!.label).toBe('Error: TypeError: x is undefined');
    expect(m[3]!.label).toBe('Click .img');
    expect(m[1]!.index).toBe(2);
  });
  it('puts frustration signals on their own lane, and never before the start', () => {
    const m = timelineMarkers([ev('click', 100, { selector: 'a' })], T0 + 50, [{ ts: T0 + 120, label: 'Rage click' }, { ts: T0, label: 'early' }]);
    expect(m.map((x) => [x.kind, x.t, x.label])).toEqual([
      ['frustration', 0, 'early'],
      ['click', 50, 'Click a'],
      ['frustration', 70, 'Rage click'],
    ]);
  });
  it('positions markers in percent of the duration, clamped', () => {
    expect(markerPercent(500, 2000)).toBe(25);
    expect(markerPercent(5000, 2000)).toBe(100);
    expect(markerPercent(-1, 2000)).toBe(0);
    expect(markerPercent(10, 0)).toBe(0);
  });
});

describe('eventRows', () => {
  it('lists what a viewer looks for, with times from the session start', () => {
    const rows = eventRows(EVENTS, T0);
    expect(rows.map((r) => [formatClock(r.t), r.type, r.text])).toEqual([
      ['0:00', 'Page', '/'],
      ['0:01', 'Click', '“Buy now”'],
      ['0:01', 'Error', 'TypeError: x is undefined'],
      ['0:02', 'Click', '.img (nothing happened)'],
      ['0:03', 'Page', '/checkout'],
      ['0:04', 'Form', 'Abandoned at #email'],
      ['0:04', 'Request', '500 POST /api/cart'],
      ['0:05', 'Event', 'purchase · 59.90 EUR'],
    ]);
    expect(rows[1]!.detail).toBe('#buy');
    expect(rows[3]!.detail).toBeUndefined(); // the selector is already the text
    expect(rows[0]!.detail).toBe('Home');
  });
  it('finds the current row: the last at or before the time', () => {
    const rows = [{ t: 0 }, { t: 1000 }, { t: 1000 }, { t: 5000 }];
    expect(currentRowIndex(rows, -1)).toBe(-1);
    expect(currentRowIndex(rows, 0)).toBe(0);
    expect(currentRowIndex(rows, 999)).toBe(0);
    expect(currentRowIndex(rows, 1000)).toBe(2);
    expect(currentRowIndex(rows, 4999)).toBe(2);
    expect(currentRowIndex(rows, 9e9)).toBe(3);
    expect(currentRowIndex([], 10)).toBe(-1);
  });
});

describe('time formatting', () => {
  it('formats a player clock, floored to the second', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(999)).toBe('0:00');
    expect(formatClock(65_999)).toBe('1:05');
    expect(formatClock(600_000)).toBe('10:00');
    expect(formatClock(3_723_000)).toBe('1:02:03');
    expect(formatClock(-5)).toBe('0:00');
    expect(formatClock(Number.NaN)).toBe('–:––');
    expect(formatClock(null)).toBe('–:––');
  });
  it('reads ?t= as whole ms', () => {
    expect(parseTimeParam('12500')).toBe(12500);
    expect(parseTimeParam('0')).toBe(0);
    expect(parseTimeParam(null)).toBeNull();
    expect(parseTimeParam('')).toBeNull();
    expect(parseTimeParam('-3')).toBeNull();
    expect(parseTimeParam('1.5')).toBeNull();
    expect(parseTimeParam('12s')).toBeNull();
  });
});

describe('sessionInfo', () => {
  it('sums up the session from its events', () => {
    const info = sessionInfo(EVENTS)!;
    expect(info).toMatchObject({
      start: T0,
      end: T0 + 6000,
      durationMs: 6000,
      device: 'desktop',
      browser: 'Chrome',
      os: 'Linux',
      channel: 'organic_search',
      entryPage: '/',
      exitPage: '/checkout',
      pages: 2,
      clicks: 2,
      errors: 1,
      revenue: 59.9,
      conversions: 1,
    });
    expect(summaryLine(info)).toBe('Desktop · Chrome on Linux · Organic search · 2 pages, 2 clicks, 1 error · converted (59.90)');
    expect(sessionInfo([])).toBeNull();
  });
});

describe('replay clock', () => {
  const chunks = [
    { pageview: 'pv1', chunk: 0, first_ts: T0 + 300 },
    { pageview: 'pv1', chunk: 1, first_ts: T0 + 5300 },
  ];
  it('trusts the recording’s clock when it starts near its pageview', () => {
    expect(replayClockShift(chunks, EVENTS)).toBe(0);
  });
  it('shifts a recording whose client clock was off (the server corrected only the events)', () => {
    const skewed = chunks.map((c) => ({ ...c, first_ts: c.first_ts - 3_600_000 }));
    expect(replayClockShift(skewed, EVENTS)).toBe(3_600_000 - 300);
    expect(replayClockShift(skewed, [])).toBe(0);
  });
  it('maps the session clock to the player clock and back', () => {
    // recording from T0+300 to T0+7000; events from T0 to T0+6000
    const c = replayClock(T0, T0 + 6000, T0 + 300, T0 + 7000);
    expect(c).toEqual({ offset: 300, duration: 7000 });
    expect(toPlayerTime(c, 1300, 6700)).toBe(1000);
    expect(toPlayerTime(c, 100, 6700)).toBe(0);
    expect(toPlayerTime(c, 99_999, 6700)).toBe(6700);
    expect(toSessionTime(c, 1000)).toBe(1300);
    const shifted = replayClock(T0, T0 + 6000, T0 - 3_600_000, T0 - 3_594_000, 3_600_100);
    expect(shifted).toEqual({ offset: 100, duration: 6100 });
  });
});

describe('seeking to an event', () => {
  const chunks = [
    { pageview: 'pv1', first_ts: T0 + 300, last_ts: T0 + 5000 },
    { pageview: 'pv1', first_ts: T0 + 5300, last_ts: T0 + 5400 },
    { pageview: 'pv2', first_ts: T0 + 3400, last_ts: T0 + 3425 },
  ];
  it('knows where each pageview can first be shown: just after its full snapshot', () => {
    expect([...pageviewRecordingStarts(chunks, [T0 + 301, T0 + 3425], T0)]).toEqual([
      ['pv1', 302],
      ['pv2', 3426],
    ]);
    // snapshots not loaded yet: the first chunk's start
    expect([...pageviewRecordingStarts(chunks, [], T0)]).toEqual([
      ['pv1', 300],
      ['pv2', 3400],
    ]);
  });
  it('shows a pageview on its own recording, not the previous page’s last frame', () => {
    const starts = pageviewRecordingStarts(chunks, [T0 + 301, T0 + 3425], T0);
    expect(eventSeekTime(3000, 'pv2', starts)).toBe(3426);
    expect(eventSeekTime(4000, 'pv2', starts)).toBe(4000);
    expect(eventSeekTime(3000, 'pv9', starts)).toBe(3000);
    expect(eventSeekTime(3000, undefined, starts)).toBe(3000);
  });
});
