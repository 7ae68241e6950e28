/**
 * npm build entry (dist/index.mjs).
 *
 *   import { init } from '@sightline/tracker';
 *   const sl = init({ site: 'KEY', endpoint: 'https://HOST/api/v1/batch' });
 *   sl.track('signup', { plan: 'pro' });
 *
 * or, with the same command style as the snippet (calls before `init` are queued):
 *
 *   import { init, sightline } from '@sightline/tracker';
 *   sightline('track', 'purchase', { revenue: 49, currency: 'EUR' });
 */
import { init as start, type Options, type Sightline } from './tracker';

export type { Options, Props, Sightline } from './tracker';
export type { Ev, Batch, TransportOptions } from './transport';
export { selector, anchor, clickTarget, isGenerated, stableClass, INTERACTIVE } from './selector';
export { textOf, maskSelector } from './mask';
export { stripQuery } from './url';

let current: Sightline | null = null;
const queued: [string, unknown[]][] = [];

/** Starts the tracker; commands queued with `sightline(...)` before this run now. */
export function init(options: Options): Sightline {
  current = start(options);
  for (const [name, args] of queued.splice(0)) sightline(name, ...args);
  return current;
}

/** Snippet-style command: `sightline('track', name, props)`, `'identify'`, `'consent'`, `'page'`. */
export function sightline(name: string, ...args: unknown[]): void {
  if (!current) {
    queued.push([name, args]);
    return;
  }
  const f = (current as unknown as Record<string, unknown>)[name];
  if (typeof f == 'function') f.apply(current, args);
}
