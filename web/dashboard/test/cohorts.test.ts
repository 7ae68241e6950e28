import { describe, expect, it } from 'vitest';
import { averageShares, cohortApiQuery, cohortSearch, cohortShare, parseCohortParams, shade } from '../src/lib/cohorts';

describe('cohorts', () => {
  it('reads and writes the page’s parameters with per-period defaults', () => {
    expect(parseCohortParams('')).toEqual({ period: 'week', periods: 8, cohortEvent: null, returnEvent: null });
    expect(parseCohortParams('?period=day')).toMatchObject({ period: 'day', periods: 14 });
    const c = { period: 'day' as const, periods: 5, cohortEvent: 'signup', returnEvent: null };
    expect(parseCohortParams(cohortSearch('?device=mobile', c))).toEqual(c);
    expect(cohortApiQuery({ from: '2026-11-01', to: '2026-11-30' }, {}, c)).toEqual({ from: '2026-11-01', to: '2026-11-30', period: 'day', periods: 5, cohort_event: 'signup' });
  });
  it('computes shares, the size-weighted average and shades', () => {
    const cohorts = [
      { start: '2026-11-02', size: 100, returned: [100, 30, 10] },
      { start: '2026-11-09', size: 50, returned: [50, 20] },
    ];
    expect(cohortShare(cohorts[0]!, 1)).toBe(0.3);
    expect(cohortShare(cohorts[1]!, 2)).toBeNull();
    expect(averageShares(cohorts, 3)).toEqual([1, 50 / 150, 0.1]);
    expect(shade(0).background).toBe('rgba(79, 70, 229, 0.000)');
    expect(shade(1).color).toBe('#ffffff');
  });
});
