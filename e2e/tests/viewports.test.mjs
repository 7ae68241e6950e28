// The same element clicked at three viewport widths: positions are relative to the element,
// so they agree across widths; the pageview and the layout boxes carry the width.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ofType, waitForEvents } from '../lib/api.mjs';
import { near, useDemo } from '../lib/fixture.mjs';

const demo = useDemo();
const IMAGE = '[data-sl-zone="product-image"]';
const [FX, FY] = [0.25, 0.6];

for (const width of [390, 768, 1440]) {
  test(`product image clicked at ${width} px wide`, async () => {
    const { page, sid } = await demo.open('product.html', { viewport: { width, height: 900 } });
    const img = page.locator(IMAGE);
    await img.scrollIntoViewIfNeeded();
    const box = await img.boundingBox();
    const [sx, sy] = await page.evaluate(() => [scrollX, scrollY]);
    assert.ok(box.width > 100 && box.width <= width, `image box width ${box.width}`);
    await page.mouse.click(box.x + box.width * FX, box.y + box.height * FY);

    const events = await waitForEvents(
      demo.server,
      sid,
      (ev) => ofType(ev, 'click').some((e) => e.selector === IMAGE) && ofType(ev, 'layout').length >= 1,
      { page, what: 'the click and the layout event' },
    );
    const [pv] = ofType(events, 'pageview');
    assert.equal(pv.viewport_w, width);
    assert.equal(pv.viewport_h, 900);
    const c = ofType(events, 'click').find((e) => e.selector === IMAGE);
    near(c.rel_x, FX, 0.02, `rel_x at ${width}`);
    near(c.rel_y, FY, 0.02, `rel_y at ${width}`);
    near(c.x, sx + box.x + box.width * FX, 1.5, `x at ${width}`);
    near(c.y, sy + box.y + box.height * FY, 1.5, `y at ${width}`);

    // the layout event has the image's box in page px at this width
    const zones = ofType(events, 'layout')[0].props;
    assert.ok(Array.isArray(zones), `layout props is the zones array: ${JSON.stringify(zones)?.slice(0, 200)}`);
    const z = zones.find((b) => b.sel === IMAGE);
    assert.ok(z, 'the product image is a layout zone');
    near(z.w, box.width, 1, `zone width at ${width}`);
    near(z.h, box.height, 1, `zone height at ${width}`);
    near(z.x, box.x + sx, 1, `zone x at ${width}`);
    near(z.y, box.y + sy, 1, `zone y at ${width}`);
  });
}
