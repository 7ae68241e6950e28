// /sites/:site/replay/:session?t=<ms> — a session's replay: the rrweb player (lazily loaded, see
// replay/player.ts) with controls, a timeline of markers (the analysis pass's detections on the frustration
// lane) and a seekable event list on one clock (ms from the session's first event; `t` deep-links a moment,
// `at=<epoch ms>` one the API named, e.g. a problem's `replay_ts`), the session's summary with its moments
// (each seeks there), and a side panel about the session.
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { Link, useLocation, useParams, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { useAsync } from '../api/hooks';
import type { SessionEvents, SessionNarrative } from '../api/types';
import { Icon } from '../components/Icon';
import { ReplayQuotaBanner } from '../components/ReplayQuota';
import { EventList } from '../components/replay/EventList';
import { Timeline } from '../components/replay/Timeline';
import { Card, CodeText, CopyButton, EmptyState, ErrorBox, InlineMessage, Skeleton, SkeletonRows, Spinner } from '../components/ui';
import { channelLabel, deviceLabel, formatDateTime, formatDuration, formatNumber } from '../lib/format';
import { sitePagePath, siteSettingsPath } from '../lib/paths';
import {
  currentRowIndex,
  detectionSignals,
  eventRows,
  eventSeekTime,
  formatClock,
  momentKindLabel,
  momentRows,
  pageviewRecordingStarts,
  parseAtParam,
  parseTimeParam,
  replayClock,
  replayClockShift,
  resolveStartAt,
  sessionEndTs,
  sessionInfo,
  sessionStartTs,
  summaryLine,
  timelineMarkers,
  toPlayerTime,
  toSessionTime,
  type MomentRow,
  type SessionInfo,
} from '../lib/replay';
import { SPEEDS, useReplay } from '../replay/useReplay';
import { findSite, useSites } from '../state/sites';

export function ReplayPage() {
  const { site = '', session = '' } = useParams();
  const [params] = useSearchParams();
  const t = parseTimeParam(params.get('t'));
  const at = t === null ? parseAtParam(params.get('at')) : null;
  // another session (or another deep-linked moment) is a fresh player
  return <Replay key={`${site}/${session}/${t ?? ''}/${at ?? ''}`} siteRef={site} session={session} startAt={t} startAtEpoch={at} />;
}

/** A 404 is an answer (nothing stored for the session), not an error. */
function nullOn404(e: unknown): null {
  if ((e as { status?: number })?.status === 404) return null;
  throw e;
}

function Replay({
  siteRef,
  session,
  startAt: startAtParam,
  startAtEpoch,
}: {
  siteRef: string;
  session: string;
  startAt: number | null;
  /** `?at=`: ms since the epoch, placed on the session clock once the events are there. */
  startAtEpoch: number | null;
}) {
  const location = useLocation();
  const back = (location.state as { back?: string } | null)?.back ?? '';
  const startAt = useRef(startAtParam);
  const { sites } = useSites();
  const site = findSite(sites, siteRef);

  const eventsState = useAsync(
    (signal) =>
      unwrap(api.GET('/api/v1/sites/{site}/sessions/{session}/events', { params: { path: { site: siteRef, session } }, signal })).catch((e: unknown) => {
        if ((e as { status?: number })?.status === 404) return null; // no events stored: the replay may still play
        throw e;
      }),
    [siteRef, session],
  );
  const sessionEvents: SessionEvents | null | undefined = eventsState.data;
  const events = useMemo(() => sessionEvents?.events ?? [], [sessionEvents]);
  const eventsSettled = eventsState.data !== undefined || eventsState.error !== null;
  const detectionsState = useAsync(
    (signal) =>
      unwrap(api.GET('/api/v1/sites/{site}/sessions/{session}/detections', { params: { path: { site: siteRef, session } }, signal })).catch(nullOn404),
    [siteRef, session],
  );
  const summaryState = useAsync(
    (signal) => unwrap(api.GET('/api/v1/sites/{site}/sessions/{session}/summary', { params: { path: { site: siteRef, session } }, signal })).catch(nullOn404),
    [siteRef, session],
  );

  const stageRef = useRef<HTMLDivElement>(null);
  const [replay, controls] = useReplay(siteRef, session, stageRef);

  // one clock: ms from the session start (the first stored event, else the recording's start)
  const clock = useMemo(() => {
    const idx = replay.index ?? [];
    const recFirst = replay.replayStart ?? (idx.length ? Math.min(...idx.map((c) => c.first_ts)) : null);
    const recLast = idx.length ? Math.max(...idx.map((c) => c.last_ts)) : recFirst;
    const shift = idx.length ? replayClockShift(idx, events) : 0;
    const start = sessionStartTs(events) ?? (recFirst !== null ? recFirst + shift : 0);
    const end = sessionEndTs(events) ?? start;
    const c = replayClock(start, end, recFirst ?? start, recLast ?? start, shift);
    const recordingLength = recFirst !== null && recLast !== null ? Math.max(0, recLast - recFirst) : 0;
    return { ...c, start, recordingLength, hasRecording: recFirst !== null, pvStarts: pageviewRecordingStarts(idx, replay.snapshots, start, shift) };
  }, [replay.index, replay.replayStart, replay.snapshots, events]);

  const signals = useMemo(() => detectionSignals(detectionsState.data?.detections ?? []), [detectionsState.data]);
  const markers = useMemo(() => timelineMarkers(events, clock.start, signals), [events, clock.start, signals]);
  const moments = useMemo(() => momentRows(summaryState.data?.moments ?? [], events, clock.start), [summaryState.data, events, clock.start]);
  const rows = useMemo(() => eventRows(events, clock.start), [events, clock.start]);
  const info = useMemo(() => sessionInfo(events), [events]);
  const current = replay.phase === 'ready' ? toSessionTime(clock, replay.time) : (resolveStartAt(startAt.current, startAtEpoch, clock.start) ?? 0);
  const currentRow = currentRowIndex(rows, current);
  const ready = replay.phase === 'ready' && !!controls.player;
  const seekPlayer = controls.seek;
  const seek = useCallback((t: number) => seekPlayer(toPlayerTime(clock, t, clock.recordingLength + 1)), [seekPlayer, clock]);
  /** An event's moment, on its page's recording (not the previous page's last frame). */
  const seekEvent = useCallback(
    (e: { t: number; index: number; pageview?: string }) => seek(eventSeekTime(e.t, e.pageview ?? events[e.index]?.pageview, clock.pvStarts)),
    [seek, events, clock],
  );

  // once the player and the events are there: go to `?t=` (paused), else play from the start
  const started = useRef(false);
  useEffect(() => {
    if (!ready || !eventsSettled || started.current) return;
    started.current = true;
    const t = resolveStartAt(startAt.current, startAtEpoch, clock.start);
    if (t !== null) controls.seek(toPlayerTime(clock, t, clock.recordingLength + 1), { play: false });
    else controls.seek(0, { play: true });
  }, [ready, eventsSettled, clock, controls, startAtEpoch]);

  const linkAt = () => {
    const url = new URL(window.location.href);
    url.search = '';
    url.searchParams.set('t', String(Math.round(current)));
    return url.toString();
  };

  const noSession = replay.phase === 'none' && eventsSettled && !sessionEvents && !eventsState.error;
  const sessionsHref = sitePagePath(siteRef, 'sessions', back);

  return (
    <div className="page replay-page" data-testid="replay-page">
      <div className="breadcrumbs">
        <Link to={sessionsHref}>Sessions</Link>
        <Icon name="chevronRight" size={12} />
        <span className="mono">{session}</span>
      </div>
      <div className="page-header">
        <div>
          <h1 className="page-title">Session replay</h1>
          <p className="page-subtitle" data-testid="replay-summary">
            {info ? (
              <>
                {formatDateTime(info.start)} · {summaryLine(info)}
              </>
            ) : eventsSettled ? (
              noSession ? null : 'No events stored for this session.'
            ) : (
              <Skeleton width={360} />
            )}
          </p>
        </div>
        <div className="page-actions">
          {ready && <CopyButton text={linkAt()} label="Copy link at this moment" />}
        </div>
      </div>
      {site && <ReplayQuotaBanner site={site} />}
      {eventsState.error && <ErrorBox title="Could not load the session's events" message={eventsState.error} onRetry={eventsState.reload} />}
      {replay.warning && <InlineMessage kind="error">{replay.warning}</InlineMessage>}

      {noSession ? (
        <Card>
          <EmptyState icon="sessions" title="Session not found">
            <p>
              There is no session <code>{session}</code> on this site, or its data has been deleted by retention.
            </p>
            <p>
              <Link to={sessionsHref}>Back to the sessions</Link>
            </p>
          </EmptyState>
        </Card>
      ) : (
        <div className="replay-layout">
          <div className="replay-main">
            <Card padded={false} className="player-card">
              <div className="stage-box">
                <div className={`replay-stage ${ready ? 'is-ready' : ''}`} ref={stageRef} data-testid="replay-stage" />
                {replay.phase === 'loading' && (
                  <div className="stage-overlay" data-testid="replay-loading">
                    <Spinner size={20} />
                    <span>
                      Loading the recording
                      {replay.progress.total > 0 ? ` (${replay.progress.loaded}/${replay.progress.total})` : ''}…
                    </span>
                  </div>
                )}
                {replay.phase === 'none' && (
                  <div className="stage-message" data-testid="replay-none">
                    <EmptyState icon="sessions" title="This session was not recorded">
                      <p>
                        Only a share of sessions is recorded for replay (the sample rate), none while replay is off or the storage quota is full, and
                        recordings older than the retention are deleted. The events of the session are still listed.
                      </p>
                      <p>
                        <Link to={siteSettingsPath(siteRef, 'privacy')}>Replay settings</Link>
                      </p>
                    </EmptyState>
                  </div>
                )}
                {replay.phase === 'error' && (
                  <div className="stage-message">
                    <ErrorBox title="The replay cannot be played" message={replay.error ?? 'Unknown error.'} />
                  </div>
                )}
                {replay.skipping && <div className="stage-badge">Skipping inactivity…</div>}
                {replay.buffering && <div className="stage-badge">Loading…</div>}
              </div>
              <Controls
                ready={ready}
                playing={replay.playing}
                speed={replay.speed}
                skipInactive={replay.skipInactive}
                progress={replay.done ? null : replay.progress}
                onToggle={controls.toggle}
                onSpeed={controls.setSpeed}
                onSkipInactive={controls.setSkipInactive}
              />
              <Timeline
                markers={markers}
                duration={clock.duration}
                current={current}
                recorded={clock.hasRecording ? [clock.offset, clock.offset + clock.recordingLength] : null}
                loadedUntil={ready ? clock.offset + replay.loadedTime : null}
                onSeek={ready ? seek : undefined}
                onSeekMarker={ready ? seekEvent : undefined}
              />
            </Card>
            <Card title="Session" className="session-card">
              {info ? <SessionPanel info={info} /> : eventsSettled ? <p className="muted">No details: no events are stored for this session.</p> : <SkeletonRows rows={5} />}
            </Card>
          </div>
          <aside className="replay-side">
            <SummaryCard
              summary={summaryState.data}
              error={summaryState.error}
              onRetry={summaryState.reload}
              moments={moments}
              current={current}
              onPick={ready ? (m) => seekEvent({ t: m.t, index: -1, pageview: m.pageview }) : undefined}
            />
            <Card title={`Events${rows.length ? ` (${formatNumber(rows.length)})` : ''}`} className="events-card" padded={false}>
              {sessionEvents?.truncated && <p className="muted small events-note">Only the first events are listed.</p>}
              {eventsSettled ? (
                <EventList rows={rows} current={currentRow} follow={replay.playing} onPick={ready ? seekEvent : undefined} />
              ) : (
                <div className="card-body">
                  <SkeletonRows rows={6} />
                </div>
              )}
            </Card>
          </aside>
        </div>
      )}
    </div>
  );
}

function Controls({
  ready,
  playing,
  speed,
  skipInactive,
  progress,
  onToggle,
  onSpeed,
  onSkipInactive,
}: {
  ready: boolean;
  playing: boolean;
  speed: number;
  skipInactive: boolean;
  progress: { loaded: number; total: number } | null;
  onToggle: () => void;
  onSpeed: (s: number) => void;
  onSkipInactive: (b: boolean) => void;
}) {
  return (
    <div className="player-controls" data-testid="player-controls">
      <button type="button" className="btn btn-primary btn-sm play-toggle" onClick={onToggle} disabled={!ready} aria-label={playing ? 'Pause' : 'Play'} data-testid="replay-play">
        <Icon name={playing ? 'pause' : 'play'} size={15} />
        {playing ? 'Pause' : 'Play'}
      </button>
      <div className="speed-group" role="group" aria-label="Playback speed">
        {SPEEDS.map((s) => (
          <button key={s} type="button" className={`speed ${s === speed ? 'speed-active' : ''}`} aria-pressed={s === speed} disabled={!ready} onClick={() => onSpeed(s)}>
            {s}×
          </button>
        ))}
      </div>
      <label className="checkbox skip-toggle">
        <input type="checkbox" checked={skipInactive} onChange={(e) => onSkipInactive(e.target.checked)} disabled={!ready} />
        <span>Skip inactivity</span>
      </label>
      <span className="controls-spacer" />
      {progress && progress.total > 0 && progress.loaded < progress.total && (
        <span className="muted small" data-testid="replay-progress">
          <Spinner size={11} /> Loading {progress.loaded}/{progress.total}
        </span>
      )}
    </div>
  );
}

/** Moment kinds by colour: pages, conversions, errors, and every other (frustration) kind. */
function momentTone(kind: string): string {
  if (kind === 'page' || kind === 'conversion') return kind;
  if (kind === 'error' || kind === 'js_error' || kind === 'error_click' || kind === 'failed_request') return 'error';
  return 'frustration';
}

const OUTCOME_TONE: Record<string, string> = { converted: 'good', bounced: 'neutral', left: 'neutral', 'left after a problem': 'bad' };

function SummaryCard({
  summary,
  error,
  onRetry,
  moments,
  current,
  onPick,
}: {
  summary: SessionNarrative | null | undefined;
  error: string | null;
  onRetry: () => void;
  moments: readonly MomentRow[];
  current: number;
  onPick?: (m: MomentRow) => void;
}) {
  const currentMoment = currentRowIndex(moments, current);
  let body;
  if (summary === undefined && error) body = <ErrorBox title="Could not load the summary" message={error} onRetry={onRetry} />;
  else if (summary === undefined) body = <SkeletonRows rows={4} />;
  else if (summary === null) body = <p className="muted">No summary: no events are stored for this session.</p>;
  else
    body = (
      <>
        <div className="summary-outcome">
          <span className={`badge outcome outcome-${OUTCOME_TONE[summary.outcome] ?? 'neutral'}`} data-testid="summary-outcome">
            {summary.outcome}
          </span>
          {summary.converted && summary.revenue > 0 && (
            <span className="count-good">{summary.revenue.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}</span>
          )}
        </div>
        <p className="summary-text" data-testid="summary-text">
          <CodeText text={summary.text} />
        </p>
        {moments.length > 0 && (
          <>
            <h3 className="summary-subtitle">Moments</h3>
            <ol className="moment-list" data-testid="moments">
              {moments.map((m, i) => (
                <li key={`${m.index}-${i}`} className={i === currentMoment ? 'event-current' : ''}>
                  <button
                    type="button"
                    className="moment-row"
                    onClick={() => onPick?.(m)}
                    disabled={!onPick}
                    title={`${formatClock(m.t)} · ${momentKindLabel(m.kind)}`}
                    data-testid="moment"
                    data-kind={m.kind}
                    data-t={m.t}
                  >
                    <span className="event-time">{formatClock(m.t)}</span>
                    <span className={`moment-dot moment-dot-${momentTone(m.kind)}`} aria-label={momentKindLabel(m.kind)} />
                    <span className="moment-text">
                      <CodeText text={m.text} />
                    </span>
                  </button>
                </li>
              ))}
            </ol>
          </>
        )}
      </>
    );
  return (
    <Card title="Summary" className="summary-card">
      <div data-testid="session-summary">{body}</div>
    </Card>
  );
}

function SessionPanel({ info }: { info: SessionInfo }) {
  const rows: [string, string][] = [
    ['Started', formatDateTime(info.start)],
    ['Duration', formatDuration(info.durationMs)],
    ['Device', deviceLabel(info.device)],
    ['Browser', info.browser || '—'],
    ['OS', info.os || '—'],
    ['Channel', info.channel ? channelLabel(info.channel) : '—'],
    ['Entry page', info.entryPage ?? '—'],
    ['Exit page', info.exitPage ?? '—'],
    ['Pages', formatNumber(info.pages)],
    ['Clicks', formatNumber(info.clicks)],
    ['Errors', formatNumber(info.errors)],
  ];
  if (info.revenue > 0) rows.push(['Revenue', info.revenue.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })]);
  return (
    <dl className="facts" data-testid="session-panel">
      {rows.map(([k, v]) => (
        <div key={k} className="fact">
          <dt>{k}</dt>
          <dd className="truncate" title={v}>
            {v}
          </dd>
        </div>
      ))}
    </dl>
  );
}
