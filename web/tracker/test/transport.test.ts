import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Session } from '../src/session';
import { MAX_RETRY_AFTER, MAX_URL, retryable, transport, type Batch, type Ev, type TransportOptions } from '../src/transport';

type Call = { url: string; init: RequestInit; batch: Batch & { sent_at: number } };

/** An answer with headers: a status and its `Retry-After` value. */
type Answer = number | 'neterr' | { status: number; retryAfter: string };

/** A fetch that records parsed batches and answers with the given statuses in turn (last repeats). */
function mockFetch(...statuses: Answer[]) {
  const calls: Call[] = [];
  const fn = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init!, batch: JSON.parse(String(init!.body)) });
    const s = statuses.length > 1 ? statuses.shift()! : statuses[0];
    if (s === 'neterr') throw new TypeError('Failed to fetch');
    if (typeof s === 'object') return new Response('{}', { status: s.status, headers: { 'Retry-After': s.retryAfter } });
    return new Response(s === 202 ? '{"accepted":1,"duplicate":false}' : '{}', { status: s });
  });
  return { fn, calls };
}

const ev = (i: number, extra: Record<string, unknown> = {}): Ev => ({ t: 1000 + i, type: 'custom', pv: 'pv1', name: `e${i}`, ...extra });

function make(opts: Partial<TransportOptions> & { fetch: typeof fetch }) {
  const session = new Session(false);
  session.touch(Date.now());
  const tr = transport({ endpoint: 'https://sl.example/api/v1/batch', site: 'site1', session, compress: false, ...opts });
  return { tr, session };
}

/** Lets pending promise callbacks (fetch mocks, pump continuations) run. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

beforeEach(() => {
  vi.useFakeTimers();
  vi.spyOn(Math, 'random').mockReturnValue(0.5); // backoff jitter factor 1.0
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('batching', () => {
  it('flushes when the queue reaches the batch size', async () => {
    const { fn, calls } = mockFetch(202);
    const { tr, session } = make({ fetch: fn });
    for (let i = 0; i < 49; i++) tr.push(ev(i));
    await settle();
    expect(fn).not.toHaveBeenCalled();
    tr.push(ev(49));
    await settle();
    expect(calls).toHaveLength(1);
    const b = calls[0].batch;
    expect(b).toMatchObject({ v: 1, site: 'site1', sid: session.id, vid: null, seq: 0 });
    expect(b.events.map((e) => e.name)).toEqual(Array.from({ length: 50 }, (_, i) => `e${i}`));
    expect(typeof b.sent_at).toBe('number');
    expect(calls[0].url).toBe('https://sl.example/api/v1/batch');
    expect(calls[0].init).toMatchObject({ method: 'POST', keepalive: true });
    expect((calls[0].init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('flushes on the 5 s timer', async () => {
    const { fn, calls } = mockFetch(202);
    const { tr } = make({ fetch: fn });
    tr.push(ev(1));
    tr.push(ev(2));
    await vi.advanceTimersByTimeAsync(4999);
    expect(fn).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1);
    expect(calls[0].batch.events).toHaveLength(2);
  });

  it('numbers batches of a session from 0 and persists the counter', async () => {
    const { fn, calls } = mockFetch(202);
    const { tr, session } = make({ fetch: fn });
    for (let n = 0; n < 3; n++) {
      tr.push(ev(n));
      tr.flush();
      await settle();
    }
    expect(calls.map((c) => c.batch.seq)).toEqual([0, 1, 2]);
    // a new page in the same tab continues the session and its counter
    const again = new Session(false);
    expect(again.id).toBe(session.id);
    expect(again.seq()).toBe(3);
  });

  it('cuts batches so that each stays under maxBytes (beacon-sized)', async () => {
    const { fn, calls } = mockFetch(202);
    const { tr } = make({ fetch: fn, maxBytes: 2000 });
    for (let i = 0; i < 10; i++) tr.push(ev(i, { pad: 'x'.repeat(i === 4 ? 5000 : 500) }));
    tr.flush();
    await settle();
    expect(calls.length).toBeGreaterThan(2);
    // e4 alone is over the limit (a replay chunk, say): it forms a batch of its own, sent by
    // fetch without keepalive (limited to 64 KB); every other batch stays under maxBytes
    for (const c of calls) {
      const big = c.batch.events.some((e) => e.name === 'e4');
      if (big) expect(c.batch.events).toHaveLength(1);
      else expect(String(c.init.body).length).toBeLessThanOrEqual(2000);
      expect(c.init.keepalive).toBe(!big);
    }
    expect(calls.flatMap((c) => c.batch.events.map((e) => e.name))).toEqual(Array.from({ length: 10 }, (_, i) => `e${i}`));
    expect(calls.map((c) => c.batch.seq)).toEqual(calls.map((_, i) => i));
  });
  it('sends replay chunks without keepalive (its 64 KB are kept for the page hide)', async () => {
    const { fn, calls } = mockFetch(202);
    const { tr } = make({ fetch: fn, batchSize: 2 });
    tr.push(ev(1));
    tr.push(ev(2));
    tr.push(ev(3, { type: 'replay', chunk: 0, events: [{ type: 4 }] }));
    tr.push(ev(4));
    await settle();
    expect(calls.map((c) => [c.batch.events.map((e) => e.type).join(), c.init.keepalive])).toEqual([
      ['custom,custom', true],
      ['replay,custom', false],
    ]);
  });
});

describe('pages', () => {
  const pageview = (pv: string, url: string, t = 1): Ev => ({ t, type: 'pageview', pv, url });
  const on = (pv: string, i: number): Ev => ev(i, { pv });

  it('names the URL of every pageview the batch refers to, in every batch', async () => {
    const { fn, calls } = mockFetch(202);
    const { tr } = make({ fetch: fn, batchSize: 3 });
    const a = 'https://shop.example/cart?utm_source=news#/step/2';
    const b = 'https://shop.example/thanks';
    tr.push(pageview('pvA', a));
    tr.push(on('pvA', 1));
    tr.push(on('pvA', 2)); // batch 0: the pageview and two of its events
    tr.push(on('pvA', 3));
    tr.push(pageview('pvB', b));
    tr.push(on('pvB', 4)); // batch 1: both pageviews
    tr.push(on('pvA', 5)); // batch 2: an event of A only (its pageview went long ago)
    tr.flush();
    await settle();
    expect(calls.map((c) => c.batch.pages)).toEqual([{ pvA: a }, { pvA: a, pvB: b }, { pvA: a }]);
  });

  it('leaves out pageviews it has no URL for, and URLs over the server limit', async () => {
    const { fn, calls } = mockFetch(202);
    const { tr } = make({ fetch: fn });
    const long = 'https://shop.example/' + 'x'.repeat(MAX_URL);
    const atLimit = long.slice(0, MAX_URL);
    tr.push(pageview('pvLong', long));
    tr.push(pageview('pvLimit', atLimit));
    tr.push(pageview('pvFile', 'file:///tmp/page.html'));
    tr.push(on('unknown', 1));
    tr.push(on('pvLimit', 2));
    tr.flush();
    await settle();
    expect(calls[0].batch.pages).toEqual({ pvLimit: atLimit, pvFile: 'file:///tmp/page.html' });
    expect(JSON.stringify(calls[0].batch.pages)).not.toContain('pvLong');
    expect(calls[0].batch.events).toHaveLength(5);
  });

  it('keeps the first pageview (vitals come late) and the latest ones, batchSize in all', async () => {
    const { fn, calls } = mockFetch(202);
    const { tr } = make({ fetch: fn }); // batchSize 50
    for (let i = 0; i < 200; i++) tr.push(pageview(`pv${i}`, `https://spa.example/p/${i}`));
    tr.push(on('pv0', 1)); // the first pageview's LCP, reported at page hide
    tr.push(on('pv199', 2));
    tr.push(on('pv151', 3)); // the 49th last: still known
    tr.push(on('pv150', 4)); // forgotten
    tr.flush();
    await settle();
    expect(calls.map((c) => c.batch.events.length)).toEqual([50, 50, 50, 50, 4]);
    expect(calls[4].batch.pages).toEqual({
      pv0: 'https://spa.example/p/0',
      pv199: 'https://spa.example/p/199',
      pv151: 'https://spa.example/p/151',
    });
  });

  it('counts the URLs in the batch size limit', async () => {
    const { fn, calls } = mockFetch(202);
    const { tr } = make({ fetch: fn, maxBytes: 3000 });
    // every event on its own pageview with a 1 KB URL: the URLs, not the events, fill the batches
    for (let i = 0; i < 6; i++) {
      const pv = `pv${i}`;
      tr.push(pageview(pv, `https://shop.example/${'a'.repeat(1000)}${i}`));
      tr.push(on(pv, i));
    }
    tr.flush();
    await settle();
    expect(calls.length).toBeGreaterThan(2);
    for (const c of calls) expect(String(c.init.body).length).toBeLessThanOrEqual(3000);
    expect(calls.flatMap((c) => c.batch.events)).toHaveLength(12);
  });

  it('resends the same pages with a retried batch', async () => {
    const { fn, calls } = mockFetch(503, 202);
    const { tr } = make({ fetch: fn });
    tr.push(pageview('pvA', 'https://shop.example/'));
    tr.flush();
    await settle();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(2);
    expect(calls[1].batch.seq).toBe(calls[0].batch.seq);
    expect(calls[1].batch.pages).toEqual({ pvA: 'https://shop.example/' });
  });
});

describe('retry', () => {
  it('classifies statuses', () => {
    expect([0, 429, 500, 503].map(retryable)).toEqual([true, true, true, true]);
    expect([202, 400, 403, 404, 413].map(retryable)).toEqual([false, false, false, false, false]);
  });

  it('retries 503 and network errors with backoff, keeping the seq and events', async () => {
    const { fn, calls } = mockFetch(503, 'neterr', 202);
    const { tr } = make({ fetch: fn });
    tr.push(ev(1));
    tr.flush();
    await settle();
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999); // first backoff: 1 s
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1999); // second backoff: 2 s
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(3);
    expect(calls.map((c) => c.batch.seq)).toEqual([0, 0, 0]);
    expect(calls.map((c) => c.batch.sid)).toEqual(Array(3).fill(calls[0].batch.sid));
    expect(calls[2].batch.events).toEqual(calls[0].batch.events);
    expect(tr.out).toHaveLength(0);
    // the next batch gets the next seq
    tr.push(ev(2));
    tr.flush();
    await settle();
    expect(calls[3].batch.seq).toBe(1);
  });

  it('retries 429 but not other 4xx', async () => {
    const { fn, calls } = mockFetch(400, 202);
    const { tr } = make({ fetch: fn });
    tr.push(ev(1));
    tr.flush();
    tr.push(ev(2));
    tr.flush();
    await settle();
    // the 400 batch is dropped, the next one goes out at once
    expect(calls.map((c) => c.batch.seq)).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(120000);
    expect(calls).toHaveLength(2);

    const r = mockFetch(429, 202);
    const t2 = make({ fetch: r.fn }).tr;
    t2.push(ev(3));
    t2.flush();
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.calls.map((c) => c.batch.seq)).toEqual([r.calls[0].batch.seq, r.calls[0].batch.seq]);
  });

  it('sends batches in order, one at a time, and waits out the backoff for later batches', async () => {
    const { fn, calls } = mockFetch('neterr', 202);
    const { tr } = make({ fetch: fn });
    tr.push(ev(1));
    tr.flush();
    tr.push(ev(2));
    tr.flush();
    await settle();
    expect(calls.map((c) => c.batch.seq)).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls.map((c) => c.batch.seq)).toEqual([0, 0, 1]);
  });

  it('caps backoff at 60 s', async () => {
    const { fn, calls } = mockFetch('neterr');
    const { tr } = make({ fetch: fn });
    tr.push(ev(1));
    tr.flush();
    // tries at 0, 1, 3, 7, 15, 31, 63, 123, 183 … s
    await vi.advanceTimersByTimeAsync(123 * 1000);
    expect(calls).toHaveLength(8);
    await vi.advanceTimersByTimeAsync(59 * 1000);
    expect(calls).toHaveLength(8);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(9);
  });
});

describe('Retry-After', () => {
  /** One batch sent through a fetch answering `answers` in turn; the calls. */
  async function sendOne(...answers: Answer[]) {
    const { fn, calls } = mockFetch(...answers);
    const { tr } = make({ fetch: fn });
    tr.push(ev(1));
    tr.flush();
    await settle();
    expect(calls).toHaveLength(1);
    return { tr, calls };
  }

  it('waits at least Retry-After seconds after a 429, then resends the same batch', async () => {
    const { tr, calls } = await sendOne({ status: 429, retryAfter: '7' }, 202);
    await vi.advanceTimersByTimeAsync(6999); // the backoff alone would have retried at 1 s
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    expect(calls[1].batch.seq).toBe(calls[0].batch.seq);
    expect(calls[1].batch.events).toEqual(calls[0].batch.events);
    expect(tr.out).toHaveLength(0);
  });

  it('is not cut short by coming back online, unlike a backoff', async () => {
    const { tr, calls } = await sendOne({ status: 503, retryAfter: '7' }, 'neterr', 202);
    tr.retryNow();
    await settle();
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(7000);
    expect(calls).toHaveLength(2); // a network error now: its backoff may be cut short
    tr.retryNow();
    await settle();
    expect(calls).toHaveLength(3);
  });

  it('keeps the exponential backoff when a 503 has no Retry-After (or one that is not seconds)', async () => {
    const { calls } = await sendOne(503, { status: 503, retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT' }, 202);
    await vi.advanceTimersByTimeAsync(999); // 1 s
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1999); // 2 s
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(3);
  });

  it('does not wait less than the backoff when Retry-After is shorter', async () => {
    const { calls } = await sendOne('neterr', 'neterr', { status: 429, retryAfter: '1' }, 202);
    await vi.advanceTimersByTimeAsync(1000 + 2000); // two backoffs: 1 s, 2 s
    expect(calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(3999); // third backoff 4 s beats Retry-After: 1
    expect(calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(4);
  });

  it('caps Retry-After at MAX_RETRY_AFTER (10 min)', async () => {
    expect(MAX_RETRY_AFTER).toBe(600_000);
    const { calls } = await sendOne({ status: 429, retryAfter: '86400' }, 202);
    await vi.advanceTimersByTimeAsync(MAX_RETRY_AFTER - 1);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
  });
});

describe('offline queue bound', () => {
  it('never holds more than maxEvents, dropping the oldest', async () => {
    const { fn } = mockFetch('neterr');
    const { tr } = make({ fetch: fn, maxEvents: 500 });
    for (let i = 0; i < 3000; i++) {
      tr.push(ev(i));
      if (i % 7 === 0) await settle();
      expect(tr.size()).toBeLessThanOrEqual(500);
    }
    await vi.advanceTimersByTimeAsync(5000);
    expect(tr.size()).toBeLessThanOrEqual(500);
    const held = [...tr.out.flatMap((b) => b.events), ...tr.q].map((e) => Number(String(e.name).slice(1)));
    // the newest survive (the batch in flight may hold a few older ones)
    expect(held).toContain(2999);
    expect(held.filter((n) => n >= 2550).length).toBeGreaterThanOrEqual(440);
    expect(held.filter((n) => n < 2400).length).toBeLessThanOrEqual(50);
  });
});

describe('offline queue bound while a request hangs', () => {
  it('drops the oldest queued events, never touching the batch in flight', async () => {
    const fn = vi.fn(() => new Promise<Response>(() => {}));
    const { tr } = make({ fetch: fn as unknown as typeof fetch, batchSize: 100000, interval: 1e9 });
    tr.push(ev(-1));
    tr.flush();
    await settle();
    expect(fn).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 1000; i++) tr.push(ev(i));
    expect(tr.size()).toBe(500);
    expect(tr.out[0].events.map((e) => e.name)).toEqual(['e-1']); // in flight, intact
    expect(tr.q.map((e) => e.name)).toEqual(Array.from({ length: 499 }, (_, i) => `e${501 + i}`));
  });
});

describe('page hide', () => {
  let beacons: { url: string; blob: Blob }[];
  let accept: boolean;
  beforeEach(() => {
    beacons = [];
    accept = true;
    const sendBeacon = (url: string, blob: Blob) => {
      if (accept) beacons.push({ url, blob });
      return accept;
    };
    Object.defineProperty(navigator, 'sendBeacon', { value: sendBeacon, configurable: true });
  });
  afterEach(() => {
    delete (navigator as { sendBeacon?: unknown }).sendBeacon;
  });

  it('sends everything with sendBeacon as text/plain JSON, each beacon under 60 KB', async () => {
    const { fn } = mockFetch(202);
    const { tr } = make({ fetch: fn, batchSize: 1000 });
    for (let i = 0; i < 120; i++) tr.push(ev(i, { pad: 'y'.repeat(700) }));
    tr.flush(true);
    expect(fn).not.toHaveBeenCalled();
    expect(beacons.length).toBe(2);
    const names: unknown[] = [];
    const seqs: number[] = [];
    for (const b of beacons) {
      expect(b.url).toBe('https://sl.example/api/v1/batch');
      expect(b.blob.type).toBe('text/plain');
      expect(b.blob.size).toBeLessThan(60 * 1024);
      const body = JSON.parse(await b.blob.text());
      expect(body).toMatchObject({ v: 1, site: 'site1', vid: null });
      expect(typeof body.sent_at).toBe('number');
      seqs.push(body.seq);
      names.push(...body.events.map((e: Ev) => e.name));
    }
    expect(seqs).toEqual([0, 1]);
    expect(names).toEqual(Array.from({ length: 120 }, (_, i) => `e${i}`));
    expect(tr.size()).toBe(0);
  });

  it('sends a batch too big for a beacon by fetch instead', async () => {
    const { fn, calls } = mockFetch(202);
    const { tr } = make({ fetch: fn });
    tr.push(ev(1));
    tr.push(ev(2, { type: 'replay', chunk: 0, events: [{ type: 2, data: 'z'.repeat(100_000) }] }));
    tr.push(ev(3));
    tr.flush(true);
    await settle();
    // batches keep queue order: e1 | e2 alone | e3; the small ones go by beacon
    expect(beacons.map((b) => b.blob.size < 60_000)).toEqual([true, true]);
    const beaconed = await Promise.all(beacons.map(async (b) => JSON.parse(await b.blob.text())));
    expect(beaconed.map((b) => b.events.map((e: Ev) => e.name))).toEqual([['e1'], ['e3']]);
    expect(calls).toHaveLength(1);
    expect(calls[0].batch.events.map((e) => e.name)).toEqual(['e2']);
    expect(calls[0].init.keepalive).toBe(false);
    expect([...beaconed.map((b) => b.seq), calls[0].batch.seq].sort()).toEqual([0, 1, 2]);
    expect(calls[0].batch.seq).toBe(1);
    expect(tr.size()).toBe(0);
  });

  it('keeps batches the browser refused, and leaves the one in flight to its fetch', async () => {
    let release!: (r: Response) => void;
    const fn = vi.fn(() => new Promise<Response>((r) => (release = r)));
    const { tr } = make({ fetch: fn as unknown as typeof fetch });
    tr.push(ev(1));
    tr.flush(); // seq 0 goes out by fetch and hangs
    await settle();
    expect(fn).toHaveBeenCalledTimes(1);
    tr.push(ev(2));
    accept = false;
    tr.flush(true); // seq 1: beacon refused (quota) → kept
    expect(tr.out.map((b) => b.seq)).toEqual([0, 1]);
    accept = true;
    tr.flush(true); // seq 1 now accepted; seq 0 is still in flight and not duplicated
    expect(beacons).toHaveLength(1);
    expect(JSON.parse(await beacons[0].blob.text()).seq).toBe(1);
    release(new Response('{}', { status: 202 }));
    await settle();
    expect(tr.out).toHaveLength(0);
  });
});

describe('compression', () => {
  it('gzips the body and says so in Content-Encoding', async () => {
    vi.useRealTimers();
    const bodies: { headers: Record<string, string>; body: ArrayBuffer }[] = [];
    const fn = vi.fn(async (_u: unknown, init?: RequestInit) => {
      bodies.push({ headers: init!.headers as Record<string, string>, body: init!.body as ArrayBuffer });
      return new Response('{}', { status: 202 });
    });
    const { tr } = make({ fetch: fn as unknown as typeof fetch, compress: true });
    tr.push(ev(1, { msg: 'hello'.repeat(100) }));
    tr.flush();
    await vi.waitFor(() => expect(bodies).toHaveLength(1));
    expect(bodies[0].headers['Content-Encoding']).toBe('gzip');
    const gz = new Uint8Array(bodies[0].body);
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    const text = await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
    const batch = JSON.parse(text);
    expect(batch.events[0].msg).toBe('hello'.repeat(100));
    expect(gz.length).toBeLessThan(text.length / 3);
  });
});
