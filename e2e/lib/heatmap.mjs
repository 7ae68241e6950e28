// Heatmap page helpers (nothing else uses them yet): recording page snapshots the way real visits do, and
// reading what the dashboard's heatmap page drew through its test hooks (web/dashboard/README.md, Heatmaps).
import { DESKTOP_VIEWPORT, PHONE } from './browser.mjs';
import { flush, trackerReady } from './api.mjs';
import { sleep } from './server.mjs';

/**
 * Opens each demo shop path in a fresh context per device class and stays until the tracker has sent its
 * recording (the simulated traffic has none: snapshots come from real browser visits).
 * @param {import('playwright-core').Browser} browser
 * @param {string} base the server, e.g. http://127.0.0.1:8499
 * @param {string[]} paths e.g. ['/demo/product.html']
 * @param {{devices?: ('desktop'|'mobile')[], dwell?: number}} [options]
 */
export async function recordSnapshots(browser, base, paths, { devices = ['desktop', 'mobile'], dwell = 8_000 } = {}) {
  for (const device of devices) {
    await Promise.all(
      paths.map(async (p) => {
        const ctx = await browser.newContext(device === 'mobile' ? PHONE : { viewport: DESKTOP_VIEWPORT });
        try {
          const page = await ctx.newPage();
          await page.goto(base + p);
          await trackerReady(page);
          await sleep(dwell);
          await flush(page);
          await sleep(500);
        } finally {
          await ctx.close();
        }
      }),
    );
  }
}

/** Waits until a heatmap panel ('left' | 'right') has drawn its snapshot and the data of `kind`. */
export async function waitForHeatmap(page, { side = 'left', kind = 'click', timeout = 20_000 } = {}) {
  await page.waitForSelector(`[data-testid="heat-panel-${side}"][data-kind="${kind}"][data-ready="true"]`, { timeout });
}

/** What a panel drew: click markers, reach and attention bands, zones, and the summary badges. */
export async function heatmapState(page, side = 'left') {
  return page.evaluate((side) => {
    const panel = document.querySelector(`[data-testid="heat-panel-${side}"]`);
    if (!panel) return null;
    const all = (sel) => [...panel.querySelectorAll(sel)];
    const text = (id) => panel.querySelector(`[data-testid="${id}"]`)?.textContent ?? null;
    const frame = panel.querySelector('iframe');
    return {
      sandbox: frame?.getAttribute('sandbox') ?? null,
      frameHeight: frame ? frame.getBoundingClientRect().height / Number(panel.querySelector('[data-scale]')?.dataset.scale || 1) : 0,
      points: all('[data-heat-point]').map((e) => ({ selector: e.dataset.selector, x: +e.dataset.x, y: +e.dataset.y, count: +e.dataset.count })),
      reach: all('[data-reach-depth]').map((e) => ({ depth: +e.dataset.reachDepth, share: +e.dataset.reachShare, label: e.textContent })),
      attention: all('[data-attention-depth]').map((e) => ({ depth: +e.dataset.attentionDepth, ms: +e.dataset.attentionMs })),
      zones: all('[data-zone]').map((e) => e.dataset.selector),
      summary: text('heat-summary'),
      missingClicks: text('missing-clicks'),
      snapshot: text('snapshot-info'),
    };
  }, side);
}
