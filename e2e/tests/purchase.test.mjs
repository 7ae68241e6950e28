// A completed checkout: the shop's `purchase` custom event with revenue and currency.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiGet, ofType, waitForEvents } from '../lib/api.mjs';
import { useDemo } from '../lib/fixture.mjs';

const demo = useDemo();

test('checkout with a valid 6-digit security code records a purchase', async () => {
  const { page, sid } = await demo.open('index.html');
  await page.evaluate(() => {
    window.NorthwindShop.addToCart('weekender-backpack', 1);
    window.NorthwindShop.addToCart('canvas-cap', 2);
  });
  await page.goto(demo.url('checkout.html'));
  const total = await page.evaluate(() => window.NorthwindShop.cartTotal());
  assert.equal(total, 149 + 2 * 29, 'cart total (free shipping from €100)');

  await page.locator('#email').fill('buyer@example.com');
  await page.locator('#full-name').fill('Ada Buyer');
  await page.locator('#address').fill('Main Street 1');
  await page.locator('#postcode').fill('1011 AB');
  await page.locator('#city').fill('Amsterdam');
  await page.locator('#country').selectOption('Germany');
  await page.locator('#card-number').fill('4242424242424242');
  await page.locator('#card-name').fill('Ada Buyer');
  await page.locator('#expiry').fill('12 / 30');
  await page.locator('#security-code').fill('123456');
  await page.locator('#place-order').click();
  await page.locator('[data-testid="order-confirmation"]').waitFor({ timeout: 5000 });

  const events = await waitForEvents(
    demo.server,
    sid,
    (ev) => ofType(ev, 'custom').some((e) => e.name === 'purchase'),
    { page, what: 'the purchase event' },
  );
  const purchases = ofType(events, 'custom').filter((e) => e.name === 'purchase');
  assert.equal(purchases.length, 1);
  const [p] = purchases;
  assert.equal(p.revenue, total);
  assert.ok(p.revenue > 0);
  assert.equal(p.text, 'EUR');
  assert.equal(p.path, '/demo/checkout.html');
  assert.equal(p.props?.items, 3);
  const submits = ofType(events, 'input').filter((e) => e.name === 'submit');
  assert.equal(submits.length, 1, 'one form submit');
  assert.equal(submits[0].selector, '[data-sl-zone="checkout-form"]');
  assert.equal(submits[0].tag, 'form');
  assert.ok(submits[0].ts <= p.ts, 'submit before purchase');

  // the aggregates: this file's server saw exactly this one session (no simulated traffic)
  const end = Date.now() + 15_000;
  let o;
  for (;;) {
    o = await apiGet(demo.server, `/api/v1/sites/${demo.server.key}/overview`);
    if (o.pageviews >= 2 || Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(o.sessions, 1, `overview: ${JSON.stringify(o).slice(0, 300)}`);
  assert.equal(o.visitors, 1);
  assert.equal(o.pageviews, 2);
  const pages = o.top_pages.map((b) => b.name).sort();
  assert.deepEqual(pages, ['/demo/checkout.html', '/demo/index.html']);
  assert.deepEqual(o.devices.map((b) => b.name), ['desktop']);
});
