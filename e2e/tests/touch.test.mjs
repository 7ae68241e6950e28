// Taps on a phone (390×844, touch, Android Chrome user agent): pointer "touch", device "mobile".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ofType, waitForEvents } from '../lib/api.mjs';
import { PHONE } from '../lib/browser.mjs';
import { near, useDemo } from '../lib/fixture.mjs';

const demo = useDemo();
const IMAGE = '[data-sl-zone="product-image"]';
const STEPPER = '[data-sl-zone="qty-stepper"]';

test('taps on a phone are touch clicks from a mobile device', async () => {
  const { page, sid } = await demo.open('product.html', PHONE);
  assert.equal(await page.evaluate(() => innerWidth), 390);

  const img = page.locator(IMAGE);
  await img.scrollIntoViewIfNeeded();
  const box = await img.boundingBox();
  const sy = await page.evaluate(() => scrollY);
  const [fx, fy] = [0.65, 0.4];
  await page.touchscreen.tap(box.x + box.width * fx, box.y + box.height * fy);
  // a change within a click's 1 s window counts for it: let the dead tap settle first
  await waitForEvents(demo.server, sid, (ev) => ofType(ev, 'click').some((e) => e.selector === IMAGE), {
    page,
    what: 'the image tap',
  });
  await page.locator(`${STEPPER} .qty-inc`).tap();
  assert.equal(await page.locator('#qty').textContent(), '2');

  const events = await waitForEvents(
    demo.server,
    sid,
    (ev) => ofType(ev, 'click').some((e) => e.selector === IMAGE) && ofType(ev, 'click').some((e) => e.selector?.startsWith(STEPPER)),
    { page, what: 'two taps' },
  );
  const [pv] = ofType(events, 'pageview');
  assert.equal(pv.viewport_w, 390);
  assert.equal(pv.viewport_h, 844);
  for (const e of events) {
    assert.equal(e.device, 'mobile', `${e.type} event device`);
    assert.match(e.os, /android/i);
  }
  const clicks = ofType(events, 'click');
  const dead = clicks.find((e) => e.selector === IMAGE);
  const step = clicks.find((e) => e.selector.startsWith(STEPPER));
  for (const c of [dead, step]) assert.equal(c.props?.pointer, 'touch', `${c.selector} pointer`);
  assert.equal(dead.changed, false);
  assert.equal(dead.interactive, false);
  assert.equal(step.changed, true);
  near(dead.rel_x, fx, 0.02, 'rel_x');
  near(dead.rel_y, fy, 0.02, 'rel_y');
  near(dead.x, box.x + box.width * fx, 1.5, 'x');
  near(dead.y, box.y + box.height * fy + sy, 1.5, 'y');
});
