// One heatmap panel: the newest snapshot of the page for its device class and range, rebuilt in a
// script-free frame scaled to the panel's width, with the chosen layer drawn over it, and what could not
// be drawn said in words. The heatmap page shows one, or two side by side to compare.
import { useEffect, useMemo, useRef, useState, type MouseEvent as ReactMouseEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useAsync } from '../../api/hooks';
import type { HeatmapResponse, HeatmapSnapshot, ZoneStats, ZonesResponse } from '../../api/types';
import { loadHeatmap, loadPanelSnapshot, loadZones } from '../../heatmap/api';
import { extent } from '../../heatmap/colour';
import { byAreaDescending, cellCentres, fitScale, placePoints, tooltipPlace, type TooltipPlace } from '../../heatmap/geometry';
import { formatMetric, formatMs, type ZoneMetric } from '../../heatmap/metrics';
import type { SnapshotFrame } from '../../heatmap/snapshotFrame';
import { apiKind, replayAtPath, type ViewKind } from '../../heatmap/state';
import { deviceLabel, formatDateTime, formatNumber } from '../../lib/format';
import { Card, EmptyState, ErrorBox, Spinner } from '../ui';
import { AttentionLayer, ClickLayer, MoveLayer, ReachLayer, ZoneLayer, type PlacedZone } from './Layers';
import { Legend, ZoneTooltip, ZonesTable } from './ZoneParts';

type PanelData = { kind: 'zones'; zones: ZonesResponse } | { kind: 'heatmap'; heatmap: HeatmapResponse };

/** Builds the frame for a snapshot (lazily loading rrweb); null until it is ready. */
function useSnapshotFrame(root: HTMLDivElement | null, snapshot: HeatmapSnapshot | null | undefined) {
  const [frame, setFrame] = useState<{ frame: SnapshotFrame; height: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setFrame(null);
    setError(null);
    if (!root || !snapshot) return;
    let live = true;
    let built: SnapshotFrame | null = null;
    import('../../heatmap/snapshotFrame')
      .then((m) => m.renderSnapshot(root, snapshot.events))
      .then((f) => {
        if (!live) return f.destroy();
        built = f;
        setFrame({ frame: f, height: f.height });
      })
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : 'The snapshot could not be shown.'));
    return () => {
      live = false;
      built?.destroy();
      root.replaceChildren();
    };
  }, [root, snapshot]);
  return { frame, error };
}

/** The width the panel has for the page (follows window resizes). */
function useWidth(el: HTMLElement | null): number {
  const [w, setW] = useState(0);
  useEffect(() => {
    if (!el) return;
    const ro = new ResizeObserver(() => setW(el.clientWidth));
    ro.observe(el);
    setW(el.clientWidth);
    return () => ro.disconnect();
  }, [el]);
  return w;
}

export function HeatPanel({
  site,
  query,
  kind,
  metric,
  header,
  testId,
  selected,
  onSelect,
}: {
  site: string;
  /** page, from, to, device (+ browser, channel). */
  query: Record<string, string>;
  kind: ViewKind;
  metric: ZoneMetric;
  header?: ReactNode;
  testId: string;
  /** The element whose sessions are listed: outlined on the page. */
  selected?: string | null;
  onSelect: (selector: string) => void;
}) {
  const key = JSON.stringify(query);
  const snap = useAsync((signal) => loadPanelSnapshot(site, query, signal), [site, key]);
  const api = apiKind(kind);
  const data = useAsync<PanelData>(
    async (signal) => (api ? { kind: 'heatmap', heatmap: await loadHeatmap(site, query, api, signal) } : { kind: 'zones', zones: await loadZones(site, query, signal) }),
    [site, key, kind],
  );
  const [root, setRoot] = useState<HTMLDivElement | null>(null);
  const [box, setBox] = useState<HTMLDivElement | null>(null);
  const loaded = snap.data?.snapshot;
  // a reload that finds the same snapshot (another range, the same newest pageview) keeps the built frame
  const snapshot = useMemo(() => loaded, [loaded?.session, loaded?.pageview, loaded?.taken_at]); // eslint-disable-line react-hooks/exhaustive-deps
  const { frame: built, error: frameError } = useSnapshotFrame(root, snapshot);
  const avail = useWidth(box);
  const scale = built ? fitScale(built.frame.width, avail) : 1;
  const [highlight, setHighlight] = useState<string | null>(null);
  const [hover, setHover] = useState<({ zone: ZoneStats } & TooltipPlace) | null>(null);
  const stageRef = useRef<HTMLDivElement>(null);

  // data of another kind than the tab's (still loading) is not drawn
  const current = data.data && (data.data.kind === 'zones') === (kind === 'zones') && (data.data.kind !== 'heatmap' || data.data.heatmap.kind === api) ? data.data : undefined;
  const heat = current?.kind === 'heatmap' ? current.heatmap : undefined;
  const zones = current?.kind === 'zones' ? current.zones.zones : undefined;

  const size = built ? { width: built.frame.width, height: built.height } : null;
  const clicks = useMemo(() => (built && heat && kind === 'click' ? placePoints(heat.points, built.frame.boxOf) : null), [built, heat, kind]);
  const cells = useMemo(() => (heat && kind === 'move' ? cellCentres(heat.cells) : []), [heat, kind]);
  const placedZones = useMemo(() => {
    if (!built || !zones) return null;
    const placed: PlacedZone[] = [];
    const missing = new Set<string>();
    for (const z of zones) {
      const b = built.frame.boxOf(z.selector);
      if (b) placed.push({ zone: z, box: b });
      else missing.add(z.selector);
    }
    return { placed: byAreaDescending(placed), missing };
  }, [built, zones]);
  const selectedBox = useMemo(() => (built && selected ? built.frame.boxOf(selected) : null), [built, selected]);
  const zoneRange = useMemo(() => extent((placedZones?.placed ?? []).map((p) => metric.value(p.zone))), [placedZones, metric]);

  // a row picked in the table scrolls its zone into view
  useEffect(() => {
    if (!highlight || !stageRef.current) return;
    const el = [...stageRef.current.querySelectorAll<HTMLElement>('[data-zone]')].find((e) => e.dataset.selector === highlight);
    el?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }, [highlight]);

  // the tooltip is fixed to the window (the stage clips its overflow), beside the pointer or the focused zone
  const onZoneHover = (zone: ZoneStats | null, e?: ReactMouseEvent) => {
    if (!zone) return setHover(null);
    const target = (e?.currentTarget as HTMLElement | undefined)?.getBoundingClientRect();
    const x = e ? e.clientX : (target?.left ?? 0);
    const y = e ? e.clientY : (target?.bottom ?? 0);
    setHover({ zone, ...tooltipPlace(x, y, window.innerWidth, window.innerHeight) });
  };

  const pageviews = heat?.pageviews ?? zones?.[0]?.pageviews ?? null;
  const noData = current !== undefined && (pageviews === 0 || (heat ? isEmptyHeat(heat) : zones?.length === 0));
  const summary = summaryText(kind, heat, zones, clicks, placedZones);

  return (
    <Card padded={false} className="heat-panel">
      <div data-testid={testId} className="heat-panel-inner" data-device={query.device} data-kind={kind} data-ready={built && current ? 'true' : 'false'}>
        <div className="heat-panel-head">
          {header}
          <div className="heat-facts">
            {snapshot && (
              <span className="muted small" data-testid="snapshot-info">
                Snapshot: {deviceLabel(snapshot.device)}, {snapshot.width} px wide, {formatDateTime(snapshot.taken_at)} ·{' '}
                <Link to={replayAtPath(site, snapshot.session, snapshot.taken_at)}>its session</Link>
              </span>
            )}
            {snapshot && snap.data?.outOfRange && (
              <span className="badge badge-warn" data-testid="snapshot-out-of-range">
                No snapshot in this range: drawn on the newest one
              </span>
            )}
            {snapshot && query.device && snapshot.device !== query.device && (
              <span className="badge badge-warn" data-testid="snapshot-fallback">
                No {deviceLabel(query.device).toLowerCase()} snapshot in this range: drawn on a {deviceLabel(snapshot.device).toLowerCase()} one
              </span>
            )}
          </div>
          <div className="heat-facts">
            {summary && (
              <span className="small" data-testid="heat-summary">
                {summary}
              </span>
            )}
            {clicks && clicks.missingClicks > 0 && (
              <span className="badge badge-warn" data-testid="missing-clicks" title={clicks.missingSelectors.join('\n')}>
                {formatNumber(clicks.missingClicks)} {clicks.missingClicks === 1 ? 'click' : 'clicks'} on elements not in this snapshot
              </span>
            )}
            {placedZones && placedZones.missing.size > 0 && (
              <span className="badge badge-warn" data-testid="missing-zones" title={[...placedZones.missing].join('\n')}>
                {formatNumber(placedZones.missing.size)} {placedZones.missing.size === 1 ? 'zone' : 'zones'} not in this snapshot
              </span>
            )}
            <PanelLegend kind={kind} heat={heat} metric={metric} zoneRange={zoneRange} />
          </div>
        </div>

        {data.error && !data.data && <ErrorBox title="Could not load the heatmap" message={data.error} onRetry={data.reload} />}
        {snap.error && !snap.data && <ErrorBox title="Could not load the page snapshot" message={snap.error} onRetry={snap.reload} />}
        {frameError && <ErrorBox title="Could not show the page snapshot" message={frameError} />}

        <div className="heat-stage-box" ref={setBox}>
          {snap.data && !snapshot ? (
            <EmptyState icon="sessions" title="No snapshot of this page yet">
              <p>
                The heatmap is drawn on a recorded snapshot of the page, and none of this page has been recorded yet. Turn on session replay for this site
                (Settings → Privacy), or wait: sampled visits of the page record a snapshot for every device class.
              </p>
            </EmptyState>
          ) : (
            <div className="heat-stage" ref={stageRef} style={{ height: size ? size.height * scale : 360 }} onMouseLeave={() => setHover(null)}>
              <div
                className="heat-page"
                style={size ? { width: size.width, height: size.height, transform: `scale(${scale})`, left: Math.max(0, (avail - size.width * scale) / 2) } : undefined}
              >
                <div className="heat-frame" ref={setRoot} />
                {size && current && (
                  <div className="heat-layer" data-testid="heat-layer" data-scale={scale}>
                    {kind === 'click' && clicks && <ClickLayer points={clicks.placed} size={size} scale={scale} onSelect={onSelect} />}
                    {kind === 'move' && <MoveLayer cells={cells} size={size} scale={scale} />}
                    {kind === 'scroll' && heat && <ReachLayer reach={heat.reach} folds={heat.folds} height={size.height} scale={scale} />}
                    {kind === 'attention' && heat && <AttentionLayer attention={heat.attention} height={size.height} scale={scale} />}
                    {kind === 'zones' && placedZones && (
                      <ZoneLayer zones={placedZones.placed} metric={metric} range={zoneRange} scale={scale} highlight={highlight} onHover={onZoneHover} onSelect={onSelect} />
                    )}
                    {selectedBox && (
                      <div
                        className="heat-selected"
                        data-testid="heat-selected"
                        style={{ left: selectedBox.left, top: selectedBox.top, width: selectedBox.width, height: selectedBox.height, outlineWidth: Math.max(2, 3 / scale) }}
                      />
                    )}
                  </div>
                )}
              </div>
              {(!built || !current) && !frameError && (
                <div className="stage-overlay">
                  <Spinner size={18} /> Rebuilding the page…
                </div>
              )}
              {built && noData && (
                <div className="heat-nodata" data-testid="heat-nodata">
                  No {kind === 'zones' ? 'zone data' : 'data'} for this page with this device, range and filters. Widen the range, or pick another device or filter.
                </div>
              )}
              {hover && kind === 'zones' && <ZoneTooltip zone={hover.zone} metric={metric} place={hover} />}
            </div>
          )}
        </div>

        {kind === 'move' && heat && heat.hovers.length > 0 && (
          <div className="heat-hovers" data-testid="hovers">
            <h3 className="heat-sub">Most hovered elements</h3>
            <ol>
              {[...heat.hovers]
                .sort((a, b) => b.dwell_ms - a.dwell_ms)
                .slice(0, 10)
                .map((h) => (
                  <li key={h.selector}>
                    <button type="button" className="link-button mono truncate" onClick={() => onSelect(h.selector)} title={`${h.selector}: show the sessions that clicked it`}>
                      {h.selector}
                    </button>
                    <span className="muted small">
                      {formatNumber(h.count)} hovers · {formatMs(h.dwell_ms)} in all
                    </span>
                  </li>
                ))}
            </ol>
          </div>
        )}
        {kind === 'zones' && zones && zones.length > 0 && (
          <ZonesTable
            zones={zones}
            missing={placedZones?.missing ?? new Set()}
            highlight={highlight}
            onHighlight={(s) => setHighlight((h) => (h === s ? null : s))}
            onSessions={onSelect}
          />
        )}
      </div>
    </Card>
  );
}

function isEmptyHeat(h: HeatmapResponse): boolean {
  switch (h.kind) {
    case 'click':
      return h.points.length === 0;
    case 'move':
      return h.cells.length === 0;
    case 'scroll':
      return h.reach.length === 0;
    case 'attention':
      return h.attention.length === 0;
  }
}

function summaryText(
  kind: ViewKind,
  heat: HeatmapResponse | undefined,
  zones: readonly ZoneStats[] | undefined,
  clicks: ReturnType<typeof placePoints> | null,
  placed: { placed: PlacedZone[] } | null,
): string | null {
  const pv = heat?.pageviews ?? zones?.[0]?.pageviews;
  const views = pv !== undefined ? `${formatNumber(pv)} pageviews` : null;
  if (kind === 'click' && heat) {
    const total = heat.points.reduce((s, p) => s + p.count, 0);
    return `${formatNumber(total)} clicks · ${views}${clicks ? ` · ${formatNumber(clicks.placed.length)} spots drawn` : ''}`;
  }
  if (kind === 'move' && heat) return `${formatNumber(heat.cells.reduce((s, c) => s + c.count, 0))} pointer samples · ${views}`;
  if ((kind === 'scroll' || kind === 'attention') && heat) return views;
  if (kind === 'zones' && zones) return `${formatNumber(zones.length)} zones${placed ? ` · ${formatNumber(placed.placed.length)} on this snapshot` : ''}${views ? ` · ${views}` : ''}`;
  return null;
}

function PanelLegend({ kind, heat, metric, zoneRange }: { kind: ViewKind; heat: HeatmapResponse | undefined; metric: ZoneMetric; zoneRange: { min: number; max: number } }) {
  if (kind === 'click' || kind === 'move') {
    const max = heat ? (kind === 'click' ? heat.points : heat.cells).reduce((m, p) => Math.max(m, p.count), 0) : 0;
    return <Legend label={kind === 'click' ? 'Clicks per spot' : 'Pointer samples'} min="few" max={max ? formatNumber(max) : 'many'} testId="heat-legend" />;
  }
  if (kind === 'scroll') return <Legend label="Pageviews reaching" min="0 %" max="100 %" testId="heat-legend" />;
  if (kind === 'attention') {
    const max = heat?.attention.reduce((m, a) => Math.max(m, a.ms), 0) ?? 0;
    return <Legend label="Time in view per pageview" min="0" max={formatMs(max)} testId="heat-legend" />;
  }
  return <Legend label={metric.label} min={formatMetric(metric.format, zoneRange.min)} max={formatMetric(metric.format, zoneRange.max)} testId="heat-legend" />;
}
