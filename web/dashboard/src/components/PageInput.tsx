// A text field for a page (group) or event name, offering known pages (the overview's top pages and the site's
// page groups) and applied on Enter or when leaving the field — not on every key.
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { useSuggestions } from '../state/suggestions';
import { findSite, useCurrentSiteKey, useSites } from '../state/sites';

/** Pages to offer: the site's page groups, then the pages the overview saw. */
export function useKnownPages(): string[] {
  const suggestions = useSuggestions();
  const { sites } = useSites();
  const site = findSite(sites, useCurrentSiteKey());
  return useMemo(
    () => [...new Set([...(site?.page_groups ?? []), ...(suggestions.top_pages ?? []).map((b) => b.name), ...(suggestions.entry_pages ?? []).map((b) => b.name)])].filter(Boolean),
    [site, suggestions],
  );
}

export function CommitInput({
  label,
  value,
  placeholder,
  onCommit,
  options,
  testId,
  className = 'sf-field sf-text',
}: {
  label: string;
  value: string;
  placeholder?: string;
  onCommit: (v: string) => void;
  options?: readonly string[];
  testId?: string;
  className?: string;
}) {
  const [text, setText] = useState(value);
  const id = useId();
  useEffect(() => setText(value), [value]);
  const commit = () => {
    if (text.trim() !== value) onCommit(text.trim());
  };
  return (
    <form
      className={className}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        commit();
      }}
    >
      <label className="sf-label" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        className="input input-sm"
        placeholder={placeholder}
        value={text}
        list={options && options.length ? `${id}-list` : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        data-testid={testId}
      />
      {options && options.length > 0 && (
        <datalist id={`${id}-list`}>
          {options.map((o) => (
            <option key={o} value={o} />
          ))}
        </datalist>
      )}
    </form>
  );
}
