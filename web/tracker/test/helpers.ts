import { vi } from 'vitest';
import { init, type Options, type Sightline } from '../src/tracker';
import type { Batch, Ev } from '../src/transport';
import { beacons } from './setup';

export const ENDPOINT = 'https://sl.test/api/v1/batch';

/** Lets pending promise callbacks run. */
export async function tick(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/** Starts a tracker whose batches are recorded (raw body text and parsed) instead of sent. */
export function start(opts: Partial<Options> = {}) {
  const bodies: string[] = [];
  const batches: Batch[] = [];
  const send = vi.fn(async (_u: unknown, init?: RequestInit) => {
    bodies.push(String(init!.body));
    batches.push(JSON.parse(String(init!.body)));
    return new Response('{"accepted":1,"duplicate":false}', { status: 202 });
  });
  const sl: Sightline = init({
    site: 'site-key',
    endpoint: ENDPOINT,
    vitals: false,
    ...opts,
    transport: { fetch: send as unknown as typeof fetch, compress: false, ...opts.transport },
  });
  /** Flushes and returns every event sent so far, by fetch or by beacon (batches in seq order). */
  async function events(): Promise<Ev[]> {
    sl.flush();
    await tick();
    const texts = await Promise.all(beacons.filter((b) => b.url === ENDPOINT).map((b) => b.text));
    const all = [...batches, ...texts.map((t) => JSON.parse(t) as Batch)].sort((a, b) => a.seq - b.seq);
    bodies.push(...texts);
    return all.flatMap((b) => b.events);
  }
  return { sl, bodies, batches, send, events };
}

export const ofType = (evs: Ev[], type: string) => evs.filter((e) => e.type === type);

export function click(el: Element, x = 10, y = 10, pointerType = 'mouse'): void {
  el.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, pointerType, clientX: x, clientY: y }));
  el.dispatchEvent(
    new PointerEvent('click', { bubbles: true, detail: 1, pointerType, clientX: x, clientY: y, cancelable: true }),
  );
}
