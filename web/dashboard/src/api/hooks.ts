// Loading data in components: `useAsync(load, deps)` runs `load(signal)` whenever deps change, aborts the
// previous run, and keeps the previous data while the next loads (so views dim instead of flashing).
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage, isAbort } from './client';

export interface AsyncState<T> {
  data: T | undefined;
  /** Readable error of the last run (`error.message` of an API error). */
  error: string | null;
  /** Error status (0: network) of the last run, when it was an API error. */
  status: number | null;
  loading: boolean;
  reload: () => void;
  setData: (d: T) => void;
}

export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    loadRef
      .current(ctrl.signal)
      .then((d) => {
        if (ctrl.signal.aborted) return;
        setData(d);
        setError(null);
        setStatus(null);
        setLoading(false);
      })
      .catch((e: unknown) => {
        if (ctrl.signal.aborted || isAbort(e)) return;
        setError(errorMessage(e));
        setStatus(typeof (e as { status?: unknown })?.status === 'number' ? (e as { status: number }).status : null);
        setLoading(false);
      });
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, status, loading, reload, setData };
}
