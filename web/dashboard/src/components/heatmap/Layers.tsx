// The overlays drawn over the rebuilt page, in its own px (the parent layer is scaled with the frame):
// click and move heat, scroll-reach and attention bands, fold lines and zone outlines. Labels are sized
// by 1 / scale so they stay readable however small the page is drawn.
import { useEffect, useRef, type MouseEvent as ReactMouseEvent } from 'react';
import type { Fold, ZoneStats } from '../../api/types';
import { normalise, rampColour, rgba } from '../../heatmap/colour';
import { attentionBands, foldLines, reachBands, type Box, type PlacedPoint } from '../../heatmap/geometry';
import { drawHeat } from '../../heatmap/heatCanvas';
import { formatMs, formatZoneMetric, type ZoneMetric } from '../../heatmap/metrics';
import { deviceLabel, formatNumber, formatPercent } from '../../lib/format';

interface Size {
  width: number;
  height: number;
}

export function HeatCanvas({ points, size, radius }: { points: readonly { x: number; y: number; count: number }[]; size: Size; radius: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) drawHeat(ref.current, points, size, radius);
  }, [points, size.width, size.height, radius]); // eslint-disable-line react-hooks/exhaustive-deps
  return <canvas ref={ref} className="heat-canvas" aria-hidden="true" />;
}

/** The click map: the heat, and one marker per placed point (hit target, and what tests read). */
export function ClickLayer({ points, size, scale, onSelect }: { points: readonly PlacedPoint[]; size: Size; scale: number; onSelect: (selector: string) => void }) {
  // markers are at least ~14 screen px, so a hot spot can be clicked even on a phone-sized drawing
  const d = Math.max(12, 14 / scale);
  return (
    <>
      <HeatCanvas points={points} size={size} radius={Math.max(16, 10 / scale)} />
      {points.map((p, i) => (
        <button
          key={i}
          type="button"
          className="heat-point"
          data-heat-point=""
          data-selector={p.selector}
          data-x={Math.round(p.x)}
          data-y={Math.round(p.y)}
          data-count={p.count}
          style={{ left: p.x - d / 2, top: p.y - d / 2, width: d, height: d }}
          title={`${formatNumber(p.count)} ${p.count === 1 ? 'click' : 'clicks'} on ${p.selector}`}
          aria-label={`${formatNumber(p.count)} clicks on ${p.selector}: show the sessions`}
          onClick={() => onSelect(p.selector)}
        />
      ))}
    </>
  );
}

export function MoveLayer({ cells, size, scale }: { cells: readonly { x: number; y: number; count: number }[]; size: Size; scale: number }) {
  return <HeatCanvas points={cells} size={size} radius={Math.max(22, 12 / scale)} />;
}

function FoldLines({ folds, height, scale }: { folds: readonly Fold[]; height: number; scale: number }) {
  return (
    <>
      {foldLines(folds, height).map((f) => (
        <div key={f.device} className="fold-line" data-fold={f.device} style={{ top: f.y, borderTopWidth: Math.max(1, 2 / scale) }}>
          <span className="fold-label" style={{ fontSize: 11 / scale }}>
            {deviceLabel(f.device)} fold · {formatNumber(f.px)} px
          </span>
        </div>
      ))}
    </>
  );
}

export function ReachLayer({ reach, folds, height, scale }: { reach: Parameters<typeof reachBands>[0]; folds: readonly Fold[]; height: number; scale: number }) {
  const bands = reachBands(reach, height);
  return (
    <>
      {bands.map((b) => {
        const last = b.height <= 0;
        return (
          <div
            key={b.depth}
            className={`reach-band ${last ? 'reach-end' : ''}`}
            data-reach-depth={b.depth}
            data-reach-share={b.share}
            style={{ top: last ? b.top - Math.max(2, 3 / scale) : b.top, height: last ? Math.max(2, 3 / scale) : b.height, background: rgba(rampColour(b.share), last ? 0.9 : 0.32) }}
            title={`${formatPercent(b.share)} of pageviews reached ${b.depth} % of the page`}
          >
            {(b.labelled || last) && (
              <span className={`band-label ${last ? 'band-label-end' : ''}`} style={{ fontSize: 12 / scale }}>
                {Math.round(b.share * 100)} %{last ? ' reached the end' : ''}
              </span>
            )}
          </div>
        );
      })}
      <FoldLines folds={folds} height={height} scale={scale} />
    </>
  );
}

export function AttentionLayer({ attention, height, scale }: { attention: Parameters<typeof attentionBands>[0]; height: number; scale: number }) {
  const bands = attentionBands(attention, height);
  const max = bands.reduce((m, b) => Math.max(m, b.ms), 0);
  return (
    <>
      {bands.map((b) => (
        <div
          key={b.depth}
          className="reach-band"
          data-attention-depth={b.depth}
          data-attention-ms={Math.round(b.ms)}
          style={{ top: b.top, height: b.height, background: rgba(rampColour(normalise(b.ms, 0, max)), 0.34) }}
          title={`${b.depth}–${b.depth + 5} % of the page: in view ${formatMs(b.ms)} per pageview on average`}
        >
          {b.labelled && (
            <span className="band-label" style={{ fontSize: 12 / scale }}>
              {formatMs(b.ms)}
            </span>
          )}
        </div>
      ))}
    </>
  );
}

export interface PlacedZone {
  zone: ZoneStats;
  box: Box;
}

export function ZoneLayer({
  zones,
  metric,
  range,
  scale,
  highlight,
  onHover,
  onSelect,
}: {
  zones: readonly PlacedZone[];
  metric: ZoneMetric;
  range: { min: number; max: number };
  scale: number;
  highlight: string | null;
  onHover: (zone: ZoneStats | null, e?: ReactMouseEvent) => void;
  onSelect: (selector: string) => void;
}) {
  const border = Math.max(1.5, 2 / scale);
  return (
    <>
      {zones.map(({ zone, box }) => {
        const v = metric.value(zone);
        const rgb = v === null ? ([156, 163, 175] as const) : rampColour(normalise(v, range.min, range.max));
        const hi = highlight === zone.selector;
        return (
          <button
            key={zone.selector}
            type="button"
            className={`zone-box ${hi ? 'zone-highlight' : ''}`}
            data-zone=""
            data-selector={zone.selector}
            data-value={v ?? ''}
            style={{
              left: box.left,
              top: box.top,
              width: box.width,
              height: box.height,
              borderWidth: hi ? border * 2 : border,
              borderColor: rgba(rgb, 0.95),
              background: rgba(rgb, hi ? 0.34 : 0.2),
            }}
            aria-label={`${zone.selector}: ${metric.label} ${formatZoneMetric(metric, zone)}; show the sessions that clicked it`}
            onMouseMove={(e) => onHover(zone, e)}
            onMouseLeave={() => onHover(null)}
            onFocus={() => onHover(zone)}
            onBlur={() => onHover(null)}
            onClick={() => onSelect(zone.selector)}
          >
            <span className="zone-value" style={{ fontSize: 11 / scale, background: rgba(rgb, 0.95) }}>
              {formatZoneMetric(metric, zone)}
            </span>
          </button>
        );
      })}
    </>
  );
}
