// Every stored event of a pageview carries that pageview's path (and page group), whatever order
// its batches arrive in. In browsers the order varies: at page exit the tracker can send two beacons
// ~1 ms apart (pagehide: the queue; visibilitychange: the final CLS/INP/LCP), and they race.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ofType, summary, waitForEvents } from '../lib/api.mjs';
import { useDemo } from '../lib/fixture.mjs';

const demo = useDemo();
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

async function post(batch) {
  const r = await fetch(`${demo.server.base}/api/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': UA, origin: demo.server.base },
    body: JSON.stringify({ v: 1, site: demo.server.key, vid: null, sent_at: Date.now(), ...batch }),
  });
  assert.equal(r.status, 202, `batch seq ${batch.seq}: ${await r.text()}`);
}

test(
  'a batch that arrives before the batch with its pageview still gets the path',
  async () => {
    const sid = `e2e-order-${Date.now()}`;
    const pv = 'e2e-pv-order-0000000001';
    const t = Date.now() - 5000;
    const url = `${demo.server.base}/demo/product.html?id=canvas-cap`;
    // seq 1 (the exit beacon with the final vitals) lands first; like every batch of the tracker it names the
    // pages of its events ...
    await post({ sid, seq: 1, pages: { [pv]: url }, events: [{ t: t + 3000, type: 'vital', pv, name: 'CLS', value: 0.01, rating: 'good' }] });
    // ... then seq 0, which has the pageview
    await post({
      sid,
      seq: 0,
      events: [
        { t, type: 'pageview', pv, url, ref: '', title: 'Canvas Cap', vw: 1280, vh: 800 },
        { t: t + 2000, type: 'pageleave', pv, active_ms: 1500, max_scroll_px: 800, max_scroll_pct: 60 },
      ],
    });
    const events = await waitForEvents(demo.server, sid, (ev) => ev.length >= 3, { what: '3 events' });
    const lost = events.filter((e) => e.path !== '/demo/product.html');
    assert.deepEqual(lost.map((e) => e.type), [], `events without their pageview's path:\n${summary(lost)}`);
  },
);

test('an event stored before its pageview gets its page from the batch it came in', async () => {
  const sid = `e2e-late-${Date.now()}`;
  const pv = 'e2e-pv-late-00000000001';
  const t = Date.now() - 5000;
  const url = `${demo.server.base}/demo/cart.html`;
  // The exit beacon is stored on its own first: its `pages` names the page (stored rows are never rewritten).
  await post({ sid, seq: 1, pages: { [pv]: url }, events: [{ t: t + 3000, type: 'vital', pv, name: 'LCP', value: 900, rating: 'good' }] });
  const early = await waitForEvents(demo.server, sid, (ev) => ev.length >= 1, { what: 'the early vital' });
  assert.equal(early[0].path, '/demo/cart.html');
  await post({ sid, seq: 0, events: [{ t, type: 'pageview', pv, url, ref: '', title: 'Cart', vw: 1280, vh: 800 }] });
  const events = await waitForEvents(
    demo.server,
    sid,
    (ev) => ev.length >= 2 && ev.every((e) => e.path === '/demo/cart.html'),
    { what: 'both events with the cart path, in one session' },
  );
  assert.equal(ofType(events, 'vital')[0].page_group, '/demo/cart.html');
});

test('browser: the vitals sent at page exit keep their page path', async () => {
  const { page, sid } = await demo.open('product.html');
  await page.locator('[data-sl-zone="qty-stepper"] .qty-inc').click();
  await page.goto(demo.url('index.html'));
  const events = await waitForEvents(
    demo.server,
    sid,
    (ev) => {
      const [first] = ofType(ev, 'pageview');
      return ofType(ev, 'pageview').length >= 2 && ofType(ev, 'vital').some((e) => e.name === 'CLS' && e.pageview === first.pageview);
    },
    { page, what: 'the product page’s CLS (reported when the page hides)' },
  );
  const [pv] = ofType(events, 'pageview');
  const lost = events.filter((e) => e.pageview === pv.pageview && e.path !== '/demo/product.html');
  assert.deepEqual(lost.map((e) => `${e.type} ${e.name ?? ''}`.trim()), [], `events of the product pageview without its path:\n${summary(lost)}`);
});
