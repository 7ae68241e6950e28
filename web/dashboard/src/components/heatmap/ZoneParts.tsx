// The zone layer's companions: the colour legend, the tooltip with every metric, the sortable table.
import { useState } from 'react';
import type { ZoneStats } from '../../api/types';
import { RAMP, rgba } from '../../heatmap/colour';
import type { TooltipPlace } from '../../heatmap/geometry';
import { TABLE_METRIC_IDS, ZONE_METRICS, formatMetric, formatZoneMetric, sortZones, zoneMetric, type ZoneMetric } from '../../heatmap/metrics';

/** A ramp from `min` to `max` with its two ends labelled (or an explanatory label). */
export function Legend({ label, min, max, testId }: { label: string; min: string; max: string; testId?: string }) {
  const gradient = `linear-gradient(90deg, ${RAMP.map((s) => `${rgba(s.rgb)} ${s.at * 100}%`).join(', ')})`;
  return (
    <div className="heat-legend" data-testid={testId}>
      <span className="heat-legend-label">{label}</span>
      <span className="heat-legend-end">{min}</span>
      <span className="heat-legend-ramp" style={{ background: gradient }} aria-hidden="true" />
      <span className="heat-legend-end">{max}</span>
    </div>
  );
}

export function ZoneTooltip({ zone, metric, place }: { zone: ZoneStats; metric: ZoneMetric; place: TooltipPlace }) {
  return (
    <div className="zone-tooltip" style={{ left: place.left, top: place.top, maxHeight: place.maxHeight }} role="tooltip" data-testid="zone-tooltip">
      <div className="zone-tooltip-title mono">{zone.selector}</div>
      <dl>
        {ZONE_METRICS.map((m) => (
          <div key={m.id} className={m.id === metric.id ? 'zone-tooltip-current' : ''} title={m.hint}>
            <dt>{m.label}</dt>
            <dd>{formatZoneMetric(m, zone)}</dd>
          </div>
        ))}
        <div>
          <dt>Pageviews of the page</dt>
          <dd>{formatMetric('count', zone.pageviews)}</dd>
        </div>
      </dl>
      <div className="zone-tooltip-hint">Click to see the sessions that clicked it</div>
    </div>
  );
}

export function ZonesTable({
  zones,
  missing,
  highlight,
  onHighlight,
  onSessions,
}: {
  zones: readonly ZoneStats[];
  /** Selectors not in the snapshot (their rows cannot be shown on the page). */
  missing: ReadonlySet<string>;
  highlight: string | null;
  onHighlight: (selector: string) => void;
  onSessions: (selector: string) => void;
}) {
  const [sort, setSort] = useState<{ by: string; order: 'asc' | 'desc' }>({ by: 'clicks', order: 'desc' });
  const rows = sortZones(zones, sort.by, sort.order);
  const header = (id: string, label: string, hint?: string) => {
    const active = sort.by === id;
    return (
      <th key={id} aria-sort={active ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'} title={hint}>
        <button
          type="button"
          className={`sort-button ${active ? 'sort-active' : ''}`}
          data-sort={id}
          onClick={() => setSort(active ? { by: id, order: sort.order === 'asc' ? 'desc' : 'asc' } : { by: id, order: id === 'selector' ? 'asc' : 'desc' })}
        >
          {label}
          <span className="sort-arrow" aria-hidden="true">
            {active ? (sort.order === 'asc' ? '▲' : '▼') : ''}
          </span>
        </button>
      </th>
    );
  };
  return (
    <div className="table-scroll">
      <table className="table zones-table" data-testid="zones-table">
        <thead>
          <tr>
            {header('selector', 'Element')}
            {TABLE_METRIC_IDS.map((id) => {
              const m = zoneMetric(id);
              return header(id, m.label, m.hint);
            })}
            <th aria-label="Sessions" />
          </tr>
        </thead>
        <tbody>
          {rows.map((z) => (
            <tr
              key={z.selector}
              className={`zone-row ${highlight === z.selector ? 'zone-row-active' : ''} ${missing.has(z.selector) ? 'zone-row-missing' : ''}`}
              data-zone-row={z.selector}
              onClick={() => onHighlight(z.selector)}
              title={missing.has(z.selector) ? 'Not in this snapshot: it cannot be shown on the page' : 'Show it on the page'}
            >
              <td className="mono zone-selector">
                <span className="truncate">{z.selector}</span>
              </td>
              {TABLE_METRIC_IDS.map((id) => (
                <td key={id} className="num">
                  {formatZoneMetric(zoneMetric(id), z)}
                </td>
              ))}
              <td className="actions-cell">
                <button
                  type="button"
                  className="btn btn-ghost btn-sm"
                  onClick={(e) => {
                    e.stopPropagation();
                    onSessions(z.selector);
                  }}
                >
                  Sessions
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
