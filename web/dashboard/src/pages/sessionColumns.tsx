// The sessions table's columns, in display order. Adding a column = one entry here: `sort` names the API
// sort key when the column is sortable (it must be one the server accepts, lib/sessions.ts SESSION_SORTS).
// Friction (the 0-100 score, sortable) and frustration (chips per detection kind) sit before `errors`.
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { SessionSummary } from '../api/types';
import { Icon } from '../components/Icon';
import { channelLabel, deviceLabel, formatDateTime, formatDuration, formatNumber } from '../lib/format';
import { frictionBand, formatFriction, frustrationChips, frustrationLabel, frustrationShort, type FrustrationKind } from '../lib/frustration';
import type { SessionSort } from '../lib/sessions';

export interface SessionColumnContext {
  /** Link to the session's replay page. */
  replayHref: (s: SessionSummary) => string;
  /** Router state for those links (the list's query, for the replay page's way back). */
  linkState?: unknown;
  /** A frustration chip was clicked: filter the list by its kind. */
  onFrustration?: (kind: FrustrationKind) => void;
  /** The kind the list is filtered by (its chip is shown as selected). */
  frustrationFilter?: string;
}

/** At most this many chips per row; "+n" says how many more kinds (listed in its tooltip). */
const MAX_CHIPS = 3;

function FrustrationChips({ s, ctx }: { s: SessionSummary; ctx: SessionColumnContext }) {
  const chips = frustrationChips(s.frustration);
  if (chips.length === 0) return <span className="muted">—</span>;
  const shown = chips.slice(0, MAX_CHIPS);
  const rest = chips.slice(MAX_CHIPS);
  return (
    <span className="fr-chips" data-testid="frustration-chips">
      {shown.map((c) => {
        const title = `${formatNumber(c.count)} × ${frustrationLabel(c.kind)}${ctx.onFrustration ? ' — show only sessions with it' : ''}`;
        const body = (
          <>
            {frustrationShort(c.kind)}
            <span className="fr-chip-count">{formatNumber(c.count)}</span>
          </>
        );
        const cls = `fr-chip fr-chip-${c.kind} ${ctx.frustrationFilter === c.kind ? 'fr-chip-active' : ''}`;
        return ctx.onFrustration ? (
          <button key={c.kind} type="button" className={cls} title={title} data-kind={c.kind} onClick={() => ctx.onFrustration!(c.kind as FrustrationKind)}>
            {body}
          </button>
        ) : (
          <span key={c.kind} className={cls} title={title} data-kind={c.kind}>
            {body}
          </span>
        );
      })}
      {rest.length > 0 && (
        <span className="fr-chip fr-chip-more" title={rest.map((c) => `${formatNumber(c.count)} × ${frustrationLabel(c.kind)}`).join('\n')}>
          +{formatNumber(rest.length)}
        </span>
      )}
    </span>
  );
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
  {
    id: 'friction',
    label: 'Friction',
    hint: 'Friction score, 0–100: how likely the frustration found spoilt the visit (0 until the session is analysed)',
    sort: 'friction',
    numeric: true,
    render: (s) => (
      <span className={`friction friction-${frictionBand(s.friction)}`} data-testid="friction">
        {formatFriction(s.friction)}
      </span>
    ),
  },
  {
    id: 'frustration',
    label: 'Frustration',
    hint: 'Frustration signals found in the session, per kind',
    className: 'col-frustration',
    render: (s, ctx) => <FrustrationChips s={s} ctx={ctx} />,
  },
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
