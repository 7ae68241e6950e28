// POST /api/v1/sites/{site}/funnel: a funnel built from steps (pages, clicks, events), its conversion per step,
// time between steps, daily conversion and breakdown. The funnel shown is in the URL (`funnel=`); the builder
// edits a draft that "Run" applies. With a compared segment B, both segments side by side. A click on a
// drop-off lists the sessions that left there (`…/funnel/sessions`), linking to their replays.
import { useEffect, useMemo, useState } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router';
import { getFunnelSessions, runFunnel } from '../api/analysis';
import { useAsync } from '../api/hooks';
import type { FunnelDefinition } from '../api/types';
import { FunnelBarChart, FunnelDailyChart, type FunnelSide } from '../components/funnels/FunnelCharts';
import { FunnelBreakdownTable, FunnelStepsTable } from '../components/funnels/FunnelTables';
import { SavedFunnels } from '../components/funnels/SavedFunnels';
import { StepBuilder } from '../components/funnels/StepBuilder';
import { Icon } from '../components/Icon';
import { useKnownPages } from '../components/PageInput';
import { SAMPLE_LIMIT, SessionSample } from '../components/SessionSample';
import { Card, EmptyState, ErrorBox, InlineMessage, Skeleton } from '../components/ui';
import { endpointMessage } from '../lib/analysisErrors';
import type { DateRange } from '../lib/dates';
import { formatNumber, formatPercent } from '../lib/format';
import { NEW_FUNNEL, draftProblem, fromDefinition, funnelRequest, parseFunnelParam, stepName, toDefinition, windowLabel, withFunnelParam } from '../lib/funnels';
import { comparedSegments, SEGMENT_COLORS, type ComparedSegment } from '../lib/segments';
import { useRangeAndFilters } from '../state/urlState';

interface PickedSessions {
  segment: ComparedSegment;
  step: number;
  outcome: 'dropped' | 'reached';
}

export function FunnelsPage() {
  const { site = '' } = useParams();
  const { range, filters, compare } = useRangeAndFilters();
  const { search, pathname } = useLocation();
  const navigate = useNavigate();
  const applied = useMemo(() => parseFunnelParam(search), [search]);
  const appliedKey = JSON.stringify(applied);
  const [draft, setDraft] = useState(() => (applied ? fromDefinition(applied) : NEW_FUNNEL));
  // a funnel loaded by navigation (Back, a link, a saved funnel) replaces the draft
  useEffect(() => {
    if (applied) setDraft(fromDefinition(applied));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [appliedKey]);
  const [picked, setPicked] = useState<PickedSessions | null>(null);
  const pages = useKnownPages();
  const problem = draftProblem(draft);
  const dirty = JSON.stringify(toDefinition(draft)) !== appliedKey;
  const show = (def: FunnelDefinition) => {
    setPicked(null);
    navigate({ pathname, search: withFunnelParam(search, def) });
  };
  const sides = comparedSegments(filters, compare);

  return (
    <div className="page funnels" data-testid="funnels">
      <div className="funnel-top">
        <Card
          title="Funnel steps"
          className="funnel-builder"
          actions={
            <button type="button" className="btn btn-primary btn-sm" disabled={!!problem || !dirty} onClick={() => show(toDefinition(draft))} data-testid="funnel-run">
              <Icon name="play" size={13} /> {applied ? 'Update funnel' : 'Show funnel'}
            </button>
          }
        >
          <StepBuilder draft={draft} pages={pages} onChange={setDraft} />
          {problem && dirty && <p className="muted small funnel-problem">{problem}</p>}
        </Card>
        <Card title="Saved funnels" className="funnel-saved">
          <SavedFunnels site={site} current={applied} onLoad={(f) => show(toDefinition(fromDefinition(f.definition)))} />
        </Card>
      </div>

      {applied ? (
        <FunnelResults site={site} def={applied} range={range} sides={sides} onSessions={setPicked} />
      ) : (
        <Card>
          <EmptyState icon="funnel" title="Build a funnel">
            <p>
              Add the steps people should take — pages they visit, elements they click, events they send — and press <strong>Show funnel</strong> to see how
              many make it through each step, where they drop off and how long they take.
            </p>
          </EmptyState>
        </Card>
      )}

      {picked && applied && (
        <SessionSample
          site={site}
          testId="funnel-sessions"
          title={`${sides.length > 1 ? `${picked.segment.label}: ` : ''}${
            picked.outcome === 'dropped' ? `Left after step ${picked.step + 1} (${stepName(applied.steps[picked.step], undefined, picked.step)})` : `Reached step ${picked.step + 1} (${stepName(applied.steps[picked.step], undefined, picked.step)})`
          }`}
          load={(signal) => getFunnelSessions(site, { ...funnelRequest(applied, range, picked.segment.filters), step: picked.step, outcome: picked.outcome, limit: SAMPLE_LIMIT }, signal)}
          deps={[site, appliedKey, range.from, range.to, JSON.stringify(picked)]}
          onClose={() => setPicked(null)}
        />
      )}
    </div>
  );
}

function FunnelResults({
  site,
  def,
  range,
  sides,
  onSessions,
}: {
  site: string;
  def: FunnelDefinition;
  range: DateRange;
  sides: ComparedSegment[];
  onSessions: (p: PickedSessions) => void;
}) {
  const requests = sides.map((s) => funnelRequest(def, range, s.filters));
  const key = JSON.stringify(requests);
  const { data, error, status, loading, reload } = useAsync(
    (signal) => Promise.all(requests.map((r) => runFunnel(site, r, signal))).then((results) => results.map((d, i): FunnelSide => ({ segment: sides[i]!, data: d }))),
    [site, key],
  );
  if (error && !data) return <ErrorBox title="Could not compute the funnel" message={endpointMessage('funnels', error, status)} onRetry={reload} />;
  if (!data) return <Skeleton height={420} />;
  const comparing = data.length > 1;
  const started = data[0]!.data.steps[0]?.count ?? 0;
  return (
    <div className={`funnel-results ${loading ? 'is-refreshing' : ''}`} data-testid="funnel-results">
      {error && <ErrorBox title="Could not refresh" message={error} onRetry={reload} />}
      <Card
        title="Conversion by step"
        actions={
          <span className="muted small">
            {def.order === 'strict' ? 'Strict order' : 'Loose order'} · within {windowLabel(def.window_ms)} · {def.unit === 'visitor' ? 'visitors' : 'sessions'}
          </span>
        }
      >
        {started === 0 && !comparing ? (
          <EmptyState icon="funnel" title="Nobody started this funnel">
            <p>No {def.unit === 'visitor' ? 'visitor' : 'session'} in this range reached the first step. Check the first step, widen the range or remove a filter.</p>
          </EmptyState>
        ) : (
          <>
            <FunnelSummary sides={data} />
            <FunnelBarChart def={def} sides={data} onDropoff={(segment, step) => onSessions({ segment, step, outcome: 'dropped' })} />
            {!comparing && <InlineMessage kind="info">Click the grey part of a bar, or a drop-off figure below, for the sessions that left there and their replays.</InlineMessage>}
          </>
        )}
      </Card>
      <div className="funnel-side-tables">
        {data.map((s) => (
          <Card key={s.segment.side} title={comparing ? <SideTitle segment={s.segment} /> : 'Steps'} padded={false}>
            <FunnelStepsTable def={def} data={s.data} testId={`funnel-steps-${s.segment.side}`} onSessions={(step, outcome) => onSessions({ segment: s.segment, step, outcome })} />
          </Card>
        ))}
      </div>
      <Card title="Conversion per day">
        <FunnelDailyChart sides={data} />
      </Card>
      {def.breakdown &&
        data.map((s) => (
          <Card key={s.segment.side} title={comparing ? <SideTitle segment={s.segment} prefix="Breakdown" /> : 'Breakdown'} padded={false}>
            <FunnelBreakdownTable def={def} data={s.data} />
            {(s.data.breakdown ?? []).length === 0 && <p className="muted small card-body">No breakdown values in this range.</p>}
          </Card>
        ))}
    </div>
  );
}

function SideTitle({ segment, prefix }: { segment: ComparedSegment; prefix?: string }) {
  return (
    <span className="segment-title">
      <span className="segment-swatch" style={{ background: SEGMENT_COLORS[segment.side] }} />
      {prefix ? `${prefix} · ` : ''}
      {segment.label}
    </span>
  );
}

/** Started, completed and overall conversion per side. */
function FunnelSummary({ sides }: { sides: readonly FunnelSide[] }) {
  return (
    <div className="funnel-summary">
      {sides.map((s) => {
        const steps = s.data.steps;
        const first = steps[0];
        const last = steps[steps.length - 1];
        return (
          <div key={s.segment.side} className="funnel-summary-side" data-testid={`funnel-summary-${s.segment.side}`}>
            {sides.length > 1 && <SideTitle segment={s.segment} />}
            <span>
              <strong data-testid="funnel-started">{formatNumber(first?.count)}</strong> started
            </span>
            <span>
              <strong data-testid="funnel-completed">{formatNumber(last?.count)}</strong> completed
            </span>
            <span>
              <strong data-testid="funnel-conversion">{formatPercent(last?.conversion_from_start)}</strong> conversion
            </span>
          </div>
        );
      })}
    </div>
  );
}
