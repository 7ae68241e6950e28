// The sessions behind a clicked part of a chart (a journey's node or link, a funnel's drop-off), in a card
// under the chart: the sessions list's columns, each row linking to its replay (with the way back here).
import { useLocation } from 'react-router';
import { useAsync } from '../api/hooks';
import type { SessionPage } from '../api/types';
import { formatNumber } from '../lib/format';
import { carriedSearch, sitePagePath } from '../lib/paths';
import { SESSION_COLUMNS, type SessionColumnContext } from '../pages/sessionColumns';
import { Icon } from './Icon';
import { Card, EmptyState, ErrorBox, SkeletonRows } from './ui';

const COLUMNS = SESSION_COLUMNS.filter((c) => ['play', 'started', 'entry', 'device', 'channel', 'active', 'frustration', 'revenue'].includes(c.id));
export const SAMPLE_LIMIT = 50;

export function SessionSample({
  site,
  title,
  load,
  deps,
  onClose,
  testId = 'session-sample',
}: {
  site: string;
  title: string;
  load: (signal: AbortSignal) => Promise<SessionPage>;
  deps: readonly unknown[];
  onClose: () => void;
  testId?: string;
}) {
  const { search } = useLocation();
  const { data, error, loading, reload } = useAsync(load, deps);
  const ctx: SessionColumnContext = {
    replayHref: (s) => sitePagePath(site, `replay/${encodeURIComponent(s.session)}`),
    // the replay page's way back: the sessions list with this page's range and filters
    linkState: { back: carriedSearch(search) },
  };
  return (
    <Card
      className={`session-sample ${loading && data ? 'is-refreshing' : ''}`}
      padded={false}
      title={
        <span data-testid={`${testId}-title`}>
          {title}
          {data && <span className="muted"> · {formatNumber(data.total)} {data.total === 1 ? 'session' : 'sessions'}</span>}
        </span>
      }
      actions={
        <button type="button" className="btn btn-ghost btn-sm" onClick={onClose} aria-label="Close the sessions list">
          <Icon name="x" size={14} />
        </button>
      }
    >
      <div data-testid={testId}>
        {error ? (
          <div className="card-body">
            <ErrorBox title="Could not load these sessions" message={error} onRetry={reload} />
          </div>
        ) : !data ? (
          <div className="card-body">
            <SkeletonRows rows={4} />
          </div>
        ) : data.sessions.length === 0 ? (
          <EmptyState icon="sessions" title="No sessions" />
        ) : (
          <div className="table-scroll">
            <table className="table sessions-table">
              <thead>
                <tr>
                  {COLUMNS.map((c) => (
                    <th key={c.id} className={`${c.numeric ? 'num' : ''} ${c.className ?? ''}`} title={c.hint}>
                      {c.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.sessions.map((s) => (
                  <tr key={s.session} data-session={s.session}>
                    {COLUMNS.map((c) => (
                      <td key={c.id} className={`${c.numeric ? 'num' : ''} ${c.className ?? ''}`}>
                        {c.render(s, ctx)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
            {data.total > data.sessions.length && (
              <p className="muted small session-sample-more">
                {formatNumber(data.sessions.length)} of {formatNumber(data.total)} shown.
              </p>
            )}
          </div>
        )}
      </div>
    </Card>
  );
}
