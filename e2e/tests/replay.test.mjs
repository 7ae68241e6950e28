// Session replay end to end: a real Chromium session on the demo shop (recorded: the demo samples every
// session) played back in the dashboard's player — the recorded page inside the player's frame, seeking
// from the event list and by `?t=` deep link; a hostile recording (script, onerror, javascript: link…)
// that must not run anything; and typed checkout values that must not be in the replay or the data dir.
// Screenshots: e2e/output/replay-*.png.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ofType, sessionEvents, waitForEvents } from '../lib/api.mjs';
import { findInFiles } from '../lib/files.mjs';
import { useDemo } from '../lib/fixture.mjs';
import {
  REPLAY_IFRAME,
  dashboardContext,
  haveZstd,
  openReplay,
  postBatch,
  replayChunks,
  replayFrame,
  replayRecording,
  replayShot,
  replayText,
  waitForReplay,
  waitInReplay,
  zstdFiles,
} from '../lib/replay.mjs';

const demo = useDemo();
const STEPPER = '[data-sl-zone="qty-stepper"]';
const ADD = '[data-sl-zone="add-to-cart"]';
const TIMEOUT = { timeout: 15_000 };
const clicksOn = (events, sel) => ofType(events, 'click').filter((e) => e.selector === sel || e.selector?.startsWith(sel));

let dash;
/** One logged-in dashboard context for the file (closed with the others by the fixture). */
async function dashboard() {
  if (!dash) {
    dash = await dashboardContext(demo.browser, demo.server);
    demo.contexts.push(dash);
  }
  return dash;
}

const qtyInReplay = (page) => waitInReplay(page, () => document.querySelector('#qty')?.textContent, undefined, { what: '#qty in the replay' });

test('a recorded shop session plays in the dashboard, seekable from the event list and by ?t=', async (t) => {
  // --- record: product page, stepper ×3, Add to cart, then the cart page
  const { page, sid } = await demo.open('product.html?id=trail-runner');
  await replayRecording(page);
  const title = (await page.locator('#product-name').textContent()).trim();
  assert.ok(title && title !== 'Product', `the product page rendered its product (${title})`);
  for (let i = 0; i < 3; i++) {
    await page.locator(`${STEPPER} .qty-inc`).click();
    await page.waitForTimeout(400);
  }
  assert.equal(await page.locator('#qty').textContent(), '4');
  await page.locator(ADD).click();
  // the demo's Add to cart reacts after ~2.5 s (a planted problem): then the header counts the 4 items
  await page.waitForFunction(() => document.querySelector('#cart-count')?.textContent === '4', null, TIMEOUT);
  const addedAt = Date.now();
  await waitForReplay(demo.server, sid, (chunks) => chunks.some((c) => c.last_ts >= addedAt - 300), { page, what: 'the product page up to the added item' });
  await page.locator('[data-testid="cart-link"]').click();
  await page.waitForURL(/cart\.html/, TIMEOUT);
  await replayRecording(page);
  const chunks = await waitForReplay(demo.server, sid, (c) => new Set(c.map((x) => x.pageview)).size >= 2, { page, what: 'the cart page’s recording' });
  const events = await waitForEvents(
    demo.server,
    sid,
    (ev) => clicksOn(ev, STEPPER).length >= 3 && clicksOn(ev, ADD).length >= 1 && ofType(ev, 'pageview').length >= 2,
    { page, what: 'the clicks and both pageviews' },
  );
  assert.ok(chunks.every((c) => c.bytes > 0 && c.raw_bytes > c.bytes), 'chunks are stored compressed');
  const start = Math.min(...events.map((e) => e.ts));
  const steps = clicksOn(events, STEPPER).sort((a, b) => a.ts - b.ts);
  const at = (e) => e.ts - start;

  const context = await dashboard();

  await t.test('the player shows the recorded page in a frame that cannot run scripts', async () => {
    const { page: d, problems } = await openReplay(context, demo.server, sid);
    const shown = await waitInReplay(d, (want) => document.querySelector('#product-name')?.textContent?.trim() === want && want, title, {
      what: `the product title "${title}" in the replay`,
    });
    assert.equal(shown, title);
    assert.equal(await d.locator(REPLAY_IFRAME).getAttribute('sandbox'), 'allow-same-origin', 'sandboxed, without allow-scripts');
    // the side panel and the summary come from the session's events
    await d.getByTestId('session-panel').waitFor(TIMEOUT);
    assert.match(await d.getByTestId('replay-summary').textContent(), /2 pages, \d+ clicks?, 0 errors/);
    assert.ok((await d.getByTestId('event-row').count()) >= 6, 'pages and clicks are listed');
    assert.ok((await d.getByTestId('lane-click').locator('.tl-marker').count()) >= 4, 'click markers on the timeline');
    await d.waitForTimeout(700); // let it play a little: the mouse trail and the playhead move
    await replayShot(d, 'product');
    assert.deepEqual(problems, [], 'no console errors or CSP violations while replaying');
    await d.close();
  });

  await t.test('the first frame shows while later chunks are still loading', async () => {
    assert.ok(chunks.length >= 2, `several chunks (${chunks.length})`);
    const d = await context.newPage();
    let release;
    const gate = new Promise((r) => (release = r));
    // hold back every chunk after the first
    await d.route(/\/replay\/chunks\/[1-9]\d*$/, async (route) => {
      await gate;
      await route.continue();
    });
    await d.goto(`${demo.server.base}/sites/${demo.server.key}/replay/${sid}`);
    await d.locator(REPLAY_IFRAME).waitFor({ state: 'attached', ...TIMEOUT });
    await waitInReplay(d, (want) => document.querySelector('#product-name')?.textContent?.trim() === want, title, { what: 'the first frame' });
    assert.match(await d.getByTestId('replay-progress').textContent(), new RegExp(`Loading 1/${chunks.length}`));
    release();
    await d.getByTestId('replay-progress').waitFor({ state: 'detached', ...TIMEOUT });
    await d.close();
  });

  await t.test('seeking from the event list shows the state at that click', async () => {
    const { page: d, problems } = await openReplay(context, demo.server, sid);
    await waitInReplay(d, () => !!document.querySelector('#qty'), undefined, { what: 'the product page' });
    const play = d.getByTestId('replay-play');
    if ((await play.getAttribute('aria-label')) === 'Pause') await play.click();
    const stepRows = d.getByTestId('event-row').filter({ hasText: '“+”' });
    assert.equal(await stepRows.count(), 3, 'three stepper clicks listed');
    await stepRows.nth(2).click();
    const third = await waitInReplay(d, () => ['3', '4'].includes(document.querySelector('#qty')?.textContent) && document.querySelector('#qty').textContent, undefined, {
      what: 'qty 3 or 4 at the third click',
    });
    assert.ok(await d.locator('.event-current').filter({ hasText: '“+”' }).count(), 'the clicked row is the current one');
    await stepRows.nth(0).click(); // back in time: rebuilt from the snapshot
    const first = await waitInReplay(d, () => ['1', '2'].includes(document.querySelector('#qty')?.textContent) && document.querySelector('#qty').textContent, undefined, {
      what: 'qty 1 or 2 at the first click',
    });
    assert.ok(Number(third) > Number(first), `seeking changed the page: ${first} -> ${third}`);
    // the cart page, later in the session
    await d.getByTestId('event-row').filter({ hasText: '/demo/cart.html' }).click();
    await waitInReplay(d, () => document.querySelector('h1')?.textContent === 'Your cart', undefined, { what: 'the cart page in the replay' });
    await replayShot(d, 'cart');
    assert.deepEqual(problems, [], 'no console errors while seeking');
    await d.close();
  });

  await t.test('?t= opens the replay paused at that moment', async () => {
    const before = at(steps[0]) - 300;
    const { page: d } = await openReplay(context, demo.server, sid, { t: before });
    assert.equal(await qtyInReplay(d), '1', `qty before the first click (t=${before})`);
    const after = at(steps[2]) + 600;
    const { page: d2, problems } = await openReplay(context, demo.server, sid, { t: after });
    await waitInReplay(d2, () => document.querySelector('#qty')?.textContent === '4', undefined, { what: `qty 4 after the third click (t=${after})` });
    assert.equal(await d2.getByTestId('replay-play').getAttribute('aria-label'), 'Play', 'paused at the deep-linked moment');
    const secs = Math.floor(after / 1000);
    assert.match(await d2.getByTestId('replay-time').textContent(), new RegExp(`^${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')} / `));
    await replayShot(d2, 'deeplink');
    assert.deepEqual(problems, []);
    await d.close();
    await d2.close();
  });

  await t.test('the sessions list links to the replay', async () => {
    const d = await context.newPage();
    const assets = [];
    d.on('request', (r) => r.url().includes('/assets/') && assets.push(new URL(r.url()).pathname));
    await d.goto(`${demo.server.base}/sites/${demo.server.key}/sessions?has_replay=true`);
    const row = d.locator(`tr[data-session="${sid}"]`);
    await row.waitFor(TIMEOUT);
    assert.equal(await d.getByTestId('sf-has_replay').inputValue(), 'true', 'the filter comes from the URL');
    assert.match(await d.getByTestId('pager-label').textContent(), /^1–\d+ of \d+$/);
    // sorting by a column header is kept in the URL; a second click flips the order
    await d.getByTestId('sort-duration').click();
    await d.waitForURL(/[?&]sort=duration(&|$)/, TIMEOUT);
    await d.getByTestId('sort-duration').click();
    await d.waitForURL(/[?&]order=asc(&|$)/, TIMEOUT);
    // the header follows once the page has rendered the new order (the URL changes first)
    await d.locator('th[aria-sort="ascending"]').waitFor(TIMEOUT);
    await row.waitFor(TIMEOUT);
    await replayShot(d, 'sessions');
    assert.deepEqual(assets.filter((a) => /player-/.test(a)), [], 'the sessions page does not download the replay player (rrweb)');
    await row.getByTestId('play-replay').click();
    await d.waitForURL(new RegExp(`/replay/${sid}$`), TIMEOUT);
    await d.locator(REPLAY_IFRAME).waitFor({ state: 'attached', ...TIMEOUT });
    assert.ok(assets.some((a) => /\/assets\/player-[\w-]+\.js$/.test(a)), `the replay page loads the player chunk lazily: ${assets.join(', ')}`);
    await d.close();
  });
});

// --- a hostile recording -------------------------------------------------------------------------

/** Marker code: sets flags wherever it can and calls home, so any execution is seen. */
const MARK = (how) =>
  `try{window.__pwned='${how}'}catch(e){};try{parent.__pwned='${how}'}catch(e){};try{top.__pwned='${how}'}catch(e){};` +
  `try{document.title='pwned'}catch(e){};try{fetch('/__pwned?${how}')}catch(e){};try{new Image().src='/__pwned?img-${how}'}catch(e){}`;

function hostileRecording(t0) {
  let id = 0;
  const el = (tagName, attributes = {}, childNodes = []) => ({ type: 2, tagName, attributes, childNodes, id: ++id });
  const text = (textContent) => ({ type: 3, textContent, id: ++id });
  const body = el('body', { onload: MARK('body-onload') }, [
    el('h1', { id: 'hello' }, [text('Synthetic recording')]),
    el('script', {}, [text(MARK('script'))]),
    el('img', { src: 'x-missing.png', onerror: MARK('img-onerror'), id: 'img' }),
    el('a', { id: 'evil', href: `javascript:${MARK('js-link')}`, style: 'display:inline-block;padding:20px;font-size:24px' }, [text('Click me')]),
    el('svg', { onload: MARK('svg-onload'), width: '10', height: '10' }),
    el('iframe', { srcdoc: `<script>${MARK('srcdoc')}</script>`, id: 'inner' }),
    el('div', { id: 'hover', onmouseover: MARK('mouseover'), style: 'height:60px;background:#fde68a' }, [text('hover me')]),
  ]);
  const doc = {
    type: 0,
    childNodes: [{ type: 1, name: 'html', publicId: '', systemId: '', id: ++id }, el('html', {}, [el('head', {}, [el('title', {}, [text('Synthetic')])]), body])],
    id: ++id,
  };
  const bodyId = body.id;
  const helloId = body.childNodes[0].id;
  return [
    { type: 4, data: { href: 'https://shop.example/hostile', width: 1000, height: 700 }, timestamp: t0 },
    { type: 2, data: { node: doc, initialOffset: { left: 0, top: 0 } }, timestamp: t0 + 10 },
    // the same tricks arriving as mutations, after the snapshot
    {
      type: 3,
      timestamp: t0 + 500,
      data: {
        source: 0,
        texts: [],
        attributes: [{ id: helloId, attributes: { onclick: MARK('attr-onclick'), onmouseover: MARK('attr-mouseover') } }],
        removes: [],
        adds: [
          { parentId: bodyId, nextId: null, node: { type: 2, tagName: 'script', attributes: {}, childNodes: [], id: 9001 } },
          { parentId: 9001, nextId: null, node: { type: 3, textContent: MARK('added-script'), id: 9002 } },
          { parentId: bodyId, nextId: null, node: { type: 2, tagName: 'img', attributes: { src: 'y-missing.png', onerror: MARK('added-img') }, childNodes: [], id: 9003 } },
        ],
      },
    },
    { type: 3, timestamp: t0 + 2500, data: { source: 1, positions: [{ x: 40, y: 40, id: helloId, timeOffset: 0 }] } },
  ];
}

test('a hostile recording runs nothing in the player', async () => {
  const sid = `e2e-hostile-${Date.now()}`;
  const pv = 'e2e-pv-hostile-00000001';
  const t0 = Date.now() - 20_000;
  await postBatch(demo.server, {
    sid,
    seq: 0,
    events: [
      { t: t0, type: 'pageview', pv, url: `${demo.server.base}/demo/index.html`, ref: '', title: 'Hostile', vw: 1000, vh: 700 },
      { t: t0, type: 'replay', pv, chunk: 0, events: hostileRecording(t0) },
    ],
  });
  await waitForReplay(demo.server, sid, (c) => c.length >= 1, { what: 'the hostile chunk' });

  const context = await dashboard();
  const calls = [];
  context.on('request', (r) => r.url().includes('__pwned') && calls.push(r.url()));
  const { page: d } = await openReplay(context, demo.server, sid);
  await waitInReplay(d, () => document.querySelector('#hello')?.textContent === 'Synthetic recording', undefined, { what: 'the hostile page rendered' });
  const iframe = d.locator(REPLAY_IFRAME);
  const sandbox = await iframe.getAttribute('sandbox');
  assert.ok(sandbox !== null && !/allow-scripts/.test(sandbox), `sandbox="${sandbox}" has no allow-scripts`);
  // wait for the mutations (t0+500) to be applied
  await waitInReplay(d, () => document.querySelectorAll('img').length >= 2, undefined, { what: 'the added image' });

  // a viewer clicks the javascript: link and hovers the handlers (the player frame takes no input by
  // default; let it, as if the player allowed interaction)
  await iframe.evaluate((f) => (f.style.pointerEvents = 'auto'));
  const frame = await replayFrame(d);
  // rrweb writes the rebuilt page with document.open(), which gives the frame the dashboard's URL
  const urlBefore = await iframe.evaluate((f) => f.contentWindow.location.href);
  await frame.locator('#hover').hover({ timeout: 5000 });
  await frame.locator('#hello').click({ timeout: 5000 });
  await frame.locator('#evil').click({ timeout: 5000 });
  await d.waitForTimeout(1000);
  await replayShot(d, 'hostile');

  const parentState = await d.evaluate(() => ({ pwned: window.__pwned ?? null, title: document.title }));
  assert.equal(parentState.pwned, null, 'no marker on the dashboard window');
  assert.notEqual(parentState.title, 'pwned');
  const inFrame = await d.evaluate(() => {
    const f = document.querySelector('[data-testid="replay-stage"] iframe');
    const inner = f.contentDocument.querySelector('#inner');
    return {
      pwned: f.contentWindow.__pwned ?? null,
      title: f.contentDocument.title,
      innerPwned: inner?.contentWindow ? (inner.contentWindow.__pwned ?? null) : null,
      scripts: f.contentDocument.querySelectorAll('script').length,
      url: f.contentWindow.location.href,
    };
  });
  assert.deepEqual(
    { pwned: inFrame.pwned, innerPwned: inFrame.innerPwned, scripts: inFrame.scripts },
    { pwned: null, innerPwned: null, scripts: 0 },
    `nothing ran inside the frame: ${JSON.stringify(inFrame)}`,
  );
  assert.notEqual(inFrame.title, 'pwned');
  assert.equal(inFrame.url, urlBefore, 'the javascript: link did not navigate the frame');
  assert.deepEqual(calls, [], 'no marker request was made');
  await d.close();
});

// --- privacy: typed values never reach the replay ---------------------------------------------------

const TYPED = {
  '#email': 'zq-replay-secret-77@mail.example',
  '#full-name': 'Zqreplayname Quux',
  '#address': 'Zqreplaystreet 77',
  '#card-number': '5500005555555559',
  '#security-code': '818',
};
const SECRETS = ['zq-replay-secret-77', 'Zqreplayname', 'Zqreplaystreet', '5500005555555559', '55000055'];
/** Page text of the checkout form: in the replay (the full snapshot), so the searches can see text. */
const CONTROL = 'Street and number';

test('typed checkout values are in no replay chunk and no file of the data dir', async (t) => {
  const { page, sid } = await demo.open('checkout.html');
  await replayRecording(page);
  for (const [sel, text] of Object.entries(TYPED)) {
    await page.locator(sel).click();
    await page.keyboard.type(text, { delay: 5 });
  }
  await page.locator('#email').click(); // a last input event for the security code field
  const typedAt = Date.now();
  await waitForReplay(demo.server, sid, (c) => c.some((x) => x.last_ts >= typedAt - 50), { page, what: 'the typing' });

  const replay = await replayText(demo.server, sid);
  await t.test('not in the replay the API serves (decompressed)', () => {
    assert.ok(replay.includes(CONTROL), 'the page text is in the replay');
    // what was typed is there as masked input events: `*` of the typed length
    assert.ok(replay.includes(`"text":"${'*'.repeat(TYPED['#email'].length)}"`), 'the email typing is recorded, masked');
    for (const s of SECRETS) assert.ok(!replay.includes(s), `typed ${s} found in the replay`);
    const events = JSON.parse(replay);
    assert.ok(Array.isArray(events) && events.some((e) => e.type === 2), 'a full snapshot');
  });

  await t.test('not in the player either: masked values in the inputs', async () => {
    const context = await dashboard();
    const end = Math.max(...(await sessionEvents(demo.server, sid)).events.map((e) => e.ts));
    const start = Math.min(...(await sessionEvents(demo.server, sid)).events.map((e) => e.ts));
    const { page: d } = await openReplay(context, demo.server, sid, { t: Math.max(end, typedAt) - start + 1000 });
    const value = await waitInReplay(d, (n) => document.querySelector('#email')?.value?.length === n && document.querySelector('#email').value, TYPED['#email'].length, {
      what: 'the masked email value in the replay',
    });
    assert.equal(value, '*'.repeat(TYPED['#email'].length));
    await replayShot(d, 'checkout-masked');
    await d.close();
  });

  await t.test('not in any file of the data dir (raw bytes, and zstd blobs decompressed)', async (tt) => {
    const { files, hits } = await findInFiles(demo.server.dataDir, SECRETS);
    assert.ok(files.length > 0);
    assert.deepEqual(hits, [], 'typed values in the raw files');
    if (!(await haveZstd())) {
      tt.diagnostic('zstd CLI not installed: blobs checked through the API only');
      return;
    }
    const blobs = await zstdFiles(demo.server.dataDir);
    const mine = (await replayChunks(demo.server, sid)).length;
    assert.ok(blobs.length >= mine, `${blobs.length} zstd blobs for ${mine} chunks`);
    assert.ok(blobs.some((b) => b.text.includes(CONTROL)), 'the page text is in a decompressed blob');
    const found = blobs.flatMap((b) => SECRETS.filter((s) => b.text.includes(s)).map((s) => `${b.file}: ${s}`));
    assert.deepEqual(found, [], 'typed values in decompressed blobs');
  });
});
