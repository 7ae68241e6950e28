// Session replay helpers: the recorder running on a demo page, a session's stored replay chunks (polled),
// the whole replay as the API serves it, posting raw batches, the dashboard logged in as the demo user, the
// replay player's iframe, and zstd blobs read back with the `zstd` CLI (when installed).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { flush } from './api.mjs';
import { OUTPUT_DIR, uiLogin } from './dashboard.mjs';
import { listFiles } from './files.mjs';
import { sleep } from './server.mjs';

const run = promisify(execFile);

/** Waits until the replay add-on is loaded and recording on the page (`window.__sl_replay.n` set by replay.js). */
export async function replayRecording(page) {
  await page.waitForFunction(() => typeof window.__sl_replay?.n === 'function', null, { timeout: 15_000 });
}

/** GET the session's replay chunk index; `[]` while there is none (404). */
export async function replayChunks(server, sid) {
  const r = await fetch(`${server.base}/api/v1/sites/${server.key}/sessions/${sid}/replay/chunks`, { headers: server.headers });
  if (r.status === 404) return [];
  if (!r.ok) throw new Error(`GET replay chunks: HTTP ${r.status}: ${await r.text()}`);
  return r.json();
}

/** Polls the chunk index until `done(chunks)` (flushing `page` each round), and returns it. */
export async function waitForReplay(server, sid, done, { page, timeout = 20_000, what = 'replay chunks' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    await flush(page);
    const chunks = await replayChunks(server, sid);
    if (done(chunks)) return chunks;
    if (Date.now() > end) {
      const list = chunks.map((c) => `  ${c.pageview} #${c.chunk}: ${c.events} events ${c.first_ts}..${c.last_ts}`).join('\n') || '  (none)';
      throw new Error(`timed out after ${timeout} ms waiting for ${what} of session ${sid}; stored:\n${list}`);
    }
    await sleep(300);
  }
}

/** The whole replay (GET …/replay): the JSON text as served (decompressed by the server). */
export async function replayText(server, sid) {
  const r = await fetch(`${server.base}/api/v1/sites/${server.key}/sessions/${sid}/replay`, { headers: server.headers });
  assert.equal(r.status, 200, `GET replay: HTTP ${r.status}`);
  return r.text();
}

/** POST /api/v1/batch as a browser on the demo's origin would (WIRE.md). */
export async function postBatch(server, batch) {
  const r = await fetch(`${server.base}/api/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain',
      origin: server.base,
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
    },
    body: JSON.stringify({ v: 1, site: server.key, vid: null, sent_at: Date.now(), ...batch }),
  });
  assert.equal(r.status, 202, `batch seq ${batch.seq}: HTTP ${r.status} ${await r.text()}`);
}

/** A browser context logged in to the dashboard as the demo user (the server's printed login). */
export async function dashboardContext(browser, server) {
  assert.ok(server.login, 'the demo printed no login');
  const context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
  const page = await context.newPage();
  await page.goto(`${server.base}/login`);
  await uiLogin(page, server.login.email, server.login.password);
  await page.close();
  return context;
}

export const REPLAY_IFRAME = '[data-testid="replay-stage"] iframe';

/** Opens a session's replay page and waits for the player's frame. */
export async function openReplay(context, server, sid, { t = null } = {}) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  await page.goto(`${server.base}/sites/${server.key}/replay/${encodeURIComponent(sid)}${t === null ? '' : `?t=${t}`}`);
  await page.locator(REPLAY_IFRAME).waitFor({ state: 'attached', timeout: 15_000 });
  return { page, problems, frame: page.frameLocator(REPLAY_IFRAME) };
}

/** The player's frame (a Playwright Frame: it can read the frame's DOM; the page's own scripts cannot run). */
export async function replayFrame(page) {
  const handle = await page.locator(REPLAY_IFRAME).elementHandle({ timeout: 15_000 });
  const frame = await handle.contentFrame();
  assert.ok(frame, 'the replay iframe has a frame');
  return frame;
}

/** Polls `fn(arg)` evaluated in the replay frame until it returns something truthy; returns that. */
export async function waitInReplay(page, fn, arg, { timeout = 10_000, what = 'the replay frame' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await (await replayFrame(page)).evaluate(fn, arg);
      if (last) return last;
    } catch (e) {
      last = `error: ${e.message.split('\n')[0]}`; // the frame was being rebuilt (a seek to another page)
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await sleep(100);
  }
}

/** Full-page screenshot to e2e/output/replay-<name>.png. */
export async function replayShot(page, name) {
  await mkdir(OUTPUT_DIR, { recursive: true });
  const file = path.join(OUTPUT_DIR, `replay-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Whether the `zstd` CLI is there (Debian package `zstd`). */
export async function haveZstd() {
  try {
    await run('zstd', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** Every zstd file under `dir` (by magic bytes), decompressed with the CLI: [{file, text}]. */
export async function zstdFiles(dir) {
  const out = [];
  for (const file of await listFiles(dir)) {
    let head;
    try {
      head = await readFile(file);
    } catch {
      continue;
    }
    if (!(head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd)) continue;
    const { stdout } = await run('zstd', ['-dc', file], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    out.push({ file: path.relative(dir, file), text: stdout.toString('utf8') });
  }
  return out;
}

