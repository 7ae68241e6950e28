// The funnel's definition being edited: its steps (kind, value, optional page and label; add, remove, move)
// and options (window, order, unit, breakdown).
import { FUNNEL_BREAKDOWNS, type FunnelBreakdown, type FunnelOrder, type FunnelUnit } from '../../api/types';
import {
  BREAKDOWN_LABELS,
  MAX_STEPS,
  MIN_STEPS,
  STEP_KINDS,
  WINDOW_CHOICES,
  emptyStep,
  windowLabel,
  type FunnelDraft,
  type StepDraft,
  type StepKind,
} from '../../lib/funnels';
import { Icon } from '../Icon';

export function StepBuilder({ draft, pages, onChange }: { draft: FunnelDraft; pages: readonly string[]; onChange: (d: FunnelDraft) => void }) {
  const setStep = (i: number, s: StepDraft) => onChange({ ...draft, steps: draft.steps.map((x, j) => (j === i ? s : x)) });
  const move = (i: number, by: -1 | 1) => {
    const steps = [...draft.steps];
    [steps[i], steps[i + by]] = [steps[i + by]!, steps[i]!];
    onChange({ ...draft, steps });
  };
  return (
    <div className="step-builder">
      <datalist id="funnel-pages">
        {pages.map((p) => (
          <option key={p} value={p} />
        ))}
      </datalist>
      <ol className="funnel-steps" data-testid="funnel-steps">
        {draft.steps.map((s, i) => (
          <StepRow
            key={i}
            index={i}
            step={s}
            count={draft.steps.length}
            onChange={(next) => setStep(i, next)}
            onMove={(by) => move(i, by)}
            onRemove={() => onChange({ ...draft, steps: draft.steps.filter((_, j) => j !== i) })}
          />
        ))}
      </ol>
      <button
        type="button"
        className="btn btn-ghost btn-sm"
        disabled={draft.steps.length >= MAX_STEPS}
        onClick={() => onChange({ ...draft, steps: [...draft.steps, emptyStep()] })}
        data-testid="funnel-add-step"
      >
        <Icon name="plus" size={14} /> Add step
      </button>
      <FunnelOptions draft={draft} onChange={onChange} />
    </div>
  );
}

function StepRow({
  index,
  step,
  count,
  onChange,
  onMove,
  onRemove,
}: {
  index: number;
  step: StepDraft;
  count: number;
  onChange: (s: StepDraft) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  const kind = STEP_KINDS.find((k) => k.id === step.kind)!;
  return (
    <li className="funnel-step" data-testid="funnel-step">
      <span className="funnel-step-number">{index + 1}</span>
      <select
        className="input input-sm funnel-step-kind"
        aria-label={`Step ${index + 1} kind`}
        value={step.kind}
        data-testid="step-kind"
        onChange={(e) => onChange({ ...step, kind: e.target.value as StepKind })}
      >
        {STEP_KINDS.map((k) => (
          <option key={k.id} value={k.id}>
            {k.label}
          </option>
        ))}
      </select>
      <input
        className="input input-sm funnel-step-value mono"
        aria-label={`Step ${index + 1} ${step.kind === 'page' ? 'page' : step.kind === 'click' ? 'selector' : 'event name'}`}
        placeholder={kind.placeholder}
        value={step.value}
        list={step.kind === 'page' ? 'funnel-pages' : undefined}
        data-testid="step-value"
        onChange={(e) => onChange({ ...step, value: e.target.value })}
      />
      {step.kind !== 'page' && (
        <input
          className="input input-sm funnel-step-onpage mono"
          aria-label={`Step ${index + 1} only on page`}
          placeholder="on any page"
          value={step.onPage}
          list="funnel-pages"
          data-testid="step-on-page"
          onChange={(e) => onChange({ ...step, onPage: e.target.value })}
        />
      )}
      <input
        className="input input-sm funnel-step-label"
        aria-label={`Step ${index + 1} label`}
        placeholder="Label (optional)"
        value={step.label}
        onChange={(e) => onChange({ ...step, label: e.target.value })}
      />
      <span className="funnel-step-tools">
        <button type="button" className="btn btn-ghost btn-icon" aria-label={`Move step ${index + 1} up`} disabled={index === 0} onClick={() => onMove(-1)}>
          ↑
        </button>
        <button type="button" className="btn btn-ghost btn-icon" aria-label={`Move step ${index + 1} down`} disabled={index === count - 1} onClick={() => onMove(1)}>
          ↓
        </button>
        <button type="button" className="btn btn-ghost btn-icon" aria-label={`Remove step ${index + 1}`} disabled={count <= MIN_STEPS} onClick={onRemove}>
          <Icon name="x" size={14} />
        </button>
      </span>
    </li>
  );
}

function FunnelOptions({ draft, onChange }: { draft: FunnelDraft; onChange: (d: FunnelDraft) => void }) {
  const windows = WINDOW_CHOICES.some((c) => c.ms === draft.windowMs) ? WINDOW_CHOICES : [...WINDOW_CHOICES, { ms: draft.windowMs, label: windowLabel(draft.windowMs) }];
  return (
    <div className="session-filters funnel-options">
      <label className="sf-field">
        <span className="sf-label">Completed within</span>
        <select className="input input-sm" data-testid="funnel-window" value={draft.windowMs} onChange={(e) => onChange({ ...draft, windowMs: Number(e.target.value) })}>
          {windows.map((c) => (
            <option key={c.ms} value={c.ms}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <label className="sf-field" title="Loose: other pages and events may come between the steps. Strict: each step must directly follow the previous one.">
        <span className="sf-label">Order</span>
        <select className="input input-sm" data-testid="funnel-order" value={draft.order} onChange={(e) => onChange({ ...draft, order: e.target.value as FunnelOrder })}>
          <option value="loose">Loose (steps in order, others between)</option>
          <option value="strict">Strict (nothing between)</option>
        </select>
      </label>
      <label className="sf-field">
        <span className="sf-label">Count</span>
        <select className="input input-sm" data-testid="funnel-unit" value={draft.unit} onChange={(e) => onChange({ ...draft, unit: e.target.value as FunnelUnit })}>
          <option value="session">Sessions</option>
          <option value="visitor">Visitors</option>
        </select>
      </label>
      <label className="sf-field">
        <span className="sf-label">Breakdown</span>
        <select
          className="input input-sm"
          data-testid="funnel-breakdown"
          value={draft.breakdown ?? ''}
          onChange={(e) => onChange({ ...draft, breakdown: e.target.value === '' ? null : (e.target.value as FunnelBreakdown) })}
        >
          <option value="">None</option>
          {FUNNEL_BREAKDOWNS.map((b) => (
            <option key={b} value={b}>
              {BREAKDOWN_LABELS[b]}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
