// Heatmaps end to end: real visits of the demo shop (recorded, so each pageview's replay chunk 0 is the page
// snapshot), then the dashboard's heatmap page drawing them. The same element clicked at three widths lands
// inside that element's box in each device class's render; a click on the sticky header after scrolling lands
// on the header; scroll-reach shares match scripted scrolls (and the API agrees).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiGet, ofType, waitForEvents } from '../lib/api.mjs';
import { DESKTOP_VIEWPORT, PHONE } from '../lib/browser.mjs';
import { frames, near, useDemo } from '../lib/fixture.mjs';
import { heatmapState, waitForHeatmap } from '../lib/heatmap.mjs';
import { dashboardContext, replayRecording, waitForReplay } from '../lib/replay.mjs';
import { sleep } from '../lib/server.mjs';

const demo = useDemo();
const IMAGE = '[data-sl-zone="product-image"]';
const [FX, FY] = [0.25, 0.6];
const TIMEOUT = { timeout: 15_000 };

const TABLET = {
  viewport: { width: 768, height: 1024 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
};
const VISITS = [
  { device: 'mobile', width: 390, options: PHONE },
  { device: 'tablet', width: 768, options: TABLET },
  { device: 'desktop', width: 1440, options: { viewport: { width: 1440, height: 900 } } },
];

let dash;
/** One logged-in dashboard context for the file (closed with the others by the fixture). */
async function dashboard() {
  if (!dash) {
    dash = await dashboardContext(demo.browser, demo.server);
    demo.contexts.push(dash);
  }
  return dash;
}

const heatmapQuery = (q) => new URLSearchParams(q).toString();

/** Polls the heatmap API until `done(body)` holds; returns the body. */
async function waitForApi(pathAndQuery, done, { timeout = 20_000, what = pathAndQuery } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const body = await apiGet(demo.server, `/api/v1/sites/${demo.server.key}/${pathAndQuery}`);
    if (done(body)) return body;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}; last:\n${JSON.stringify(body).slice(0, 1500)}`);
    await sleep(300);
  }
}

/** Opens the heatmap page for `query` and waits until the left panel drew its snapshot and data. */
async function openHeatmap(query) {
  const page = await (await dashboard()).newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  await page.goto(`${demo.server.base}/sites/${demo.server.key}/heatmaps?${heatmapQuery(query)}`);
  await waitForHeatmap(page, { kind: query.kind });
  await frames(page);
  return { page, problems };
}

/** The frame's width and `selector`'s box inside the left panel's snapshot, in frame page px (as data-x/-y). */
function frameBox(page, selector) {
  return page.evaluate((selector) => {
    const iframe = document.querySelector('[data-testid="heat-panel-left"] iframe');
    const win = iframe?.contentWindow;
    const el = iframe?.contentDocument?.querySelector(selector);
    if (!win || !el) return { width: win?.innerWidth ?? 0, box: null };
    const r = el.getBoundingClientRect();
    return { width: win.innerWidth, box: { left: r.left + win.scrollX, top: r.top + win.scrollY, width: r.width, height: r.height } };
  }, selector);
}

const fmtBox = (b) => (b ? `${Math.round(b.left)},${Math.round(b.top)} ${Math.round(b.width)}×${Math.round(b.height)}` : 'none');

function assertInside(point, box, what) {
  assert.ok(box, `${what}: the element is in the snapshot`);
  assert.ok(
    point.x >= box.left && point.x <= box.left + box.width && point.y >= box.top && point.y <= box.top + box.height,
    `${what}: marker (${point.x}, ${point.y}) is outside the box ${JSON.stringify(box)}`,
  );
}

test('the product image clicked at three widths lands inside the image in each device class’s render', async (t) => {
  // --- visit: one per device class, each clicks the image at (FX, FY) of its box and stays until recorded
  for (const v of VISITS) {
    const { page, sid } = await demo.open('product.html', v.options);
    await replayRecording(page);
    assert.equal(await page.evaluate(() => innerWidth), v.width, `${v.device} viewport width`);
    const img = page.locator(IMAGE);
    await img.scrollIntoViewIfNeeded();
    const box = await img.boundingBox();
    const [x, y] = [box.x + box.width * FX, box.y + box.height * FY];
    if (v.options.hasTouch) await page.touchscreen.tap(x, y);
    else await page.mouse.click(x, y);
    const events = await waitForEvents(demo.server, sid, (ev) => ofType(ev, 'click').some((e) => e.selector === IMAGE), {
      page,
      what: `the ${v.device} image click`,
    });
    assert.equal(ofType(events, 'pageview')[0].device, v.device, 'the server classes the visit by its user agent');
    await waitForReplay(demo.server, sid, (chunks) => chunks.some((c) => c.chunk === 0), { page, what: `the ${v.device} snapshot` });
    v.sid = sid;
  }

  for (const v of VISITS) {
    const query = { page: '/demo/product.html', device: v.device, kind: 'click' };
    await waitForApi(`heatmap?${heatmapQuery(query)}`, (h) => h.points.some((p) => p.selector === IMAGE), { what: `the ${v.device} click` });
    const { page, problems } = await openHeatmap(query);
    const state = await heatmapState(page);
    assert.match(state.snapshot ?? '', new RegExp(`${v.width} px wide`), `${v.device}: the snapshot is of that width (${state.snapshot})`);
    assert.equal(await page.getByTestId('snapshot-fallback').count(), 0, `${v.device}: drawn on a ${v.device} snapshot, not a fallback`);
    const { width, box } = await frameBox(page, IMAGE);
    near(width, v.width, 2, `${v.device} frame width`);

    const markers = state.points.filter((p) => p.selector === IMAGE);
    assert.equal(markers.length, 1, `${v.device}: one marker on the image: ${JSON.stringify(state.points)}`);
    const [m] = markers;
    assert.equal(m.count, 1, `${v.device}: that device class’s one click`);
    assertInside(m, box, `${v.device} image click`);
    // data-x/-y are rounded to px; the server buckets rel_x/rel_y into 1 % cells
    near(m.x, box.left + box.width * FX, box.width * 0.03 + 1, `${v.device} marker x`);
    near(m.y, box.top + box.height * FY, box.height * 0.03 + 1, `${v.device} marker y`);
    t.diagnostic(`${v.device}: frame ${width} px, image box ${fmtBox(box)}, marker (${m.x}, ${m.y})`);
    assert.deepEqual(problems, [], `${v.device}: no page errors`);
    await page.close();
  }
});

test('a click on the sticky header after scrolling lands on the header, not where the page was', async (t) => {
  // index.html is 1819 px tall at 1440 px wide: with a 600 px viewport it scrolls 1200 px
  const { page, sid } = await demo.open('index.html', { viewport: { width: 1440, height: 600 } });
  await replayRecording(page);
  await page.evaluate(() => scrollTo(0, 1200));
  await page.waitForFunction(() => Math.abs(scrollY - 1200) <= 1, null, TIMEOUT);
  await frames(page);
  // the search field: in the header, and focusing it does not navigate
  const search = page.locator('.site-header [data-testid="search"]');
  const box = await search.boundingBox();
  assert.ok(box.y < 100, `the sticky header is at the top of the viewport (search at y ${box.y})`);
  await page.mouse.click(box.x + box.width * 0.7, box.y + box.height * 0.5);

  const events = await waitForEvents(demo.server, sid, (ev) => ofType(ev, 'click').length >= 1, { page, what: 'the header click' });
  const click = ofType(events, 'click')[0];
  assert.ok(click.y > 1200, `the click's page y is far down (${click.y})`);
  await waitForReplay(demo.server, sid, (chunks) => chunks.some((c) => c.chunk === 0), { page, what: 'the snapshot' });

  const query = { page: '/demo/index.html', device: 'desktop', kind: 'click' };
  await waitForApi(`heatmap?${heatmapQuery(query)}`, (h) => h.points.some((p) => p.selector === click.selector), { what: 'the header click' });
  const { page: d, problems } = await openHeatmap(query);
  const state = await heatmapState(d);
  const markers = state.points.filter((p) => p.selector === click.selector);
  assert.equal(markers.length, 1, `one marker for ${click.selector}: ${JSON.stringify(state.points)}`);
  const inHeader = await d.evaluate((sel) => {
    const doc = document.querySelector('[data-testid="heat-panel-left"] iframe')?.contentDocument;
    return !!doc?.querySelector(sel)?.closest('.site-header');
  }, click.selector);
  assert.ok(inHeader, `${click.selector} is in the snapshot's header`);
  const { box: target } = await frameBox(d, click.selector);
  assertInside(markers[0], target, `header click on ${click.selector}`);
  t.diagnostic(`${click.selector} clicked at page y ${Math.round(click.y)}; box in the snapshot ${fmtBox(target)}, marker (${markers[0].x}, ${markers[0].y})`);
  assert.ok(markers[0].y < 100, `the marker is near the top of the page (y ${markers[0].y}), not ${Math.round(click.y)} px down`);
  assert.deepEqual(problems, [], 'no page errors');
  await d.close();
});

test('scroll reach: the share of pageviews reaching each depth matches scripted scrolls', async (t) => {
  // pricing.html (long; no other test here visits it): four desktop visits, each scrolling to a viewport
  // bottom in the middle of a 5 % step (no scroll, ~42.5 %, ~62.5 %, the bottom), then leaving
  const depths = [];
  for (const bottom of [null, 0.425, 0.625, 1]) {
    const { page, sid } = await demo.open('pricing.html', { viewport: DESKTOP_VIEWPORT });
    const { dh, vh } = await page.evaluate(() => ({ dh: Math.max(document.documentElement.scrollHeight, document.body.scrollHeight), vh: innerHeight }));
    assert.ok(dh > 3 * vh, `pricing page is long (${dh} px, viewport ${vh})`);
    if (bottom !== null) {
      const target = Math.min(dh - vh, Math.round(bottom * dh - vh));
      await page.evaluate((y) => scrollTo(0, y), target);
      await page.waitForFunction((y) => Math.abs(scrollY - y) <= 1, target, TIMEOUT);
      await waitForEvents(demo.server, sid, (ev) => ofType(ev, 'scroll').length >= 1, { page, what: 'the scroll pause' });
    }
    // reach: the viewport's bottom edge as a share of the document (wire.md `scroll`)
    depths.push(await page.evaluate(() => ((scrollY + innerHeight) / Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)) * 100));
    await page.goto(demo.url('index.html')); // pagehide: the pageleave with the page's deepest point
    await waitForEvents(demo.server, sid, (ev) => ofType(ev, 'pageleave').length >= 1, { what: 'the pageleave' });
  }

  // the share reaching each 5 % step; at a step within 1 % of a visit's depth (rounding), either side is right
  const expected = (step, slack) => depths.filter((d) => d >= step + slack).length / depths.length;
  const check = (reach, where) => {
    const steps = reach.map((r) => r.depth);
    assert.deepEqual(steps, Array.from({ length: 21 }, (_, i) => i * 5), `${where}: a band every 5 %`);
    for (const r of reach) {
      const [lo, hi] = [expected(r.depth, 1), expected(r.depth, -1)];
      assert.ok(r.share >= lo - 1e-9 && r.share <= hi + 1e-9, `${where}: ${r.share} reached ${r.depth} %, expected ${lo === hi ? lo : `${lo}..${hi}`} (depths ${depths.map((d) => d.toFixed(1))})`);
    }
  };

  const query = { page: '/demo/pricing.html', device: 'desktop', kind: 'scroll' };
  const api = await waitForApi(`heatmap?${heatmapQuery(query)}`, (h) => h.pageviews === 4, { what: 'four pricing pageviews' });
  t.diagnostic(`depths ${depths.map((x) => x.toFixed(1)).join(', ')} %; API reach ${api.reach.map((r) => `${r.depth_pct}:${r.share}`).join(' ')}`);
  check(api.reach.map((r) => ({ depth: r.depth_pct, share: r.share })), 'API');
  // a few depths spelled out: everyone sees the top, three of four scrolled past 40 %, one reached the end
  const share = (d) => api.reach.find((r) => r.depth_pct === d)?.share;
  assert.equal(share(0), 1);
  assert.equal(share(40), 0.75);
  assert.equal(share(60), 0.5);
  assert.equal(share(80), 0.25);
  assert.equal(share(100), 0.25);

  const { page: d, problems } = await openHeatmap(query);
  const state = await heatmapState(d);
  check(state.reach, 'heatmap page');
  assert.deepEqual(
    state.reach.map((r) => r.share),
    api.reach.map((r) => r.share),
    'the page draws the API’s shares',
  );
  assert.deepEqual(problems, [], 'no page errors');
  await d.close();
});
