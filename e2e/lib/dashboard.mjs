// Dashboard end-to-end helpers: a server on an empty data dir (`sightline serve`, first run) or the demo
// with simulated traffic (`sightline demo --sessions N`), logging in through the UI, watching the console,
// and screenshots under e2e/output/. (lib/server.mjs starts the demo without traffic for the tracker tests.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, SIGHTLINE_BIN, serverEnv, sleep } from './server.mjs';

export const OUTPUT_DIR = path.join(REPO_ROOT, 'e2e/output');
const ANSI = /\x1b\[[0-9;]*m/g;
const live = new Set();
process.on('exit', () => {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/**
 * Runs `sightline <args>` on a fresh temp data dir and waits until it listens (and `ready(stdout)` holds).
 * @returns {Promise<{base: string, dataDir: string, stdout: () => string, output: () => string,
 *   stop: () => Promise<{code: number|null, signal: string|null}>, remove: () => Promise<void>}>}
 */
export async function startSightline(args, { ready = () => true, timeout = 60_000 } = {}) {
  if (!existsSync(SIGHTLINE_BIN)) {
    throw new Error(`${SIGHTLINE_BIN} not found: build it first (make build), or set SIGHTLINE_BIN`);
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sightline-dash-'));
  const proc = spawn(SIGHTLINE_BIN, [...args, '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    cwd: dataDir,
    // Sessions are analysed 2 s after they go quiet (not 30 s), so frustration shows up within a test.
    env: serverEnv({ SIGHTLINE_ANALYSIS_QUIET_SECS: '2' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  let out = '';
  let err = '';
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  exited.then(() => live.delete(proc));
  const output = () => `--- stdout ---\n${out.replace(ANSI, '').slice(-4000)}\n--- stderr ---\n${err.replace(ANSI, '').slice(-4000)}`;
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));

  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return exited;
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    const res = await exited;
    clearTimeout(t);
    return res;
  };
  const remove = () => rm(dataDir, { recursive: true, force: true });

  const end = Date.now() + timeout;
  let base = '';
  for (;;) {
    const m = err.replace(ANSI, '').match(/listening on (http:\/\/[0-9.]+:\d+)/);
    if (m) base = m[1];
    if (base && ready(out.replace(ANSI, ''))) break;
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await remove();
      throw new Error(`sightline ${args.join(' ')} exited early\n${output()}`);
    }
    if (Date.now() > end) {
      await stop();
      await remove();
      throw new Error(`sightline ${args.join(' ')} not ready within ${timeout} ms\n${output()}`);
    }
    await sleep(100);
  }
  return { base, dataDir, stdout: () => out.replace(ANSI, ''), output, stop, remove };
}

/** Fails clearly when the binary serves no dashboard (web/dashboard not built before cargo). */
export async function assertDashboardServed(base) {
  const html = await (await fetch(`${base}/`)).text();
  assert.ok(
    html.includes('<div id="root">') && /<script type="module"[^>]* src="\/assets\//.test(html),
    `GET / is not the dashboard; build it first (make build, or cd web/dashboard && npm ci && npm run build):\n${html.slice(0, 300)}`,
  );
}

/** `sightline serve` on an empty data dir: no user, no site (the first-run page). */
export async function startEmptyServer() {
  const server = await startSightline(['serve']);
  await assertDashboardServed(server.base).catch(async (e) => {
    await server.stop();
    await server.remove();
    throw e;
  });
  return server;
}

/**
 * `sightline demo` with simulated traffic; resolves once the traffic was sent, with the printed login
 * (`email`, `password`) and `key` of the demo site.
 */
export async function startDemoWithTraffic({ sessions = 300, days = 7 } = {}) {
  const server = await startSightline(['demo', '--sessions', String(sessions), '--days', String(days)], {
    ready: (out) => /^Sent \d+ sessions/m.test(out),
    timeout: 120_000,
  });
  const out = server.stdout();
  const login = out.match(/login:\s+(\S+)\s+\/\s+(\S+)/);
  const key = out.match(/^site key: (\S+)\s*$/m);
  assert.ok(login && key, `demo printed no login / site key:\n${server.output()}`);
  return { ...server, email: login[1], password: login[2], key: key[1] };
}

/** Logs in through the API (for polling) and returns a cookie header value. */
export async function apiLogin(base, email, password) {
  const r = await fetch(`${base}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(r.status, 200, `login: HTTP ${r.status} ${await r.text()}`);
  return r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

/** Polls the overview until the stored sessions stop growing (the writer and sessionizer caught up). */
export async function waitForStableOverview(base, key, cookie, { timeout = 30_000 } = {}) {
  const end = Date.now() + timeout;
  let last = -1;
  for (;;) {
    const r = await fetch(`${base}/api/v1/sites/${key}/overview`, { headers: { cookie } });
    assert.equal(r.status, 200, `overview: HTTP ${r.status}`);
    const o = await r.json();
    if (o.sessions > 0 && o.sessions === last) return o;
    last = o.sessions;
    if (Date.now() > end) throw new Error(`overview still changing after ${timeout} ms (sessions ${o.sessions})`);
    await sleep(1000);
  }
}

/**
 * Collects console errors/warnings and uncaught page errors. `problems()` lists them; requests answered
 * with an expected status (e.g. the 401 of GET /api/v1/me before logging in) are left out by passing
 * `allowStatus`.
 */
export function watchConsole(page, { allowStatus = [] } = {}) {
  const seen = [];
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const text = m.text();
    if (allowStatus.some((s) => text.includes(`status of ${s}`))) return;
    seen.push(`${m.type()}: ${text} (at ${page.url()})`);
  });
  page.on('pageerror', (e) => seen.push(`uncaught: ${e.message} (at ${page.url()})`));
  return {
    problems: () => [...seen],
    clear: () => seen.splice(0),
    assertNone: (what) => assert.deepEqual(seen, [], `console errors ${what}:\n${seen.join('\n')}`),
  };
}

/** Full-page screenshot to e2e/output/dashboard-<name>.png (after the page settled). */
export async function shot(page, name) {
  await mkdir(OUTPUT_DIR, { recursive: true });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
  const file = path.join(OUTPUT_DIR, `dashboard-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Fills the login form and waits to leave /login. */
export async function uiLogin(page, email, password) {
  await page.locator('#login-email').fill(email);
  await page.locator('#login-password').fill(password);
  await page.locator('button[type=submit]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 15_000 });
}
