// The one filter bar shared by every analytics view: chips for the filters in the URL, an "Add filter"
// menu (values offered from the overview's breakdowns), the segment and compare controls, "Clear all".
import { useMemo, useState } from 'react';
import type { Breakdown } from '../api/types';
import { FILTER_DEFS, chipEntries, filterDef, filterEntries, filterValueLabel, type FilterDef, type FilterKey } from '../lib/filters';
import { emptyName, formatCompact } from '../lib/format';
import { useSuggestions } from '../state/suggestions';
import { useRangeAndFilters, useUrlActions } from '../state/urlState';
import { Icon } from './Icon';
import { SegmentControls } from './SegmentPicker';
import { Popover } from './ui';

export function FilterBar() {
  const { filters } = useRangeAndFilters();
  const { setFilter, clearFilters } = useUrlActions();
  const entries = chipEntries(filters);
  return (
    <div className="filter-bar" data-testid="filter-bar">
      {entries.map(([key, value]) => (
        <span className="chip" key={key} data-testid={`filter-chip-${key}`}>
          <span className="chip-key">{filterDef(key).label}</span>
          <span className="chip-op">is</span>
          <span className="chip-value" title={value}>
            {filterValueLabel(key, value)}
          </span>
          <button type="button" className="chip-remove" aria-label={`Remove filter ${filterDef(key).label}`} onClick={() => setFilter(key, null)}>
            <Icon name="x" size={12} />
          </button>
        </span>
      ))}
      <AddFilter used={new Set(entries.map(([k]) => k))} onAdd={(k, v) => setFilter(k, v)} />
      <SegmentControls />
      {filterEntries(filters).length > 1 && (
        <button type="button" className="btn btn-ghost btn-sm" onClick={clearFilters}>
          Clear all
        </button>
      )}
    </div>
  );
}

function AddFilter({ used, onAdd }: { used: Set<FilterKey>; onAdd: (key: FilterKey, value: string) => void }) {
  const [key, setKey] = useState<FilterKey | null>(null);
  return (
    <Popover
      buttonClass="btn btn-ghost btn-sm add-filter"
      button={
        <>
          <Icon name="filter" size={14} />
          Add filter
        </>
      }
      panelClass="filter-panel"
    >
      {(close) =>
        key === null ? (
          <ul className="menu-list" role="menu" aria-label="Filter by">
            {FILTER_DEFS.map((d) => (
              <li key={d.key}>
                <button type="button" role="menuitem" className="menu-item" disabled={used.has(d.key)} onClick={() => setKey(d.key)}>
                  <span>{d.label}</span>
                  <Icon name="chevronRight" size={14} className="muted-icon" />
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <ValuePicker
            def={filterDef(key)}
            onBack={() => setKey(null)}
            onPick={(v) => {
              onAdd(key, v);
              setKey(null);
              close();
            }}
          />
        )
      }
    </Popover>
  );
}

function ValuePicker({ def, onBack, onPick }: { def: FilterDef; onBack: () => void; onPick: (value: string) => void }) {
  const suggestions = useSuggestions();
  const [text, setText] = useState('');
  const offered = useMemo(() => {
    const fromData: readonly Breakdown[] = (def.suggestFrom && suggestions[def.suggestFrom]) || [];
    const counts = new Map(fromData.map((b) => [b.name, b.visitors]));
    const names = def.options ? [...def.options] : fromData.map((b) => b.name).filter((n) => n !== '');
    if (def.options) names.sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0));
    const t = text.trim().toLowerCase();
    return names
      .filter((n) => !t || n.toLowerCase().includes(t) || filterValueLabel(def.key, n).toLowerCase().includes(t))
      .slice(0, 12)
      .map((n) => ({ name: n, visitors: counts.get(n) }));
  }, [def, suggestions, text]);

  return (
    <div className="value-picker">
      <div className="value-picker-head">
        <button type="button" className="btn btn-ghost btn-sm" onClick={onBack} aria-label="Back to filter list">
          ‹
        </button>
        <strong>{def.label}</strong>
      </div>
      {!def.options && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (text.trim()) onPick(text.trim());
          }}
        >
          <input
            autoFocus
            className="input input-sm"
            placeholder={def.placeholder ? `e.g. ${def.placeholder}` : 'Value'}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-label={`${def.label} value`}
          />
        </form>
      )}
      <ul className="menu-list" role="menu">
        {offered.map((o) => (
          <li key={o.name}>
            <button type="button" role="menuitem" className="menu-item" onClick={() => onPick(o.name)}>
              <span className="truncate">{filterValueLabel(def.key, emptyName(o.name))}</span>
              {o.visitors !== undefined && <span className="menu-count">{formatCompact(o.visitors)}</span>}
            </button>
          </li>
        ))}
        {!def.options && text.trim() && !offered.some((o) => o.name === text.trim()) && (
          <li>
            <button type="button" role="menuitem" className="menu-item" onClick={() => onPick(text.trim())}>
              <span className="truncate">
                Use “<strong>{text.trim()}</strong>”
              </span>
              <Icon name="check" size={14} />
            </button>
          </li>
        )}
        {!def.options && !text.trim() && offered.length === 0 && <li className="menu-note">Type a value and press Enter.</li>}
      </ul>
    </div>
  );
}
