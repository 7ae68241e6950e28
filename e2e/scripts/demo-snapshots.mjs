// Records the page snapshots `sightline demo` sends with its simulated traffic (demo/snapshots/*.json.gz), so
// that heatmaps have a page to be drawn on without a real visit. Visits each demo shop page in Chromium as a
// desktop, a tablet and a phone and keeps the server's snapshot of it (rrweb Meta + FullSnapshot, masked as in
// the browser), with the server's origin replaced by a placeholder the simulator fills in.
// Run after changing the demo shop's pages: `cd e2e && node scripts/demo-snapshots.mjs`.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { apiGet, flush, trackerReady } from '../lib/api.mjs';
import { PHONE, launch } from '../lib/browser.mjs';
import { REPO_ROOT, sleep, startServer } from '../lib/server.mjs';

const PAGES = ['index.html', 'category.html', 'product.html', 'cart.html', 'checkout.html', 'pricing.html'];
const DEVICES = {
  desktop: { viewport: { width: 1440, height: 900 } },
  tablet: {
    viewport: { width: 820, height: 1180 },
    isMobile: true,
    hasTouch: true,
    userAgent:
      'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
  },
  mobile: PHONE,
};
/** What the simulator replaces with the demo server's origin. */
const ORIGIN_PLACEHOLDER = '__SIGHTLINE_DEMO_ORIGIN__';
const OUT = path.join(REPO_ROOT, 'demo/snapshots');

const server = await startServer();
const browser = await launch();
try {
  await mkdir(OUT, { recursive: true });
  for (const [device, options] of Object.entries(DEVICES)) {
    for (const file of PAGES) {
      const context = await browser.newContext(options);
      const page = await context.newPage();
      await page.goto(`${server.base}/demo/${file}`);
      await trackerReady(page);
      await sleep(2_500); // the recording starts once the add-on has loaded
      await flush(page);
      const query = `/api/v1/sites/${server.key}/heatmap/snapshot?page=/demo/${file}&device=${device}`;
      let snapshot = null;
      for (let i = 0; i < 60 && snapshot?.device !== device; i++) {
        await sleep(250);
        snapshot = (await apiGet(server, query)).snapshot;
      }
      await context.close();
      if (snapshot?.device !== device) throw new Error(`no ${device} snapshot of ${file}`);
      const json = JSON.stringify(snapshot.events).split(server.base).join(ORIGIN_PLACEHOLDER);
      const name = `${file.replace(/\.html$/, '')}.${device}.json.gz`;
      await writeFile(path.join(OUT, name), gzipSync(json, { level: 9 }));
      console.log(`${name}: ${snapshot.width}×${snapshot.height}, ${json.length} bytes of JSON`);
    }
  }
} finally {
  await browser.close();
  await server.stop();
  await server.remove();
}
