// Mouse clicks on a desktop (1280 px): dead clicks, a working control, rage clicks, error clicks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ofType, waitForEvents } from '../lib/api.mjs';
import { frames, near, useDemo } from '../lib/fixture.mjs';

const demo = useDemo();
const IMAGE = '[data-sl-zone="product-image"]';
const STEPPER = '[data-sl-zone="qty-stepper"]';
const ADD = '[data-sl-zone="add-to-cart"]';
const COUPON = '[data-sl-zone="apply-coupon"]';
const clicksOn = (events, sel) => ofType(events, 'click').filter((e) => e.selector === sel || e.selector?.startsWith(sel));

test('desktop product page: dead, working and rage clicks', async (t) => {
  const { page, sid } = await demo.open('product.html?id=trail-runner');

  await t.test('dead click on the product image: position inside the element, nothing changed', async () => {
    // scroll a little so that page coordinates differ from viewport coordinates
    await page.evaluate(() => window.scrollTo(0, 120));
    await frames(page);
    const [sx, sy] = await page.evaluate(() => [scrollX, scrollY]);
    assert.equal(sy, 120);
    const box = await page.locator(IMAGE).boundingBox();
    const [fx, fy] = [0.3, 0.7];
    const cx = box.x + box.width * fx;
    const cy = box.y + box.height * fy;
    await page.mouse.click(cx, cy);

    const events = await waitForEvents(demo.server, sid, (ev) => clicksOn(ev, IMAGE).length >= 1, {
      page,
      what: 'the product-image click',
    });
    const pv = ofType(events, 'pageview')[0];
    assert.ok(pv, 'a pageview is stored');
    assert.equal(pv.path, '/demo/product.html');
    assert.equal(pv.viewport_w, 1280);
    assert.equal(pv.device, 'desktop');
    const [c] = clicksOn(events, IMAGE);
    assert.equal(c.selector, IMAGE);
    assert.equal(c.tag, 'div');
    assert.equal(c.interactive, false);
    assert.equal(c.changed, false, 'a dead click changes nothing');
    assert.equal(c.props?.pointer, 'mouse');
    assert.equal(c.path, '/demo/product.html');
    assert.equal(c.pageview, pv.pageview);
    near(c.rel_x, fx, 0.02, 'rel_x');
    near(c.rel_y, fy, 0.02, 'rel_y');
    near(c.x, cx + sx, 1.5, 'x (page px)');
    near(c.y, cy + sy, 1.5, 'y (page px)');
  });

  await t.test('quantity stepper: every click changes the page', async () => {
    const inc = page.locator(`${STEPPER} .qty-inc`);
    for (let i = 0; i < 3; i++) await inc.click();
    assert.equal(await page.locator('#qty').textContent(), '4');
    const events = await waitForEvents(demo.server, sid, (ev) => clicksOn(ev, STEPPER).length >= 3, {
      page,
      what: '3 stepper clicks',
    });
    const clicks = clicksOn(events, STEPPER);
    assert.equal(clicks.length, 3);
    for (const c of clicks) {
      assert.equal(c.changed, true, `stepper click ${c.selector} changed`);
      assert.equal(c.interactive, true);
      assert.equal(c.tag, 'button');
    }
  });

  await t.test('rage clicks on Add to cart: ≥ 3 clicks within 1 s, none changed anything', async () => {
    const box = await page.locator(ADD).boundingBox();
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    for (let i = 0; i < 4; i++) await page.mouse.click(x + i * 3, y);
    const events = await waitForEvents(demo.server, sid, (ev) => clicksOn(ev, ADD).length >= 4, {
      page,
      what: '4 add-to-cart clicks',
    });
    const clicks = clicksOn(events, ADD);
    assert.equal(clicks.length, 4);
    const span = clicks[clicks.length - 1].ts - clicks[0].ts;
    assert.ok(span < 1000, `the clicks span ${span} ms`);
    for (const c of clicks) {
      assert.equal(c.selector, ADD);
      assert.equal(c.changed, false, 'no feedback within 1 s of a click');
      assert.equal(c.interactive, true);
      assert.equal(c.text, 'Add to cart');
    }
    // the shop reacts after 2.5 s, once per click
    const later = await waitForEvents(
      demo.server,
      sid,
      (ev) => ofType(ev, 'custom').filter((e) => e.name === 'add_to_cart').length >= 4,
      { page, what: '4 add_to_cart custom events' },
    );
    const adds = ofType(later, 'custom').filter((e) => e.name === 'add_to_cart');
    assert.equal(adds.length, 4);
    assert.ok(adds[0].ts - clicks[0].ts >= 2000, 'add_to_cart comes ~2.5 s after the click');
  });
});

test('cart page: Apply coupon throws right after the click', async () => {
  const { page, sid, errors } = await demo.open('cart.html');
  await page.locator('#coupon-code').fill('WELCOME10');
  await page.locator(COUPON).click();
  const events = await waitForEvents(
    demo.server,
    sid,
    (ev) => clicksOn(ev, COUPON).length >= 1 && ofType(ev, 'error').length >= 1,
    { page, what: 'the coupon click and its error' },
  );
  assert.equal(errors.length, 1, 'the page threw once');
  const [c] = clicksOn(events, COUPON);
  const [err] = ofType(events, 'error');
  assert.equal(c.selector, COUPON);
  assert.equal(c.changed, false);
  assert.match(err.name, /TypeError/);
  assert.match(err.name, /Cannot read properties of undefined \(reading 'percent'\)/);
  assert.ok(err.error_fingerprint, 'the error has a fingerprint');
  assert.match(String(err.props?.src), /\/demo\/shop\.js$/);
  assert.ok(err.props?.line > 0, 'line number');
  assert.match(String(err.props?.stack), /percent|shop\.js/);
  assert.equal(err.pageview, c.pageview);
  const dt = err.ts - c.ts;
  assert.ok(dt >= 0 && dt <= 1000, `error ${dt} ms after the click`);
  assert.ok(!JSON.stringify(events).includes('WELCOME10'), 'the typed coupon code is not stored');
});
