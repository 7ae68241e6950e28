// Values the filter bar offers: the latest overview's breakdowns (published by the page that loaded it).
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Breakdown, Overview } from '../api/types';
import type { SuggestionSource } from '../lib/filters';

type Suggestions = Partial<Record<SuggestionSource, readonly Breakdown[]>>;

const Ctx = createContext<{ suggestions: Suggestions; publish: (s: Suggestions) => void } | null>(null);

export function SuggestionsProvider({ children }: { children: ReactNode }) {
  const [suggestions, publish] = useState<Suggestions>({});
  const value = useMemo(() => ({ suggestions, publish }), [suggestions]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSuggestions(): Suggestions {
  return useContext(Ctx)?.suggestions ?? {};
}

/** Offers an overview's breakdowns to the filter bar while the page shows it. */
export function usePublishOverview(overview: Overview | undefined): void {
  const publish = useContext(Ctx)?.publish;
  useEffect(() => {
    if (!publish || !overview) return;
    publish({
      devices: overview.devices,
      browsers: overview.browsers,
      channels: overview.channels,
      top_pages: overview.top_pages,
      entry_pages: overview.entry_pages,
    });
  }, [publish, overview]);
}
