// The site's saved funnels (GET/POST/DELETE …/funnels): load one into the builder, delete one, save the
// funnel being edited under a name.
import { useState, type FormEvent } from 'react';
import { createFunnel, deleteFunnel, listFunnels } from '../../api/analysis';
import { errorMessage } from '../../api/client';
import { useAsync } from '../../api/hooks';
import type { FunnelDefinition, SavedFunnel } from '../../api/types';
import { endpointMessage } from '../../lib/analysisErrors';
import { Icon } from '../Icon';
import { ConfirmButton, SkeletonRows } from '../ui';

export function SavedFunnels({ site, current, onLoad }: { site: string; current: FunnelDefinition | null; onLoad: (f: SavedFunnel) => void }) {
  const { data, error, status, reload } = useAsync((signal) => listFunnels(site, signal), [site]);
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!current || !name.trim()) return;
    setBusy(true);
    try {
      await createFunnel(site, name.trim(), current);
      setName('');
      setProblem(null);
      reload();
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const remove = async (f: SavedFunnel) => {
    try {
      await deleteFunnel(site, f.id);
      reload();
    } catch (err) {
      setProblem(errorMessage(err));
    }
  };

  return (
    <div className="saved-funnels" data-testid="saved-funnels">
      {error && !data ? (
        <p className="muted small">{endpointMessage('saved funnels', error, status)}</p>
      ) : !data ? (
        <SkeletonRows rows={2} />
      ) : data.funnels.length === 0 ? (
        <p className="muted small">No saved funnels yet.</p>
      ) : (
        <ul className="saved-funnel-list">
          {data.funnels.map((f) => (
            <li key={f.id} className="saved-funnel" data-testid="saved-funnel">
              <button type="button" className="link-button saved-funnel-name" onClick={() => onLoad(f)} title="Load this funnel">
                <Icon name="funnel" size={13} /> {f.name}
              </button>
              <span className="muted small">{f.definition.steps.length} steps</span>
              <ConfirmButton label="Delete" confirmLabel="Delete" onConfirm={() => void remove(f)} />
            </li>
          ))}
        </ul>
      )}
      <form className="saved-segment-save" onSubmit={save}>
        <input
          className="input input-sm"
          placeholder="Name, e.g. Checkout"
          aria-label="Funnel name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          disabled={!current}
          data-testid="funnel-name"
        />
        <button type="submit" className="btn btn-secondary btn-sm" disabled={!current || !name.trim() || busy} title={current ? 'Save the funnel shown' : 'Run a funnel first'} data-testid="funnel-save">
          Save
        </button>
      </form>
      {problem && <div className="field-error">{problem}</div>}
    </div>
  );
}
