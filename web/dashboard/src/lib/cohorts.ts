// Retention cohorts (GET …/retention): the page's URL state (period, periods, cohort and return events), its
// API query, and the cohort table's shares and shades. (lib/retention.ts is about data retention, not this.)
import type { Cohort, CohortPeriod } from '../api/types';
import type { DateRange } from './dates';
import { apiQuery, type Filters } from './filters';

export interface CohortParams {
  period: CohortPeriod;
  periods: number;
  cohortEvent: string | null;
  returnEvent: string | null;
}

export const DEFAULT_PERIODS: Record<CohortPeriod, number> = { week: 8, day: 14 };
export const MAX_PERIODS = 26;
const OWN_KEYS = ['period', 'periods', 'cohort_event', 'return_event'] as const;

const text = (v: string | null) => {
  const t = (v ?? '').trim();
  return t === '' ? null : t.slice(0, 200);
};

export function parseCohortParams(search: string): CohortParams {
  const p = new URLSearchParams(search);
  const period: CohortPeriod = p.get('period') === 'day' ? 'day' : 'week';
  const n = Number(p.get('periods'));
  return {
    period,
    periods: Number.isInteger(n) && n >= 1 && n <= MAX_PERIODS ? n : DEFAULT_PERIODS[period],
    cohortEvent: text(p.get('cohort_event')),
    returnEvent: text(p.get('return_event')),
  };
}

export function cohortSearch(search: string, c: CohortParams): string {
  const p = new URLSearchParams(search);
  for (const k of OWN_KEYS) p.delete(k);
  if (c.period !== 'week') p.set('period', c.period);
  if (c.periods !== DEFAULT_PERIODS[c.period]) p.set('periods', String(c.periods));
  if (c.cohortEvent) p.set('cohort_event', c.cohortEvent);
  if (c.returnEvent) p.set('return_event', c.returnEvent);
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function cohortApiQuery(range: DateRange, filters: Filters, c: CohortParams): Record<string, string | number> {
  const q: Record<string, string | number> = { ...apiQuery(range, filters), period: c.period, periods: c.periods };
  if (c.cohortEvent) q.cohort_event = c.cohortEvent;
  if (c.returnEvent) q.return_event = c.returnEvent;
  return q;
}

/** Share of a cohort active in period k (null for a period the cohort has not reached yet). */
export function cohortShare(c: Cohort, k: number): number | null {
  const n = c.returned[k];
  if (n === undefined || n === null) return null;
  return c.size > 0 ? n / c.size : 0;
}

/** Background of a cell: the primary colour, stronger with the share; text turns white on dark cells. */
export function shade(share: number): { background: string; color: string } {
  const a = Math.max(0, Math.min(1, share));
  // a square root so that low but real retention (3 %, 8 %) is still visibly tinted
  const alpha = a === 0 ? 0 : 0.08 + 0.82 * Math.sqrt(a);
  return { background: `rgba(79, 70, 229, ${alpha.toFixed(3)})`, color: alpha > 0.55 ? '#ffffff' : '#1f2937' };
}

/** The average share per period, weighted by cohort size, over the cohorts that reached it. */
export function averageShares(cohorts: readonly Cohort[], periods: number): (number | null)[] {
  return Array.from({ length: periods }, (_, k) => {
    let size = 0;
    let returned = 0;
    for (const c of cohorts) {
      const n = c.returned[k];
      if (n === undefined || n === null) continue;
      size += c.size;
      returned += n;
    }
    return size > 0 ? returned / size : null;
  });
}

export function periodLabel(period: CohortPeriod, k: number): string {
  return `${period === 'week' ? 'Week' : 'Day'} ${k}`;
}
