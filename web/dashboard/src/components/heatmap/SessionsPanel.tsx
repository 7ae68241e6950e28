// The sessions that clicked an element on the page (newest first), each opening the replay at that click.
import { Link } from 'react-router';
import { useAsync } from '../../api/hooks';
import { loadClickSessions } from '../../heatmap/api';
import { replayAtPath } from '../../heatmap/state';
import { deviceLabel, formatDateTime } from '../../lib/format';
import { formatMoney } from '../../lib/problems';
import { Icon } from '../Icon';
import { Card, EmptyState, ErrorBox, SkeletonRows } from '../ui';

export function SessionsPanel({
  site,
  query,
  selector,
  label,
  onClose,
}: {
  site: string;
  query: Record<string, string>;
  selector: string;
  /** Which panel it came from, in compare mode ("Desktop · Mar 1 – Mar 30"). */
  label?: string;
  onClose: () => void;
}) {
  const key = JSON.stringify(query);
  const { data, error, loading, reload } = useAsync((signal) => loadClickSessions(site, query, selector, signal), [site, key, selector]);
  const sessions = data?.sessions ?? [];
  return (
    <Card
      className="heat-sessions"
      title={<span>Sessions that clicked it</span>}
      actions={
        <button type="button" className="btn btn-ghost btn-sm" onClick={onClose} aria-label="Close the sessions">
          <Icon name="x" size={14} />
        </button>
      }
    >
      <div data-testid="heat-sessions">
        <p className="heat-sessions-what">
          <code className="inline-code">{selector}</code>
          {label && <span className="muted small"> · {label}</span>}
        </p>
        {error && !data ? (
          <ErrorBox title="Could not load the sessions" message={error} onRetry={reload} />
        ) : !data || (loading && !data) ? (
          <SkeletonRows rows={4} />
        ) : sessions.length === 0 ? (
          <EmptyState icon="sessions" title="No sessions in this range">
            <p>No session clicked this element here in the chosen range and device.</p>
          </EmptyState>
        ) : (
          <ul className="heat-session-list">
            {sessions.map((s) => (
              <li key={s.session}>
                <Link to={replayAtPath(site, s.session, s.at)} className="heat-session" data-testid="heat-session" data-session={s.session}>
                  <Icon name="play" size={13} />
                  <span className="heat-session-when">{formatDateTime(s.at)}</span>
                  <span className="muted small">{deviceLabel(s.device)}</span>
                  {s.converted ? (
                    <span className="badge badge-converted">Converted{s.revenue > 0 ? ` · ${formatMoney(s.revenue)}` : ''}</span>
                  ) : (
                    <span className="muted small">No conversion</span>
                  )}
                </Link>
              </li>
            ))}
          </ul>
        )}
        {sessions.length >= 50 && <p className="muted small">The 50 most recent sessions.</p>}
      </div>
    </Card>
  );
}
