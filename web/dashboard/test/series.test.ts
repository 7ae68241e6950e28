import { describe, expect, it } from 'vitest';
import { fillSeries } from '../src/components/TimeSeriesChart';

const day = (s: string) => Date.parse(`${s}T00:00:00Z`);

describe('fillSeries', () => {
  it('gives every day of the range a point, zero where the API had none', () => {
    const out = fillSeries([{ day: day('2026-01-02'), visitors: 5, sessions: 6, pageviews: 9 }], { from: '2026-01-01', to: '2026-01-03' });
    expect(out).toEqual([
      { day: day('2026-01-01'), visitors: 0, sessions: 0, pageviews: 0 },
      { day: day('2026-01-02'), visitors: 5, sessions: 6, pageviews: 9 },
      { day: day('2026-01-03'), visitors: 0, sessions: 0, pageviews: 0 },
    ]);
  });
  it('drops points outside the range', () => {
    expect(fillSeries([{ day: day('2025-12-31'), visitors: 1, sessions: 1, pageviews: 1 }], { from: '2026-01-01', to: '2026-01-01' })).toEqual([
      { day: day('2026-01-01'), visitors: 0, sessions: 0, pageviews: 0 },
    ]);
  });
});
