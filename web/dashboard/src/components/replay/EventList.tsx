// The session's events beside the player: time, type, what. A click seeks there; the row of the current
// moment is highlighted and kept in view while playing.
import { memo, useEffect, useRef } from 'react';
import { formatClock, type EventRow } from '../../lib/replay';

export const EventList = memo(function EventList({
  rows,
  current,
  follow,
  onPick,
}: {
  rows: readonly EventRow[];
  /** Index of the current row (-1: none yet). */
  current: number;
  /** Scroll the current row into view (while playing). */
  follow: boolean;
  onPick?: (row: EventRow) => void;
}) {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const box = list.current;
    if (!follow || !box || current < 0) return;
    const el = box.children[current] as HTMLElement | undefined;
    if (!el) return;
    const top = el.offsetTop - box.offsetTop;
    if (top < box.scrollTop || top + el.offsetHeight > box.scrollTop + box.clientHeight) {
      box.scrollTop = Math.max(0, top - box.clientHeight / 3);
    }
  }, [current, follow]);

  if (rows.length === 0) return <p className="muted event-list-empty">No events recorded for this session.</p>;
  return (
    <ol className="event-list" ref={list} data-testid="event-list">
      {rows.map((r, i) => (
        <li key={`${r.index}-${i}`} className={i === current ? 'event-current' : i > current ? 'event-future' : ''} aria-current={i === current ? 'true' : undefined}>
          <button
            type="button"
            className={`event-row event-${r.kind}`}
            onClick={() => onPick?.(r)}
            disabled={!onPick}
            title={r.detail ? `${r.text}\n${r.detail}` : r.text}
            data-testid="event-row"
            data-type={r.type.toLowerCase()}
            data-t={r.t}
          >
            <span className="event-time">{formatClock(r.t)}</span>
            <span className={`event-type event-type-${r.kind}`}>{r.type}</span>
            <span className="event-text">
              <span className="truncate">{r.text}</span>
              {r.detail && <span className="event-detail truncate">{r.detail}</span>}
            </span>
          </button>
        </li>
      ))}
    </ol>
  );
});
