// Heatmaps: where visitors clicked, moved, scrolled and looked on one page (path or page group) and device
// class, drawn over a recorded snapshot of that page (never the live site), with the zone metrics of its
// elements. A hot spot or a zone lists the sessions that clicked it, each opening the replay at that click.
// Compare splits the view: two device classes, or the previous period against the current one.
import { useMemo, useState, type ReactNode } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { useAsync } from '../api/hooks';
import { HeatPanel } from '../components/heatmap/HeatPanel';
import { SessionsPanel } from '../components/heatmap/SessionsPanel';
import { Icon } from '../components/Icon';
import { Card, EmptyState, Tabs } from '../components/ui';
import { COLOUR_METRIC_IDS, DEFAULT_METRIC, zoneMetric } from '../heatmap/metrics';
import {
  DEVICE_CLASSES,
  VIEW_KINDS,
  VIEW_LABELS,
  ignoredFilters,
  pageChoices,
  panelQuery,
  parseHeatmapView,
  previousPeriod,
  withHeatmapParams,
  type DeviceClass,
  type PanelSpec,
} from '../heatmap/state';
import { rangeLabel, type DateRange } from '../lib/dates';
import { buildSearch, filterDef, withFilter } from '../lib/filters';
import { deviceLabel } from '../lib/format';
import { findSite, useSites } from '../state/sites';
import { usePublishOverview } from '../state/suggestions';
import { useRangeAndFilters } from '../state/urlState';

interface Selection {
  side: 'left' | 'right';
  selector: string;
}

export function HeatmapPage() {
  const { site: siteRef = '' } = useParams();
  const { sites } = useSites();
  const site = findSite(sites, siteRef);
  const { range, filters } = useRangeAndFilters();
  const { search, pathname } = useLocation();
  const navigate = useNavigate();
  const view = useMemo(() => parseHeatmapView(search, range, filters), [search, range, filters]);
  const go = (s: string) => navigate({ pathname, search: s });
  const setOwn = (own: Parameters<typeof withHeatmapParams>[1]) => go(withHeatmapParams(search, own));
  const [selection, setSelection] = useState<Selection | null>(null);

  // pages to offer: the site's page groups and the most viewed pages of the range (also fed to the filter bar)
  const overview = useAsync(
    (signal) => unwrap(api.GET('/api/v1/sites/{site}/overview', { params: { path: { site: siteRef }, query: { from: range.from, to: range.to } }, signal })),
    [siteRef, range.from, range.to],
  );
  usePublishOverview(overview.data);
  const choices = pageChoices(site?.page_groups, overview.data?.top_pages, filters.page);
  const page = filters.page ?? choices[0];
  const metric = zoneMetric(view.metric ?? DEFAULT_METRIC);
  const ignored = ignoredFilters(filters);

  const setPage = (p: string) => {
    setSelection(null);
    go(withFilter(search, 'page', p));
  };
  const setLeftDevice = (d: DeviceClass) => {
    setSelection(null);
    go(withFilter(search, 'device', d));
  };
  const setRight = (spec: Partial<PanelSpec>) => {
    setSelection(null);
    const r = spec.range ?? view.right.range;
    const same = r.from === range.from && r.to === range.to;
    setOwn({ b_device: spec.device ?? view.right.device, b_from: same ? undefined : r.from, b_to: same ? undefined : r.to });
  };
  const setLeftRange = (r: DateRange) => go(buildSearch(withHeatmapParams(search, { b_from: view.right.range.from, b_to: view.right.range.to }), { range: r }));

  const leftQuery = page ? panelQuery(page, view.left, filters) : null;
  const rightQuery = page ? panelQuery(page, view.right, filters) : null;
  // one panel, or two side by side, each with its own device and range when comparing
  const panels: { side: Selection['side']; query: NonNullable<typeof leftQuery>; header?: ReactNode }[] =
    leftQuery && rightQuery
      ? [
          {
            side: 'left',
            query: leftQuery,
            header: view.compare ? <PanelControls spec={view.left} onDevice={setLeftDevice} onRange={setLeftRange} current={range} side="left" /> : undefined,
          },
          ...(view.compare
            ? [
                {
                  side: 'right' as const,
                  query: rightQuery,
                  header: <PanelControls spec={view.right} onDevice={(d) => setRight({ device: d })} onRange={(r) => setRight({ range: r })} current={range} side="right" />,
                },
              ]
            : []),
        ]
      : [];
  const panelLabel = (spec: PanelSpec) => `${deviceLabel(spec.device)} · ${rangeLabel(spec.range)}`;

  return (
    <div className="page heatmaps" data-testid="heatmaps">
      <div className="session-filters heat-toolbar">
        <label className="sf-field heat-page-field">
          <span className="sf-label">Page</span>
          <input
            className="input input-sm mono"
            list="heat-pages"
            data-testid="heat-page"
            placeholder={filterDef('page').placeholder}
            defaultValue={page ?? ''}
            key={page ?? ''}
            onKeyDown={(e) => {
              if (e.key === 'Enter') setPage((e.target as HTMLInputElement).value.trim());
            }}
            onChange={(e) => {
              // picking a suggestion applies it at once; typing waits for Enter
              if (choices.includes(e.target.value)) setPage(e.target.value);
            }}
            aria-label="Page path or page group"
            title="A path (/product.html) or a page group (/product/*); Enter to apply"
          />
          <datalist id="heat-pages">
            {choices.map((p) => (
              <option key={p} value={p} />
            ))}
          </datalist>
        </label>
        {!view.compare && (
          <div className="sf-field">
            <span className="sf-label">Device</span>
            <Tabs size="sm" tabs={DEVICE_CLASSES.map((d) => ({ id: d, label: deviceLabel(d) }))} value={view.left.device} onChange={setLeftDevice} />
          </div>
        )}
        {view.kind === 'zones' && (
          <label className="sf-field">
            <span className="sf-label">Colour zones by</span>
            <select className="input input-sm" data-testid="zone-metric" value={metric.id} onChange={(e) => setOwn({ metric: e.target.value === DEFAULT_METRIC ? undefined : e.target.value })}>
              {COLOUR_METRIC_IDS.map((id) => (
                <option key={id} value={id}>
                  {zoneMetric(id).label}
                </option>
              ))}
            </select>
          </label>
        )}
        <div className="sf-field heat-compare-field">
          <span className="sf-label">Compare</span>
          <div className="heat-compare-buttons">
            <button
              type="button"
              className={`btn btn-sm ${view.compare ? 'btn-primary' : 'btn-secondary'}`}
              aria-pressed={view.compare}
              data-testid="heat-compare"
              onClick={() => {
                setSelection(null);
                setOwn({ compare: view.compare ? undefined : '1' });
              }}
            >
              {view.compare ? 'Comparing' : 'Compare side by side'}
            </button>
            {view.compare && (
              <button
                type="button"
                className="btn btn-ghost btn-sm"
                title="Same device on both sides: the previous period on the left, the current range on the right"
                data-testid="heat-before-after"
                onClick={() => {
                  setSelection(null);
                  const cur = view.right.range;
                  go(buildSearch(withHeatmapParams(search, { b_device: view.left.device, b_from: cur.from, b_to: cur.to }), { range: previousPeriod(cur) }));
                }}
              >
                Before vs after
              </button>
            )}
          </div>
        </div>
      </div>
      <Tabs tabs={VIEW_KINDS.map((k) => ({ id: k, label: VIEW_LABELS[k] }))} value={view.kind} onChange={(k) => setOwn({ kind: k === 'click' ? undefined : k })} />
      {ignored.length > 0 && (
        <p className="muted small">
          <Icon name="info" size={13} /> Heatmaps are filtered by page, device, browser and channel only; {ignored.join(', ')} {ignored.length === 1 ? 'is' : 'are'} not applied here.
        </p>
      )}

      {!page || !leftQuery || !rightQuery ? (
        <Card>
          <EmptyState icon="overview" title={overview.loading ? 'Loading pages…' : 'No pages seen in this range'}>
            <p>Type a path (/pricing) or a page group (/product/*) above, or widen the date range.</p>
          </EmptyState>
        </Card>
      ) : (
        <div className={`heat-layout ${view.compare ? 'heat-compare' : ''} ${selection ? 'with-sessions' : ''}`}>
          <div className="heat-panels">
            {panels.map(({ side, query, header }) => (
              <HeatPanel
                key={side}
                site={siteRef}
                query={query}
                kind={view.kind}
                metric={metric}
                testId={`heat-panel-${side}`}
                selected={selection?.side === side ? selection.selector : null}
                onSelect={(selector) => setSelection({ side, selector })}
                header={header}
              />
            ))}
          </div>
          {selection && (
            <aside className="heat-side">
              <SessionsPanel
                site={siteRef}
                query={selection.side === 'left' ? leftQuery : rightQuery}
                selector={selection.selector}
                label={view.compare ? panelLabel(selection.side === 'left' ? view.left : view.right) : undefined}
                onClose={() => setSelection(null)}
              />
            </aside>
          )}
        </div>
      )}
    </div>
  );
}

/** A compare panel's own device class and range (this range, or the period before it). */
function PanelControls({
  spec,
  current,
  side,
  onDevice,
  onRange,
}: {
  spec: PanelSpec;
  current: DateRange;
  side: 'left' | 'right';
  onDevice: (d: DeviceClass) => void;
  onRange: (r: DateRange) => void;
}) {
  const prev = previousPeriod(side === 'left' ? spec.range : current);
  const options: { id: string; label: string; range: DateRange }[] = [];
  const add = (id: string, label: string, r: DateRange) => {
    if (!options.some((o) => o.range.from === r.from && o.range.to === r.to)) options.push({ id, label, range: r });
  };
  add('this', rangeLabel(spec.range), spec.range);
  add('current', rangeLabel(current), current);
  add('prev', `Period before: ${rangeLabel(previousPeriod(spec.range))}`, previousPeriod(spec.range));
  add('prev2', `Period before: ${rangeLabel(prev)}`, prev);
  return (
    <div className="heat-panel-controls" data-testid={`heat-controls-${side}`}>
      <Tabs size="sm" tabs={DEVICE_CLASSES.map((d) => ({ id: d, label: deviceLabel(d) }))} value={spec.device} onChange={onDevice} />
      <select
        className="input input-sm"
        aria-label="Date range of this side"
        data-testid={`heat-range-${side}`}
        value="this"
        onChange={(e) => {
          const o = options.find((x) => x.id === e.target.value);
          if (o) onRange(o.range);
        }}
      >
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
