// The replay add-on with a fake recorder: rrweb options, chunk numbering, splitting, flushing
// and the restart on a new pageview.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReplayChunk, ReplayHook } from '../src/hook';
import {
  CHUNK_BYTES,
  FLUSH_MS,
  MAX_EVENT_BYTES,
  recordOptions,
  SETTLE_MS,
  startReplay,
  startSnapshot,
  type RecordOptions,
  type Recorder,
  type RrEvent,
} from '../src/replay';

/** A recorder that hands out its emit function, as rrweb's `record` would use it. */
function fakeRecorder() {
  const runs: { opts: RecordOptions; stopped: boolean }[] = [];
  const rec: Recorder = (opts) => {
    const run = { opts, stopped: false };
    runs.push(run);
    // like rrweb: a Meta event and a full snapshot right away
    opts.emit!({ type: 4, timestamp: Date.now(), data: { href: location.href } } as never);
    opts.emit!({ type: 2, timestamp: Date.now(), data: { node: {} } } as never);
    return () => (run.stopped = true);
  };
  /** Emits an event through the current (last started) recorder. */
  const emit = (e: Partial<RrEvent> & { pad?: number }) => {
    const { pad, ...rest } = e;
    const run = runs[runs.length - 1];
    expect(run.stopped).toBe(false);
    run.opts.emit!({ type: 3, timestamp: Date.now(), data: { source: 1, x: pad ? 'x'.repeat(pad) : '' }, ...rest } as never);
  };
  return { rec, runs, emit };
}

function hook(p = 'pv-1', c: Partial<ReplayHook['c']> = {}, m?: string) {
  const chunks: (ReplayChunk & { t?: number })[] = [];
  const h: ReplayHook = { c: { replay_sample_rate: 1, ...c }, m, p, e: (f, t) => chunks.push({ ...f, t }) };
  return { h, chunks };
}

const size = (e: unknown) => JSON.stringify(e).length;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('rrweb options', () => {
  it('masks every input, masks and blocks the configured selectors, records no canvas or cross-origin frames', () => {
    const { h } = hook('pv', { mask_text_selectors: ['.secret', 'p >> bad', 42 as never, ''], block_selectors: ['#ads', '[[x'] }, '.pii, [[oops');
    const o = recordOptions(h, () => {});
    expect(o.maskAllInputs).toBe(true);
    // [data-sl-mask], contenteditable and textarea as in the core, the site's valid data-mask
    // selectors, then the config's valid ones
    expect(o.maskTextSelector).toBe(
      '[data-sl-mask],[contenteditable]:not([contenteditable="false"]),textarea,.pii,.secret',
    );
    expect(o.blockSelector).toBe('[data-sl-block],input[type=hidden],input[type=file],#ads');
    expect(o).toMatchObject({
      recordCanvas: false,
      recordCrossOriginIframes: false,
      inlineStylesheet: true,
      inlineImages: false,
      collectFonts: false,
      checkoutEveryNms: 60_000,
      sampling: { mousemove: 50, scroll: 150, input: 'last' },
    });
    // the selectors are usable as given
    document.body.innerHTML = '<p class="secret">x</p><div id="ads"></div><input type="hidden">';
    expect(document.querySelectorAll(o.maskTextSelector!)).toHaveLength(1);
    expect(document.querySelectorAll(o.blockSelector!)).toHaveLength(2);
    // rrweb's own errors are swallowed (not reported as the site's errors)
    expect(o.errorHandler!(new Error('x'))).toBe(true);
  });

  it('copes with a config without selector lists', () => {
    const { h } = hook('pv', { mask_text_selectors: undefined, block_selectors: 'nope' as never });
    const o = recordOptions(h, () => {});
    expect(o.maskTextSelector).toBe('[data-sl-mask],[contenteditable]:not([contenteditable="false"]),textarea');
    expect(o.blockSelector).toBe('[data-sl-block],input[type=hidden],input[type=file]');
  });
});

describe('chunks', () => {
  it('numbers chunks from 0 and queues one 5 s after its first event', async () => {
    const { h, chunks } = hook('pv-1');
    const f = fakeRecorder();
    startReplay(h, f.rec);
    expect(f.runs).toHaveLength(1);
    expect(f.runs[0].opts.maskAllInputs).toBe(true);
    expect(typeof h.n).toBe('function');
    // Meta + full snapshot are buffered, nothing queued yet
    expect(chunks).toEqual([]);
    f.emit({});
    await vi.advanceTimersByTimeAsync(FLUSH_MS - 1);
    expect(chunks).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ pv: 'pv-1', chunk: 0 });
    expect(chunks[0].events.map((e) => (e as RrEvent).type)).toEqual([4, 2, 3]);
    expect(chunks[0].t).toBe((chunks[0].events[0] as RrEvent).timestamp);
    // the next events: chunk 1, and nothing when there is nothing
    await vi.advanceTimersByTimeAsync(FLUSH_MS * 3);
    expect(chunks).toHaveLength(1);
    f.emit({});
    f.emit({});
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(chunks.map((c) => [c.pv, c.chunk, c.events.length])).toEqual([
      ['pv-1', 0, 3],
      ['pv-1', 1, 2],
    ]);
  });

  it('queues what is buffered when the core is about to send (its timer, page hide)', () => {
    const { h, chunks } = hook('pv-1');
    const f = fakeRecorder();
    startReplay(h, f.rec);
    h.n!();
    expect(chunks.map((c) => c.chunk)).toEqual([0]);
    h.n!(); // nothing buffered: no empty chunk, no number used
    f.emit({});
    h.n!();
    expect(chunks.map((c) => [c.chunk, c.events.length])).toEqual([
      [0, 2],
      [1, 1],
    ]);
  });

  it('keeps chunks under ~256 KB of JSON; a bigger event goes alone; a full snapshot starts a chunk', () => {
    const { h, chunks } = hook('pv-1');
    const f = fakeRecorder();
    startReplay(h, f.rec);
    h.n!();
    const third = Math.floor(CHUNK_BYTES / 3);
    for (let i = 0; i < 7; i++) f.emit({ pad: third }); // a third of the bound each: 2 per chunk
    f.emit({ pad: CHUNK_BYTES * 2 }); // alone
    f.emit({ pad: 10 });
    f.emit({ type: 4 }); // a checkout: Meta + full snapshot begin a new chunk
    f.emit({ type: 2, pad: 10 });
    h.n!();
    const sizes = chunks.map((c) => c.events.reduce<number>((n, e) => n + size(e) + 1, 0));
    const nums = chunks.map((c) => c.chunk);
    expect(nums).toEqual(nums.map((_, i) => i));
    const big = chunks.findIndex((c) => c.events.some((e) => size(e) > CHUNK_BYTES));
    expect(chunks[big].events).toHaveLength(1);
    sizes.forEach((n, i) => i !== big && expect(n).toBeLessThanOrEqual(CHUNK_BYTES));
    const last = chunks[chunks.length - 1];
    expect(last.events.map((e) => (e as RrEvent).type)).toEqual([4, 2]);
    // every event went out once, in order
    expect(chunks.flatMap((c) => c.events).length).toBe(2 + 7 + 1 + 1 + 2);
  });

  it('drops a single event over the server limit of 4 MiB', () => {
    const { h, chunks } = hook('pv-1');
    const f = fakeRecorder();
    startReplay(h, f.rec);
    f.emit({ pad: MAX_EVENT_BYTES });
    f.emit({});
    h.n!();
    expect(chunks).toHaveLength(1);
    expect(chunks[0].events).toHaveLength(3);
  });

  it('restarts on a new pageview: the old one is flushed, a new recorder (full snapshot) starts at chunk 0', async () => {
    const { h, chunks } = hook('pv-1');
    const f = fakeRecorder();
    startReplay(h, f.rec);
    h.n!();
    f.emit({});
    h.n!('pv-2');
    expect(f.runs.map((r) => r.stopped)).toEqual([true, false]);
    f.emit({});
    h.n!();
    h.n!('pv-2'); // the same pageview again: no restart
    expect(f.runs).toHaveLength(2);
    expect(chunks.map((c) => [c.pv, c.chunk, c.events.map((e) => (e as RrEvent).type).join()])).toEqual([
      ['pv-1', 0, '4,2'],
      ['pv-1', 1, '3'],
      ['pv-2', 0, '4,2,3'],
    ]);
    // '' stops recording (core stopped, or a new session not sampled); a later pageview restarts
    f.emit({});
    h.n!('');
    expect(f.runs[1].stopped).toBe(true);
    expect(chunks[chunks.length - 1]).toMatchObject({ pv: 'pv-2', chunk: 1 });
    await vi.advanceTimersByTimeAsync(FLUSH_MS * 2);
    expect(chunks).toHaveLength(4);
    h.n!('pv-3');
    h.n!();
    expect(chunks[chunks.length - 1]).toMatchObject({ pv: 'pv-3', chunk: 0 });
  });

  it('does not record when started for no pageview', () => {
    const { h, chunks } = hook('');
    const f = fakeRecorder();
    startReplay(h, f.rec);
    expect(f.runs).toHaveLength(0);
    h.n!();
    expect(chunks).toEqual([]);
  });
});

describe('snapshot mode', () => {
  const types = (c: ReplayChunk) => c.events.map((e) => (e as RrEvent).type);
  const snapHook = (p = 'pv-1', c: Partial<ReplayHook['c']> = {}, m?: string) => {
    const r = hook(p, { replay_sample_rate: 0, snapshot_sample_rate: 1, ...c }, m);
    r.h.s = 1;
    return r;
  };

  it('once the page has loaded and settled, queues one snapshot: chunk 0, Meta + full snapshot, recorder stopped', async () => {
    expect(document.readyState).toBe('complete');
    const { h, chunks } = snapHook('pv-1');
    const f = fakeRecorder();
    const rec: Recorder = (opts) => {
      const stop = f.rec(opts);
      // whatever else the recorder emits while it runs is not part of the snapshot
      f.emit({});
      return stop;
    };
    startSnapshot(h, rec);
    // set at once: the core calls it before every send, the entry checks it against a double load
    expect(typeof h.n).toBe('function');
    h.n!();
    await vi.advanceTimersByTimeAsync(SETTLE_MS - 1);
    expect(f.runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.runs).toHaveLength(1);
    expect(f.runs[0].stopped).toBe(true);
    expect(chunks).toHaveLength(1);
    const [c] = chunks;
    expect(Object.keys(c).sort()).toEqual(['chunk', 'events', 'pv', 'snapshot', 't']);
    expect(c).toMatchObject({ pv: 'pv-1', chunk: 0, snapshot: true });
    expect(types(c)).toEqual([4, 2]);
    expect(c.t).toBe((c.events[0] as RrEvent).timestamp);
    // one per page load: later pageviews, flushes and time add nothing
    h.p = 'pv-2';
    h.n!('pv-2');
    h.n!();
    await vi.advanceTimersByTimeAsync(FLUSH_MS * 3);
    expect(f.runs).toHaveLength(1);
    expect(chunks).toHaveLength(1);
  });

  it('waits for the load event when the page is still loading', async () => {
    Object.defineProperty(document, 'readyState', { configurable: true, get: () => 'interactive' });
    try {
      const { h, chunks } = snapHook('pv-1');
      const f = fakeRecorder();
      startSnapshot(h, f.rec);
      await vi.advanceTimersByTimeAsync(SETTLE_MS * 10);
      expect(f.runs).toHaveLength(0);
      window.dispatchEvent(new Event('load'));
      await vi.advanceTimersByTimeAsync(SETTLE_MS - 1);
      expect(f.runs).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(chunks.map((c) => [c.pv, c.chunk, types(c).join()])).toEqual([['pv-1', 0, '4,2']]);
      // a second load event (it does not come, but if it did) takes no second snapshot
      window.dispatchEvent(new Event('load'));
      await vi.advanceTimersByTimeAsync(SETTLE_MS);
      expect(f.runs).toHaveLength(1);
    } finally {
      delete (document as { readyState?: string }).readyState;
    }
  });

  it('records with exactly the options of recording mode: the same masking and blocking', async () => {
    const cfg = { mask_text_selectors: ['.secret'], block_selectors: ['#ads'] };
    const { h } = snapHook('pv-1', cfg, '.pii');
    const f = fakeRecorder();
    startSnapshot(h, f.rec);
    await vi.advanceTimersByTimeAsync(SETTLE_MS);
    // (the callbacks are functions of their own: compared apart)
    const { emit: _e, errorHandler: err, ...used } = f.runs[0].opts;
    const { emit: _r, errorHandler: _h, ...recording } = recordOptions(hook('pv-1', cfg, '.pii').h, () => {});
    expect(used).toEqual(recording);
    expect(err!(new Error('x'))).toBe(true);
    expect(used).toMatchObject({
      maskAllInputs: true,
      maskTextSelector: '[data-sl-mask],[contenteditable]:not([contenteditable="false"]),textarea,.pii,.secret',
      blockSelector: '[data-sl-block],input[type=hidden],input[type=file],#ads',
    });
  });

  it('is of the pageview current when taken; none once the core stopped', async () => {
    const a = snapHook('pv-1');
    const f = fakeRecorder();
    startSnapshot(a.h, f.rec);
    // history navigation before the snapshot: the core moves `p` on, then notifies
    a.h.p = 'pv-2';
    a.h.n!('pv-2');
    await vi.advanceTimersByTimeAsync(SETTLE_MS);
    expect(a.chunks.map((c) => c.pv)).toEqual(['pv-2']);

    const b = snapHook('pv-1');
    const g = fakeRecorder();
    startSnapshot(b.h, g.rec);
    b.h.n!('');
    await vi.advanceTimersByTimeAsync(SETTLE_MS * 5);
    expect(g.runs).toHaveLength(0);
    expect(b.chunks).toEqual([]);
  });

  it('drops a snapshot over the server limit of 4 MiB (the recorder still stopped)', async () => {
    const { h, chunks } = snapHook('pv-1');
    const runs: boolean[] = [];
    const rec: Recorder = (opts) => {
      const i = runs.push(false) - 1;
      opts.emit!({ type: 4, timestamp: Date.now(), data: {} } as never);
      opts.emit!({ type: 2, timestamp: Date.now(), data: { x: 'x'.repeat(MAX_EVENT_BYTES) } } as never);
      return () => (runs[i] = true);
    };
    startSnapshot(h, rec);
    await vi.advanceTimersByTimeAsync(SETTLE_MS);
    expect(runs).toEqual([true]);
    expect(chunks).toEqual([]);
  });
});
