// Starts `sightline demo --sessions 0` (the demo shop, no simulated traffic) in a fresh temp data
// dir, reads the site key (stdout) and the address (stderr log), waits for /healthz, and stops it
// with SIGTERM (the server drains and exits 0); `remove()` deletes the data dir afterwards.
// A server left running is killed when Node exits.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SIGHTLINE_BIN = process.env.SIGHTLINE_BIN || path.join(REPO_ROOT, 'target/debug/sightline');

const ANSI = /\x1b\[[0-9;]*m/g;
const live = new Set();

/**
 * The server's environment: ours, minus SIGHTLINE_BIN (the server reads every SIGHTLINE_* variable as a
 * config key and refuses to start on one it does not know), over `defaults`.
 */
export function serverEnv(defaults = {}) {
  const { SIGHTLINE_BIN: _bin, ...env } = process.env;
  return { ...defaults, ...env, NO_COLOR: '1', RUST_LOG: process.env.RUST_LOG || 'info' };
}

function killAll() {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * @returns {Promise<{base: string, key: string, headers: Record<string, string>, dataDir: string, pid: number,
 *   stop: () => Promise<{code: number|null, signal: string|null, timedOut?: true}>,
 *   remove: () => Promise<void>, output: () => string}>}
 */
export async function startServer({ extraArgs = [], timeout = 30_000 } = {}) {
  if (!existsSync(SIGHTLINE_BIN)) {
    throw new Error(`${SIGHTLINE_BIN} not found: build it first (cargo build -p sightline), or set SIGHTLINE_BIN`);
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sightline-e2e-'));
  const args = ['demo', '--sessions', '0', '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...extraArgs];
  const proc = spawn(SIGHTLINE_BIN, args, {
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
  const echo = !!process.env.E2E_SERVER_LOG;

  const ready = new Promise((resolve, reject) => {
    let key = '';
    let base = '';
    let login = null;
    const check = () => key && base && resolve({ key, base, login });
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (d) => {
      out += d;
      if (echo) process.stderr.write(`[server stdout] ${d}`);
      const clean = out.replace(ANSI, '');
      const m = clean.match(/^site key: (\S+)\s*$/m);
      if (m) key = m[1];
      // the demo's dashboard login, printed before the site key: "  login:      EMAIL / PASSWORD"
      const l = clean.match(/^\s*login:\s+(\S+@\S+) \/ (\S+)\s*$/m);
      if (l) login = { email: l[1], password: l[2] };
      check();
    });
    proc.stderr.on('data', (d) => {
      err += d;
      if (echo) process.stderr.write(`[server] ${d}`);
      const m = err.replace(ANSI, '').match(/listening on (http:\/\/[0-9.]+:\d+)/);
      if (m) base = m[1];
      check();
    });
    proc.once('error', reject);
    exited.then(({ code, signal }) =>
      reject(new Error(`sightline exited early (code ${code}, signal ${signal})\n${tail(out, err)}`)),
    );
  });
  const output = () => tail(out, err);

  let info;
  try {
    info = await withTimeout(ready, timeout, () => `no "site key:" / "listening on" from sightline within ${timeout} ms\n${output()}`);
    await waitHealthy(info.base, timeout);
    info.headers = await authenticate(info.base, info.login);
  } catch (e) {
    proc.kill('SIGKILL');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }

  let stopped;
  const stop = () =>
    (stopped ||= (async () => {
      proc.kill('SIGTERM');
      let timer;
      let res = await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 15_000, null)))]);
      clearTimeout(timer);
      if (!res) {
        proc.kill('SIGKILL');
        res = await exited;
        res.timedOut = true;
      }
      return res;
    })());
  /** Deletes the data dir (kept when E2E_KEEP_DATA is set, for a look after a failure). */
  const remove = async () => {
    if (process.env.E2E_KEEP_DATA) console.error(`[e2e] kept data dir ${dataDir}`);
    else await rm(dataDir, { recursive: true, force: true });
  };

  return { ...info, dataDir, pid: proc.pid, stop, remove, output };
}

/**
 * Headers for the read API (`/api/v1/sites/...`): the demo's login cookie when the server has logins.
 * With no "login:" line printed, the read API is assumed open (an older server) and no header is sent.
 */
async function authenticate(base, login) {
  if (!login) return {};
  const r = await fetch(`${base}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(login),
  });
  if (!r.ok) throw new Error(`POST /api/v1/login as ${login.email}: HTTP ${r.status}: ${await r.text()}`);
  const cookie = (r.headers.getSetCookie?.() || [r.headers.get('set-cookie') || ''])
    .map((c) => c.split(';')[0])
    .filter(Boolean)
    .join('; ');
  if (!cookie) throw new Error('POST /api/v1/login answered without a cookie');
  return { cookie };
}

async function waitHealthy(base, timeout) {
  const end = Date.now() + timeout;
  let last = '';
  while (Date.now() < end) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = String(e);
    }
    await sleep(100);
  }
  throw new Error(`${base}/healthz not OK within ${timeout} ms (${last})`);
}

function tail(out, err) {
  const t = (s) => s.replace(ANSI, '').split('\n').slice(-40).join('\n');
  return `--- stdout ---\n${t(out)}\n--- stderr ---\n${t(err)}`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(p, ms, msg) {
  let timer;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(msg())), ms);
    }),
  ]);
}
