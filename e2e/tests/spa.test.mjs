// category.html: tabs use history.pushState, back uses popstate — pageviews without page loads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ofType, waitForEvents } from '../lib/api.mjs';
import { useDemo } from '../lib/fixture.mjs';

const demo = useDemo();

test('SPA navigation: a pageview per history entry, pageleave between them, one session', async () => {
  const { page, sid } = await demo.open('category.html');
  const loads = [];
  page.on('load', () => loads.push(page.url()));

  for (const cat of ['shoes', 'bags', 'accessories']) {
    await page.locator(`[data-testid="tab-${cat}"]`).click();
    await page.waitForURL(`**/category.html?cat=${cat}`);
  }
  await page.goBack(); // popstate → bags again
  await page.waitForURL('**/category.html?cat=bags');
  assert.equal(await page.locator('#category-title').textContent(), 'Bags');
  assert.deepEqual(loads, [], 'no page load happened');
  assert.equal(await page.evaluate(() => JSON.parse(sessionStorage.getItem('sl_s')).i), sid, 'same session id');

  const events = await waitForEvents(demo.server, sid, (ev) => ofType(ev, 'pageview').length >= 5 && ofType(ev, 'pageleave').length >= 4, {
    page,
    what: '5 pageviews and 4 pageleaves',
  });
  const pvs = ofType(events, 'pageview');
  assert.equal(pvs.length, 5);
  assert.deepEqual(
    pvs.map((e) => e.name).slice(1),
    ['Shoes · Northwind Goods', 'Bags · Northwind Goods', 'Accessories · Northwind Goods', 'Bags · Northwind Goods'],
    'titles after history navigation are read once the app rendered',
  );
  assert.match(pvs[0].name, /Northwind Goods$/);
  for (const pv of pvs) assert.equal(pv.path, '/demo/category.html', 'path is normalised without the query');
  assert.equal(new Set(pvs.map((e) => e.pageview)).size, 5, 'distinct pageview ids');

  // each of the first four pageviews is closed by a pageleave before the next pageview starts
  const leaves = ofType(events, 'pageleave');
  for (let i = 0; i < 4; i++) {
    const leave = leaves.find((e) => e.pageview === pvs[i].pageview);
    assert.ok(leave, `pageleave for pageview ${i + 1}`);
    assert.ok(leave.ts >= pvs[i].ts && leave.ts <= pvs[i + 1].ts, `pageleave ${i + 1} between its pageview and the next`);
    assert.ok(leave.value >= 0, 'active_ms');
  }
  // the tab clicks caused a change (history navigation) within their 1 s window
  const tabClicks = ofType(events, 'click').filter((e) => e.selector?.startsWith('[data-testid="tab-'));
  assert.equal(tabClicks.length, 3);
  for (const c of tabClicks) assert.equal(c.changed, true, `${c.selector} changed`);
  assert.ok(events.every((e) => e.visitor === events[0].visitor), 'one visitor');
});
