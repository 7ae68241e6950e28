/** Small shared helpers. Kept tiny: everything here ends up in the snippet bundle. */

/**
 * Random id of `n` chars from [A-Za-z0-9_-]: base64url of `n` random bytes, cut to `n` chars
 * (every char is 6 random bits, so uniform over the 64 symbols).
 */
export function rid(n = 22): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(n))))
    .slice(0, n)
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
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
