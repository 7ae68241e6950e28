// The funnel's numbers: one row per step (reached, conversion from the previous step and from the start,
// drop-off — a button listing those sessions — and the median / p75 time to the next step), and the
// breakdown (each value's count per step and overall conversion).
import type { FunnelDefinition, FunnelResponse, FunnelStepResult } from '../../api/types';
import { formatNumber, formatPercent } from '../../lib/format';
import { BREAKDOWN_LABELS, formatSpan, stepName } from '../../lib/funnels';
import { emptyName } from '../../lib/format';

export function FunnelStepsTable({
  def,
  data,
  onSessions,
  testId,
}: {
  def: FunnelDefinition;
  data: FunnelResponse;
  onSessions: (step: number, outcome: 'dropped' | 'reached') => void;
  testId?: string;
}) {
  const unit = data.unit === 'visitor' ? 'visitors' : 'sessions';
  return (
    <div className="table-scroll">
      <table className="table compact-table funnel-table keep-columns" data-testid={testId}>
        <thead>
          <tr>
            <th>Step</th>
            <th className="num">Reached</th>
            <th className="num" title="Of those who reached the previous step">From previous</th>
            <th className="num" title="Of those who started the funnel">From start</th>
            <th className="num" title={`${unit} that reached this step and not the next`}>Dropped off</th>
            <th className="num" title="Median and 75th percentile time to the next step">Time to next (median · p75)</th>
          </tr>
        </thead>
        <tbody>
          {data.steps.map((s, i) => {
            const last = i === data.steps.length - 1;
            return (
              <tr key={i} data-step={i}>
                <td>
                  <span className="funnel-step-number">{i + 1}</span> <span className="mono">{stepName(def.steps[i], s, i)}</span>
                </td>
                <td className="num">
                  <button type="button" className="link-button" data-testid="step-count" title={`List the ${unit} that reached this step`} onClick={() => onSessions(i, 'reached')}>
                    {formatNumber(s.count)}
                  </button>
                </td>
                <td className="num">{i === 0 ? '—' : formatPercent(s.conversion_from_previous)}</td>
                <td className="num">{formatPercent(s.conversion_from_start)}</td>
                <td className="num">
                  {last ? (
                    <span className="muted">—</span>
                  ) : s.drop_off > 0 ? (
                    <button type="button" className="link-button dropoff-button" data-testid="step-dropoff" title={`List the ${unit} that left after this step`} onClick={() => onSessions(i, 'dropped')}>
                      {formatNumber(s.drop_off)} <span className="muted">({formatPercent(s.count ? s.drop_off / s.count : 0)})</span>
                    </button>
                  ) : (
                    <span data-testid="step-dropoff">0</span>
                  )}
                </td>
                <td className="num nowrap">{last ? '—' : `${formatSpan(s.median_ms_to_next)} · ${formatSpan(s.p75_ms_to_next)}`}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function FunnelBreakdownTable({ def, data }: { def: FunnelDefinition; data: FunnelResponse }) {
  const rows = data.breakdown ?? [];
  if (!def.breakdown || rows.length === 0) return null;
  const overall = (steps: FunnelStepResult[]) => steps[steps.length - 1]?.conversion_from_start ?? 0;
  return (
    <div className="table-scroll">
      <table className="table compact-table keep-columns" data-testid="funnel-breakdown">
        <thead>
          <tr>
            <th>{BREAKDOWN_LABELS[def.breakdown]}</th>
            {data.steps.map((s, i) => (
              <th key={i} className="num" title={stepName(def.steps[i], s, i)}>
                {i + 1}. <span className="truncate breakdown-step">{stepName(def.steps[i], s, i)}</span>
              </th>
            ))}
            <th className="num">Conversion</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.value}>
              <td>{emptyName(r.value)}</td>
              {r.steps.map((s, i) => (
                <td key={i} className="num">
                  {formatNumber(s.count)}
                  {i > 0 && <span className="muted small"> {formatPercent(s.conversion_from_previous)}</span>}
                </td>
              ))}
              <td className="num">
                <strong>{formatPercent(overall(r.steps))}</strong>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
