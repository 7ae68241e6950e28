// GET /api/v1/sites/{site}/paths: the paths sessions take, as a sankey (drop-offs in grey), and the most
// common complete paths. Controls in the URL (lib/journeys.ts); with a compared segment B, one journey per
// segment. A click on a node or link lists its sessions (`…/paths/sessions`) with links to their replays.
import { useCallback, useMemo, useState } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router';
import { getPathSessions, getPaths } from '../api/analysis';
import { useAsync } from '../api/hooks';
import type { PathNodesMode, PathsResponse } from '../api/types';
import { SankeyChart } from '../components/journeys/SankeyChart';
import { CommitInput, useKnownPages } from '../components/PageInput';
import { SAMPLE_LIMIT, SessionSample } from '../components/SessionSample';
import { Card, EmptyState, ErrorBox, Skeleton } from '../components/ui';
import { endpointMessage } from '../lib/analysisErrors';
import { formatNumber, formatPercent } from '../lib/format';
import {
  NODE_MODES,
  STEP_CHOICES,
  journeyApiQuery,
  journeySearch,
  linkSelection,
  nodeSelection,
  parseJourneyParams,
  sankeyModel,
  shareOf,
  type JourneyParams,
  type PathSelection,
} from '../lib/journeys';
import { comparedSegments, SEGMENT_COLORS, type ComparedSegment, type SegmentSide } from '../lib/segments';
import { useRangeAndFilters } from '../state/urlState';

export function JourneysPage() {
  const { site = '' } = useParams();
  const { range, filters, compare } = useRangeAndFilters();
  const { search, pathname } = useLocation();
  const navigate = useNavigate();
  const journey = useMemo(() => parseJourneyParams(search), [search]);
  const setJourney = (next: JourneyParams) => navigate({ pathname, search: journeySearch(search, next) });
  const sides = comparedSegments(filters, compare);
  const [picked, setPicked] = useState<{ side: SegmentSide; selection: PathSelection } | null>(null);
  const [seenPages, setSeenPages] = useState<string[]>([]);
  const known = useKnownPages();
  const pages = useMemo(() => [...new Set([...known, ...seenPages])].sort(), [known, seenPages]);
  const onData = useCallback((d: PathsResponse) => setSeenPages(d.nodes.filter((n) => n.kind === 'page').map((n) => n.name)), []);
  const pickedSide = picked ? sides.find((s) => s.side === picked.side) : undefined;

  return (
    <div className="page journeys" data-testid="journeys">
      <JourneyControls journey={journey} pages={pages} onChange={setJourney} />
      <div className={sides.length > 1 ? 'compare-stack' : ''}>
        {sides.map((s) => (
          <JourneyView
            key={s.side}
            site={site}
            side={s}
            comparing={sides.length > 1}
            query={journeyApiQuery(range, s.filters, journey)}
            onPick={(selection) => setPicked({ side: s.side, selection })}
            onData={s.side === 'a' ? onData : undefined}
          />
        ))}
      </div>
      {picked && pickedSide && (
        <PathSessions
          site={site}
          query={journeyApiQuery(range, pickedSide.filters, journey)}
          selection={picked.selection}
          label={sides.length > 1 ? pickedSide.label : null}
          onClose={() => setPicked(null)}
        />
      )}
    </div>
  );
}

function JourneyControls({ journey, pages, onChange }: { journey: JourneyParams; pages: readonly string[]; onChange: (j: JourneyParams) => void }) {
  return (
    <div className="session-filters" data-testid="journey-controls">
      <CommitInput
        label="Start"
        value={journey.start ?? ''}
        placeholder="Entry pages"
        options={pages}
        testId="journey-start"
        onCommit={(v) => onChange({ ...journey, start: v === '' || v === 'entry' ? null : v })}
      />
      <CommitInput label="End" value={journey.end ?? ''} placeholder="Any page" options={pages} testId="journey-end" onCommit={(v) => onChange({ ...journey, end: v || null })} />
      <label className="sf-field">
        <span className="sf-label">Steps</span>
        <select className="input input-sm" data-testid="journey-steps" value={journey.steps} onChange={(e) => onChange({ ...journey, steps: Number(e.target.value) })}>
          {STEP_CHOICES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label className="sf-field">
        <span className="sf-label">Nodes</span>
        <select className="input input-sm" data-testid="journey-nodes" value={journey.nodes} onChange={(e) => onChange({ ...journey, nodes: e.target.value as PathNodesMode })}>
          {NODE_MODES.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      <label className="sf-check" title="Keep a page repeated in a row (a reload, a tab switch) as its own step">
        <input type="checkbox" data-testid="journey-repeats" checked={journey.repeats} onChange={(e) => onChange({ ...journey, repeats: e.target.checked })} />
        Keep repeats
      </label>
      <span className="muted small journey-hint">
        {journey.start ? `Forward from ${journey.start}` : journey.end ? `The ${journey.steps} steps before reaching ${journey.end}` : 'Forward from each session’s entry page'}
        {journey.start && journey.end ? `, sessions reaching ${journey.end}` : ''}
      </span>
    </div>
  );
}

function JourneyView({
  site,
  side,
  comparing,
  query,
  onPick,
  onData,
}: {
  site: string;
  side: ComparedSegment;
  comparing: boolean;
  query: Record<string, string | number | boolean>;
  onPick: (s: PathSelection) => void;
  onData?: (d: PathsResponse) => void;
}) {
  const queryKey = JSON.stringify(query);
  const { data, error, status, loading, reload } = useAsync(async (signal) => {
    const d = await getPaths(site, query, signal);
    onData?.(d);
    return d;
  }, [site, queryKey]);
  const model = useMemo(() => (data ? sankeyModel(data) : null), [data]);
  const backward = data?.direction === 'backward';

  const title = comparing ? (
    <span className="segment-title">
      <span className="segment-swatch" style={{ background: SEGMENT_COLORS[side.side] }} />
      {side.label}
    </span>
  ) : (
    'Journeys'
  );
  return (
    <Card
      title={title}
      className={`journey-card ${loading && data ? 'is-refreshing' : ''}`}
      actions={data && <span className="muted small" data-testid={`journey-total-${side.side}`}>{formatNumber(data.sessions)} sessions</span>}
    >
      <div data-testid={`journey-${side.side}`}>
        {error && !data ? (
          <ErrorBox title="Could not load the journeys" message={endpointMessage('journeys', error, status)} onRetry={reload} />
        ) : !data || !model ? (
          <Skeleton height={360} />
        ) : data.nodes.length === 0 ? (
          <EmptyState icon="activity" title="No journeys match">
            <p>No session in this range took a path like this. Widen the range, change the start or end, or remove a filter.</p>
          </EmptyState>
        ) : (
          <>
            {error && <ErrorBox title="Could not refresh" message={error} onRetry={reload} />}
            <p className="muted small sankey-legend">
              <span className="legend-dot" style={{ background: '#4f46e5' }} /> page <span className="legend-dot" style={{ background: '#0ea5e9' }} /> event{' '}
              <span className="legend-dot" style={{ background: '#94a3b8' }} /> other pages <span className="legend-dot" style={{ background: '#d1d5db' }} />{' '}
              {backward ? 'session started there' : 'drop-off (left the site)'} · click a node or link for its sessions
            </p>
            <SankeyChart
              model={model}
              testId={`sankey-${side.side}`}
              ariaLabel={`Journeys of ${formatNumber(data.sessions)} sessions, ${backward ? `toward ${data.anchor}` : `from ${data.anchor}`}`}
              onNode={(n) => {
                const s = nodeSelection(n);
                if (s) onPick(s);
              }}
              onLink={(l) => onPick(linkSelection(l, backward))}
            />
            <TopPaths data={data} />
          </>
        )}
      </div>
    </Card>
  );
}

function TopPaths({ data }: { data: PathsResponse }) {
  if (data.top_paths.length === 0) return null;
  const steps = data.direction === 'backward' ? (p: string[]) => [...p].reverse() : (p: string[]) => p;
  return (
    <div className="top-paths">
      <h3 className="subhead">Top paths</h3>
      <div className="table-scroll">
        <table className="table compact-table keep-columns" data-testid="top-paths">
          <thead>
            <tr>
              <th>Path</th>
              <th className="num">Sessions</th>
              <th className="num">Share</th>
              <th>{data.direction === 'backward' ? 'Before' : 'Then'}</th>
            </tr>
          </thead>
          <tbody>
            {data.top_paths.map((p) => (
              <tr key={p.steps.join('\u0000')}>
                <td>
                  <span className="path-steps">
                    {steps(p.steps).map((s, i) => (
                      <span key={i} className="path-step">
                        {i > 0 && <span className="path-arrow">→</span>}
                        <code>{s}</code>
                      </span>
                    ))}
                  </span>
                </td>
                <td className="num">{formatNumber(p.sessions)}</td>
                <td className="num">{formatPercent(shareOf(p.sessions, data.sessions))}</td>
                <td className="muted small">{data.direction === 'backward' ? (p.exited ? 'session start' : 'earlier pages') : p.exited ? 'left' : 'went on'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function PathSessions({
  site,
  query,
  selection,
  label,
  onClose,
}: {
  site: string;
  query: Record<string, string | number | boolean>;
  selection: PathSelection;
  label: string | null;
  onClose: () => void;
}) {
  const full = { ...query, step: selection.step, node: selection.node, next: selection.next, limit: SAMPLE_LIMIT };
  return (
    <SessionSample
      site={site}
      title={label ? `${label}: ${selection.title}` : selection.title}
      load={(signal) => getPathSessions(site, full, signal)}
      deps={[site, JSON.stringify(full)]}
      onClose={onClose}
      testId="path-sessions"
    />
  );
}
