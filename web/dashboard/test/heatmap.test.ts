import { describe, expect, it } from 'vitest';
import type { ZoneStats } from '../src/api/types';
import { extent, heatIntensity, normalise, paletteTable, RAMP, rampColour } from '../src/heatmap/colour';
import {
  attentionBands,
  byAreaDescending,
  cellCentres,
  fitScale,
  foldLines,
  pageBox,
  placePoints,
  pointInBox,
  reachBands,
  tooltipPlace,
  type Box,
} from '../src/heatmap/geometry';
import { COLOUR_METRIC_IDS, ZONE_METRICS, formatMetric, formatMs, formatZoneMetric, sortZones, zoneMetric } from '../src/heatmap/metrics';
import { ignoredFilters, pageChoices, panelQuery, parseHeatmapView, previousPeriod, replayAtPath, withHeatmapParams } from '../src/heatmap/state';

const RANGE = { from: '2026-11-03', to: '2026-12-02' };

function zone(selector: string, over: Partial<ZoneStats> = {}): ZoneStats {
  return {
    selector,
    pageviews: 100,
    clicks: 0,
    time_before_first_click_ms: { median: null, p75: null },
    hesitation_ms: { median: null, p75: null },
    rage_clicks: 0,
    dead_clicks: 0,
    error_clicks: 0,
    revenue_clicked: 0,
    click_rate: null,
    ...over,
  };
}

describe('click point placement', () => {
  const box: Box = { left: 100, top: 2000, width: 200, height: 40 };

  it('puts rx/ry on the element box in page px', () => {
    expect(pointInBox(box, 0, 0)).toEqual({ x: 100, y: 2000 });
    expect(pointInBox(box, 0.5, 0.5)).toEqual({ x: 200, y: 2020 });
    expect(pointInBox(box, 0.25, 1)).toEqual({ x: 150, y: 2040 });
  });

  it('clamps positions outside 0..1 onto the box edge', () => {
    expect(pointInBox(box, 1.4, -0.2)).toEqual({ x: 300, y: 2000 });
  });

  it('adds the frame scroll to a viewport rectangle', () => {
    expect(pageBox({ left: 10, top: 20, width: 30, height: 40 }, 5, 700)).toEqual({ left: 15, top: 720, width: 30, height: 40 });
  });

  it('places found points and counts the clicks of missing or hidden elements', () => {
    const boxes: Record<string, Box | null> = {
      '#buy': { left: 0, top: 0, width: 100, height: 50 },
      '#hidden': { left: 0, top: 0, width: 0, height: 0 },
    };
    let lookups = 0;
    const res = placePoints(
      [
        { selector: '#buy', rx: 0.1, ry: 0.2, count: 5 },
        { selector: '#buy', rx: 0.9, ry: 0.8, count: 2 },
        { selector: '#gone', rx: 0.5, ry: 0.5, count: 7 },
        { selector: '#hidden', rx: 0.5, ry: 0.5, count: 1 },
      ],
      (s) => {
        lookups++;
        return boxes[s] ?? null;
      },
    );
    expect(res.placed).toEqual([
      { selector: '#buy', x: 10, y: 10, count: 5 },
      { selector: '#buy', x: 90, y: 40, count: 2 },
    ]);
    expect(res.missingClicks).toBe(8);
    expect(res.missingSelectors.sort()).toEqual(['#gone', '#hidden']);
    expect(lookups).toBe(3); // one look-up per selector
  });

  it('uses move cell centres', () => {
    expect(cellCentres([{ x: 40, y: 60, count: 3 }])).toEqual([{ x: 50, y: 70, count: 3 }]);
  });
});

describe('depth bands', () => {
  it('builds a 5 % band per reach depth with its share, labelled every 10 %, the 100 % one at the bottom', () => {
    const reach = [0, 5, 10, 15, 100].map((d, i) => ({ depth_pct: d, share: [1, 0.9, 0.72, 0.5, 0.08][i]! }));
    const bands = reachBands(reach, 2000);
    expect(bands.map((b) => [b.depth, b.top, b.share, b.labelled])).toEqual([
      [0, 0, 1, true],
      [5, 100, 0.9, false],
      [10, 200, 0.72, true],
      [15, 300, 0.5, false],
      [100, 2000, 0.08, true],
    ]);
    expect(bands[0]!.height).toBe(100);
    // the last listed depth before 100 runs to the next one listed
    expect(bands[3]!.height).toBe(1700);
    expect(bands[4]!.height).toBe(0);
  });

  it('sorts depths and clamps shares to 0..1', () => {
    const bands = reachBands(
      [
        { depth_pct: 5, share: 1.2 },
        { depth_pct: 0, share: -0.1 },
      ],
      1000,
    );
    expect(bands.map((b) => [b.depth, b.share])).toEqual([
      [0, 0],
      [5, 1],
    ]);
  });

  it('builds attention bands 5 % deep, without a band past 100 %', () => {
    const bands = attentionBands(
      [
        { depth_pct: 10, ms: 300 },
        { depth_pct: 0, ms: 8000 },
        { depth_pct: 100, ms: 5 },
      ],
      4000,
    );
    expect(bands.map((b) => [b.depth, b.top, b.height, b.ms])).toEqual([
      [0, 0, 200, 8000],
      [10, 400, 200, 300],
    ]);
  });

  it('places fold lines at their share of the document height, skipping devices without pageviews', () => {
    const lines = foldLines(
      [
        { device: 'desktop', pageviews: 10, fold_px: 800, fold_pct: 25 },
        { device: 'tablet', pageviews: 0, fold_px: 900, fold_pct: 40 },
      ],
      3200,
    );
    expect(lines).toEqual([{ device: 'desktop', y: 800, px: 800, pageviews: 10 }]);
  });
});

describe('fitting and stacking', () => {
  it('scales a page down to the panel but never up', () => {
    expect(fitScale(1280, 640)).toBe(0.5);
    expect(fitScale(390, 800)).toBe(1);
    expect(fitScale(0, 800)).toBe(1);
  });

  it('draws large zones first so nested small ones stay on top', () => {
    const z = (id: string, w: number, h: number) => ({ id, box: { left: 0, top: 0, width: w, height: h } });
    expect(byAreaDescending([z('btn', 10, 10), z('section', 500, 300), z('card', 100, 100)]).map((x) => x.id)).toEqual(['section', 'card', 'btn']);
  });

  it('keeps the tooltip inside the window, flipping it left and above near the edges', () => {
    const size = { width: 300, height: 400, gap: 10, margin: 8 };
    expect(tooltipPlace(100, 100, 1440, 900, size)).toEqual({ left: 110, top: 110, maxHeight: 884 });
    expect(tooltipPlace(1300, 800, 1440, 900, size)).toEqual({ left: 990, top: 390, maxHeight: 884 });
    // a window too small for it either way: pinned to the top left margin
    expect(tooltipPlace(100, 100, 320, 300, size)).toMatchObject({ left: 8, top: 8 });
  });
});

describe('colour scales', () => {
  it('runs from the cold stop to the hot stop, clamped', () => {
    expect(rampColour(0)).toEqual(RAMP[0]!.rgb);
    expect(rampColour(1)).toEqual(RAMP[RAMP.length - 1]!.rgb);
    expect(rampColour(-3)).toEqual(RAMP[0]!.rgb);
    expect(rampColour(Number.NaN)).toEqual(RAMP[0]!.rgb);
    expect(rampColour(0.5)).toEqual(RAMP[2]!.rgb);
  });

  it('interpolates between stops', () => {
    const [r, g, b] = rampColour(0.125);
    const [a0, a1] = [RAMP[0]!.rgb, RAMP[1]!.rgb];
    expect(r).toBe(Math.round((a0[0] + a1[0]) / 2));
    expect(g).toBe(Math.round((a0[1] + a1[1]) / 2));
    expect(b).toBe(Math.round((a0[2] + a1[2]) / 2));
  });

  it('normalises values onto a scale; a flat scale of positive values is all hot', () => {
    expect(normalise(5, 0, 10)).toBe(0.5);
    expect(normalise(20, 0, 10)).toBe(1);
    expect(normalise(3, 3, 3)).toBe(1);
    expect(normalise(0, 0, 0)).toBe(0);
  });

  it('finds the extent of finite values only', () => {
    expect(extent([3, null, -1, undefined, Number.NaN, 7])).toEqual({ min: -1, max: 7 });
    expect(extent([null])).toEqual({ min: 0, max: 0 });
  });

  it('scales heat by the square root of the count', () => {
    expect(heatIntensity(25, 100)).toBe(0.5);
    expect(heatIntensity(100, 100)).toBe(1);
    expect(heatIntensity(0, 100)).toBe(0);
    expect(heatIntensity(3, 0)).toBe(0);
  });

  it('keeps zero alpha transparent and gets more opaque with more heat', () => {
    const p = paletteTable(0.8);
    expect(p[3]).toBe(0);
    expect(p[10 * 4 + 3]!).toBeLessThan(p[200 * 4 + 3]!);
    expect(p[255 * 4 + 3]).toBe(Math.round(255 * 0.8));
    expect([p[255 * 4], p[255 * 4 + 1], p[255 * 4 + 2]]).toEqual([...RAMP[RAMP.length - 1]!.rgb]);
  });
});

describe('zone metrics', () => {
  it('formats durations as ms, s and minutes', () => {
    expect(formatMs(340.4)).toBe('340 ms');
    expect(formatMs(1250)).toBe('1.3 s');
    expect(formatMs(12_400)).toBe('12 s');
    expect(formatMs(75_000)).toBe('1 min 15 s');
    expect(formatMs(120_000)).toBe('2 min');
    expect(formatMs(null)).toBe('—');
  });

  it('formats rates as %, money with cents below 100, counts with separators', () => {
    expect(formatMetric('rate', 0.2724)).toBe('27.2%');
    expect(formatMetric('money', 15.978)).toBe('15.98');
    expect(formatMetric('money', 26796.3)).toBe('26,796');
    expect(formatMetric('count', 1993)).toBe('1,993');
    expect(formatMetric('ratio', 3.3106)).toBe('3.3');
    expect(formatMetric('rate', null)).toBe('—');
  });

  it('reads the median of the quantile metrics', () => {
    const z = zone('#a', { hesitation_ms: { median: 305.5, p75: 373 } });
    expect(formatZoneMetric(zoneMetric('hesitation'), z)).toBe('306 ms');
  });

  it('offers only known metrics to colour by, and falls back to the click rate', () => {
    for (const id of COLOUR_METRIC_IDS) expect(ZONE_METRICS.some((m) => m.id === id)).toBe(true);
    expect(zoneMetric('nope').id).toBe('click_rate');
  });

  it('sorts by a metric with nulls last either way, or by selector', () => {
    const zs = [zone('#b', { click_rate: 0.2 }), zone('#a', { click_rate: null }), zone('#c', { click_rate: 0.5 })];
    expect(sortZones(zs, 'click_rate', 'desc').map((z) => z.selector)).toEqual(['#c', '#b', '#a']);
    expect(sortZones(zs, 'click_rate', 'asc').map((z) => z.selector)).toEqual(['#b', '#c', '#a']);
    expect(sortZones(zs, 'selector', 'asc').map((z) => z.selector)).toEqual(['#a', '#b', '#c']);
  });
});

describe('heatmap URL state and links', () => {
  it('defaults to clicks on desktop, compare off, the right panel on mobile over the same range', () => {
    const v = parseHeatmapView('', RANGE, {});
    expect(v).toEqual({
      kind: 'click',
      metric: undefined,
      compare: false,
      left: { device: 'desktop', range: RANGE },
      right: { device: 'mobile', range: RANGE },
    });
  });

  it('reads the kind, metric, compare and the right panel; the left device is the shared device filter', () => {
    const v = parseHeatmapView('?kind=zones&metric=revenue_clicked&compare=1&b_device=tablet&b_from=2026-10-01&b_to=2026-10-30', RANGE, { device: 'mobile' });
    expect(v.kind).toBe('zones');
    expect(v.metric).toBe('revenue_clicked');
    expect(v.compare).toBe(true);
    expect(v.left.device).toBe('mobile');
    expect(v.right).toEqual({ device: 'tablet', range: { from: '2026-10-01', to: '2026-10-30' } });
  });

  it('ignores unknown kinds, devices and reversed right ranges; a mobile left side compares with desktop', () => {
    const v = parseHeatmapView('?kind=rainbow&b_device=fridge&b_from=2026-10-30&b_to=2026-10-01', RANGE, { device: 'mobile' });
    expect(v.kind).toBe('click');
    expect(v.right).toEqual({ device: 'desktop', range: RANGE });
  });

  it('replaces its own parameters and keeps the rest', () => {
    expect(withHeatmapParams('?page=%2Fa&kind=move&from=2026-11-01', { kind: 'zones', compare: '1' })).toBe('?page=%2Fa&kind=zones&from=2026-11-01&compare=1');
    expect(withHeatmapParams('?kind=move', { kind: undefined })).toBe('');
  });

  it('takes the period of the same length just before', () => {
    expect(previousPeriod({ from: '2026-11-03', to: '2026-12-02' })).toEqual({ from: '2026-10-04', to: '2026-11-02' });
    expect(previousPeriod({ from: '2026-12-02', to: '2026-12-02' })).toEqual({ from: '2026-12-01', to: '2026-12-01' });
  });

  it('queries a panel by page, its range and device, and the filters the endpoints take', () => {
    expect(panelQuery('/product/*', { device: 'tablet', range: RANGE }, { browser: 'Firefox', os: 'Linux', device: 'mobile', page: '/x' })).toEqual({
      page: '/product/*',
      from: RANGE.from,
      to: RANGE.to,
      device: 'tablet',
      browser: 'Firefox',
    });
    expect(ignoredFilters({ browser: 'Firefox', os: 'Linux', utm_source: 'x', page: '/a', device: 'mobile' })).toEqual(['os', 'utm_source']);
  });

  it('links a session to its replay at the click', () => {
    expect(replayAtPath('site 1', 'abc/def', 1796218774398.4)).toBe('/sites/site%201/replay/abc%2Fdef?at=1796218774398');
  });

  it('offers the current page, then page groups, then top pages, once each', () => {
    expect(pageChoices(['/product/*'], [{ name: '/' }, { name: '/product/*' }, { name: '/cart' }], '/x')).toEqual(['/x', '/product/*', '/', '/cart']);
    expect(pageChoices(null, undefined)).toEqual([]);
  });
});
