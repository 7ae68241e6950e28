// The core's side of session replay: config fetch, the per-session sampling decision, the
// add-on's script and hook, consent / Do Not Track.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReplayHook } from '../src/hook';
import { IDLE_MS } from '../src/session';
import type { Sightline } from '../src/tracker';
import { ofType, start, tick } from './helpers';

const ORIGIN = 'https://sl.test';
const w = window as unknown as { __sl_replay?: ReplayHook };
let sl: Sightline | undefined;
let scripts: HTMLScriptElement[];
let configCalls: string[];

/** window.fetch answering the config endpoint (the tracker reads window.fetch when it starts). */
function serveConfig(answer: number | 'neterr', body: unknown = {}) {
  configCalls = [];
  window.fetch = globalThis.fetch = vi.fn(async (u: RequestInfo | URL) => {
    configCalls.push(String(u));
    if (answer === 'neterr') throw new TypeError('Failed to fetch');
    return new Response(JSON.stringify(body), { status: answer, headers: { 'Content-Type': 'application/json' } });
  }) as unknown as typeof fetch;
}
const config = (rate: number) => ({ replay_sample_rate: rate, mask_text_selectors: ['.pii'], block_selectors: ['#ad'] });
const stored = () => JSON.parse(sessionStorage.getItem('sl_s') || '{}');

async function boot(opts: Parameters<typeof start>[0] = {}) {
  const t = start({ origin: ORIGIN, mask: '.card', ...opts });
  sl = t.sl;
  await tick(40);
  return t;
}

beforeEach(() => {
  scripts = [];
  // capture the add-on's <script> instead of letting happy-dom load it
  vi.spyOn(document.head, 'append').mockImplementation((...nodes) => {
    scripts.push(...(nodes as HTMLScriptElement[]));
  });
});
afterEach(() => {
  sl?.stop();
  sl = undefined;
  delete w.__sl_replay;
  vi.restoreAllMocks();
  vi.useRealTimers();
  history.replaceState(null, '', '/');
});

describe('loader', () => {
  it('fetches the config from the script origin and, sampled in, injects the add-on once with a hook', async () => {
    serveConfig(200, config(1));
    const t = await boot();
    expect(configCalls).toEqual([`${ORIGIN}/api/v1/tracker-config?site=site-key`]);
    expect(scripts).toHaveLength(1);
    expect(scripts[0].localName).toBe('script');
    expect(scripts[0].src).toBe(`${ORIGIN}/replay.js`);
    const h = w.__sl_replay!;
    const pv = ofType(await t.events(), 'pageview')[0].pv as string;
    expect(h).toMatchObject({ c: config(1), m: '.card', p: pv });
    expect(stored().r).toBe(1);
    // history navigation: no second script; the hook follows the pageview
    history.pushState(null, '', '/next');
    expect(scripts).toHaveLength(1);
    expect(h.p).not.toBe(pv);
    expect(h.p).toBe(ofType(await t.events(), 'pageview')[1].pv);
  });

  it('rate 0: no add-on, and the decision is kept', async () => {
    serveConfig(200, config(0));
    await boot();
    expect(configCalls).toHaveLength(1);
    expect(scripts).toEqual([]);
    expect(w.__sl_replay).toBeUndefined();
    expect(stored().r).toBe(0);
  });

  it('decides once per session: later pages of the session follow the first decision', async () => {
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.3);
    serveConfig(200, config(0.5));
    await boot();
    expect(scripts).toHaveLength(1);
    expect(stored().r).toBe(1);
    sl!.stop();
    delete w.__sl_replay;
    // next page of the same session: the dice would now say no, the session says yes
    random.mockReturnValue(0.9);
    await boot();
    expect(scripts).toHaveLength(2);
    expect(stored().r).toBe(1);
    // and a session sampled out stays out, whatever the rate becomes (it still asks: snapshots)
    sl!.stop();
    delete w.__sl_replay;
    const s = stored();
    sessionStorage.setItem('sl_s', JSON.stringify({ ...s, r: 0 }));
    serveConfig(200, config(1));
    await boot();
    expect(configCalls).toHaveLength(1);
    expect(scripts).toHaveLength(2);
    expect(w.__sl_replay).toBeUndefined();
    expect(stored()).toMatchObject({ i: s.i, r: 0 });
  });

  it('a new session decides again', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.9);
    sessionStorage.setItem('sl_s', JSON.stringify({ i: 'old-session-id-0000000', l: Date.now() - IDLE_MS - 5000, n: 4, r: 1 }));
    serveConfig(200, config(0.5));
    await boot();
    expect(stored().i).not.toBe('old-session-id-0000000');
    expect(stored().r).toBe(0);
    expect(scripts).toEqual([]);
  });

  it('no replay when the config is missing (404), the request fails or the answer is not JSON', async () => {
    for (const [status, body] of [
      [404, { error: { code: 'unknown_site', message: 'no such site' } }],
      [500, config(1)],
      ['neterr', null],
      [200, 'not json'],
    ] as const) {
      serveConfig(status, body);
      if (body === 'not json') {
        window.fetch = globalThis.fetch = vi.fn(async () => new Response('<html>', { status: 200 })) as never;
      }
      await boot();
      expect(scripts).toEqual([]);
      expect(w.__sl_replay).toBeUndefined();
      // nothing decided: a later page may ask again
      expect(stored().r).toBeUndefined();
      sl!.stop();
    }
  });

  it('without an origin (npm init without `origin`) there is no config request', async () => {
    serveConfig(200, config(1));
    await boot({ origin: undefined });
    expect(configCalls).toEqual([]);
    expect(scripts).toEqual([]);
  });

  it('neither config request nor replay under Do Not Track when asked to honour it', async () => {
    Object.defineProperty(navigator, 'doNotTrack', { value: '1', configurable: true });
    try {
      serveConfig(200, config(1));
      const t = await boot({ dnt: true });
      expect(configCalls).toEqual([]);
      expect(scripts).toEqual([]);
      expect(await t.events()).toEqual([]);
    } finally {
      delete (navigator as { doNotTrack?: string }).doNotTrack;
    }
  });

  it('a failed config request is not reported as a failed request of the site', async () => {
    serveConfig(404, {});
    const t = await boot();
    expect(ofType(await t.events(), 'request')).toEqual([]);
  });
});

describe('heatmap snapshots (sessions not recorded)', () => {
  const snapConfig = (replay: number, snapshot?: number) => ({ ...config(replay), snapshot_sample_rate: snapshot });

  it('sampled out with snapshot rate 1: loads the add-on in snapshot mode, following the pageviews', async () => {
    serveConfig(200, snapConfig(0, 1));
    const t = await boot();
    expect(scripts.map((s) => s.src)).toEqual([`${ORIGIN}/replay.js`]);
    const h = w.__sl_replay!;
    expect(h.s).toBe(1);
    expect(h).toMatchObject({ c: snapConfig(0, 1), m: '.card' });
    expect(stored().r).toBe(0);
    const notified: (string | undefined)[] = [];
    h.n = (p) => notified.push(p);
    // history navigation: the hook's pageview moves on (not '' as for a session not recorded)
    history.pushState(null, '', '/next');
    const pvs = ofType(await t.events(), 'pageview').map((e) => e.pv);
    expect(h.p).toBe(pvs[1]);
    expect(notified).toContain(pvs[1]);
    expect(scripts).toHaveLength(1);
    // the core stopping tells the add-on
    sl!.stop();
    expect(notified[notified.length - 1]).toBe('');
  });

  it('a snapshot is queued as a replay event with `snapshot: true`', async () => {
    serveConfig(200, snapConfig(0, 1));
    const t = await boot();
    const h = w.__sl_replay!;
    h.e({ pv: h.p, chunk: 0, snapshot: true, events: [{ type: 4 }, { type: 2 }] }, 1234);
    const [r] = ofType(await t.events(), 'replay');
    expect(r).toEqual({ t: 1234, type: 'replay', pv: h.p, chunk: 0, snapshot: true, events: [{ type: 4 }, { type: 2 }] });
  });

  it('no add-on at snapshot rate 0 or without the field (an older server)', async () => {
    for (const c of [snapConfig(0, 0), config(0)]) {
      serveConfig(200, c);
      await boot();
      expect(configCalls).toHaveLength(1);
      expect(scripts).toEqual([]);
      expect(w.__sl_replay).toBeUndefined();
      sl!.stop();
    }
  });

  it('a session sampled in for replay records (no `s`), whatever the snapshot rate', async () => {
    serveConfig(200, snapConfig(1, 1));
    await boot();
    expect(scripts).toHaveLength(1);
    expect(w.__sl_replay!.s).toBeUndefined();
    expect(w.__sl_replay!.p).not.toBe('');
  });

  it('decides per page load, not per history navigation, and leaves the replay decision alone', async () => {
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.3);
    // a session already sampled out of replay asks again for the snapshot
    sessionStorage.setItem('sl_s', JSON.stringify({ i: 'session-id-00000000000', l: Date.now(), n: 0, r: 0 }));
    serveConfig(200, snapConfig(1, 0.5));
    await boot();
    expect(w.__sl_replay!.s).toBe(1);
    history.pushState(null, '', '/a');
    history.pushState(null, '', '/b');
    expect(scripts).toHaveLength(1);
    sl!.stop();
    delete w.__sl_replay;
    // next page load: the dice say no
    random.mockReturnValue(0.7);
    await boot();
    expect(scripts).toHaveLength(1);
    expect(w.__sl_replay).toBeUndefined();
    expect(stored()).toMatchObject({ i: 'session-id-00000000000', r: 0 });
  });
});

describe('hook', () => {
  it('queues replay events with seq, notifies pageviews, flushes the add-on before sending', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    serveConfig(200, config(1));
    const t = await boot();
    const h = w.__sl_replay!;
    const calls: (string | undefined)[] = [];
    let buffered = 0;
    let chunk = 0;
    let pv = h.p;
    // a minimal add-on: buffers, queues its buffer when told, restarts numbering per pageview
    h.n = (p) => {
      calls.push(p);
      if (buffered) h.e({ pv, chunk: chunk++, events: [{ type: 3, n: buffered }] }, 1234);
      buffered = 0;
      if (p != null) {
        pv = p;
        chunk = 0;
      }
    };
    buffered = 1;
    sl!.flush();
    buffered = 2;
    history.pushState(null, '', '/spa');
    buffered = 3;
    window.dispatchEvent(new Event('pagehide'));
    const evs = await t.events();
    const [pv1, pv2] = ofType(evs, 'pageview').map((e) => e.pv);
    expect(calls.slice(0, 3)).toEqual([undefined, pv2, undefined]);
    const replays = ofType(evs, 'replay');
    expect(replays.map((e) => [e.pv, e.chunk, (e.events as { n: number }[])[0].n])).toEqual([
      [pv1, 0, 1],
      [pv1, 1, 2],
      [pv2, 0, 3],
    ]);
    expect(replays[0]).toEqual({ t: 1234, type: 'replay', pv: pv1, chunk: 0, events: [{ type: 3, n: 1 }] });
    // the core stopping stops the recording
    sl!.stop();
    expect(calls[calls.length - 1]).toBe('');
  });

  it('replay events are passive: they neither keep a session alive nor start a new one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    serveConfig(200, config(1));
    const t = await boot();
    const h = w.__sl_replay!;
    const notified: (string | undefined)[] = [];
    h.n = (p) => notified.push(p);
    const before = stored();
    vi.setSystemTime(Date.now() + IDLE_MS + 1000);
    h.e({ pv: h.p, chunk: 0, events: [{ type: 3 }] });
    expect(stored().i).toBe(before.i);
    expect(stored().l).toBe(before.l);
    // a user event now starts a new session, not sampled yet: recording stops on this page
    sl!.track('back');
    expect(stored().i).not.toBe(before.i);
    expect(notified).toContain('');
    expect(h.p).toBe('');
    const evs = await t.events();
    expect(ofType(evs, 'replay')).toHaveLength(1);
  });
});
