import { afterEach, expect, it, vi } from 'vitest';
import type { Batch } from '../src/transport';
import { tick } from './helpers';

type Cmd = ((...a: unknown[]) => void) & { q?: IArguments[] };
const w = window as unknown as { sightline?: Cmd };

afterEach(() => {
  w.sightline?.('stop');
  delete w.sightline;
  document.head.innerHTML = '';
});

let configs: string[] = [];

async function load(attrs: Record<string, string>) {
  configs = [];
  const batches: { url: string; batch: Batch }[] = [];
  globalThis.fetch = window.fetch = vi.fn(async (u: unknown, init?: RequestInit) => {
    if (String(u).includes('/api/v1/tracker-config')) {
      configs.push(String(u));
      return new Response(JSON.stringify({ replay_sample_rate: 0, mask_text_selectors: [], block_selectors: [] }));
    }
    // the snippet sends gzip bodies (CompressionStream exists here)
    expect((init!.headers as Record<string, string>)['Content-Encoding']).toBe('gzip');
    const text = await new Response(
      new Blob([init!.body as ArrayBuffer]).stream().pipeThrough(new DecompressionStream('gzip')),
    ).text();
    batches.push({ url: String(u), batch: JSON.parse(text) });
    return new Response('{"accepted":1,"duplicate":false}', { status: 202 });
  }) as unknown as typeof fetch;
  const s = document.createElement('script');
  s.type = 'text/plain'; // keeps happy-dom from fetching it; the snippet finds it all the same
  s.setAttribute('src', 'https://analytics.example.com/t.js');
  for (const [k, v] of Object.entries(attrs)) s.setAttribute(k, v);
  document.head.append(s);
  vi.resetModules();
  await import('../src/snippet');
  return batches;
}

it('derives the endpoint from its src, replays the queue stub and installs the command function', async () => {
  // the documented stub, called before the script loads
  w.sightline =
    w.sightline ||
    function (this: unknown) {
      // eslint-disable-next-line prefer-rest-params
      (w.sightline!.q = w.sightline!.q || []).push(arguments);
    };
  w.sightline('identify', 'u-1', { plan: 'pro' });
  w.sightline('track', 'purchase', { revenue: 12.5, currency: 'EUR' });
  const batches = await load({ 'data-site': 'KEY123' });
  w.sightline('track', 'after-load');
  w.sightline('no-such-command');
  w.sightline('flush');
  await vi.waitFor(() => expect(batches.length).toBeGreaterThan(0));
  await tick();
  expect(batches[0].url).toBe('https://analytics.example.com/api/v1/batch');
  const evs = batches.flatMap((b) => b.batch.events);
  expect(evs.map((e) => e.type)).toEqual(['pageview', 'identify', 'custom', 'custom']);
  expect(evs[2]).toMatchObject({ name: 'purchase', revenue: 12.5, currency: 'EUR' });
  expect(batches[0].batch).toMatchObject({ site: 'KEY123', vid: null, seq: 0 });
});

it('honours data-endpoint and data-persistent', async () => {
  const batches = await load({ 'data-site': 'K', 'data-endpoint': 'https://collect.example.org/api/v1/batch', 'data-persistent': 'true' });
  w.sightline!('flush');
  await vi.waitFor(() => expect(batches.length).toBe(1));
  expect(batches[0].url).toBe('https://collect.example.org/api/v1/batch');
  expect(batches[0].batch.vid).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect(localStorage.getItem('sl_vid')).toBe(batches[0].batch.vid);
});

it('honours data-dnt and data-mask', async () => {
  Object.defineProperty(navigator, 'doNotTrack', { value: '1', configurable: true });
  let batches = await load({ 'data-site': 'K', 'data-dnt': 'true' });
  w.sightline!('track', 'x');
  w.sightline!('stop'); // (stop flushes: the mask case below sends this way)
  await new Promise((r) => setTimeout(r, 100));
  expect(batches).toEqual([]);
  delete w.sightline;
  Object.defineProperty(navigator, 'doNotTrack', { value: null, configurable: true });
  document.head.innerHTML = '';
  document.body.innerHTML = '<p class="account">Jane Doe</p>';
  batches = await load({ 'data-site': 'K', 'data-mask': '.account' });
  document.querySelector('p')!.dispatchEvent(new PointerEvent('click', { bubbles: true, detail: 1 }));
  w.sightline!('stop');
  await vi.waitFor(() => expect(batches.flatMap((b) => b.batch.events).some((e) => e.type == 'click')).toBe(true));
  const click = batches.flatMap((b) => b.batch.events).find((e) => e.type == 'click')!;
  expect(click.text).toBe('********');
});

it('does nothing without data-site', async () => {
  const batches = await load({});
  expect(w.sightline).toBeUndefined();
  expect(batches).toEqual([]);
});

it('asks the server of its own origin for the replay config, even with another batch endpoint', async () => {
  await load({ 'data-site': 'KEY9', 'data-endpoint': 'https://collect.example.org/api/v1/batch' });
  await vi.waitFor(() => expect(configs).toEqual(['https://analytics.example.com/api/v1/tracker-config?site=KEY9']));
  // sampled out (rate 0): kept with the session
  await vi.waitFor(() => expect(JSON.parse(sessionStorage.getItem('sl_s')!).r).toBe(0));
});
