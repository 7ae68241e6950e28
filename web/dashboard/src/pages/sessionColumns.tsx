// The sessions table's columns, in display order. Adding a column = one entry here: `sort` names the API
// sort key when the column is sortable (it must be one the server accepts, lib/sessions.ts SESSION_SORTS).
// Frustration columns (rage clicks, dead clicks, …) go before `errors` once the API returns them.
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { SessionSummary } from '../api/types';
import { Icon } from '../components/Icon';
import { channelLabel, deviceLabel, formatDateTime, formatDuration, formatNumber } from '../lib/format';
import type { SessionSort } from '../lib/sessions';

export interface SessionColumnContext {
  /** Link to the session's replay page. */
  replayHref: (s: SessionSummary) => string;
  /** Router state for those links (the list's query, for the replay page's way back). */
  linkState?: unknown;
}

export interface SessionColumn {
  id: string;
  label: string;
  /** Hover text of the header. */
  hint?: string;
  sort?: SessionSort;
  numeric?: boolean;
  className?: string;
  render: (s: SessionSummary, ctx: SessionColumnContext) => ReactNode;
}

const money = (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const SESSION_COLUMNS: readonly SessionColumn[] = [
  {
    id: 'play',
    label: '',
    className: 'col-play',
    render: (s, ctx) =>
      s.has_replay ? (
        <Link to={ctx.replayHref(s)} state={ctx.linkState} className="play-button" aria-label="Play replay" title="Play replay" data-testid="play-replay">
          <Icon name="play" size={14} />
        </Link>
      ) : (
        <span className="play-none" title="Not recorded">
          –
        </span>
      ),
  },
  {
    id: 'started',
    label: 'Started',
    sort: 'started',
    className: 'nowrap',
    render: (s, ctx) => (
      <Link to={ctx.replayHref(s)} state={ctx.linkState} className="strong-link" title={`Session ${s.session}`}>
        {formatDateTime(s.started).replace(' UTC', '')}
      </Link>
    ),
  },
  {
    id: 'entry',
    label: 'Entry page',
    className: 'col-page',
    render: (s) => (
      <div className="cell-page">
        <span className="truncate" title={s.entry_page ?? ''}>
          {s.entry_page ?? '—'}
        </span>
        {s.exit_page && s.exit_page !== s.entry_page && (
          <span className="muted small truncate" title={`Exit page ${s.exit_page}`}>
            → {s.exit_page}
          </span>
        )}
      </div>
    ),
  },
  {
    id: 'device',
    label: 'Device',
    render: (s) => (
      <div className="cell-stack">
        <span>{deviceLabel(s.device)}</span>
        <span className="muted small">{[s.browser, s.os].filter(Boolean).join(' · ')}</span>
      </div>
    ),
  },
  {
    id: 'channel',
    label: 'Channel',
    render: (s) => (
      <div className="cell-stack">
        <span>{s.channel ? channelLabel(s.channel) : '—'}</span>
        {s.utm_source && <span className="muted small">{s.utm_source}</span>}
      </div>
    ),
  },
  { id: 'duration', label: 'Duration', sort: 'duration', numeric: true, render: (s) => formatDuration(s.duration_ms) },
  {
    id: 'active',
    label: 'Active',
    hint: 'Time the visitor was interacting with a visible page',
    sort: 'active_time',
    numeric: true,
    render: (s) => formatDuration(s.active_ms),
  },
  { id: 'pages', label: 'Pages', sort: 'pages', numeric: true, render: (s) => formatNumber(s.pageviews) },
  { id: 'clicks', label: 'Clicks', sort: 'clicks', numeric: true, render: (s) => formatNumber(s.clicks) },
  // frustration signals: add their columns here (e.g. { id: 'rage', label: 'Rage clicks', … })
  {
    id: 'errors',
    label: 'Errors',
    sort: 'errors',
    numeric: true,
    render: (s) => (s.errors > 0 ? <span className="count-bad">{formatNumber(s.errors)}</span> : <span className="muted">0</span>),
  },
  {
    id: 'revenue',
    label: 'Revenue',
    sort: 'revenue',
    numeric: true,
    render: (s) =>
      s.revenue > 0 ? (
        <span className="count-good">{money(s.revenue)}</span>
      ) : s.converted ? (
        <span className="badge badge-converted">converted</span>
      ) : (
        <span className="muted">—</span>
      ),
  },
];
