import { describe, expect, it } from 'vitest';
import { ApiError, makeClient } from '../src/api/client';
import type { ReplayChunk } from '../src/api/types';
import {
  ChunkLoadError,
  NotPlayableError,
  apiReplaySource,
  chunkEvents,
  loadReplay,
  playableEvents,
  type RrwebEvent,
} from '../src/lib/chunkLoader';

const meta = (t: number): RrwebEvent => ({ type: 4, timestamp: t, data: { href: 'https://shop.test/', width: 1280, height: 800 } });
const full = (t: number): RrwebEvent => ({ type: 2, timestamp: t, data: { node: { type: 0, childNodes: [], id: 1 }, initialOffset: { left: 0, top: 0 } } });
const inc = (t: number): RrwebEvent => ({ type: 3, timestamp: t, data: { source: 1, positions: [] } });

function indexOf(chunks: RrwebEvent[][]): ReplayChunk[] {
  return chunks.map((c, i) => ({
    site_id: 1,
    session: 's1',
    pageview: 'pv1',
    chunk: i,
    first_ts: c[0]?.timestamp ?? 0,
    last_ts: c[c.length - 1]?.timestamp ?? 0,
    events: c.length,
    bytes: 10,
    raw_bytes: 100,
    blob_key: `1/s1/pv1-${i}.zst`,
    received_at: 1_000 + i * 5_000,
  }));
}

interface Deferred {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * A fake server behind a fetch: the chunk index, then each chunk answered only when the test releases it
 * (so responses can come back in any order). Records the order of requests and the most in flight.
 */
function fakeServer(chunks: RrwebEvent[][], { manual = false, fail = new Map<number, number>(), indexStatus = 200 } = {}) {
  const requested: number[] = [];
  const pending = new Map<number, Deferred>();
  let inFlight = 0;
  let maxInFlight = 0;
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : new Request(input, init);
    const path = new URL(req.url).pathname;
    if (path.endsWith('/replay/chunks')) {
      return indexStatus === 200 ? json(200, indexOf(chunks)) : json(indexStatus, { error: { code: 'not_found', message: 'session "s1" has no replay' } });
    }
    const m = /\/replay\/chunks\/(\d+)$/.exec(path);
    if (!m) return json(404, { error: { code: 'not_found', message: 'no route' } });
    const i = Number(m[1]);
    requested.push(i);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (manual) {
        await new Promise<void>((resolve, reject) => {
          pending.set(i, { resolve, reject });
          req.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        });
      }
      if (fail.has(i)) return json(fail.get(i)!, { error: { code: 'internal', message: `replay blob ${i} is missing` } });
      return json(200, chunks[i]);
    } finally {
      inFlight--;
    }
  };
  const api = makeClient({ baseUrl: 'http://sightline.test', fetch: fetch as typeof globalThis.fetch });
  return {
    source: apiReplaySource(api, 'site1', 's1'),
    requested,
    maxInFlight: () => maxInFlight,
    release: (i: number) => pending.get(i)!.resolve(),
    waitRequested: async (count: number) => {
      for (let k = 0; k < 200 && requested.length < count; k++) await new Promise((r) => setTimeout(r, 1));
    },
  };
}

/** Records what the loader hands over. */
function recorder() {
  const log: string[] = [];
  const ready: RrwebEvent[][] = [];
  const appended: RrwebEvent[][] = [];
  return {
    log,
    ready,
    appended,
    handlers: {
      onIndex: (c: readonly ReplayChunk[]) => log.push(`index ${c.length}`),
      onReady: (e: RrwebEvent[]) => {
        ready.push(e);
        log.push(`ready ${e.map((x) => x.timestamp).join(',')}`);
      },
      onAppend: (e: RrwebEvent[]) => {
        appended.push(e);
        log.push(`append ${e.map((x) => x.timestamp).join(',')}`);
      },
      onProgress: (loaded: number, total: number) => log.push(`progress ${loaded}/${total}`),
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('loadReplay', () => {
  it('starts the player after the first chunk (Meta + full snapshot) and appends the others in order', async () => {
    const chunks = [[meta(100), full(101), inc(150)], [inc(200), inc(300)], [inc(400)], [meta(500), full(501)]];
    const srv = fakeServer(chunks);
    const rec = recorder();
    const result = await loadReplay(srv.source, rec.handlers);
    expect(result).toEqual({ chunks: 4, events: 8 });
    expect(rec.log).toEqual([
      'index 4',
      'ready 100,101,150',
      'progress 1/4',
      'append 200,300',
      'progress 2/4',
      'append 400',
      'progress 3/4',
      'append 500,501',
      'progress 4/4',
    ]);
  });

  it('delivers in index order whatever order the responses come back in, with a bounded number in flight', async () => {
    const chunks = [[meta(100), full(101)], [inc(200)], [inc(300)], [inc(400)], [inc(500)]];
    const srv = fakeServer(chunks, { manual: true });
    const rec = recorder();
    const done = loadReplay(srv.source, rec.handlers, { concurrency: 3 });
    await srv.waitRequested(3);
    expect(srv.requested).toEqual([0, 1, 2]);
    // chunk 2, then 1 answer first: nothing can be delivered before chunk 0
    srv.release(2);
    srv.release(1);
    await tick();
    expect(rec.ready).toHaveLength(0);
    srv.release(0);
    await srv.waitRequested(5);
    await tick();
    expect(rec.log.filter((l) => !l.startsWith('progress'))).toEqual(['index 5', 'ready 100,101', 'append 200', 'append 300']);
    srv.release(4);
    await tick();
    expect(rec.appended).toHaveLength(2); // 4 waits for 3
    srv.release(3);
    await done;
    expect(rec.appended.map((a) => a[0]!.timestamp)).toEqual([200, 300, 400, 500]);
    expect(srv.requested).toEqual([0, 1, 2, 3, 4]);
    expect(srv.maxInFlight()).toBeLessThanOrEqual(3);
  });

  it('waits for the full snapshot when it is a chunk of its own (a big page)', async () => {
    const chunks = [[meta(100)], [full(101)], [inc(200)]];
    const rec = recorder();
    await loadReplay(fakeServer(chunks).source, rec.handlers);
    expect(rec.log.filter((l) => !l.startsWith('progress'))).toEqual(['index 3', 'ready 100,101', 'append 200']);
  });

  it('skips what comes before the first playable snapshot (a lost first chunk)', async () => {
    const chunks = [[inc(50), inc(60)], [meta(100), full(101), inc(120)]];
    const rec = recorder();
    await loadReplay(fakeServer(chunks).source, rec.handlers);
    expect(rec.ready.map((r) => r.map((e) => e.timestamp))).toEqual([[100, 101, 120]]);
  });

  it('rejects with the server’s 404 when the session has no replay', async () => {
    const rec = recorder();
    const err = await loadReplay(fakeServer([], { indexStatus: 404 }).source, rec.handlers).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(404);
    expect(err.message).toBe('Session "s1" has no replay');
    expect(rec.log).toEqual([]);
  });

  it('keeps what was delivered when a later chunk fails', async () => {
    const chunks = [[meta(100), full(101)], [inc(200)], [inc(300)]];
    const rec = recorder();
    const err = await loadReplay(fakeServer(chunks, { fail: new Map([[2, 500]]) }).source, rec.handlers).catch((e) => e);
    expect(err).toBeInstanceOf(ChunkLoadError);
    expect(err.index).toBe(2);
    expect(err.message).toBe('Part 3 of 3 of the recording could not be loaded: Replay blob 2 is missing');
    expect(rec.ready).toHaveLength(1);
    expect(rec.appended.map((a) => a[0]!.timestamp)).toEqual([200]);
  });

  it('says so when no chunk has a full snapshot', async () => {
    const err = await loadReplay(fakeServer([[inc(1)], [inc(2)]]).source, recorder().handlers).catch((e) => e);
    expect(err).toBeInstanceOf(NotPlayableError);
  });

  it('stops on abort', async () => {
    const chunks = [[meta(100), full(101)], [inc(200)]];
    const srv = fakeServer(chunks, { manual: true });
    const ctrl = new AbortController();
    const rec = recorder();
    const done = loadReplay(srv.source, rec.handlers, { signal: ctrl.signal }).catch((e) => e);
    await srv.waitRequested(2);
    ctrl.abort();
    const err = await done;
    expect(err.name).toBe('AbortError');
    expect(rec.ready).toHaveLength(0);
  });
});

describe('chunk events', () => {
  it('keeps only rrweb-shaped events', () => {
    expect(chunkEvents([meta(1), null, 'x', { type: '2', timestamp: 1 }, { type: 3 }, inc(2)]).map((e) => e.timestamp)).toEqual([1, 2]);
    expect(chunkEvents({ not: 'an array' })).toEqual([]);
  });
  it('adds a Meta when a full snapshot has none', () => {
    const p = playableEvents([full(10), inc(20)])!;
    expect(p.map((e) => e.type)).toEqual([4, 2, 3]);
    expect(p[0]).toMatchObject({ timestamp: 10, data: { width: 1280, height: 800 } });
    expect(playableEvents([meta(1), inc(2)])).toBeNull();
  });
});
