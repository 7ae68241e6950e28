// Screenshots of every demo page (desktop 1280 px and phone 390 px, full page) and of the dashboard's heatmap
// page (desktop 1440 px and phone 390 px: click map, zones with a zone's tooltip) into e2e/output/.
// Then the issue-12 analysis pages on simulated traffic (journeys, funnels, retention, a segment comparison, the
// segment editor with an invalid expression; desktop 1280 px and phone 390 px: `analysis-*.png`).
// Run after the tests (`npm test`) or alone (`npm run screenshots`). Look at them.
// E2E_DASHBOARD_DIST=../web/dashboard/dist shoots that dashboard build instead of the binary's embedded one.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiGet, flush, trackerReady } from '../lib/api.mjs';
import { DESKTOP_VIEWPORT, launch, PHONE } from '../lib/browser.mjs';
import { startDemoWithTraffic, uiLogin } from '../lib/dashboard.mjs';
import { waitForHeatmap } from '../lib/heatmap.mjs';
import { replayRecording, waitForReplay } from '../lib/replay.mjs';
import { sleep, startServer } from '../lib/server.mjs';
import { serveDist } from '../tests/journeys-support.mjs';

const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../output');
const PAGES = ['index', 'category', 'product', 'cart', 'checkout', 'pricing'];

const server = await startServer();
const browser = await launch();
let failed = false;
try {
  await mkdir(OUT, { recursive: true });
  for (const [device, options] of [
    ['desktop', { viewport: DESKTOP_VIEWPORT }],
    ['phone', PHONE],
  ]) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    page.on('pageerror', (e) => {
      failed = true;
      console.error(`page error on ${page.url()}: ${e.message}`);
    });
    await page.goto(`${server.base}/demo/index.html`);
    // something in the cart, so that cart and checkout show lines and totals
    await page.evaluate(() => {
      window.NorthwindShop.addToCart('trail-runner', 1);
      window.NorthwindShop.addToCart('market-tote', 2);
    });
    for (const name of PAGES) {
      await page.goto(`${server.base}/demo/${name}.html`);
      await trackerReady(page);
      await page.evaluate(() => document.fonts.ready);
      // report (not fail on) content wider than the viewport: sideways scrolling on phones
      const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      if (sw > cw + 1) console.warn(`warning: ${name}.html on ${device} is ${sw} px wide in a ${cw} px viewport (horizontal overflow)`);
      const file = path.join(OUT, `${name}-${device}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
    }
    await context.close();
  }
  await heatmapShots();
  await analysisShots();
} finally {
  await browser.close();
  await server.stop();
  await server.remove();
}
if (failed) process.exit(1);

/** A few product page visits per device class with clicks, then the heatmap page drawing them. */
async function heatmapShots() {
  const targets = [
    ['[data-sl-zone="product-image"]', [0.3, 0.4], [0.55, 0.5], [0.7, 0.65]],
    ['[data-sl-zone="add-to-cart"]', [0.5, 0.5]],
    ['[data-sl-zone="qty-stepper"] .qty-inc', [0.5, 0.5]],
    ['[data-testid="swatches"]', [0.2, 0.5]],
  ];
  for (const [device, options] of [
    ['desktop', { viewport: { width: 1440, height: 900 } }],
    ['mobile', PHONE],
  ]) {
    for (let visit = 0; visit < 3; visit++) {
      const context = await browser.newContext(options);
      const page = await context.newPage();
      await page.goto(`${server.base}/demo/product.html`);
      await replayRecording(page);
      for (const [sel, ...spots] of targets.slice(0, 2 + visit)) {
        const el = page.locator(sel).first();
        await el.scrollIntoViewIfNeeded();
        const box = await el.boundingBox();
        for (const [fx, fy] of spots) await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
        await sleep(300);
      }
      await sleep(1200); // a click joins the queue after its 1 s window
      await flush(page);
      const sid = await page.evaluate(() => JSON.parse(sessionStorage.getItem('sl_s')).i);
      await waitForReplay(server, sid, (chunks) => chunks.some((c) => c.chunk === 0), { page, what: 'the snapshot' });
      await context.close(); // pagehide sends the rest
    }
  }
  const q = (device, kind) => `page=${encodeURIComponent('/demo/product.html')}&device=${device}&kind=${kind}`;
  for (const device of ['desktop', 'mobile']) {
    for (let end = Date.now() + 20_000; ; await sleep(300)) {
      const h = await apiGet(server, `/api/v1/sites/${server.key}/heatmap?${q(device, 'click')}`);
      if (h.pageviews >= 3 && h.points.length >= 4) break;
      if (Date.now() > end) throw new Error(`the ${device} product clicks were not stored in time`);
    }
  }

  for (const [name, viewport, device] of [
    ['desktop', { width: 1440, height: 960 }, 'desktop'],
    ['phone', { width: 390, height: 844 }, 'mobile'],
  ]) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('pageerror', (e) => {
      failed = true;
      console.error(`page error on ${page.url()}: ${e.message}`);
    });
    await page.goto(`${server.base}/login`);
    await uiLogin(page, server.login.email, server.login.password);
    for (const kind of ['click', 'zones']) {
      await page.goto(`${server.base}/sites/${server.key}/heatmaps?${q(device, kind)}`);
      await waitForHeatmap(page, { kind });
      if (kind === 'zones') {
        // the tooltip of the product image's zone, as a pointer over it shows it
        const zone = page.locator('[data-zone][data-selector="[data-sl-zone=\\"product-image\\"]"]');
        await zone.scrollIntoViewIfNeeded();
        await zone.hover();
        await page.getByTestId('zone-tooltip').waitFor({ timeout: 5_000 });
      }
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
      const file = path.join(OUT, `heatmap-${kind}-${name}.png`);
      // the tooltip is fixed to the window: a full-page shot would scroll it away, so zones show the viewport
      await page.screenshot({ path: file, fullPage: kind === 'click' });
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
    }
    await context.close();
  }
}

/** Journeys, funnels, retention and segments on a demo with simulated traffic. */
async function analysisShots() {
  const demo = await startDemoWithTraffic({ sessions: 600, days: 14 });
  try {
    const funnel = encodeURIComponent(
      JSON.stringify({
        steps: [{ page: '/demo/index.html' }, { page: '/demo/product.html' }, { click: '[data-sl-zone="add-to-cart"]', on_page: '/demo/product.html' }, { page: '/demo/cart.html' }, { page: '/demo/checkout.html' }],
        window_ms: 3_600_000,
        order: 'loose',
        unit: 'session',
        breakdown: 'device',
      }),
    );
    const mobile = encodeURIComponent('device = "mobile"');
    const views = [
      ['journeys', 'journeys', { click: true }],
      ['journeys-before-cart', `journeys?end=${encodeURIComponent('/demo/cart.html')}&steps=4`],
      ['journeys-compare', `journeys?segment_b=${mobile}&steps=4`],
      ['funnels', `funnels?funnel=${funnel}`],
      ['funnels-compare', `funnels?funnel=${funnel}&segment_b=${mobile}`],
      ['retention', 'retention?period=day'],
      ['overview-compare', `overview?segment_b=${mobile}`],
      ['segment-invalid', 'overview', { invalidSegment: true }],
    ];
    for (const [name, options] of [
      ['desktop', { viewport: DESKTOP_VIEWPORT }],
      ['phone', { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }],
    ]) {
      const context = await browser.newContext(options);
      if (process.env.E2E_DASHBOARD_DIST) await serveDist(context);
      const page = await context.newPage();
      page.on('pageerror', (e) => {
        failed = true;
        console.error(`page error on ${page.url()}: ${e.message}`);
      });
      await page.goto(`${demo.base}/login`);
      await uiLogin(page, demo.email, demo.password);
      for (const [view, path_, extra = {}] of views) {
        await page.goto(`${demo.base}/sites/${demo.key}/${path_}`);
        // the view's data, an error or an empty state
        await page
          .locator('.sankey-hotspot, [data-testid="funnel-results"], [data-testid="cohort-table"], [data-testid="compare-overview"], [data-testid="kpi-visitors"], .error-box, .empty-state')
          .first()
          .waitFor({ timeout: 20_000 })
          .catch(() => console.warn(`warning: ${view} showed nothing within 20 s`));
        await sleep(800);
        if (extra.click) {
          // a node of the second step: its sessions listed under the chart
          const node = page.locator('.sankey-hotspot[data-step="1"]:not([disabled])').first();
          const box = (await node.count()) ? await node.boundingBox() : null;
          if (box) {
            await page.mouse.click(box.x + box.width / 2, box.y + Math.min(box.height / 2, 20));
            await page.getByTestId('path-sessions').waitFor({ timeout: 10_000 }).catch(() => {});
            await page.mouse.move(0, 0);
            await sleep(500);
          }
        }
        if (extra.invalidSegment) {
          await page.getByTestId('segment-a').locator('button').first().click();
          await page.getByTestId('segment-input-a').fill('device = "mobile" AND (channel = ');
          await page.getByTestId('segment-apply-a').click();
          await page.getByTestId('segment-error-a').waitFor({ timeout: 10_000 }).catch(() => {});
        }
        const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
        if (sw > cw + 1) console.warn(`warning: ${view} on ${name} is ${sw} px wide in a ${cw} px viewport (horizontal overflow)`);
        const file = path.join(OUT, `analysis-${view}-${name}.png`);
        await page.screenshot({ path: file, fullPage: !extra.invalidSegment });
        console.log(`wrote ${path.relative(process.cwd(), file)}`);
      }
      await context.close();
    }
  } finally {
    await demo.stop();
    await demo.remove();
  }
}
