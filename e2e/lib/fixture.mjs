// Per test file: one demo server and one Chromium, started in `before` and stopped in `after`.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before } from 'node:test';
import { sessionId, trackerReady } from './api.mjs';
import { DESKTOP_VIEWPORT, launch } from './browser.mjs';
import { startServer } from './server.mjs';

/**
 * Registers before/after hooks; the returned object is filled in by `before`:
 * `server` ({base, key, dataDir, stop}), `browser`, and `open(file, contextOptions)`.
 * `after` also checks that the server drained and exited 0 on SIGTERM.
 */
const TRACKER_OVERRIDE = process.env.E2E_TRACKER || '';

export function useDemo() {
  const ctx = { server: null, browser: null, contexts: [] };
  before(async () => {
    ctx.server = await startServer();
    ctx.browser = await launch();
  });
  after(async () => {
    for (const c of ctx.contexts) await c.close().catch(() => {});
    await ctx.browser?.close();
    if (ctx.server) {
      const res = await ctx.server.stop();
      await ctx.server.remove();
      assert.equal(res.timedOut, undefined, 'server did not exit within 15 s of SIGTERM');
      assert.equal(res.code, 0, `server exit after SIGTERM: code ${res.code}, signal ${res.signal}\n${ctx.server.output()}`);
    }
  });
  /** New context (own sessionStorage, so its own session) + page at /demo/<file>, tracker running. */
  ctx.open = async (file = '', contextOptions = {}) => {
    const context = await ctx.browser.newContext({ viewport: DESKTOP_VIEWPORT, ...contextOptions });
    ctx.contexts.push(context);
    if (TRACKER_OVERRIDE) {
      // E2E_TRACKER=path/to/t.js: test another tracker build against the same server
      const body = await readFile(TRACKER_OVERRIDE);
      await context.route('**/t.js', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body }));
    }
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e));
    await page.goto(ctx.url(file));
    await trackerReady(page);
    const sid = await sessionId(page);
    return { context, page, sid, errors };
  };
  ctx.url = (file = '') => `${ctx.server.base}/demo/${file}`;
  return ctx;
}

/** Waits for two animation frames (scroll and layout work queued by the last action has run). */
export const frames = (page) =>
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));

export const near = (actual, expected, tol, what) =>
  assert.ok(
    typeof actual === 'number' && Math.abs(actual - expected) <= tol,
    `${what}: ${actual} is not within ±${tol} of ${expected}`,
  );
