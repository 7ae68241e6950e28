// GET /api/v1/sites/{site}/retention: cohorts by first visit (or a chosen event) per day or week, the share of
// each cohort coming back (any visit, or a chosen event) in the periods after, shaded by share; and the
// customers: buyers, returning buyers, repeat purchase rate.
import { useMemo } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router';
import { getCohorts } from '../api/analysis';
import { useAsync } from '../api/hooks';
import type { CohortPeriod, CohortsResponse } from '../api/types';
import { CommitInput } from '../components/PageInput';
import { Card, EmptyState, ErrorBox, Skeleton, SkeletonRows } from '../components/ui';
import { endpointMessage } from '../lib/analysisErrors';
import { averageShares, cohortApiQuery, cohortSearch, cohortShare, DEFAULT_PERIODS, MAX_PERIODS, parseCohortParams, periodLabel, shade, type CohortParams } from '../lib/cohorts';
import { formatNumber, formatPercent } from '../lib/format';
import { useRangeAndFilters } from '../state/urlState';

export function RetentionPage() {
  const { site = '' } = useParams();
  const { range, filters } = useRangeAndFilters();
  const { search, pathname } = useLocation();
  const navigate = useNavigate();
  const own = useMemo(() => parseCohortParams(search), [search]);
  const setOwn = (next: CohortParams) => navigate({ pathname, search: cohortSearch(search, next) });
  const query = cohortApiQuery(range, filters, own);
  const key = JSON.stringify(query);
  const { data, error, status, loading, reload } = useAsync((signal) => getCohorts(site, query, signal), [site, key]);

  return (
    <div className={`page retention ${loading && data ? 'is-refreshing' : ''}`} data-testid="retention">
      <CohortControls own={own} onChange={setOwn} />
      {error && !data ? (
        <ErrorBox title="Could not load the retention" message={endpointMessage('retention cohorts', error, status)} onRetry={reload} />
      ) : (
        <>
          {error && <ErrorBox title="Could not refresh" message={error} onRetry={reload} />}
          <CustomersBlock data={data} />
          <Card title="Cohorts" padded={false} actions={<span className="muted small">{cohortHint(own)}</span>}>
            {!data ? (
              <div className="card-body">
                <SkeletonRows rows={6} />
              </div>
            ) : data.cohorts.length === 0 ? (
              <EmptyState icon="cohorts" title="No cohorts in this range">
                <p>Nobody {own.cohortEvent ? `did “${own.cohortEvent}”` : 'visited for the first time'} in this range. Widen the range or remove a filter.</p>
              </EmptyState>
            ) : (
              <CohortTable data={data} periods={own.periods} />
            )}
          </Card>
        </>
      )}
    </div>
  );
}

function cohortHint(c: CohortParams): string {
  const who = c.cohortEvent ? `first “${c.cohortEvent}”` : 'first visit';
  const back = c.returnEvent ? `did “${c.returnEvent}”` : 'came back';
  return `Cohort: ${who} per ${c.period} · share that ${back} in each ${c.period} after`;
}

function CohortControls({ own, onChange }: { own: CohortParams; onChange: (c: CohortParams) => void }) {
  return (
    <div className="session-filters" data-testid="cohort-controls">
      <label className="sf-field">
        <span className="sf-label">Period</span>
        <select
          className="input input-sm"
          data-testid="cohort-period"
          value={own.period}
          onChange={(e) => {
            const period = e.target.value as CohortPeriod;
            onChange({ ...own, period, periods: DEFAULT_PERIODS[period] });
          }}
        >
          <option value="week">Weeks</option>
          <option value="day">Days</option>
        </select>
      </label>
      <label className="sf-field">
        <span className="sf-label">Periods</span>
        <select className="input input-sm" data-testid="cohort-periods" value={own.periods} onChange={(e) => onChange({ ...own, periods: Number(e.target.value) })}>
          {Array.from({ length: MAX_PERIODS }, (_, i) => i + 1).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <CommitInput label="Cohort event" value={own.cohortEvent ?? ''} placeholder="first visit" testId="cohort-event" onCommit={(v) => onChange({ ...own, cohortEvent: v || null })} />
      <CommitInput label="Return event" value={own.returnEvent ?? ''} placeholder="any visit" testId="return-event" onCommit={(v) => onChange({ ...own, returnEvent: v || null })} />
    </div>
  );
}

function CustomersBlock({ data }: { data: CohortsResponse | undefined }) {
  const c = data?.customers;
  const items = [
    { key: 'customers', label: 'Customers', value: c && formatNumber(c.customers), hint: 'Visitors who converted in the range' },
    { key: 'returning', label: 'Returning customers', value: c && formatNumber(c.returning_customers), hint: 'Customers who had visited before the session they first converted in' },
    ...(c?.repeat_customers !== undefined || !c
      ? [{ key: 'repeat-customers', label: 'Repeat customers', value: c && formatNumber(c.repeat_customers), hint: 'Customers who converted in two or more sessions' }]
      : []),
    { key: 'repeat', label: 'Repeat purchase rate', value: c && formatPercent(c.repeat_purchase_rate), hint: 'Repeat customers ÷ customers' },
  ];
  return (
    <div className="kpis customers" data-testid="customers">
      {items.map((k) => (
        <div className="kpi card" key={k.key} title={k.hint} data-testid={`customers-${k.key}`}>
          <div className="kpi-label">{k.label}</div>
          <div className="kpi-value">{k.value ?? <Skeleton width={72} height={28} />}</div>
        </div>
      ))}
    </div>
  );
}

function CohortTable({ data, periods }: { data: CohortsResponse; periods: number }) {
  const n = Math.max(periods, ...data.cohorts.map((c) => c.returned.length));
  const avg = averageShares(data.cohorts, n);
  const totalSize = data.cohorts.reduce((s, c) => s + c.size, 0);
  return (
    <div className="table-scroll">
      <table className="table cohort-table keep-columns" data-testid="cohort-table">
        <thead>
          <tr>
            <th>Cohort</th>
            <th className="num">Size</th>
            {Array.from({ length: n }, (_, k) => (
              <th key={k} className="num">
                {periodLabel(data.period, k)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr className="cohort-average">
            <td>All cohorts</td>
            <td className="num">{formatNumber(totalSize)}</td>
            {avg.map((a, k) => (
              <td key={k} className="num cohort-cell" style={a === null ? undefined : shade(a)}>
                {a === null ? '' : formatPercent(a)}
              </td>
            ))}
          </tr>
          {data.cohorts.map((c) => (
            <tr key={c.start} data-cohort={c.start}>
              <td className="nowrap">{c.start}</td>
              <td className="num">{formatNumber(c.size)}</td>
              {Array.from({ length: n }, (_, k) => {
                const share = cohortShare(c, k);
                return (
                  <td
                    key={k}
                    className="num cohort-cell"
                    style={share === null ? undefined : shade(share)}
                    title={share === null ? 'Not reached yet' : `${formatNumber(c.returned[k])} of ${formatNumber(c.size)}`}
                  >
                    {share === null ? '' : formatPercent(share)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
