// Errors & performance: JS errors grouped by fingerprint (GET …/errors), failed requests grouped by method and
// URL pattern (GET …/requests), and web vitals per page group and device (GET …/vitals), under the shared range
// and filter bar. An error's row opens to its sample stack, all its pages and browsers, and replays of sample
// sessions.
import { Fragment, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { useAsync } from '../api/hooks';
import type { IssueGroup, VitalStats } from '../api/types';
import { Icon } from '../components/Icon';
import { Card, EmptyState, ErrorBox, SkeletonRows } from '../components/ui';
import { apiQuery } from '../lib/filters';
import { deviceLabel, formatDateTime, formatNumber, formatPercent, formatRelative } from '../lib/format';
import { sitePagePath } from '../lib/paths';
import {
  RATING_LABELS,
  VITAL_INFO,
  VITAL_NAMES,
  firstOf,
  formatVital,
  pageSpans,
  ratingOf,
  ratingShares,
  requestStatusText,
  vitalThresholds,
  vitalsRows,
} from '../lib/vitals';
import { useRangeAndFilters } from '../state/urlState';

export function ErrorsPage() {
  const { site: siteRef = '' } = useParams();
  const { range, filters } = useRangeAndFilters();
  const query = apiQuery(range, filters);
  const queryKey = JSON.stringify(query);
  const path = { site: siteRef };

  const errors = useAsync((signal) => unwrap(api.GET('/api/v1/sites/{site}/errors', { params: { path, query }, signal })), [siteRef, queryKey]);
  const requests = useAsync((signal) => unwrap(api.GET('/api/v1/sites/{site}/requests', { params: { path, query }, signal })), [siteRef, queryKey]);
  const vitals = useAsync((signal) => unwrap(api.GET('/api/v1/sites/{site}/vitals', { params: { path, query }, signal })), [siteRef, queryKey]);

  return (
    <div className="page experience" data-testid="experience">
      <Card
        title={<SectionTitle label="JavaScript errors" count={errors.data?.errors.length} />}
        padded={false}
        className={`issues-card ${errors.loading && errors.data ? 'is-refreshing' : ''}`}
      >
        <Section state={errors} what="errors">
          {(d) =>
            d.errors.length === 0 ? (
              <p className="muted section-empty" data-testid="no-errors">
                No JavaScript errors in this range.
              </p>
            ) : (
              <IssueTable groups={d.errors} site={siteRef} kind="error" testId="error-groups" />
            )
          }
        </Section>
      </Card>

      <Card
        title={<SectionTitle label="Failed requests" count={requests.data?.failed_requests.length} />}
        padded={false}
        className={`issues-card ${requests.loading && requests.data ? 'is-refreshing' : ''}`}
      >
        <Section state={requests} what="failed requests">
          {(d) =>
            d.failed_requests.length === 0 ? (
              <p className="muted section-empty" data-testid="no-failed-requests">
                No failed requests in this range. Requests answered with an HTTP error (4xx, 5xx), or that failed on the network, are grouped here by method
                and URL pattern.
              </p>
            ) : (
              <IssueTable groups={d.failed_requests} site={siteRef} kind="request" testId="request-groups" />
            )
          }
        </Section>
      </Card>

      <Card
        title="Web vitals"
        actions={<VitalsLegend />}
        padded={false}
        className={`vitals-card ${vitals.loading && vitals.data ? 'is-refreshing' : ''}`}
      >
        <Section state={vitals} what="web vitals">
          {(d) =>
            d.vitals.length === 0 ? (
              <EmptyState icon="activity" title="No web vitals in this range">
                <p>The tracker reports LCP, INP, CLS, FCP and TTFB from the browsers that measure them.</p>
              </EmptyState>
            ) : (
              <VitalsTable vitals={d.vitals} />
            )
          }
        </Section>
      </Card>
    </div>
  );
}

function SectionTitle({ label, count }: { label: string; count: number | undefined }) {
  return (
    <>
      {label}
      {count !== undefined && count > 0 && <span className="muted-title"> ({formatNumber(count)})</span>}
    </>
  );
}

function Section<T>({
  state,
  what,
  children,
}: {
  state: { data: T | undefined; error: string | null; reload: () => void };
  what: string;
  children: (d: T) => ReactNode;
}) {
  if (state.error && !state.data)
    return (
      <div className="card-body">
        <ErrorBox title={`Could not load the ${what}`} message={state.error} onRetry={state.reload} />
      </div>
    );
  if (!state.data)
    return (
      <div className="card-body">
        <SkeletonRows rows={3} />
      </div>
    );
  return (
    <>
      {state.error && (
        <div className="card-body">
          <ErrorBox title="Could not refresh" message={state.error} onRetry={state.reload} />
        </div>
      )}
      {children(state.data)}
    </>
  );
}

const SHOWN_PAGES = 2;
const SHOWN_BROWSERS = 2;

function ShortList({ items, max, mono = false }: { items: readonly string[]; max: number; mono?: boolean }) {
  const { shown, more } = firstOf(items, max);
  if (shown.length === 0) return <span className="muted">—</span>;
  return (
    <span className="short-list" title={items.join('\n')}>
      {shown.map((x, i) => (
        <span key={x} className={mono ? 'mono' : undefined}>
          {x}
          {i < shown.length - 1 ? ', ' : ''}
        </span>
      ))}
      {more > 0 && <span className="muted"> +{more}</span>}
    </span>
  );
}

function IssueTable({ groups, site, kind, testId }: { groups: readonly IssueGroup[]; site: string; kind: 'error' | 'request'; testId: string }) {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <div className="table-scroll">
      <table className="table issues-table" data-testid={testId}>
        <thead>
          <tr>
            <th className="col-toggle" aria-label="Details" />
            <th>{kind === 'error' ? 'Error' : 'Request'}</th>
            <th className="num">Count</th>
            <th className="num">Sessions</th>
            <th className="num">Visitors</th>
            <th>First seen</th>
            <th>Last seen</th>
            <th>Pages</th>
            <th>Browsers</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => {
            const isOpen = open === g.key;
            return (
              <Fragment key={g.key}>
                <tr className={`issue-row ${isOpen ? 'issue-open' : ''}`} data-testid="issue" data-key={g.key}>
                  <td className="col-toggle">
                    <button
                      type="button"
                      className="btn btn-ghost btn-sm toggle-button"
                      aria-expanded={isOpen}
                      aria-label={isOpen ? 'Hide details' : 'Show details'}
                      onClick={() => setOpen(isOpen ? null : g.key)}
                      data-testid="issue-toggle"
                    >
                      <Icon name={isOpen ? 'chevronDown' : 'chevronRight'} size={14} />
                    </button>
                  </td>
                  <td className="col-issue">
                    {kind === 'error' ? (
                      <div className="cell-stack">
                        <span className="issue-title" title={g.title}>
                          {g.title}
                        </span>
                        <span className="muted small mono" title="Fingerprint">
                          {g.key}
                        </span>
                      </div>
                    ) : (
                      <div className="cell-stack">
                        <span className="issue-title mono" title={g.key}>
                          {g.key}
                        </span>
                        <span className="muted small">{requestStatusText(g.title)}</span>
                      </div>
                    )}
                  </td>
                  <td className="num">
                    <span className="count-bad">{formatNumber(g.count)}</span>
                  </td>
                  <td className="num">{formatNumber(g.sessions)}</td>
                  <td className="num">{formatNumber(g.visitors)}</td>
                  <td className="nowrap" title={formatDateTime(g.first_seen)}>
                    {formatRelative(g.first_seen)}
                  </td>
                  <td className="nowrap" title={formatDateTime(g.last_seen)}>
                    {formatRelative(g.last_seen)}
                  </td>
                  <td className="col-list">
                    <ShortList items={g.pages} max={SHOWN_PAGES} mono />
                  </td>
                  <td className="col-list">
                    <ShortList items={g.browsers} max={SHOWN_BROWSERS} />
                  </td>
                </tr>
                {isOpen && (
                  <tr className="issue-detail-row">
                    <td colSpan={9}>
                      <IssueDetail g={g} site={site} kind={kind} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function IssueDetail({ g, site, kind }: { g: IssueGroup; site: string; kind: 'error' | 'request' }) {
  return (
    <div className="issue-detail" data-testid="issue-detail">
      {kind === 'error' &&
        (g.sample_stack ? (
          <div>
            <div className="detail-label">Sample stack</div>
            <pre className="stack" data-testid="sample-stack">
              {g.sample_stack}
            </pre>
          </div>
        ) : (
          <p className="muted small">No stack trace was recorded for this error.</p>
        ))}
      <div className="issue-facts">
        <div>
          <div className="detail-label">Pages</div>
          <div className="mono small">{g.pages.join(', ') || '—'}</div>
        </div>
        <div>
          <div className="detail-label">Browsers</div>
          <div className="small">{g.browsers.join(', ') || '—'}</div>
        </div>
        <div>
          <div className="detail-label">Seen</div>
          <div className="small">
            {formatDateTime(g.first_seen)} – {formatDateTime(g.last_seen)}
          </div>
        </div>
      </div>
      <div>
        <div className="detail-label">Sample sessions</div>
        {g.sample_sessions.length === 0 ? (
          <span className="muted small">None kept.</span>
        ) : (
          <div className="sample-links">
            {g.sample_sessions.map((s, i) => (
              <Link key={s} className="btn btn-secondary btn-sm" to={sitePagePath(site, `replay/${encodeURIComponent(s)}`)} title={`Session ${s}`} data-testid="sample-session">
                <Icon name="play" size={12} />
                {i === 0 ? 'Most recent' : `Session ${i + 1}`}
              </Link>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}

function VitalsLegend() {
  return (
    <span className="vitals-legend" aria-label="Ratings">
      {(['good', 'needs-improvement', 'poor'] as const).map((r) => (
        <span key={r} className="legend-item">
          <span className={`legend-swatch rating-bg-${r}`} />
          {RATING_LABELS[r]}
        </span>
      ))}
    </span>
  );
}

function VitalsTable({ vitals }: { vitals: readonly VitalStats[] }) {
  const rows = vitalsRows(vitals);
  const spans = pageSpans(rows);
  const names = VITAL_NAMES.filter((n) => vitals.some((v) => v.name === n));
  return (
    <div className="table-scroll">
      <table className="table vitals-table" data-testid="vitals-table">
        <thead>
          <tr>
            <th>Page group</th>
            <th>Device</th>
            {names.map((n) => (
              <th key={n} className="vital-col" title={`${VITAL_INFO[n].label}, 75th percentile (${vitalThresholds(n)})`}>
                {n} <span className="th-sub">p75</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={`${row.page}|${row.device}`} className={spans.has(i) ? 'group-start' : ''} data-testid="vitals-row">
              {spans.has(i) && (
                <td rowSpan={spans.get(i)} className="vital-page mono" title={row.page}>
                  {row.page}
                </td>
              )}
              <td className="nowrap">
                {deviceLabel(row.device)}
                <div className="muted small">{formatNumber(row.samples)} samples</div>
              </td>
              {names.map((n) => (
                <td key={n} className="vital-cell">
                  <VitalCell v={row.metrics[n]} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function VitalCell({ v }: { v: VitalStats | undefined }) {
  if (!v) return <span className="muted">—</span>;
  const rating = ratingOf(v.rating);
  const [good, ni, poor] = ratingShares(v);
  const title = `${v.name} p75 ${formatVital(v.name, v.p75)}: ${RATING_LABELS[rating].toLowerCase()} (${vitalThresholds(v.name)})
good ${formatPercent(v.good)} · needs improvement ${formatPercent(v.needs_improvement)} · poor ${formatPercent(v.poor)} of ${formatNumber(v.samples)} samples`;
  return (
    <div className="vital" title={title} data-testid="vital" data-name={v.name} data-rating={rating}>
      <span className={`vital-value rating-${rating}`}>{formatVital(v.name, v.p75)}</span>
      <span className="share-bar" aria-label={`good ${formatPercent(v.good)}, needs improvement ${formatPercent(v.needs_improvement)}, poor ${formatPercent(v.poor)}`}>
        <span className="rating-bg-good" style={{ width: `${good}%` }} />
        <span className="rating-bg-needs-improvement" style={{ width: `${ni}%` }} />
        <span className="rating-bg-poor" style={{ width: `${poor}%` }} />
      </span>
    </div>
  );
}
