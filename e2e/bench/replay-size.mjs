// Replay bytes per recorded minute on the demo shop (target ≤ 60 KB/min): a scripted visitor browses for
// about a minute (product → stepper → add to cart → category tabs → cart → checkout typing, with scrolling
// and mouse movement throughout); then the stored chunk index gives compressed bytes / recorded minutes.
//
// Usage: node bench/replay-size.mjs   (part of `npm run bench`)
import { DESKTOP_VIEWPORT, launch } from '../lib/browser.mjs';
import { sessionId, trackerReady } from '../lib/api.mjs';
import { replayChunks, replayRecording } from '../lib/replay.mjs';
import { sleep, startServer } from '../lib/server.mjs';

const BROWSE_MS = 60_000;

const server = await startServer();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: DESKTOP_VIEWPORT });
  const page = await context.newPage();
  const started = Date.now();
  const visit = async (file) => {
    await page.goto(`${server.base}/demo/${file}`);
    await trackerReady(page);
    await replayRecording(page);
  };
  const wander = async (ms) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      await page.mouse.move(100 + Math.random() * 1000, 100 + Math.random() * 600, { steps: 5 });
      await page.mouse.wheel(0, Math.random() < 0.7 ? 300 : -200);
      await sleep(400);
    }
  };
  await visit('product.html');
  const sid = await sessionId(page);
  await wander(8_000);
  for (let i = 0; i < 3; i++) await page.locator('[data-sl-zone="qty-stepper"] .qty-inc').click();
  await page.locator('[data-sl-zone="add-to-cart"]').click();
  await wander(8_000);
  await visit('category.html');
  for (const tab of await page.locator('[role="tab"], .tab, [data-tab]').all()) {
    await tab.click().catch(() => {});
    await wander(2_000);
  }
  await visit('cart.html');
  await wander(6_000);
  await visit('checkout.html');
  for (const input of (await page.locator('input[type="text"], input[type="email"], input:not([type])').all()).slice(0, 5)) {
    await input.click().catch(() => {});
    await input.pressSequentially('some text typed here', { delay: 40 }).catch(() => {});
  }
  await wander(Math.max(0, BROWSE_MS - (Date.now() - started)));
  await page.goto('about:blank'); // page hide: the last chunks go out
  await sleep(3_000);
  const chunks = await replayChunks(server, sid);
  const bytes = chunks.reduce((n, c) => n + c.bytes, 0);
  const raw = chunks.reduce((n, c) => n + c.raw_bytes, 0);
  const first = Math.min(...chunks.map((c) => c.first_ts));
  const last = Math.max(...chunks.map((c) => c.last_ts));
  const minutes = Math.max((last - first) / 60_000, 1 / 60);
  console.log(
    `replay: ${(bytes / 1024 / minutes).toFixed(1)} KB per recorded minute stored (zstd; ${(raw / 1024 / minutes).toFixed(1)} KB/min of rrweb JSON), ` +
      `${chunks.length} chunks over ${(minutes * 60).toFixed(0)} s`,
  );
  await context.close();
} finally {
  await browser.close();
  await server.stop();
  await server.remove();
}
