/** Small shared helpers. Kept tiny: everything here ends up in the snippet bundle. */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** Random id of `n` chars from [A-Za-z0-9_-] (64 symbols, so `& 63` is unbiased). */
export function rid(n = 22): string {
  let s = '';
  const b = crypto.getRandomValues(new Uint8Array(n));
  for (let i = 0; i < n; i++) s += ALPHABET[b[i] & 63];
  return s;
}

export const now = (): number => Date.now();

export const round = Math.round;

/** Web Storage that never throws (Safari private mode, sandboxed iframes, disabled storage). */
export function store(kind: 'localStorage' | 'sessionStorage') {
  return {
    get(k: string): string | null {
      try {
        return window[kind].getItem(k);
      } catch {
        return null;
      }
    },
    set(k: string, v: string | null): void {
      try {
        if (v == null) window[kind].removeItem(k);
        else window[kind].setItem(k, v);
      } catch {
        /* storage unavailable: keep going in memory */
      }
    },
  };
}
export type Store = ReturnType<typeof store>;
