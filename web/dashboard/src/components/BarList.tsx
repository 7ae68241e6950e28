// A ranked list with proportional bars (Plausible-style); clicking a row filters by it.
import type { Breakdown } from '../api/types';
import { emptyName, formatCompact, formatNumber } from '../lib/format';

export function BarList({
  items,
  nameHeader,
  label = (n) => n,
  active,
  onPick,
  emptyText = 'No data for this range.',
  testId,
}: {
  items: readonly Breakdown[];
  nameHeader: string;
  label?: (name: string) => string;
  active?: string;
  onPick?: (name: string) => void;
  emptyText?: string;
  testId?: string;
}) {
  if (items.length === 0) return <div className="barlist-empty">{emptyText}</div>;
  const max = Math.max(1, ...items.map((i) => i.visitors));
  return (
    <div className="barlist" data-testid={testId}>
      <div className="barlist-head">
        <span>{nameHeader}</span>
        <span className="num">Visitors</span>
        <span className="num">Pageviews</span>
      </div>
      {items.map((item) => {
        const text = label(emptyName(item.name));
        const isActive = active !== undefined && active === item.name;
        const clickable = !!onPick && item.name !== '' && !isActive;
        return (
          <button
            type="button"
            key={item.name}
            className={`barlist-row ${isActive ? 'barlist-row-active' : ''}`}
            disabled={!clickable}
            title={clickable ? `Filter by ${text}` : text}
            onClick={() => onPick?.(item.name)}
          >
            <span className="barlist-name">
              <span className="barlist-bar" style={{ width: `${(item.visitors / max) * 100}%` }} />
              <span className="barlist-label truncate">{text}</span>
            </span>
            <span className="num" title={formatNumber(item.visitors)}>
              {formatCompact(item.visitors)}
            </span>
            <span className="num muted" title={formatNumber(item.pageviews)}>
              {formatCompact(item.pageviews)}
            </span>
          </button>
        );
      })}
    </div>
  );
}
