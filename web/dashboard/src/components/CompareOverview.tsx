// The overview for segment A and segment B side by side: each KPI for both (with B's difference), and
// visitors per day as two lines. Shown above the overview (which stays A's) while a segment B is set.
import { lazy, Suspense, useMemo } from 'react';
import { api, unwrap } from '../api/client';
import { useAsync } from '../api/hooks';
import type { Overview } from '../api/types';
import { eachDay, shortDay, type DateRange } from '../lib/dates';
import { apiQuery } from '../lib/filters';
import { formatCompact, formatDuration, formatNumber, formatPercent } from '../lib/format';
import { SEGMENT_COLORS, type ComparedSegment } from '../lib/segments';
import { endpointMessage } from '../lib/analysisErrors';
import { Card, ErrorBox, Skeleton } from './ui';

const EChart = lazy(() => import('./EChart'));

const ROWS: readonly { key: string; label: string; value: (o: Overview) => number; format: (n: number) => string }[] = [
  { key: 'visitors', label: 'Visitors', value: (o) => o.visitors, format: formatNumber },
  { key: 'sessions', label: 'Sessions', value: (o) => o.sessions, format: formatNumber },
  { key: 'pageviews', label: 'Pageviews', value: (o) => o.pageviews, format: formatNumber },
  { key: 'bounce', label: 'Bounce rate', value: (o) => o.bounce_rate, format: formatPercent },
  { key: 'duration', label: 'Avg. duration', value: (o) => o.avg_duration_ms, format: formatDuration },
];

export function CompareOverview({ site, range, sides, a }: { site: string; range: DateRange; sides: readonly ComparedSegment[]; a: Overview | undefined }) {
  const b = sides[1]!;
  const { data, error, status, reload } = useAsync(
    (signal) => unwrap(api.GET('/api/v1/sites/{site}/overview', { params: { path: { site }, query: apiQuery(range, b.filters) }, signal })),
    [site, range.from, range.to, JSON.stringify(b.filters)],
  );
  return (
    <Card title="Segment comparison" className="compare-card">
      <div data-testid="compare-overview">
        {error ? (
          <ErrorBox title="Could not load segment B" message={endpointMessage('segments', error, status)} onRetry={reload} />
        ) : (
          <div className="compare-grid">
            <div className="table-scroll">
              <table className="table compact-table compare-table keep-columns">
                <thead>
                  <tr>
                    <th />
                    {sides.map((s) => (
                      <th key={s.side} className="num">
                        <span className="segment-title">
                          <span className="segment-swatch" style={{ background: SEGMENT_COLORS[s.side] }} />
                          <span className="truncate compare-head" title={s.label}>
                            {s.label}
                          </span>
                        </span>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {ROWS.map((r) => (
                    <tr key={r.key} data-testid={`compare-${r.key}`}>
                      <td>{r.label}</td>
                      <td className="num" data-side="a">
                        {a ? r.format(r.value(a)) : <Skeleton width={48} />}
                      </td>
                      <td className="num" data-side="b">
                        {data ? r.format(r.value(data)) : <Skeleton width={48} />}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {a && data ? <VisitorsChart range={range} sides={sides} series={[a, data]} /> : <Skeleton height={220} />}
          </div>
        )}
        <p className="muted small compare-note">The cards below show segment A.</p>
      </div>
    </Card>
  );
}

function VisitorsChart({ range, sides, series }: { range: DateRange; sides: readonly ComparedSegment[]; series: readonly Overview[] }) {
  const option = useMemo(() => {
    const days = eachDay(range);
    const multiYear = range.from.slice(0, 4) !== range.to.slice(0, 4);
    return {
      animation: false,
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, left: 0, icon: 'roundRect', itemWidth: 10, itemHeight: 10, textStyle: { color: '#4b5563', fontSize: 12, width: 220, overflow: 'truncate' } },
      tooltip: { trigger: 'axis', backgroundColor: '#ffffff', borderColor: '#e5e7eb', textStyle: { color: '#111827', fontSize: 12 }, valueFormatter: (v: unknown) => formatNumber(Number(v)) },
      xAxis: {
        type: 'category',
        boundaryGap: false,
        data: days.map((d) => shortDay(d, multiYear)),
        axisLine: { lineStyle: { color: '#e5e7eb' } },
        axisTick: { show: false },
        axisLabel: { color: '#6b7280', fontSize: 11, hideOverlap: true },
      },
      yAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#f1f3f6' } }, axisLabel: { color: '#6b7280', fontSize: 11, formatter: (v: number) => formatCompact(v) } },
      series: sides.map((s, i) => {
        const byDay = new Map(series[i]!.series.map((p) => [p.day, p.visitors]));
        return {
          name: `${s.label} — visitors`,
          type: 'line',
          smooth: 0.2,
          showSymbol: days.length <= 45,
          symbolSize: 5,
          data: days.map((d) => byDay.get(d) ?? 0),
          lineStyle: { width: 2.25, color: SEGMENT_COLORS[s.side] },
          itemStyle: { color: SEGMENT_COLORS[s.side] },
        };
      }),
    };
  }, [range, sides, series]);
  return (
    <Suspense fallback={<Skeleton height={220} />}>
      <EChart option={option} height={220} ariaLabel="Visitors per day for segment A and segment B" testId="compare-chart" />
    </Suspense>
  );
}
