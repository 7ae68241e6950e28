// GET /api/v1/sites/{site}/overview: KPIs, the daily series and breakdowns; a row click filters.
import { useState } from 'react';
import { useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { useAsync } from '../api/hooks';
import type { Overview } from '../api/types';
import { BarList } from '../components/BarList';
import { CompareOverview } from '../components/CompareOverview';
import { TimeSeriesChart } from '../components/TimeSeriesChart';
import { Card, CodeBlock, ErrorBox, Skeleton, SkeletonRows, Tabs } from '../components/ui';
import { Icon } from '../components/Icon';
import { apiQuery, filterCount, type FilterKey } from '../lib/filters';
import { channelLabel, deviceLabel, formatDuration, formatNumber, formatPercent } from '../lib/format';
import { comparedSegments } from '../lib/segments';
import { findSite, useSites } from '../state/sites';
import { usePublishOverview } from '../state/suggestions';
import { useRangeAndFilters, useUrlActions } from '../state/urlState';

const KPIS: readonly { key: string; label: string; value: (o: Overview) => string; hint: string }[] = [
  { key: 'visitors', label: 'Visitors', value: (o) => formatNumber(o.visitors), hint: 'Unique visitors' },
  { key: 'sessions', label: 'Sessions', value: (o) => formatNumber(o.sessions), hint: 'Visits' },
  { key: 'pageviews', label: 'Pageviews', value: (o) => formatNumber(o.pageviews), hint: 'Pages viewed' },
  { key: 'bounce', label: 'Bounce rate', value: (o) => formatPercent(o.bounce_rate), hint: 'Sessions with a single pageview' },
  { key: 'duration', label: 'Avg. duration', value: (o) => formatDuration(o.avg_duration_ms), hint: 'Average session length (mm:ss)' },
];

type PagesTab = 'top_pages' | 'entry_pages' | 'exit_pages';
const PAGE_TABS: readonly { id: PagesTab; label: string; filter: FilterKey }[] = [
  { id: 'top_pages', label: 'Top pages', filter: 'page' },
  { id: 'entry_pages', label: 'Entry pages', filter: 'entry_page' },
  { id: 'exit_pages', label: 'Exit pages', filter: 'page' },
];

export function OverviewPage() {
  const { site: siteRef = '' } = useParams();
  const { sites } = useSites();
  const site = findSite(sites, siteRef);
  const { range, filters, compare } = useRangeAndFilters();
  const { setFilter } = useUrlActions();
  const sides = comparedSegments(filters, compare);
  const [pagesTab, setPagesTab] = useState<PagesTab>('top_pages');
  const filterKey = JSON.stringify(filters);

  const { data, error, loading, reload } = useAsync(
    (signal) =>
      unwrap(
        api.GET('/api/v1/sites/{site}/overview', {
          params: { path: { site: siteRef }, query: apiQuery(range, filters) },
          signal,
        }),
      ),
    [siteRef, range.from, range.to, filterKey],
  );
  usePublishOverview(data);

  if (error && !data) return <ErrorBox title="Could not load the overview" message={error} onRetry={reload} />;

  const noData = !!data && data.sessions === 0 && data.pageviews === 0;
  const pick = (key: FilterKey) => (value: string) => setFilter(key, value);
  const pagesDef = PAGE_TABS.find((t) => t.id === pagesTab)!;

  return (
    <div className={`overview ${loading && data ? 'is-refreshing' : ''}`} data-testid="overview">
      {error && data && <ErrorBox title="Could not refresh" message={error} onRetry={reload} />}
      {sides.length > 1 && <CompareOverview site={siteRef} range={range} sides={sides} a={data} />}
      <div className="kpis">
        {KPIS.map((k) => (
          <div className="kpi card" key={k.key} title={k.hint} data-testid={`kpi-${k.key}`}>
            <div className="kpi-label">{k.label}</div>
            <div className="kpi-value">{data ? k.value(data) : <Skeleton width={72} height={28} />}</div>
          </div>
        ))}
      </div>

      {noData && filterCount(filters) === 0 ? (
        <NoData snippet={site?.snippet} />
      ) : (
        <>
          <Card title="Traffic" className="chart-card">
            {data ? <TimeSeriesChart series={data.series} range={range} /> : <Skeleton height={280} />}
          </Card>
          <div className="grid-2">
            <Card title="Pages" actions={<Tabs size="sm" tabs={PAGE_TABS} value={pagesTab} onChange={setPagesTab} />}>
              {data ? (
                <BarList
                  testId={`breakdown-${pagesTab}`}
                  items={data[pagesTab]}
                  nameHeader="Page"
                  active={filters[pagesDef.filter]}
                  onPick={pick(pagesDef.filter)}
                />
              ) : (
                <SkeletonRows />
              )}
            </Card>
            <Card title="Channels">
              {data ? (
                <BarList testId="breakdown-channels" items={data.channels} nameHeader="Channel" label={channelLabel} active={filters.channel} onPick={pick('channel')} />
              ) : (
                <SkeletonRows />
              )}
            </Card>
            <Card title="Devices">
              {data ? (
                <BarList testId="breakdown-devices" items={data.devices} nameHeader="Device" label={deviceLabel} active={filters.device} onPick={pick('device')} />
              ) : (
                <SkeletonRows rows={3} />
              )}
            </Card>
            <Card title="Browsers">
              {data ? (
                <BarList testId="breakdown-browsers" items={data.browsers} nameHeader="Browser" active={filters.browser} onPick={pick('browser')} />
              ) : (
                <SkeletonRows rows={4} />
              )}
            </Card>
          </div>
        </>
      )}
    </div>
  );
}

function NoData({ snippet }: { snippet: string | undefined }) {
  return (
    <Card className="nodata" title="No visits in this range yet">
      <div className="nodata-body" data-testid="no-data">
        <p>
          Add this snippet to the <code>&lt;head&gt;</code> of every page of your site. Visits show up here within seconds.
        </p>
        {snippet ? <CodeBlock code={snippet} label="Copy snippet" /> : <Skeleton height={64} />}
        <p className="muted nodata-hint">
          <Icon name="terminal" size={14} /> Want to see Sightline with data first? Run <code>make run</code> (or <code>sightline demo</code>) for a demo shop
          with simulated traffic.
        </p>
      </div>
    </Card>
  );
}
