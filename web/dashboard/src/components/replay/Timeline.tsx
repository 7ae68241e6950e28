// The seek bar and, under it, one lane of markers per kind (pages, clicks, errors, custom events; a
// frustration lane once signals exist), all on the session clock. Clicking a marker or a lane seeks.
import { memo, useCallback, useMemo, type MouseEvent } from 'react';
import { formatDuration } from '../../lib/format';
import { MARKER_LANES, markerPercent, formatClock, type MarkerKind, type TimelineMarker } from '../../lib/replay';

export interface TimelineProps {
  markers: readonly TimelineMarker[];
  /** Session clock length (ms). */
  duration: number;
  /** Current moment (ms). */
  current: number;
  /** The recorded part: [start, end] on the session clock; null without a recording. */
  recorded: [number, number] | null;
  /** End of what has been loaded so far (ms on the session clock). */
  loadedUntil: number | null;
  onSeek?: (t: number) => void;
  /** A marker was clicked (default: seek to its time). */
  onSeekMarker?: (m: TimelineMarker) => void;
}

export function Timeline({ markers, duration, current, recorded, loadedUntil, onSeek, onSeekMarker }: TimelineProps) {
  const pct = (t: number) => markerPercent(t, duration);
  const byLane = useMemo(() => {
    const m = new Map<MarkerKind, TimelineMarker[]>();
    for (const mk of markers) m.set(mk.kind, [...(m.get(mk.kind) ?? []), mk]);
    return m;
  }, [markers]);
  const lanes = MARKER_LANES.filter((l) => (byLane.get(l.kind)?.length ?? 0) > 0 || l.kind === 'page');
  const seekFromClick = useCallback(
    (e: MouseEvent<HTMLDivElement>) => {
      if (!onSeek) return;
      const box = e.currentTarget.getBoundingClientRect();
      if (box.width > 0) onSeek(Math.round(((e.clientX - box.left) / box.width) * duration));
    },
    [onSeek, duration],
  );
  const pickDefault = useCallback((m: TimelineMarker) => onSeek?.(m.t), [onSeek]);
  const onPick = onSeekMarker ?? (onSeek ? pickDefault : undefined);

  return (
    <div className="timeline" data-testid="timeline">
      <div className="tl-row tl-seek-row">
        <span className="tl-label tl-time" data-testid="replay-time">
          {formatClock(current)} / {formatDuration(duration)}
        </span>
        <div className="tl-track seek-track">
          {recorded && (
            <span className="seek-recorded" style={{ left: `${pct(recorded[0])}%`, width: `${Math.max(0, pct(recorded[1]) - pct(recorded[0]))}%` }} />
          )}
          {recorded && loadedUntil !== null && (
            <span className="seek-loaded" style={{ left: `${pct(recorded[0])}%`, width: `${Math.max(0, pct(loadedUntil) - pct(recorded[0]))}%` }} />
          )}
          <span className="seek-played" style={{ width: `${pct(current)}%` }} />
          <input
            type="range"
            className="seek-input"
            aria-label="Seek"
            min={0}
            max={Math.max(1, duration)}
            step={100}
            value={Math.min(current, duration)}
            disabled={!onSeek}
            onChange={(e) => onSeek?.(Number(e.target.value))}
            data-testid="seek"
          />
        </div>
      </div>
      {lanes.map((lane) => (
        <Lane
          key={lane.kind}
          label={lane.label}
          kind={lane.kind}
          markers={byLane.get(lane.kind) ?? []}
          duration={duration}
          onPick={onPick}
          onTrackClick={seekFromClick}
        />
      ))}
      <div className="tl-playhead-row" aria-hidden="true">
        <span className="tl-label" />
        <div className="tl-track tl-playhead-track">
          <span className="tl-playhead" style={{ left: `${pct(current)}%` }} />
        </div>
      </div>
    </div>
  );
}

const Lane = memo(function Lane({
  label,
  kind,
  markers,
  duration,
  onPick,
  onTrackClick,
}: {
  label: string;
  kind: MarkerKind;
  markers: readonly TimelineMarker[];
  duration: number;
  onPick?: (m: TimelineMarker) => void;
  onTrackClick: (e: MouseEvent<HTMLDivElement>) => void;
}) {
  return (
    <div className="tl-row" data-testid={`lane-${kind}`}>
      <span className="tl-label">
        {label} <span className="muted">{markers.length}</span>
      </span>
      <div className="tl-track tl-lane" onClick={onTrackClick}>
        {markers.map((m, i) => (
          <button
            key={`${m.index}-${i}`}
            type="button"
            className={`tl-marker tl-marker-${kind}`}
            style={{ left: `${markerPercent(m.t, duration)}%` }}
            title={`${formatClock(m.t)} · ${m.label}`}
            aria-label={`${m.label} at ${formatClock(m.t)}`}
            disabled={!onPick}
            onClick={(e) => {
              e.stopPropagation();
              onPick?.(m);
            }}
          />
        ))}
      </div>
    </div>
  );
});
