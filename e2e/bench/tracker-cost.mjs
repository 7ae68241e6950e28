// Main-thread cost of the tracker: the demo product page in Chromium with and without /t.js
// (blocked by route interception for the baseline), 100 scripted interactions each run.
//
//  - CDP Performance.getMetrics ScriptDuration / TaskDuration deltas over the interactions,
//    with minus without (median of the runs): everything the main thread did, noisy on a busy box;
//  - CDP Profiler samples whose stack contains a /t.js frame (separate, profiled runs): time
//    attributable to the tracker directly, including the native calls it makes;
//  - long tasks (PerformanceObserver 'longtask', ≥ 50 ms) during the interactions.
//
// Usage: node bench/tracker-cost.mjs [--runs N]   (npm run bench)
import { DESKTOP_VIEWPORT, launch } from '../lib/browser.mjs';
import { trackerReady } from '../lib/api.mjs';
import { sleep, startServer } from '../lib/server.mjs';

const argRuns = process.argv.indexOf('--runs');
const RUNS = Math.max(1, Number(argRuns > 0 ? process.argv[argRuns + 1] : process.env.BENCH_RUNS || 3));
const INTERACTIONS = 100;

const server = await startServer();
const browser = await launch();

/** One run: fresh context, product page, settle, 100 interactions, settle; returns measures. */
async function run(variant) {
  const withTracker = variant !== 'without';
  const profile = variant === 'profiled';
  const context = await browser.newContext({ viewport: DESKTOP_VIEWPORT });
  const page = await context.newPage();
  if (!withTracker) {
    await page.route('**/t.js', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: '' }));
  }
  let batches = 0;
  let batchBytes = 0;
  page.on('request', (r) => {
    if (r.url().endsWith('/api/v1/batch') && r.method() === 'POST') {
      batches++;
      batchBytes += r.postDataBuffer()?.length || 0;
    }
  });
  await page.addInitScript(() => {
    window.__longtasks = [];
    try {
      new PerformanceObserver((l) => window.__longtasks.push(...l.getEntries().map((e) => [e.startTime, e.duration]))).observe({
        type: 'longtask',
        buffered: true,
      });
    } catch {
      /* unsupported */
    }
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  await page.goto(`${server.base}/demo/product.html?id=trail-runner`, { waitUntil: 'load' });
  if (withTracker) await trackerReady(page);
  // let load-time work finish (tracker layout ~1 s after the pageview, web-vitals, first flush timer)
  await sleep(1500);

  const metric = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    return { script: m.ScriptDuration * 1000, task: m.TaskDuration * 1000 };
  };
  if (profile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 }); // µs
    await cdp.send('Profiler.start');
  }
  const t0 = await page.evaluate(() => performance.now());
  const before = await metric();
  await interact(page);
  await sleep(1500); // click windows (1 s) settle, queued sends go out
  const after = await metric();
  let trackerMs = null;
  if (profile) {
    const { profile: p } = await cdp.send('Profiler.stop');
    trackerMs = attributed(p, /\/t\.js(\?|$)/);
  }
  const longTasks = await page.evaluate((t0) => window.__longtasks.filter(([s]) => s >= t0), t0);
  await context.close();
  return {
    script: after.script - before.script,
    task: after.task - before.task,
    trackerMs,
    longTasks: longTasks.length,
    longTaskMs: longTasks.reduce((a, [, d]) => a + d, 0),
    batches,
    batchBytes,
  };
}

/** 100 interactions: 40 mouse moves (5 pointer events each), 30 clicks, 30 wheel scrolls. */
async function interact(page) {
  const box = async (sel) => page.locator(sel).first().boundingBox();
  const targets = [
    '[data-sl-zone="product-image"]',
    '[data-sl-zone="qty-stepper"] .qty-inc',
    '[data-sl-zone="qty-stepper"] .qty-dec',
    '.swatch >> nth=1',
    '.swatch >> nth=0',
    '.thumb >> nth=1',
    '.thumb >> nth=0',
  ];
  let n = 0;
  for (let round = 0; n < INTERACTIONS; round++) {
    // 4 moves, 3 clicks, 3 scrolls per round of 10
    for (let i = 0; i < 4; i++, n++) {
      await page.mouse.move(100 + ((round * 97 + i * 211) % 1000), 150 + ((round * 53 + i * 131) % 550), { steps: 5 });
      await sleep(30);
    }
    for (let i = 0; i < 3; i++, n++) {
      await page.evaluate(() => window.scrollTo(0, 0));
      const b = await box(targets[(round * 3 + i) % targets.length]);
      await page.mouse.click(b.x + b.width * 0.5, b.y + b.height * 0.5);
      await sleep(30);
    }
    for (let i = 0; i < 3; i++, n++) {
      await page.mouse.wheel(0, i === 2 ? -600 : 300);
      await sleep(60);
    }
  }
}

/** ms of profile samples with a frame from a URL matching `re` anywhere on the stack. */
function attributed(profile, re) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const memo = new Map();
  const hit = (id) => {
    if (memo.has(id)) return memo.get(id);
    const n = byId.get(id);
    const v = re.test(n.callFrame.url) || (parent.has(id) ? hit(parent.get(id)) : false);
    memo.set(id, v);
    return v;
  };
  let us = 0;
  profile.samples.forEach((id, i) => {
    if (hit(id)) us += profile.timeDeltas[i + 1] ?? 0; // a sample's time runs until the next one
  });
  return us / 1000;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f1 = (x) => x.toFixed(1);

try {
  const res = { without: [], with: [], profiled: [] };
  await run('with'); // warm-up (caches, JIT of the browser side), not counted
  for (let i = 0; i < RUNS; i++) {
    for (const v of ['without', 'with', 'profiled']) res[v].push(await run(v));
    process.stderr.write(`run ${i + 1}/${RUNS} done\n`);
  }
  const med = (v, k) => median(res[v].map((r) => r[k]));
  const scriptDiff = med('with', 'script') - med('without', 'script');
  const taskDiff = med('with', 'task') - med('without', 'task');
  const tracker = med('profiled', 'trackerMs');
  const lt = (v) => res[v].map((r) => r.longTasks);
  console.log(`runs: ${RUNS} per variant, ${INTERACTIONS} interactions each (40 mouse moves ×5 events, 30 clicks, 30 wheel scrolls)`);
  console.log(
    `ScriptDuration over the interactions (median): with tracker ${f1(med('with', 'script'))} ms, without ${f1(med('without', 'script'))} ms → +${f1(scriptDiff)} ms`,
  );
  console.log(
    `TaskDuration over the interactions (median):   with tracker ${f1(med('with', 'task'))} ms, without ${f1(med('without', 'task'))} ms → +${f1(taskDiff)} ms`,
  );
  console.log(`profiler, samples with a t.js frame on the stack (median): ${f1(tracker)} ms (runs: ${res.profiled.map((r) => f1(r.trackerMs)).join(', ')})`);
  console.log(`long tasks ≥ 50 ms during the interactions: with tracker ${lt('with').join('/')}, without ${lt('without').join('/')}`);
  console.log(`batches sent per run (median): ${med('with', 'batches')}, ${Math.round(med('with', 'batchBytes'))} bytes`);
  const longWith = Math.max(...lt('with'));
  // headline: the unprofiled ScriptDuration difference (the profiler's own overhead inflates the
  // attributed figure; TaskDuration adds style/layout/GC and is much noisier on a busy machine)
  console.log(`tracker main-thread time per ${INTERACTIONS} interactions: ${f1(scriptDiff)} ms (long tasks: ${longWith})`);
} finally {
  await browser.close();
  await server.stop();
  await server.remove();
}
