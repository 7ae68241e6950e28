// Scrolling the long pricing page to the bottom, and a long hover over a link.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ofType, waitForEvents } from '../lib/api.mjs';
import { useDemo } from '../lib/fixture.mjs';

const demo = useDemo();

test('pricing page: hover dwell, scroll depth rising to the bottom, pageleave with the max', async () => {
  const { page, sid } = await demo.open('pricing.html');

  // hover: rest the mouse on a nav link for > 2 s (a real dwell: time must pass), then move off it
  const link = page.locator('[data-testid="nav-shop"]');
  await link.hover();
  const hoverStart = Date.now();
  await page.waitForTimeout(2200);
  await page.locator('h1').hover(); // the heading: nothing interactive, so the dwell ends
  const hoverMs = Date.now() - hoverStart;

  const { dh, vh } = await page.evaluate(() => ({
    dh: Math.max(document.documentElement.scrollHeight, document.body.scrollHeight),
    vh: innerHeight,
  }));
  assert.ok(dh > 2 * vh, `pricing page is long (${dh} px)`);

  // three scroll bursts: a third, two thirds, the bottom; each burst is stored before the next
  const stops = [Math.round((dh - vh) / 3), Math.round((2 * (dh - vh)) / 3), dh - vh];
  let seen = 0;
  for (const target of stops) {
    const from = await page.evaluate(() => scrollY);
    await page.mouse.wheel(0, target - from);
    await page.waitForFunction((y) => Math.abs(scrollY - y) <= 2, target, { timeout: 10_000 });
    await waitForEvents(demo.server, sid, (ev) => ofType(ev, 'scroll').length > seen, { page, what: 'a scroll event' });
    seen++;
  }

  // leave: the pageleave goes by beacon on pagehide, the next page continues the session
  const next = page.waitForURL('**/demo/index.html');
  await page.goto(demo.url('index.html'));
  await next;
  const events = await waitForEvents(demo.server, sid, (ev) => ofType(ev, 'pageleave').length >= 1, {
    page,
    what: 'the pageleave',
  });

  const scrolls = ofType(events, 'scroll');
  assert.equal(scrolls.length, 3, 'one scroll event per burst');
  for (let i = 1; i < scrolls.length; i++) {
    assert.ok(scrolls[i].scroll_pct > scrolls[i - 1].scroll_pct, `depth_pct rises: ${scrolls.map((s) => s.scroll_pct)}`);
    assert.ok(scrolls[i].value > scrolls[i - 1].value, `depth_px rises: ${scrolls.map((s) => s.value)}`);
  }
  const last = scrolls[scrolls.length - 1];
  assert.ok(last.scroll_pct >= 99, `bottom reached: ${last.scroll_pct}%`);
  assert.ok(Math.abs(last.value - dh) <= 2, `depth_px at the bottom ${last.value} ≈ document height ${dh}`);
  near3(scrolls[0].value, stops[0] + vh);

  const [pv] = ofType(events, 'pageview').filter((e) => e.path === '/demo/pricing.html');
  const leave = ofType(events, 'pageleave').find((e) => e.pageview === pv.pageview);
  assert.ok(leave, 'pageleave of the pricing pageview');
  assert.ok(leave.scroll_pct >= 99, `max_scroll_pct ${leave.scroll_pct}`);
  assert.ok(leave.value > 2000, `active_ms ${leave.value}`);

  const hovers = ofType(events, 'hover').filter((e) => e.selector === '[data-testid="nav-shop"]');
  assert.equal(hovers.length, 1, 'one hover on the link');
  assert.ok(hovers[0].value >= 2000, `dwell_ms ${hovers[0].value}`);
  assert.ok(hovers[0].value <= hoverMs + 1000, `dwell_ms ${hovers[0].value} ≤ hover time ${hoverMs}`);
  assert.equal(hovers[0].props?.clicked, false);
});

function near3(actual, expected) {
  assert.ok(Math.abs(actual - expected) <= 3, `depth_px ${actual} ≈ ${expected}`);
}
