// Shared by the issue-12 dashboard tests (journeys, funnels, segments, retention): one `sightline demo` with
// simulated traffic per file, a logged-in dashboard context, API calls with the demo login (cookie + CSRF), and a
// check — naming the endpoint — that the server serves an endpoint (404 "no such route" fails it).
// Not a test file itself (node --test runs *.test.mjs).
//
// E2E_DASHBOARD_DIST=../web/dashboard/dist serves that dashboard build instead of the one embedded in the
// binary (rust-embed embeds web/dashboard/dist at compile time, even in debug builds).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before } from 'node:test';
import { launch } from '../lib/browser.mjs';
import { startDemoWithTraffic, uiLogin, waitForStableOverview, watchConsole } from '../lib/dashboard.mjs';

export const TIMEOUT = { timeout: 20_000 };
const DIST = process.env.E2E_DASHBOARD_DIST ? path.resolve(process.env.E2E_DASHBOARD_DIST) : '';

/** The dashboard's own range parameters for "today and the 29 days before" (the default range, spelled out). */
export function lastDays(n = 30) {
  const day = (ms) => new Date(ms).toISOString().slice(0, 10);
  const to = Date.now();
  return { from: day(to - (n - 1) * 86_400_000), to: day(to) };
}

/** Registers before/after: a demo with traffic (`sessions` over `days`), Chromium, and an API session. */
export function useAnalyticsDemo({ sessions = 400, days = 7 } = {}) {
  const ctx = { server: null, browser: null, cookie: '', csrf: '', contexts: [] };
  before(async () => {
    ctx.server = await startDemoWithTraffic({ sessions, days });
    const r = await fetch(`${ctx.server.base}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ctx.server.email, password: ctx.server.password }),
    });
    assert.equal(r.status, 200, `login: HTTP ${r.status}`);
    ctx.cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    ctx.csrf = (await r.json()).csrf_token;
    await waitForStableOverview(ctx.server.base, ctx.server.key, ctx.cookie);
    ctx.browser = await launch();
  });
  after(async () => {
    for (const c of ctx.contexts) await c.close().catch(() => {});
    await ctx.browser?.close();
    if (ctx.server) {
      const res = await ctx.server.stop();
      await ctx.server.remove();
      assert.equal(res.code, 0, `server exit after SIGTERM: ${JSON.stringify(res)}\n${ctx.server.output()}`);
    }
  });

  /** `{status, body}` of an API call under /api/v1/sites/<key>/ (`rest`: path and query). */
  ctx.call = async (method, rest, body) => {
    const headers = { cookie: ctx.cookie, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET') headers['x-csrf-token'] = ctx.csrf;
    const r = await fetch(`${ctx.server.base}/api/v1/sites/${ctx.server.key}/${rest}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: r.status, body: parsed };
  };
  /** The JSON of a call that must succeed. */
  ctx.api = async (method, rest, body) => {
    const { status, body: b } = await ctx.call(method, rest, body);
    assert.ok(status >= 200 && status < 300, `${method} ${rest}: HTTP ${status}: ${JSON.stringify(b)}`);
    return b;
  };
  /**
   * Fails the test, naming the endpoint, when the server does not serve `method rest`: a 404 "no such route",
   * or, for the `segment` parameter, a 400 naming it as unknown (a clearer message than the page's own failure).
   */
  ctx.requireServed = async (method, rest, body) => {
    const { status, body: b } = await ctx.call(method, rest, body);
    const message = b?.error?.message ?? '';
    const endpoint = `${method} /api/v1/sites/{site}/${rest.split('?')[0]}`;
    assert.ok(!(status === 404 && /no such route/i.test(message)), `${endpoint} is not served (404)`);
    assert.ok(
      !(status === 400 && /unknown (query )?parameter `segment`/i.test(message)),
      `${endpoint} does not take the segment parameter (400 unknown_parameter)`,
    );
  };

  /** A logged-in dashboard page (1440 px unless `viewport`), watching the console. */
  ctx.dashboard = async ({ viewport = { width: 1440, height: 960 } } = {}) => {
    const context = await ctx.browser.newContext({ viewport });
    ctx.contexts.push(context);
    if (DIST) await serveDist(context);
    const page = await context.newPage();
    const console = watchConsole(page, { allowStatus: [400, 401] });
    await page.goto(`${ctx.server.base}/login`);
    await uiLogin(page, ctx.server.email, ctx.server.password);
    return { page, console };
  };
  ctx.url = (rest) => `${ctx.server.base}/sites/${ctx.server.key}/${rest}`;
  return ctx;
}

/** Serves the dashboard build in E2E_DASHBOARD_DIST: its assets, and its index.html for page documents. */
export async function serveDist(context) {
  await context.route(/\/assets\/[^?]+/, async (route) => {
    const { pathname } = new URL(route.request().url());
    try {
      const body = await readFile(path.join(DIST, pathname));
      const type = pathname.endsWith('.js') ? 'text/javascript' : pathname.endsWith('.css') ? 'text/css' : 'application/octet-stream';
      await route.fulfill({ status: 200, contentType: type, body });
    } catch {
      await route.continue();
    }
  });
  await context.route(
    (u) => !/^\/(api|demo|assets)\//.test(u.pathname) && !u.pathname.includes('.'),
    async (route) => {
      if (route.request().resourceType() !== 'document') return route.continue();
      const response = await route.fetch();
      await route.fulfill({ response, body: await readFile(path.join(DIST, 'index.html'), 'utf8') });
    },
  );
}

/** The query string of a range. */
export const rangeQuery = ({ from, to }) => `from=${from}&to=${to}`;

/** The server's message as the dashboard shows it (first letter upper-cased, trimmed). */
export const shownMessage = (m) => {
  const t = String(m).trim();
  return t[0].toUpperCase() + t.slice(1);
};
