// GET /api/v1/sites/{site}/problems: the frustration the analysis pass found, one row per problem (a kind on a
// page group and element) in the API's order (lost revenue, then lost conversions), with what it is
// associated with costing, a hypothesis, and links to its sessions and to a replay of it. Filters: the shared
// range and filter bar, plus kind and page group (lib/problems.ts).
import { useMemo, useRef } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { useAsync } from '../api/hooks';
import type { Problem } from '../api/types';
import { Icon } from '../components/Icon';
import { Card, CodeText, EmptyState, ErrorBox, SkeletonRows } from '../components/ui';
import { filterCount, withoutFilters, type Filters } from '../lib/filters';
import { formatNumber, formatPercent } from '../lib/format';
import { FRUSTRATION_KINDS, frustrationHint, frustrationLabel, type FrustrationKind } from '../lib/frustration';
import {
  SIGNIFICANCE_TEXT,
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
  problemsApiQuery,
  problemsSearch,
  significance,
  type ProblemFilters,
} from '../lib/problems';
import { findSite, useSites } from '../state/sites';
import { useRangeAndFilters } from '../state/urlState';

export function ProblemsPage() {
  const { site: siteRef = '' } = useParams();
  const { sites } = useSites();
  const site = findSite(sites, siteRef);
  const { range, filters } = useRangeAndFilters();
  const { search, pathname } = useLocation();
  const navigate = useNavigate();
  const own = useMemo(() => parseProblemParams(search), [search]);
  const setOwn = (next: ProblemFilters) => navigate({ pathname, search: problemsSearch(search, next) });
  const query = problemsApiQuery(range, filters, own);
  const queryKey = JSON.stringify(query);

  const { data, error, loading, reload } = useAsync(async (signal) => {
    const path = { site: siteRef };
    // error titles name the fingerprints of `js_error` problems; the list does without them
    const [problems, errors] = await Promise.all([
      unwrap(api.GET('/api/v1/sites/{site}/problems', { params: { path, query }, signal })),
      unwrap(api.GET('/api/v1/sites/{site}/errors', { params: { path, query: { from: range.from, to: range.to } }, signal })).catch(() => null),
    ]);
    return { ...problems, errorTitles: new Map((errors?.errors ?? []).map((e) => [e.key, e.title])) };
  }, [siteRef, queryKey]);

  // page groups offered by the select: the site's configured ones and every one seen in an answer
  // (remembered per site, so narrowing to one page group keeps the others offered)
  const seen = useRef({ site: siteRef, pages: new Set<string>() });
  if (seen.current.site !== siteRef) seen.current = { site: siteRef, pages: new Set() };
  for (const p of data?.problems ?? []) seen.current.pages.add(p.page);
  const pageOptions = [...new Set([...(site?.page_groups ?? []), ...seen.current.pages, ...(own.page_group ? [own.page_group] : [])])].sort();

  const problems = data?.problems ?? [];
  const scale = intervalScale(problems.map((p) => p.difference));
  const anyFilter = filterCount(filters) > 0 || own.kind !== undefined || own.page_group !== undefined;
  const significant = problems.filter((p) => p.significant).length;

  return (
    <div className={`page problems ${loading && data ? 'is-refreshing' : ''}`} data-testid="problems">
      <div className="session-filters" data-testid="problem-filters">
        <label className="sf-field sf-wide">
          <span className="sf-label">Kind</span>
          <select
            className="input input-sm"
            data-testid="pf-kind"
            value={own.kind ?? ''}
            onChange={(e) => setOwn({ ...own, kind: e.target.value === '' ? undefined : (e.target.value as FrustrationKind) })}
          >
            <option value="">All kinds</option>
            {FRUSTRATION_KINDS.map((k) => (
              <option key={k} value={k} title={frustrationHint(k)}>
                {frustrationLabel(k)}
              </option>
            ))}
          </select>
        </label>
        <label className="sf-field sf-wide">
          <span className="sf-label">Page group</span>
          <select
            className="input input-sm"
            data-testid="pf-page_group"
            value={own.page_group ?? ''}
            onChange={(e) => setOwn({ ...own, page_group: e.target.value === '' ? undefined : e.target.value })}
          >
            <option value="">All pages</option>
            {pageOptions.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        {(own.kind || own.page_group) && (
          <button type="button" className="btn btn-ghost btn-sm sf-clear" onClick={() => setOwn({})}>
            Clear
          </button>
        )}
        {data && problems.length > 0 && (
          <span className="problems-count muted" data-testid="problems-count">
            {formatNumber(problems.length)} {problems.length === 1 ? 'problem' : 'problems'} · {formatNumber(significant)} significant
          </span>
        )}
      </div>

      {data && (
        <div className="banner banner-info method-note" data-testid="problems-method">
          <Icon name="info" size={18} />
          <div>
            <strong>How the cost is estimated.</strong> {data.method}
          </div>
        </div>
      )}

      {error && !data ? (
        <ErrorBox title="Could not load the problems" message={error} onRetry={reload} />
      ) : !data ? (
        <Card>
          <SkeletonRows rows={6} />
        </Card>
      ) : (
        <>
          {error && <ErrorBox title="Could not refresh" message={error} onRetry={reload} />}
          {problems.length === 0 ? (
            <Card>
              {anyFilter ? (
                <EmptyState icon="filter" title="No problems match these filters">
                  <p>Widen the date range, pick another kind or page group, or remove a filter.</p>
                  <p>
                    <button type="button" className="btn btn-secondary btn-sm" onClick={() => navigate({ pathname, search: withoutFilters(problemsSearch(search, {})) })}>
                      Clear all filters
                    </button>
                  </p>
                </EmptyState>
              ) : (
                <EmptyState icon="problems" title="No problems found in this range">
                  <p>
                    Sessions are analysed shortly after they go quiet; rage clicks, dead clicks, errors, slow pages and the other signals found show up here, ranked
                    by what they are associated with costing.
                  </p>
                </EmptyState>
              )}
            </Card>
          ) : (
            <ol className="problem-list" data-testid="problem-list">
              {problems.map((p, i) => (
                <ProblemRow key={`${p.kind}|${p.page}|${p.element ?? ''}`} rank={i + 1} p={p} site={siteRef} filters={filters} scale={scale} errorTitles={data.errorTitles} />
              ))}
            </ol>
          )}
        </>
      )}
    </div>
  );
}

function ProblemRow({
  rank,
  p,
  site,
  filters,
  scale,
  errorTitles,
}: {
  rank: number;
  p: Problem;
  site: string;
  filters: Filters;
  scale: number;
  errorTitles: ReadonlyMap<string, string>;
}) {
  const sig = significance(p);
  const element = problemElementText(p, errorTitles);
  const replay = problemReplayPath(site, p);
  const exposed = p.sessions_affected + p.sessions_unaffected;
  // an estimate whose interval contains 0 is shown, but greyed: it may be chance
  const uncertain = sig === 'significant' ? '' : 'metric-uncertain';
  const uncertainHint = sig === 'significant' ? undefined : `${SIGNIFICANCE_TEXT[sig].label}: ${SIGNIFICANCE_TEXT[sig].hint}`;
  return (
    <li className="card problem" data-testid="problem" data-kind={p.kind}>
      <div className="problem-head">
        <span className="problem-rank">{rank}</span>
        <div className="problem-what">
          <div className="problem-title">
            <span className={`kind-badge kind-${p.kind}`} title={frustrationHint(p.kind)}>
              {frustrationLabel(p.kind)}
            </span>
            <span className="problem-page mono" title={`Page group ${p.page}`}>
              {p.page}
            </span>
          </div>
          {element && (
            <div className="problem-element truncate" title={p.element ?? undefined}>
              <code>{element}</code>
            </div>
          )}
        </div>
        <div className="problem-flags">
          <span className={`badge sig sig-${sig}`} title={SIGNIFICANCE_TEXT[sig].hint} data-testid="significance">
            {SIGNIFICANCE_TEXT[sig].label}
          </span>
          {p.stratified && (
            <span className="muted small" title="Compared within each device class and channel, then combined (Mantel-Haenszel)" data-testid="stratified">
              stratified by device &amp; channel
            </span>
          )}
        </div>
      </div>

      <dl className="problem-metrics">
        <div className="metric">
          <dt>Sessions affected</dt>
          <dd>
            <strong>{formatNumber(p.sessions_affected)}</strong>
            <span className="muted small"> of {formatNumber(exposed)}</span>
          </dd>
        </div>
        <div className="metric">
          <dt>Conversion</dt>
          <dd>
            <strong>{formatPercent(p.conversion_affected)}</strong>
            <span className="muted small"> with · {formatPercent(p.conversion_unaffected)} without</span>
          </dd>
        </div>
        <div className="metric metric-wide">
          <dt title="Conversion rate with the problem minus without it (stratified), in percentage points, with its 95 % interval">Difference (95 % interval)</dt>
          <dd>
            <span className={`diff diff-${p.difference.high < 0 ? 'worse' : p.difference.low > 0 ? 'better' : 'unclear'}`} data-testid="difference">
              {formatDifference(p.difference)}
            </span>
            <IntervalBar interval={p.difference} scale={scale} />
          </dd>
        </div>
        <div className={`metric ${uncertain}`} title={uncertainHint}>
          <dt>Lost conversions</dt>
          <dd>
            <strong data-testid="lost-conversions">{formatEstimate(p.lost_conversions)}</strong>
          </dd>
        </div>
        <div className={`metric ${uncertain}`} title={uncertainHint}>
          <dt>Lost revenue</dt>
          <dd>
            <strong data-testid="lost-revenue">{formatMoney(p.lost_revenue)}</strong>
          </dd>
        </div>
      </dl>

      <p className="problem-hypothesis" data-testid="hypothesis">
        <CodeText text={p.hypothesis} />
      </p>

      <div className="problem-actions">
        <Link className="btn btn-secondary btn-sm" to={problemSessionsPath(site, p, filters)} data-testid="problem-sessions">
          <Icon name="sessions" size={14} />
          {formatNumber(p.sessions_affected)} affected {p.sessions_affected === 1 ? 'session' : 'sessions'}
        </Link>
        {replay && (
          <Link className="btn btn-ghost btn-sm" to={replay} data-testid="problem-replay" title="Open a recent occurrence in the replay, at its moment">
            <Icon name="play" size={13} />
            Replay an occurrence
          </Link>
        )}
      </div>
    </li>
  );
}

/** The interval on an axis shared by every row: 0 in the middle, ±`scale` at the ends. */
function IntervalBar({ interval, scale }: { interval: Problem['difference']; scale: number }) {
  const g = intervalGeometry(interval, scale);
  const tone = interval.high < 0 ? 'worse' : interval.low > 0 ? 'better' : 'unclear';
  const end = Math.round(scale * 100);
  return (
    <span className="ci-box" title={`The interval on an axis from ${formatPp(-scale)} to ${formatPp(scale)} shared by every problem; the middle line is no difference`}>
      <span className={`ci ci-${tone}`} role="img" aria-label={`Difference ${formatDifference(interval)} on an axis from ${formatPp(-scale)} to ${formatPp(scale)}`}>
        <span className="ci-zero" />
        <span className="ci-range" style={{ left: `${g.low}%`, width: `${Math.max(0.8, g.high - g.low)}%` }} />
        <span className="ci-point" style={{ left: `${g.estimate}%` }} />
      </span>
      <span className="ci-ticks" aria-hidden="true">
        <span>−{end}</span>
        <span>0</span>
        <span>+{end} pp</span>
      </span>
    </span>
  );
}
