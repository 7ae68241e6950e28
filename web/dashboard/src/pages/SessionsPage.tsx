// GET /api/v1/sites/{site}/sessions: the sessions list. The shared range and filter bar (the shell's toolbar)
// plus session filters, sort and paging, all in the URL (lib/sessions.ts). A ▶ opens the replay.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { useAsync } from '../api/hooks';
import type { SessionSummary, Site } from '../api/types';
import { Icon } from '../components/Icon';
import { ReplayQuotaBanner } from '../components/ReplayQuota';
import { Card, EmptyState, ErrorBox, SkeletonRows } from '../components/ui';
import { filterCount, withoutFilters } from '../lib/filters';
import { FRUSTRATION_KINDS, frustrationHint, frustrationLabel, type FrustrationKind } from '../lib/frustration';
import { sitePagePath, siteSettingsPath } from '../lib/paths';
import {
  MIN_DURATION_CHOICES,
  PAGE_SIZES,
  hasNextPage,
  hasPrevPage,
  pageBy,
  pageLabel,
  parseSessionParams,
  sessionFilterCount,
  sessionSearch,
  sessionsApiQuery,
  toggleSort,
  updateSessionState,
  type SessionFlagKey,
  type SessionListState,
} from '../lib/sessions';
import { findSite, useSites } from '../state/sites';
import { useRangeAndFilters, useUrlActions } from '../state/urlState';
import { SESSION_COLUMNS, type SessionColumn, type SessionColumnContext } from './sessionColumns';

export function SessionsPage() {
  const { site: siteRef = '' } = useParams();
  const { sites } = useSites();
  const site = findSite(sites, siteRef);
  const { range, filters } = useRangeAndFilters();
  const { search, pathname } = useLocation();
  const navigate = useNavigate();
  const state = useMemo(() => parseSessionParams(search), [search]);
  const setState = (next: SessionListState) => navigate({ pathname, search: sessionSearch(search, next) });
  const query = sessionsApiQuery(range, filters, state);
  const queryKey = JSON.stringify(query);

  const { data, error, loading, reload } = useAsync(
    (signal) => unwrap(api.GET('/api/v1/sites/{site}/sessions', { params: { path: { site: siteRef }, query }, signal })),
    [siteRef, queryKey],
  );

  const ctx: SessionColumnContext = {
    replayHref: (s) => sitePagePath(siteRef, `replay/${encodeURIComponent(s.session)}`),
    linkState: { back: search },
    onFrustration: (kind) => setState(updateSessionState(state, { filters: { frustration: kind } })),
    frustrationFilter: state.filters.frustration,
  };
  const anyFilter = filterCount(filters) + sessionFilterCount(state.filters) > 0;

  return (
    <div className={`page sessions ${loading && data ? 'is-refreshing' : ''}`} data-testid="sessions">
      {site && <ReplayQuotaBanner site={site} />}
      {site && site.replay_sample_rate === 0 && data && data.total > 0 && <ReplayOffNotice site={site} />}
      <SessionFilterRow state={state} onChange={setState} />
      {error && !data ? (
        <ErrorBox title="Could not load the sessions" message={error} onRetry={reload} />
      ) : (
        <Card padded={false} className="sessions-card">
          {error && data && <ErrorBox title="Could not refresh" message={error} onRetry={reload} />}
          {!data ? (
            <div className="card-body">
              <SkeletonRows rows={8} />
            </div>
          ) : data.total === 0 ? (
            <NoSessions site={site} anyFilter={anyFilter} onClear={() => navigate({ pathname, search: withoutFilters(sessionSearch(search, { ...state, offset: 0, filters: {} })) })} />
          ) : data.sessions.length === 0 ? (
            <EmptyState title="No sessions on this page">
              <p>
                <button type="button" className="btn btn-secondary btn-sm" onClick={() => setState({ ...state, offset: 0 })}>
                  Back to the first page
                </button>
              </p>
            </EmptyState>
          ) : (
            <SessionsTable sessions={data.sessions} state={state} onSort={(s) => setState(toggleSort(state, s))} ctx={ctx} />
          )}
          {data && data.total > 0 && <Pager state={state} shown={data.sessions.length} total={data.total} onChange={setState} />}
        </Card>
      )}
    </div>
  );
}

function SessionsTable({
  sessions,
  state,
  onSort,
  ctx,
}: {
  sessions: readonly SessionSummary[];
  state: SessionListState;
  onSort: (s: NonNullable<SessionColumn['sort']>) => void;
  ctx: SessionColumnContext;
}) {
  return (
    <div className="table-scroll">
      <table className="table sessions-table" data-testid="sessions-table">
        <thead>
          <tr>
            {SESSION_COLUMNS.map((c) => {
              const active = c.sort && state.sort === c.sort;
              return (
                <th
                  key={c.id}
                  className={`${c.numeric ? 'num' : ''} ${c.className ?? ''}`}
                  aria-sort={active ? (state.order === 'asc' ? 'ascending' : 'descending') : undefined}
                  title={c.hint}
                >
                  {c.sort ? (
                    <button type="button" className={`sort-button ${active ? 'sort-active' : ''}`} onClick={() => onSort(c.sort!)} data-testid={`sort-${c.id}`}>
                      {c.label}
                      <span className="sort-arrow" aria-hidden="true">
                        {active ? (state.order === 'asc' ? '▲' : '▼') : '↕'}
                      </span>
                    </button>
                  ) : (
                    c.label && <span>{c.label}</span>
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.session} data-session={s.session}>
              {SESSION_COLUMNS.map((c) => (
                <td key={c.id} className={`${c.numeric ? 'num' : ''} ${c.className ?? ''}`}>
                  {c.render(s, ctx)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Pager({ state, shown, total, onChange }: { state: SessionListState; shown: number; total: number; onChange: (s: SessionListState) => void }) {
  return (
    <div className="pager" data-testid="sessions-pager">
      <label className="pager-size">
        <span className="muted">Rows</span>
        <select className="input input-sm" value={state.limit} onChange={(e) => onChange(updateSessionState(state, { limit: Number(e.target.value) }))} aria-label="Rows per page">
          {[...new Set([...PAGE_SIZES, state.limit])].sort((a, b) => a - b).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <span className="pager-label" data-testid="pager-label">
        {pageLabel(state.offset, shown, total)}
      </span>
      <button type="button" className="btn btn-secondary btn-sm" disabled={!hasPrevPage(state)} onClick={() => onChange(pageBy(state, -1))} aria-label="Previous page">
        ‹ Prev
      </button>
      <button type="button" className="btn btn-secondary btn-sm" disabled={!hasNextPage(state, total)} onClick={() => onChange(pageBy(state, 1))} aria-label="Next page">
        Next ›
      </button>
    </div>
  );
}

const FLAG_FILTERS: readonly { key: SessionFlagKey; label: string; yes: string; no: string }[] = [
  { key: 'has_replay', label: 'Replay', yes: 'With replay', no: 'Without replay' },
  { key: 'had_error', label: 'Errors', yes: 'With errors', no: 'Without errors' },
  { key: 'converted', label: 'Conversion', yes: 'Converted', no: 'Not converted' },
];

/** Session-only filters: yes/no selects, min duration, visited page (the shared `page` filter), clicked element. */
function SessionFilterRow({ state, onChange }: { state: SessionListState; onChange: (s: SessionListState) => void }) {
  const { filters } = useRangeAndFilters();
  const { setFilter } = useUrlActions();
  const f = state.filters;
  const count = sessionFilterCount(f);
  return (
    <div className="session-filters" data-testid="session-filters">
      {FLAG_FILTERS.map((d) => (
        <label key={d.key} className="sf-field">
          <span className="sf-label">{d.label}</span>
          <select
            className="input input-sm"
            data-testid={`sf-${d.key}`}
            value={f[d.key] === undefined ? '' : String(f[d.key])}
            onChange={(e) => onChange(updateSessionState(state, { filters: { [d.key]: e.target.value === '' ? null : e.target.value === 'true' } }))}
          >
            <option value="">Any</option>
            <option value="true">{d.yes}</option>
            <option value="false">{d.no}</option>
          </select>
        </label>
      ))}
      <label className="sf-field">
        <span className="sf-label">Duration</span>
        <select
          className="input input-sm"
          data-testid="sf-min_duration_ms"
          value={f.min_duration_ms ?? ''}
          onChange={(e) => onChange(updateSessionState(state, { filters: { min_duration_ms: e.target.value === '' ? null : Number(e.target.value) } }))}
        >
          <option value="">Any</option>
          {f.min_duration_ms !== undefined && !MIN_DURATION_CHOICES.some((c) => c.ms === f.min_duration_ms) && (
            <option value={f.min_duration_ms}>≥ {Math.round(f.min_duration_ms / 1000)} s</option>
          )}
          {MIN_DURATION_CHOICES.map((c) => (
            <option key={c.ms} value={c.ms}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <TextFilter label="Visited page" id="sf-page" placeholder="/pricing" value={filters.page ?? ''} onCommit={(v) => setFilter('page', v || null)} />
      <TextFilter
        label="Clicked element"
        id="sf-clicked"
        placeholder="#buy, .add-to-cart"
        value={f.clicked ?? ''}
        onCommit={(v) => onChange(updateSessionState(state, { filters: { clicked: v || null } }))}
      />
      <label className="sf-field">
        <span className="sf-label">Frustration</span>
        <select
          className="input input-sm"
          data-testid="sf-frustration"
          value={f.frustration ?? ''}
          title={f.frustration ? frustrationHint(f.frustration) : 'Sessions with a frustration signal of this kind'}
          onChange={(e) => onChange(updateSessionState(state, { filters: { frustration: e.target.value === '' ? null : (e.target.value as FrustrationKind) } }))}
        >
          <option value="">Any</option>
          {FRUSTRATION_KINDS.map((k) => (
            <option key={k} value={k} title={frustrationHint(k)}>
              {frustrationLabel(k)}
            </option>
          ))}
        </select>
      </label>
      {f.frustration_page !== undefined && (
        <NarrowChip label="on page" value={f.frustration_page} testId="sf-chip-frustration_page" onRemove={() => onChange(updateSessionState(state, { filters: { frustration_page: null } }))} />
      )}
      {f.frustration_element !== undefined && (
        <NarrowChip
          label="on element"
          value={f.frustration_element}
          testId="sf-chip-frustration_element"
          onRemove={() => onChange(updateSessionState(state, { filters: { frustration_element: null } }))}
        />
      )}
      {count > 0 && (
        <button
          type="button"
          className="btn btn-ghost btn-sm sf-clear"
          onClick={() =>
            onChange(
              updateSessionState(state, {
                filters: Object.fromEntries(Object.keys(f).map((k) => [k, null])),
              }),
            )
          }
        >
          Clear
        </button>
      )}
    </div>
  );
}

/** A frustration filter's narrowing to a page group or element (set by a problem's sessions link). */
function NarrowChip({ label, value, testId, onRemove }: { label: string; value: string; testId: string; onRemove: () => void }) {
  return (
    <span className="chip sf-chip" data-testid={testId}>
      <span className="chip-key">Frustration</span>
      <span className="chip-op">{label}</span>
      <span className="chip-value mono" title={value}>
        {value}
      </span>
      <button type="button" className="chip-remove" aria-label={`Remove frustration ${label} filter`} onClick={onRemove}>
        <Icon name="x" size={12} />
      </button>
    </span>
  );
}

/** A text filter applied on Enter or when leaving the field (not on every key: each change is a history entry). */
function TextFilter({ label, id, placeholder, value, onCommit }: { label: string; id: string; placeholder: string; value: string; onCommit: (v: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const commit = () => {
    if (text.trim() !== value) onCommit(text.trim());
  };
  return (
    <form
      className="sf-field sf-text"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        commit();
      }}
    >
      <label className="sf-label" htmlFor={id}>
        {label}
      </label>
      <input id={id} className="input input-sm" placeholder={placeholder} value={text} onChange={(e) => setText(e.target.value)} onBlur={commit} />
    </form>
  );
}

function ReplayOffNotice({ site }: { site: Site }) {
  return (
    <div className="banner banner-info" data-testid="replay-off">
      <Icon name="sessions" size={18} />
      <div>
        <strong>Session replay is off for this site.</strong> Sessions are listed, but new ones are not recorded.{' '}
        <Link to={siteSettingsPath(site.key, 'privacy')}>Turn on replay</Link>
      </div>
    </div>
  );
}

function NoSessions({ site, anyFilter, onClear }: { site: Site | undefined; anyFilter: boolean; onClear: () => void }) {
  if (anyFilter) {
    return (
      <EmptyState icon="filter" title="No sessions match these filters">
        <p>Widen the date range or remove a filter.</p>
        <p>
          <button type="button" className="btn btn-secondary btn-sm" onClick={onClear}>
            Clear all filters
          </button>
        </p>
      </EmptyState>
    );
  }
  return (
    <div data-testid="no-sessions">
      <EmptyState icon="sessions" title="No sessions in this range yet">
        {site && site.replay_sample_rate === 0 ? (
          <p>
            Session replay is off for this site, so visits will be listed without recordings.{' '}
            <Link to={siteSettingsPath(site.key, 'privacy')}>Turn on replay in the privacy settings</Link>.
          </p>
        ) : (
          <p>
            Visits appear here within seconds of the tracker sending them
            {site ? (
              <>
                {' '}
                ({Math.round(site.replay_sample_rate * 1000) / 10}% of sessions are recorded for replay —{' '}
                <Link to={siteSettingsPath(site.key, 'privacy')}>replay settings</Link>)
              </>
            ) : null}
            .
          </p>
        )}
      </EmptyState>
    </div>
  );
}
