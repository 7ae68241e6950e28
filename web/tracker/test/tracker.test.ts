import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IDLE_MS } from '../src/session';
import type { Sightline } from '../src/tracker';
import { click, ofType, start, tick } from './helpers';

const $ = (sel: string) => document.querySelector(sel)!;
let sl: Sightline | undefined;
afterEach(() => {
  sl?.stop();
  sl = undefined;
  vi.useRealTimers();
  history.replaceState(null, '', '/');
});

describe('envelope and pageview', () => {
  it('sends a pageview with the WIRE.md fields in a v1 envelope', async () => {
    document.title = 'Shop home';
    const t = start();
    sl = t.sl;
    const evs = await t.events();
    const b = t.batches[0];
    expect(Object.keys(b).sort()).toEqual(['events', 'pages', 'sent_at', 'seq', 'sid', 'site', 'v', 'vid']);
    expect(b).toMatchObject({ v: 1, site: 'site-key', vid: null, seq: 0 });
    expect(b.sid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const pv = ofType(evs, 'pageview')[0];
    expect(Object.keys(pv).sort()).toEqual(
      ['dh', 'lang', 'pv', 'ref', 'sh', 'sw', 't', 'title', 'type', 'tz', 'url', 'vh', 'vw'].sort(),
    );
    expect(pv).toMatchObject({ url: location.href, title: 'Shop home', vw: innerWidth, vh: innerHeight });
    expect(pv.pv).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(typeof pv.tz).toBe('string');
  });
});

describe('clicks', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });

  it('waits 1 s and reports whether the click changed something', async () => {
    document.body.innerHTML = `
      <div id="app">
        <button id="grow" class="btn">Add <b>one</b></button>
        <div class="hero-image" data-sl-zone="product-image"><span>Big picture</span></div>
        <a id="docs" href="/docs?x=1">Docs</a>
        <ul id="list"></ul>
      </div>`;
    $('#grow').addEventListener('click', () => $('#list').append(document.createElement('li')));
    $('#docs').addEventListener('click', (e) => e.preventDefault());
    const t = start();
    sl = t.sl;
    click($('#grow b'), 12, 8);
    await tick();
    await vi.advanceTimersByTimeAsync(999);
    expect(ofType(await t.events(), 'click')).toEqual([]);
    await vi.advanceTimersByTimeAsync(2);
    expect(ofType(await t.events(), 'click')).toHaveLength(1);
    click($('.hero-image span'), 100, 50, 'touch');
    await vi.advanceTimersByTimeAsync(1001);
    click($('#docs'), 3, 3, 'pen');
    await vi.advanceTimersByTimeAsync(1001);
    const clicks = ofType(await t.events(), 'click');
    expect(clicks).toHaveLength(3);
    const [grow, img, docs] = clicks;
    expect(grow).toMatchObject({ sel: '#grow', tag: 'button', text: 'Add one', interactive: true, pointer: 'mouse', changed: true });
    expect(img).toMatchObject({ sel: '[data-sl-zone="product-image"]>span', tag: 'span', interactive: false, pointer: 'touch', changed: false });
    expect(docs).toMatchObject({ sel: '#docs', tag: 'a', href: `${location.origin}/docs?x=1`, pointer: 'pen', changed: false });
    expect(Object.keys(grow).sort()).toEqual(
      ['changed', 'interactive', 'pointer', 'pv', 'rx', 'ry', 'sel', 't', 'tag', 'text', 'type', 'vw', 'x', 'y'].sort(),
    );
    expect(grow.vw).toBe(innerWidth);
    for (const c of clicks) {
      expect(c.rx).toBeGreaterThanOrEqual(0);
      expect(c.rx).toBeLessThanOrEqual(1);
      expect(typeof c.x).toBe('number');
    }
  });

  it('computes the offset inside the element box', async () => {
    document.body.innerHTML = `<button id="b">Buy</button>`;
    const b = $('#b');
    b.getBoundingClientRect = () => ({ left: 100, top: 200, width: 200, height: 40, right: 300, bottom: 240, x: 100, y: 200, toJSON() {} }) as DOMRect;
    const t = start();
    sl = t.sl;
    click(b, 150, 230);
    await vi.advanceTimersByTimeAsync(1001);
    const [c] = ofType(await t.events(), 'click');
    expect(c.rx).toBe(0.25);
    expect(c.ry).toBe(0.75);
  });

  it('counts focus changes and scrolling as a reaction', async () => {
    document.body.innerHTML = `<label id="lab" for="in">Email</label><input id="in"><div id="d">x</div>`;
    const t = start();
    sl = t.sl;
    click($('#lab'));
    $('#in').dispatchEvent(new FocusEvent('focusin', { bubbles: true }));
    await vi.advanceTimersByTimeAsync(1001);
    click($('#d'));
    window.dispatchEvent(new Event('scroll'));
    await vi.advanceTimersByTimeAsync(1001);
    expect(ofType(await t.events(), 'click').map((c) => c.changed)).toEqual([true, true]);
  });

  it('sends changed: null when the page is left before the window closes', async () => {
    document.body.innerHTML = `<div id="d">dead</div><button id="b">b</button>`;
    $('#b').addEventListener('click', () => $('#b').setAttribute('aria-pressed', 'true'));
    const t = start();
    sl = t.sl;
    click($('#b'));
    await tick(); // the mutation is seen while only #b's click is pending
    click($('#d'));
    await vi.advanceTimersByTimeAsync(300);
    window.dispatchEvent(new Event('pagehide'));
    const clicks = ofType(await t.events(), 'click');
    expect(clicks.map((c) => [c.sel, c.changed])).toEqual([
      ['#b', true],
      ['#d', null],
    ]);
  });

  it('sends the viewport width at the click, and fixed: true inside fixed or sticky boxes', async () => {
    document.body.innerHTML = `
      <header style="position: fixed; top: 0"><a id="home" href="#"><b>Home</b></a></header>
      <aside style="position: sticky; top: 0"><button id="filter">Filter</button></aside>
      <main><button id="buy">Buy</button></main>`;
    const width = innerWidth;
    const t = start();
    sl = t.sl;
    click($('#home b'));
    (window as { innerWidth: number }).innerWidth = 390;
    click($('#filter'));
    click($('#buy'));
    await vi.advanceTimersByTimeAsync(1001);
    const clicks = ofType(await t.events(), 'click');
    expect(clicks.map((c) => [c.sel, c.vw, c.fixed])).toEqual([
      ['#home', width, true],
      ['#filter', 390, true],
      ['#buy', 390, undefined],
    ]);
    expect(t.bodies.join()).not.toContain('"fixed":false');
    (window as { innerWidth: number }).innerWidth = width;
  });

  it('ignores keyboard and scripted clicks (no pointer position)', async () => {
    document.body.innerHTML = `<button id="b">b</button>`;
    const t = start();
    sl = t.sl;
    ($('#b') as HTMLButtonElement).click();
    await vi.advanceTimersByTimeAsync(1001);
    expect(ofType(await t.events(), 'click')).toEqual([]);
  });
});

describe('history navigation (SPA)', () => {
  it('ends the pageview and starts a new one on pushState and popstate', async () => {
    const t = start();
    sl = t.sl;
    const first = location.href;
    history.pushState({}, '', '/category?tab=shoes');
    history.replaceState({}, '', '/category?tab=shoes'); // same URL: nothing
    history.replaceState({}, '', '/category?tab=shoes#reviews'); // fragment only: nothing
    history.pushState({}, '', '/category?tab=bags');
    window.dispatchEvent(new PopStateEvent('popstate'));
    const evs = await t.events();
    expect(evs.map((e) => e.type).filter((x) => x === 'pageview' || x === 'pageleave')).toEqual([
      'pageview', 'pageleave', 'pageview', 'pageleave', 'pageview',
    ]);
    const pvs = ofType(evs, 'pageview');
    expect(pvs[1]).toMatchObject({ url: `${location.origin}/category?tab=shoes`, ref: first });
    expect(pvs[2]).toMatchObject({ url: `${location.origin}/category?tab=bags`, ref: pvs[1].url });
    expect(new Set(pvs.map((p) => p.pv)).size).toBe(3);
    const leaves = ofType(evs, 'pageleave');
    expect(leaves[0].pv).toBe(pvs[0].pv);
    expect(leaves[1].pv).toBe(pvs[1].pv);
    for (const l of leaves) {
      expect(Object.keys(l).sort()).toEqual(['active_ms', 'max_scroll_pct', 'max_scroll_px', 'pv', 't', 'type']);
    }
  });

  it('hash routes (#/ and #!/) are pages of their own; other fragments are not', async () => {
    const t = start();
    sl = t.sl;
    history.replaceState({}, '', '/app/');
    history.pushState({}, '', '/app/#section'); // not a route: the same page
    history.pushState({}, '', '/app/#/active');
    history.pushState({}, '', '/app/#/active'); // same route: nothing
    history.pushState({}, '', '/app/#!/completed');
    history.pushState({}, '', '/app/#!section'); // back to the page itself (not a route)
    history.pushState({}, '', '/app/#!other'); // still the page itself
    const urls = ofType(await t.events(), 'pageview').map((p) => p.url);
    expect(urls.slice(1)).toEqual([
      `${location.origin}/app/`,
      `${location.origin}/app/#/active`,
      `${location.origin}/app/#!/completed`,
      `${location.origin}/app/#!section`,
    ]);
  });

  it('every batch names the URL of each pageview its events refer to', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const t = start();
    sl = t.sl;
    const first = location.href;
    await t.events();
    history.pushState({}, '', '/cart?utm_source=news&utm_medium=email#/step/2');
    const cart = location.href;
    await t.events();
    sl.track('checkout');
    await t.events();
    expect(t.batches.length).toBeGreaterThanOrEqual(3);
    const urlOf = new Map(t.batches.flatMap((b) => ofType(b.events, 'pageview')).map((p) => [p.pv, p.url]));
    expect([...urlOf.values()]).toEqual([first, cart]);
    for (const b of t.batches) {
      const referred = [...new Set(b.events.map((e) => e.pv))].sort();
      expect(Object.keys(b.pages).sort()).toEqual(referred);
      for (const [pv, url] of Object.entries(b.pages)) expect(url).toBe(urlOf.get(pv));
    }
    // the last batch has no pageview, only the custom event: its page comes from pages alone
    const last = t.batches[t.batches.length - 1];
    expect(ofType(last.events, 'pageview')).toEqual([]);
    expect(Object.values(last.pages)).toEqual([cart]);
  });

  it('a click that navigates counts as changed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    document.body.innerHTML = `<nav><a id="tab" href="/category?tab=2">Tab 2</a></nav>`;
    $('#tab').addEventListener('click', (e) => {
      e.preventDefault();
      history.pushState({}, '', '/category?tab=2');
    });
    const t = start();
    sl = t.sl;
    click($('#tab'));
    const evs = await t.events();
    const c = ofType(evs, 'click')[0];
    expect(c.changed).toBe(true);
    expect(c.pv).toBe(ofType(evs, 'pageview')[0].pv);
  });
});

describe('session', () => {
  it('starts a new session (seq 0, new pageview) after 30 min idle', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const t = start();
    sl = t.sl;
    await t.events();
    const sid1 = t.batches[0].sid;
    t.sl.track('one');
    await t.events();
    expect(t.batches.map((b) => [b.sid, b.seq])).toEqual([[sid1, 0], [sid1, 1]]);
    vi.setSystemTime(Date.now() + IDLE_MS + 1000);
    t.sl.track('two');
    const evs = await t.events();
    const last = t.batches[t.batches.length - 1];
    expect(last.sid).not.toBe(sid1);
    expect(last.seq).toBe(0);
    expect(last.events.map((e) => e.type)).toEqual(['pageview', 'custom']);
    expect(last.events[1].pv).toBe(last.events[0].pv);
    expect(ofType(evs, 'pageview')).toHaveLength(2);
  });

  it('keeps the session across pages of the tab', async () => {
    const a = start();
    await a.events();
    a.sl.stop();
    const b = start();
    sl = b.sl;
    await b.events();
    expect(b.batches[0].sid).toBe(a.batches[0].sid);
    expect(b.batches[0].seq).toBe(a.batches[a.batches.length - 1].seq + 1);
  });
});

describe('api', () => {
  it('track, with revenue and currency lifted for purchases', async () => {
    const t = start();
    sl = t.sl;
    t.sl.track('signup', { plan: 'pro' });
    t.sl.track('purchase', { revenue: '59.90', currency: 'eur', items: 2 });
    t.sl.track('bad', { revenue: 'abc' });
    const cs = ofType(await t.events(), 'custom');
    expect(cs[0]).toMatchObject({ name: 'signup', props: { plan: 'pro' } });
    expect(cs[0]).not.toHaveProperty('revenue');
    expect(cs[1]).toMatchObject({ name: 'purchase', revenue: 59.9, currency: 'EUR' });
    expect(cs[2]).not.toHaveProperty('revenue');
  });

  it('identify', async () => {
    const t = start();
    sl = t.sl;
    t.sl.identify('user-42', { plan: 'pro' });
    expect(ofType(await t.events(), 'identify')[0]).toMatchObject({ user_id: 'user-42', traits: { plan: 'pro' } });
  });

  it('is cookieless by default; consent switches to a persistent id and back', async () => {
    const t = start();
    sl = t.sl;
    await t.events();
    expect(t.batches[0].vid).toBeNull();
    expect(localStorage.length).toBe(0);
    t.sl.consent(true);
    t.sl.track('x');
    await t.events();
    const vid = t.batches[1].vid;
    expect(vid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(localStorage.getItem('sl_vid')).toBe(vid);
    t.sl.consent(false);
    t.sl.track('y');
    await t.events();
    expect(t.batches[2].vid).toBeNull();
    expect(localStorage.getItem('sl_vid')).toBeNull();
  });

  it('persistent mode keeps the visitor id across pages', async () => {
    const a = start({ persistent: true });
    await a.events();
    a.sl.stop();
    const b = start();
    sl = b.sl;
    await b.events();
    expect(a.batches[0].vid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(b.batches[0].vid).toBe(a.batches[0].vid);
  });

  it('manual page() starts a new pageview', async () => {
    const t = start();
    sl = t.sl;
    t.sl.page();
    const types = (await t.events()).map((e) => e.type);
    expect(types).toEqual(['pageview', 'pageleave', 'pageview']);
  });

  it('sends nothing under Do Not Track when asked to honour it', async () => {
    Object.defineProperty(navigator, 'doNotTrack', { value: '1', configurable: true });
    try {
      const f = window.fetch;
      const t = start({ dnt: true });
      sl = t.sl;
      t.sl.track('x');
      window.dispatchEvent(new Event('pagehide'));
      expect(await t.events()).toEqual([]);
      expect(window.fetch).toBe(f);
      const u = start({ dnt: false });
      expect((await u.events()).length).toBeGreaterThan(0);
      u.sl.stop();
    } finally {
      delete (navigator as { doNotTrack?: string }).doNotTrack;
    }
  });
});

describe('behaviour capture', () => {
  it('scroll: debounced depth and direction changes; pageleave keeps the maximum', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    Object.defineProperty(document.documentElement, 'scrollHeight', { value: 4000, configurable: true });
    const t = start();
    sl = t.sl;
    const to = (y: number) => {
      (window as { scrollY: number }).scrollY = y;
      window.dispatchEvent(new Event('scroll'));
    };
    for (const y of [200, 600, 1200, 800, 300, 900]) {
      to(y);
      await vi.advanceTimersByTimeAsync(50);
    }
    await vi.advanceTimersByTimeAsync(600);
    to(100);
    await vi.advanceTimersByTimeAsync(600);
    window.dispatchEvent(new Event('pagehide'));
    const evs = await t.events();
    const vh = innerHeight;
    expect(ofType(evs, 'scroll').map((s) => [s.depth_px, s.dir_changes])).toEqual([
      [900 + vh, 2],
      [100 + vh, 1],
    ]);
    expect(ofType(evs, 'scroll')[0].depth_pct).toBe(Math.round(((900 + vh) / 4000) * 100));
    const leave = ofType(evs, 'pageleave')[0];
    expect(leave.max_scroll_px).toBe(900 + vh);
    (window as { scrollY: number }).scrollY = 0;
    delete (document.documentElement as { scrollHeight?: number }).scrollHeight;
  });

  it('move: at most 10 samples per second, as [x, y, dt]', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const t = start();
    sl = t.sl;
    const t0 = Date.now();
    for (let i = 0; i < 40; i++) {
      const e = new PointerEvent('pointermove', { pointerType: 'mouse' });
      Object.defineProperties(e, { pageX: { value: i + 0.4 }, pageY: { value: 2 * i } });
      document.dispatchEvent(e);
      vi.setSystemTime(t0 + (i + 1) * 25);
    }
    const [m] = ofType(await t.events(), 'move');
    const pts = m.points as number[][];
    expect(pts).toHaveLength(10);
    expect(pts[0]).toEqual([0, 0, 0]);
    expect(pts[1]).toEqual([4, 8, 100]);
    expect(m.t).toBe(t0);
  });

  it('hover: dwell on interactive elements, with whether they were clicked', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    document.body.innerHTML = `<button id="a">A</button><button id="b"><span>B</span></button><p id="p">text</p>`;
    const t = start();
    sl = t.sl;
    const over = (el: Element) => el.dispatchEvent(new PointerEvent('pointerover', { bubbles: true, pointerType: 'mouse' }));
    over($('#a'));
    vi.setSystemTime(Date.now() + 2500);
    over($('#b span'));
    vi.setSystemTime(Date.now() + 200);
    over($('#b')); // same interactive element: still the same hover
    vi.setSystemTime(Date.now() + 600);
    click($('#b span'));
    over($('#p'));
    over($('#a'));
    vi.setSystemTime(Date.now() + 100);
    over($('#p'));
    await vi.advanceTimersByTimeAsync(1001);
    const hovers = ofType(await t.events(), 'hover');
    expect(hovers.map((h) => [h.sel, h.dwell_ms, h.clicked])).toEqual([
      ['#a', 2500, false],
      ['#b', 800, true],
    ]);
  });

  it('errors and unhandled rejections', async () => {
    const t = start();
    sl = t.sl;
    const err = new Error('Coupon service exploded');
    window.dispatchEvent(new ErrorEvent('error', { message: 'Uncaught Error: Coupon service exploded', error: err, filename: `${location.origin}/demo/shop.js`, lineno: 42, colno: 7 }));
    const rej = new Event('unhandledrejection') as PromiseRejectionEvent;
    Object.defineProperty(rej, 'reason', { value: new TypeError('x is undefined') });
    window.dispatchEvent(rej);
    for (let i = 0; i < 40; i++) window.dispatchEvent(new ErrorEvent('error', { message: 'loop' }));
    const errs = ofType(await t.events(), 'error');
    expect(errs[0]).toMatchObject({ msg: 'Uncaught Error: Coupon service exploded', src: `${location.origin}/demo/shop.js`, line: 42, col: 7 });
    expect(String(errs[0].stack)).toContain('Coupon service exploded');
    expect(errs[1]).toMatchObject({ msg: 'x is undefined' });
    expect(errs).toHaveLength(25); // capped per pageview
  });

  it('layout: boxes of zones and interactive elements in page px, on load and width change', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    document.body.innerHTML = `
      <section data-sl-zone="hero"><h1>Hi</h1></section>
      <button id="cta">Start</button>
      <nav style="position: fixed; top: 0"><a id="top" href="#">Top</a></nav>
      <a id="hidden" href="#" style="display:none">x</a>`;
    const box = (x: number, y: number, w: number, h: number) => () => ({ left: x, top: y, width: w, height: h, right: x + w, bottom: y + h, x, y, toJSON() {} }) as DOMRect;
    $('section').getBoundingClientRect = box(0, 0, 1000, 400);
    $('#cta').getBoundingClientRect = box(20, 2500, 200, 48);
    $('#top').getBoundingClientRect = box(0, 0, 80, 20);
    (window as { scrollY: number }).scrollY = 100;
    const t = start();
    sl = t.sl;
    await vi.advanceTimersByTimeAsync(1100);
    let layouts = ofType(await t.events(), 'layout');
    expect(layouts).toHaveLength(1);
    expect(layouts[0].zones).toEqual([
      { sel: '[data-sl-zone="hero"]', x: 0, y: 100, w: 1000, h: 400 },
      { sel: '#cta', x: 20, y: 2600, w: 200, h: 48 },
      // a fixed box: in page px at the layout's scroll position
      { sel: '#top', x: 0, y: 100, w: 80, h: 20, fixed: true },
    ]);
    (window as { innerWidth: number }).innerWidth = 400;
    window.dispatchEvent(new Event('resize'));
    await vi.advanceTimersByTimeAsync(600);
    layouts = ofType(await t.events(), 'layout');
    expect(layouts).toHaveLength(2);
    (window as { scrollY: number }).scrollY = 0;
  });
});

describe('history navigation: late title', () => {
  it('takes the title the app sets right after pushState', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    document.title = 'Home';
    const t = start();
    sl = t.sl;
    history.pushState({}, '', '/shoes');
    document.title = 'Shoes'; // rendered after the URL changed, as routers do
    await vi.advanceTimersByTimeAsync(1);
    const pvs = ofType(await t.events(), 'pageview');
    expect(pvs.map((p) => p.title)).toEqual(['Home', 'Shoes']);
  });
  it('takes it too when the queue fills at the navigation (a full queue flushes at once)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    document.title = 'Home';
    // first pageview, its pageleave, then the new pageview: the third event fills a 3-event queue
    const t = start({ transport: { batchSize: 3 } });
    sl = t.sl;
    history.pushState({}, '', '/bags');
    document.title = 'Bags';
    await vi.advanceTimersByTimeAsync(1);
    const evs = await t.events();
    expect(ofType(evs, 'pageview').map((p) => p.title)).toEqual(['Home', 'Bags']);
    expect(evs.map((e) => e.type).filter((x) => x === 'pageview' || x === 'pageleave')).toEqual([
      'pageview', 'pageleave', 'pageview',
    ]);
  });
});
