// The range and filters of the current URL, and navigation that changes them (pushes history, so Back
// undoes a filter). The compared segment B (`segment_b`) lives next to them.
import { useCallback, useMemo } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { rangeFromParams, type DateRange } from '../lib/dates';
import { buildSearch, parseFilters, withFilter, withoutFilters, type FilterKey, type Filters } from '../lib/filters';
import { parseCompare, withCompare } from '../lib/segments';

export function useRangeAndFilters(): { range: DateRange; explicitRange: boolean; filters: Filters; compare: string | null } {
  const { search } = useLocation();
  // The day changes at most once a day: recomputing per search is enough.
  return useMemo(() => {
    const params = new URLSearchParams(search);
    const { range, explicit } = rangeFromParams(params);
    return { range, explicitRange: explicit, filters: parseFilters(params), compare: parseCompare(params) };
  }, [search]);
}

export function useUrlActions() {
  const { pathname, search } = useLocation();
  const navigate = useNavigate();
  const go = useCallback((s: string) => navigate({ pathname, search: s }), [navigate, pathname]);
  return {
    setFilter: useCallback((key: FilterKey, value: string | null) => go(withFilter(search, key, value)), [go, search]),
    clearFilters: useCallback(() => go(withoutFilters(search)), [go, search]),
    /** `null`: the default range (no `from`/`to` in the URL). */
    setRange: useCallback((range: DateRange | null) => go(buildSearch(search, { range })), [go, search]),
    /** Segment B of a comparison; `null` ends the comparison. */
    setCompare: useCallback((expression: string | null) => go(withCompare(search, expression)), [go, search]),
  };
}
