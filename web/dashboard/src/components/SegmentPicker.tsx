// The filter bar's segment controls: segment A (`segment=`, sent by every view) and the compared segment B
// (`segment_b=`). Each opens an editor: the expression (checked by the server before it is applied, so an
// invalid one shows the server's message and changes nothing), the site's saved segments (pick, delete) and
// "save this expression".
import { useEffect, useState, type FormEvent } from 'react';
import { checkSegment, createSegment, deleteSegment, listSegments } from '../api/analysis';
import { errorMessage } from '../api/client';
import { useAsync } from '../api/hooks';
import type { SavedSegment } from '../api/types';
import { isoDay } from '../lib/dates';
import { SEGMENT_EXAMPLES, type SegmentSide } from '../lib/segments';
import { useCurrentSiteKey } from '../state/sites';
import { useRangeAndFilters, useUrlActions } from '../state/urlState';
import { Icon } from './Icon';
import { Popover, Spinner } from './ui';

export function SegmentControls() {
  const { filters, compare } = useRangeAndFilters();
  const { setFilter, setCompare } = useUrlActions();
  const site = useCurrentSiteKey();
  if (!site) return null;
  return (
    <>
      <SegmentPicker site={site} side="a" value={filters.segment ?? null} comparing={compare !== null} onApply={(v) => setFilter('segment', v)} />
      <SegmentPicker site={site} side="b" value={compare} comparing={compare !== null} onApply={setCompare} />
    </>
  );
}

function SegmentPicker({
  site,
  side,
  value,
  comparing,
  onApply,
}: {
  site: string;
  side: SegmentSide;
  value: string | null;
  comparing: boolean;
  onApply: (expression: string | null) => void;
}) {
  const name = side === 'a' ? 'Segment' : 'Compare';
  const button =
    value === null ? (
      <>
        <Icon name={side === 'a' ? 'members' : 'activity'} size={14} />
        {side === 'a' ? 'Segment' : 'Compare'}
      </>
    ) : (
      <>
        <span className="chip-key">{side === 'a' ? (comparing ? 'A' : 'Segment') : 'vs B'}</span>
        <span className="chip-value mono" title={value}>
          {value}
        </span>
      </>
    );
  return (
    <span data-testid={`segment-${side}`} className="segment-picker">
      <Popover buttonClass={value === null ? 'btn btn-ghost btn-sm segment-button' : `chip segment-chip segment-chip-${side}`} button={button} label={value === null ? undefined : `${name}: ${value}`} panelClass="segment-panel">
        {(close) => (
          <SegmentEditor
            site={site}
            side={side}
            value={value}
            onApply={(v) => {
              onApply(v);
              close();
            }}
          />
        )}
      </Popover>
    </span>
  );
}

function SegmentEditor({ site, side, value, onApply }: { site: string; side: SegmentSide; value: string | null; onApply: (v: string | null) => void }) {
  const [draft, setDraft] = useState(value ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const saved = useAsync((signal) => listSegments(site, signal), [site]);

  const apply = async (expression: string) => {
    const text = expression.trim();
    if (text === '') return onApply(null);
    setChecking(true);
    try {
      const message = await checkSegment(site, text, isoDay(Date.now()));
      setProblem(message);
      if (message === null) onApply(text);
    } catch (e) {
      setProblem(errorMessage(e));
    } finally {
      setChecking(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void apply(draft);
  };

  return (
    <div className="segment-editor">
      <form onSubmit={submit}>
        <label className="sf-label" htmlFor={`segment-input-${side}`}>
          {side === 'a' ? 'Segment expression' : 'Compare with segment B'}
        </label>
        <textarea
          id={`segment-input-${side}`}
          data-testid={`segment-input-${side}`}
          className="input segment-input mono"
          rows={3}
          spellCheck={false}
          autoFocus
          placeholder={SEGMENT_EXAMPLES[side === 'a' ? 0 : 1]}
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            setProblem(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              void apply(draft);
            }
          }}
        />
        {problem && (
          <div className="field-error segment-error" role="alert" data-testid={`segment-error-${side}`}>
            {problem}
          </div>
        )}
        <div className="segment-actions">
          <button type="submit" className="btn btn-primary btn-sm" disabled={checking} data-testid={`segment-apply-${side}`}>
            {checking && <Spinner />}
            {side === 'a' ? 'Apply' : 'Compare'}
          </button>
          {value !== null && (
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => onApply(null)}>
              {side === 'a' ? 'Remove segment' : 'Stop comparing'}
            </button>
          )}
        </div>
      </form>
      <p className="segment-help muted small">
        AND / OR / NOT over fields (<code>device</code>, <code>channel</code>, <code>visitor</code>, <code>revenue</code>, <code>duration</code>,{' '}
        <code>user.plan</code>…) and behaviour: <code>visited("/cart")</code>, <code>clicked("#buy") &gt;= 3</code>, <code>did("purchase")</code>,{' '}
        <code>had_error</code>.
      </p>
      <SavedSegments
        site={site}
        segments={saved.data?.segments}
        error={saved.error}
        draft={draft.trim()}
        onPick={(s) => {
          setDraft(s.expression);
          void apply(s.expression);
        }}
        onChanged={saved.reload}
      />
    </div>
  );
}

function SavedSegments({
  site,
  segments,
  error,
  draft,
  onPick,
  onChanged,
}: {
  site: string;
  segments: readonly SavedSegment[] | undefined;
  error: string | null;
  draft: string;
  onPick: (s: SavedSegment) => void;
  onChanged: () => void;
}) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setProblem(null), [draft]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim() || !draft) return;
    setBusy(true);
    try {
      await createSegment(site, name.trim(), draft);
      setName('');
      setProblem(null);
      onChanged();
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const remove = async (s: SavedSegment) => {
    try {
      await deleteSegment(site, s.id);
      onChanged();
    } catch (err) {
      setProblem(errorMessage(err));
    }
  };

  return (
    <div className="saved-segments" data-testid="saved-segments">
      <div className="sf-label">Saved segments</div>
      {error && !segments ? (
        <div className="muted small">Saved segments are not available: {error}</div>
      ) : !segments ? (
        <Spinner />
      ) : segments.length === 0 ? (
        <div className="muted small">None yet: save an expression below to share it with everyone on this site.</div>
      ) : (
        <ul className="menu-list saved-segment-list">
          {segments.map((s) => (
            <li key={s.id} className="saved-segment">
              <button type="button" className="menu-item" onClick={() => onPick(s)} title={s.expression} data-testid="saved-segment">
                <span className="saved-segment-text">
                  <strong className="truncate">{s.name}</strong>
                  <span className="mono muted small truncate">{s.expression}</span>
                </span>
              </button>
              <button type="button" className="chip-remove" aria-label={`Delete saved segment ${s.name}`} onClick={() => void remove(s)}>
                <Icon name="trash" size={13} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="saved-segment-save" onSubmit={save}>
        <input className="input input-sm" placeholder="Name, e.g. Mobile buyers" value={name} onChange={(e) => setName(e.target.value)} aria-label="Segment name" disabled={!draft} />
        <button type="submit" className="btn btn-secondary btn-sm" disabled={busy || !draft || !name.trim()} title={draft ? 'Save the expression above' : 'Type an expression first'}>
          Save
        </button>
      </form>
      {problem && <div className="field-error">{problem}</div>}
    </div>
  );
}
