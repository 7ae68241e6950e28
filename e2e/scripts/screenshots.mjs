// Screenshots of every demo page (desktop 1280 px and phone 390 px, full page) into e2e/output/.
// Run after the tests (`npm test`) or alone (`npm run screenshots`). Look at them.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackerReady } from '../lib/api.mjs';
import { DESKTOP_VIEWPORT, launch, PHONE } from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

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
} finally {
  await browser.close();
  await server.stop();
  await server.remove();
}
if (failed) process.exit(1);
