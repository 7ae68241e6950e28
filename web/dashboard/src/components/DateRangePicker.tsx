// Presets (today, last 7/30/90 days) and a custom from/to; the range lives in the URL.
import { useState } from 'react';
import { DEFAULT_PRESET, PRESETS, isoDay, matchPreset, presetRange, rangeLabel, validateRange } from '../lib/dates';
import { useRangeAndFilters, useUrlActions } from '../state/urlState';
import { Icon } from './Icon';
import { Popover } from './ui';

export function DateRangePicker() {
  const { range } = useRangeAndFilters();
  const { setRange } = useUrlActions();
  const active = matchPreset(range);
  return (
    <Popover
      align="right"
      buttonClass="btn btn-secondary date-button"
      label="Date range"
      button={
        <>
          <Icon name="calendar" size={15} />
          <span data-testid="date-range-label">{rangeLabel(range)}</span>
          <Icon name="chevronDown" size={14} className="muted-icon" />
        </>
      }
      panelClass="date-panel"
    >
      {(close) => (
        <div>
          <ul className="menu-list" role="menu">
            {PRESETS.map((p) => (
              <li key={p.id}>
                <button
                  type="button"
                  role="menuitemradio"
                  aria-checked={active === p.id}
                  className={`menu-item ${active === p.id ? 'menu-item-active' : ''}`}
                  onClick={() => {
                    setRange(p.id === DEFAULT_PRESET ? null : presetRange(p.id));
                    close();
                  }}
                >
                  <span>{p.label}</span>
                  {active === p.id && <Icon name="check" size={14} />}
                </button>
              </li>
            ))}
          </ul>
          <CustomRange
            initialFrom={range.from}
            initialTo={range.to}
            onApply={(from, to) => {
              setRange({ from, to });
              close();
            }}
          />
        </div>
      )}
    </Popover>
  );
}

function CustomRange({ initialFrom, initialTo, onApply }: { initialFrom: string; initialTo: string; onApply: (from: string, to: string) => void }) {
  const [from, setFrom] = useState(initialFrom);
  const [to, setTo] = useState(initialTo);
  const [error, setError] = useState<string | null>(null);
  const today = isoDay(Date.now());
  return (
    <form
      className="custom-range"
      onSubmit={(e) => {
        e.preventDefault();
        const problem = validateRange(from, to);
        setError(problem);
        if (!problem) onApply(from, to);
      }}
    >
      <div className="custom-range-title">Custom range (UTC)</div>
      <div className="custom-range-inputs">
        <label>
          <span>From</span>
          <input type="date" className="input input-sm" value={from} max={today} onChange={(e) => setFrom(e.target.value)} aria-label="From" />
        </label>
        <label>
          <span>To</span>
          <input type="date" className="input input-sm" value={to} max={today} onChange={(e) => setTo(e.target.value)} aria-label="To" />
        </label>
      </div>
      {error && <div className="field-error">{error}</div>}
      <button type="submit" className="btn btn-primary btn-sm btn-block">
        Apply
      </button>
    </form>
  );
}
