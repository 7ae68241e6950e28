// The replay page's frustration parts: detections as timeline markers, the summary's moments on the replay
// clock, `?at=` deep links.
import { describe, expect, it } from 'vitest';
import type { Moment, StoredEvent } from '../src/api/types';
import {
  currentRowIndex,
  detectionSignals,
  eventSeekTime,
  markerPercent,
  momentKindLabel,
  momentRows,
  pageviewAt,
  parseAtParam,
  resolveStartAt,
  timelineMarkers,
} from '../src/lib/replay';

const T0 = 1_796_157_332_197;
const pv = (dt: number, pageview: string) => ({ type: 'pageview', pageview, ts: T0 + dt });
const EVENTS = [pv(0, 'pv1'), { type: 'click', pageview: 'pv1', ts: T0 + 2_998 }, pv(12_932, 'pv2'), pv(24_374, 'pv3')] as StoredEvent[];

describe('detections on the timeline', () => {
  const detections = [
    { kind: 'dead_click', ts: T0 + 2_998, element: '[data-sl-zone="product-image"]', pageview: 'pv1' },
    { kind: 'u_turn', ts: T0 + 12_000, element: null, pageview: 'pv2' },
    { kind: 'brand_new', ts: Number.NaN, element: 'x', pageview: 'pv1' },
  ];

  it('labels each by kind and element and keeps its pageview; drops a detection without a time', () => {
    expect(detectionSignals(detections)).toEqual([
      { ts: T0 + 2_998, label: 'Dead click on [data-sl-zone="product-image"]', pageview: 'pv1' },
      { ts: T0 + 12_000, label: 'U-turn', pageview: 'pv2' },
    ]);
  });

  it('puts them on the frustration lane at their session time, carrying the pageview a click seeks on', () => {
    const markers = timelineMarkers(EVENTS, T0, detectionSignals(detections)).filter((m) => m.kind === 'frustration');
    expect(markers.map((m) => [m.t, m.index, m.pageview])).toEqual([
      [2_998, -1, 'pv1'],
      [12_000, -1, 'pv2'],
    ]);
    // on an 82 s session the first sits at 3.6 % of the lane
    expect(markerPercent(markers[0]!.t, 82_224)).toBeCloseTo(3.646, 2);
    // a click lands on its page's recording (pv2 can be shown from 13.5 s), not the previous page's last frame
    const starts = new Map([['pv2', 13_500]]);
    expect(eventSeekTime(markers[1]!.t, markers[1]!.pageview, starts)).toBe(13_500);
    expect(eventSeekTime(markers[0]!.t, markers[0]!.pageview, starts)).toBe(2_998);
  });
});

describe('summary moments', () => {
  const moments: Moment[] = [
    { ts: T0 + 12_932, offset_ms: 12_932, kind: 'page', text: 'Opened /demo/cart.html' },
    { ts: T0, offset_ms: 0, kind: 'page', text: 'Opened /demo/product.html' },
    { ts: T0 + 2_998, offset_ms: 2_998, kind: 'dead_click', text: 'Dead click on `#img`' },
    { ts: T0 + 82_224, offset_ms: 82_224, kind: 'form_abandonment', text: 'Abandoned form field on `#security-code`' },
  ];

  it('are placed on the replay clock by their time, in order, with the pageview they fall in', () => {
    const rows = momentRows(moments, EVENTS, T0);
    expect(rows.map((r) => [r.t, r.kind, r.pageview])).toEqual([
      [0, 'page', 'pv1'],
      [2_998, 'dead_click', 'pv1'],
      [12_932, 'page', 'pv2'],
      [82_224, 'form_abandonment', 'pv3'],
    ]);
    // the one to highlight while playing
    expect(currentRowIndex(rows, 13_000)).toBe(2);
  });

  it('use the clock of the page: a later start moves them earlier, never before 0', () => {
    expect(momentRows(moments, EVENTS, T0 + 3_000).map((r) => r.t)).toEqual([0, 0, 9_932, 79_224]);
  });

  it('name their kind', () => {
    expect(momentKindLabel('page')).toBe('Page');
    expect(momentKindLabel('conversion')).toBe('Conversion');
    expect(momentKindLabel('rage_click')).toBe('Rage click');
  });
});

describe('pageviewAt', () => {
  it('is the last pageview at or before the moment, else the first', () => {
    expect(pageviewAt(EVENTS, T0 + 12_931)).toBe('pv1');
    expect(pageviewAt(EVENTS, T0 + 12_932)).toBe('pv2');
    expect(pageviewAt(EVENTS, T0 - 10)).toBe('pv1');
    expect(pageviewAt([], T0)).toBeUndefined();
  });
});

describe('?at= deep links', () => {
  it('takes whole ms since the epoch only', () => {
    expect(parseAtParam('1796157414421')).toBe(1796157414421);
    expect(parseAtParam(' 5 ')).toBe(5);
    expect(parseAtParam('-5')).toBeNull();
    expect(parseAtParam('1e12')).toBeNull();
    expect(parseAtParam('9999999999999999')).toBeNull();
    expect(parseAtParam(null)).toBeNull();
  });
  it('opens at `t` when given, else at `at` on the session clock (not before its start)', () => {
    expect(resolveStartAt(1_500, T0 + 82_224, T0)).toBe(1_500);
    expect(resolveStartAt(null, T0 + 82_224, T0)).toBe(82_224);
    expect(resolveStartAt(null, T0 - 1_000, T0)).toBe(0);
    expect(resolveStartAt(null, null, T0)).toBeNull();
  });
});
