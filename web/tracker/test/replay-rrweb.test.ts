// Core + add-on + rrweb's real recorder (in happy-dom, see rrweb-shim.ts): what users type and
// what the site masks never leaves the page; chunks per pageview are numbered from 0.
import { afterEach, expect, it, vi } from 'vitest';
import type { ReplayHook } from '../src/hook';
import { SETTLE_MS } from '../src/replay';
import type { Sightline } from '../src/tracker';
import { ofType, start, tick } from './helpers';
import { rrwebShim } from './rrweb-shim';

rrwebShim();
const w = window as unknown as { __sl_replay?: ReplayHook };
let sl: Sightline | undefined;
afterEach(() => {
  sl?.stop();
  sl = undefined;
  delete w.__sl_replay;
  vi.restoreAllMocks();
  vi.useRealTimers();
  history.replaceState(null, '', '/');
});

const SECRETS = ['typed-name', 'a@secret.example', 'hunter2-pw', 'typed-note', 'csrf-tok-1', 'edit-secret', 'ccnum-4111', 'masked-text', 'site-masked', 'cfg-masked', 'blocked-ad'];

function type(sel: string, value: string): void {
  const el = document.querySelector(sel) as HTMLInputElement;
  el.focus();
  for (let i = 1; i <= value.length; i++) {
    el.value = value.slice(0, i);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }
  el.dispatchEvent(new Event('change', { bubbles: true }));
}

it('records the page but never a typed value or masked text, in numbered chunks per pageview', async () => {
  document.body.innerHTML = `
    <h1>Checkout</h1>
    <form>
      <input id="name" value="prefilled-name-ok">
      <input id="email" type="email">
      <input id="pw" type="password">
      <textarea id="note"></textarea>
      <input type="hidden" name="csrf" value="csrf-tok-1">
      <select id="country"><option>France</option><option>Spain</option></select>
      <div id="ce" contenteditable="true"></div>
      <div class="card"><span>ccnum-4111</span></div>
    </form>
    <p data-sl-mask>masked-text</p>
    <p class="site">site-masked</p>
    <p class="pii">cfg-masked</p>
    <div id="ad">blocked-ad</div>
    <p id="plain">Plain words</p>`;
  window.fetch = globalThis.fetch = vi.fn(
    async () =>
      new Response(JSON.stringify({ replay_sample_rate: 1, mask_text_selectors: ['.pii'], block_selectors: ['#ad'] }), {
        status: 200,
      }),
  ) as unknown as typeof fetch;
  const scripts: Node[] = [];
  vi.spyOn(document.head, 'append').mockImplementation((...n) => void scripts.push(...(n as Node[])));
  const t = start({ origin: 'https://sl.test', mask: '.site, .card' });
  sl = t.sl;
  await tick(40);
  expect(scripts).toHaveLength(1);
  // what the injected script does
  vi.resetModules();
  await import('../src/replay-entry');
  expect(typeof w.__sl_replay!.n).toBe('function');

  type('#name', 'typed-name');
  type('#email', 'a@secret.example');
  type('#pw', 'hunter2-pw');
  type('#note', 'typed-note');
  (document.querySelector('#country') as HTMLSelectElement).value = 'Spain';
  document.querySelector('#country')!.dispatchEvent(new Event('change', { bubbles: true }));
  document.querySelector('#ce')!.textContent = 'edit-secret';
  document.querySelector('#plain')!.append(' and more');
  await tick(40);
  await new Promise((r) => setTimeout(r, 20));

  // SPA navigation: a new pageview, a new full snapshot, chunk 0 again
  history.pushState(null, '', '/thanks');
  document.querySelector('h1')!.textContent = 'Thank you';
  await new Promise((r) => setTimeout(r, 20));
  window.dispatchEvent(new Event('pagehide'));

  const evs = await t.events();
  const bodies = t.bodies.join('\n');
  for (const s of SECRETS) expect(bodies, s).not.toContain(s);
  // the option texts are page text, the chosen value is masked
  expect(bodies).not.toContain('"text":"Spain"');
  expect(bodies).toContain('"text":"*****"');
  const replays = ofType(evs, 'replay');
  const [pv1, pv2] = ofType(evs, 'pageview').map((e) => e.pv);
  const chunksOf = (pv: unknown) => replays.filter((e) => e.pv === pv).map((e) => e.chunk);
  expect(chunksOf(pv1)[0]).toBe(0);
  expect(chunksOf(pv1)).toEqual(chunksOf(pv1).map((_, i) => i));
  expect(chunksOf(pv2)).toEqual(chunksOf(pv2).map((_, i) => i));
  expect(chunksOf(pv2).length).toBeGreaterThan(0);
  const rr = (pv: unknown) => replays.filter((e) => e.pv === pv).flatMap((e) => e.events as { type: number }[]);
  // each pageview's recording starts with Meta + full snapshot
  expect(rr(pv1).slice(0, 2).map((e) => e.type)).toEqual([4, 2]);
  expect(rr(pv2).slice(0, 2).map((e) => e.type)).toEqual([4, 2]);
  const text = JSON.stringify(rr(pv1));
  // the page itself is recorded, typing shows as masked input
  expect(text).toContain('Plain words');
  expect(text).toContain('and more');
  expect(text).toContain('prefilled-name-ok'.replace(/./g, '*'));
  expect(text).toContain('"text":"' + '*'.repeat('a@secret.example'.length) + '"');
  expect(JSON.stringify(rr(pv2))).toContain('Thank you');
  for (const e of replays) expect(Object.keys(e).sort()).toEqual(['chunk', 'events', 'pv', 't', 'type']);
});

it('takes one heatmap snapshot of a session not recorded, masked the same way', async () => {
  document.body.innerHTML = `
    <h1>Pricing</h1>
    <input id="name" value="prefilled-name-ok">
    <input type="hidden" name="csrf" value="csrf-tok-1">
    <p data-sl-mask>masked-text</p>
    <p class="site">site-masked</p>
    <p class="pii">cfg-masked</p>
    <div id="ad">blocked-ad</div>
    <p id="plain">Plain words</p>`;
  const cfg = { replay_sample_rate: 0, snapshot_sample_rate: 1, mask_text_selectors: ['.pii'], block_selectors: ['#ad'] };
  window.fetch = globalThis.fetch = vi.fn(async () => new Response(JSON.stringify(cfg), { status: 200 })) as never;
  vi.spyOn(document.head, 'append').mockImplementation(() => {});
  const t = start({ origin: 'https://sl.test', mask: '.site' });
  sl = t.sl;
  await tick(40);
  expect(w.__sl_replay!.s).toBe(1);
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  vi.resetModules();
  await import('../src/replay-entry');
  type('#name', 'typed-name');
  await vi.advanceTimersByTimeAsync(SETTLE_MS);
  // typed after the snapshot: not in it, nor anywhere
  type('#name', 'later-typed');
  window.dispatchEvent(new Event('pagehide'));
  const evs = await t.events();
  const bodies = t.bodies.join('\n');
  for (const s of ['typed-name', 'later-typed', 'csrf-tok-1', 'masked-text', 'site-masked', 'cfg-masked', 'blocked-ad']) {
    expect(bodies, s).not.toContain(s);
  }
  const replays = ofType(evs, 'replay');
  expect(replays).toHaveLength(1);
  const [r] = replays;
  expect(r).toMatchObject({ pv: ofType(evs, 'pageview')[0].pv, chunk: 0, snapshot: true });
  expect((r.events as { type: number }[]).map((e) => e.type)).toEqual([4, 2]);
  const text = JSON.stringify(r.events);
  expect(text).toContain('Plain words');
  expect(text).toContain('Pricing');
  // the field's value when the snapshot was taken, masked
  expect(text).toContain('"value":"' + '*'.repeat('typed-name'.length) + '"');
});
