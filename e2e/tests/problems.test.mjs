// Frustration in the dashboard, in Chromium against the demo with simulated traffic: the problems page shows
// the API's problems in its order with their cost, the method note once, and links that open exactly the
// affected sessions and a replay at the occurrence; the sessions list sorts by friction and filters by
// frustration kind; the errors & performance page shows error groups (with their sample stack) and web vitals;
// the replay page puts the session's detections on the frustration lane beside its summary and moments.
// Screenshots go to e2e/output/dashboard-problems*.png, -errors.png, -sessions-friction.png, -replay-summary.png.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launch } from '../lib/browser.mjs';
import { apiLogin, shot, startDemoWithTraffic, uiLogin, waitForStableOverview, watchConsole } from '../lib/dashboard.mjs';
import { sleep } from '../lib/server.mjs';

const TIMEOUT = { timeout: 15_000 };
/** The e2e servers analyse a session 2 s after it went quiet (e2e/lib sets SIGHTLINE_ANALYSIS_QUIET_SECS). */
const ANALYSIS_WAIT_MS = 120_000;
const MINUS = '\u2212';

/** "−12.3" / "+4.0" / "0.0": the page's rounding of a rate difference in percentage points. */
function pp(delta) {
  const r = Math.round(delta * 1000) / 10;
  if (r === 0) return '0.0';
  return `${r < 0 ? MINUS : '+'}${Math.abs(r).toFixed(1)}`;
}

async function api(base, cookie, path) {
  const r = await fetch(`${base}${path}`, { headers: { cookie } });
  assert.equal(r.status, 200, `${path}: HTTP ${r.status} ${await r.clone().text()}`);
  return r.json();
}

/** Polls the problems until the analysis pass has found some and their number stopped changing. */
async function waitForProblems(base, key, cookie) {
  const end = Date.now() + ANALYSIS_WAIT_MS;
  let last = -1;
  for (;;) {
    const p = await api(base, cookie, `/api/v1/sites/${key}/problems`);
    if (p.problems.length > 0 && p.problems.length === last) return p;
    last = p.problems.length;
    if (Date.now() > end) throw new Error(`no stable problems after ${ANALYSIS_WAIT_MS} ms (${last})`);
    await sleep(2_000);
  }
}

describe('problems, errors & performance, frustration in sessions and replays', () => {
  let demo;
  let cookie;
  let browser;
  let context;
  let page;
  let consoleWatch;
  before(
    async () => {
      demo = await startDemoWithTraffic({ sessions: 300 });
      cookie = await apiLogin(demo.base, demo.email, demo.password);
      await waitForStableOverview(demo.base, demo.key, cookie);
      await waitForProblems(demo.base, demo.key, cookie);
      browser = await launch();
      context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      page = await context.newPage();
      await page.goto(`${demo.base}/login`);
      await uiLogin(page, demo.email, demo.password);
      consoleWatch = watchConsole(page);
    },
    { timeout: 300_000 },
  );
  after(async () => {
    await context?.close();
    await browser?.close();
    if (demo) {
      const res = await demo.stop();
      await demo.remove();
      assert.equal(res.code, 0, `demo exit after SIGTERM: ${JSON.stringify(res)}\n${demo.output()}`);
    }
  });

  test('the problems page ranks the API’s problems with their cost, the method once, and the hypothesis', async () => {
    const expected = await api(demo.base, cookie, `/api/v1/sites/${demo.key}/problems`);
    await page.goto(`${demo.base}/sites/${demo.key}/problems`);
    await page.getByTestId('problem').first().waitFor(TIMEOUT);
    const rows = page.getByTestId('problem');
    assert.equal(await rows.count(), expected.problems.length, 'one row per problem');
    assert.deepEqual(
      await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind'))),
      expected.problems.map((p) => p.kind),
      'in the API’s order (lost revenue, then lost conversions)',
    );
    assert.equal(await page.getByText(expected.method).count(), 1, 'the method note is shown exactly once');

    const first = expected.problems[0];
    const row = rows.first();
    assert.equal(
      await row.getByTestId('difference').textContent(),
      `${pp(first.difference.estimate)} pp (${pp(first.difference.low)} to ${pp(first.difference.high)})`,
    );
    const badge = await row.getByTestId('significance').textContent();
    if (first.significant) assert.equal(badge, 'Significant');
    else assert.ok(['Not significant', 'Too few sessions'].includes(badge), badge);
    assert.equal(await row.getByTestId('hypothesis').textContent(), first.hypothesis.replace(/`/g, ''));
    assert.equal((await row.getByTestId('stratified').count()) > 0, first.stratified, 'the stratified note follows the API');
    await shot(page, 'problems');
    consoleWatch.assertNone('on the problems page');
  });

  test('the kind filter narrows the problems and stays in the URL', async () => {
    const all = await api(demo.base, cookie, `/api/v1/sites/${demo.key}/problems`);
    const kind = all.problems[all.problems.length - 1].kind;
    const narrowed = all.problems.filter((p) => p.kind === kind).length;
    await page.getByTestId('pf-kind').selectOption(kind);
    await page.waitForURL((u) => u.searchParams.get('kind') === kind, TIMEOUT);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=problem]').length === n && !document.querySelector('.problems.is-refreshing'),
      narrowed,
      TIMEOUT,
    );
    const kinds = await page.getByTestId('problem').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    assert.ok(kinds.every((k) => k === kind), `only ${kind}: ${kinds}`);
    await page.reload();
    await page.getByTestId('problem').first().waitFor(TIMEOUT);
    assert.equal(await page.getByTestId('pf-kind').inputValue(), kind, 'the filter survives a reload');
    await shot(page, 'problems-kind');
    consoleWatch.assertNone('while filtering problems');
  });

  test('a problem’s sessions link lists exactly its affected sessions', async () => {
    const { problems } = await api(demo.base, cookie, `/api/v1/sites/${demo.key}/problems`);
    const p = problems[0];
    await page.goto(`${demo.base}/sites/${demo.key}/problems`);
    await page.getByTestId('problem-sessions').first().click();
    await page.getByTestId('sessions-table').waitFor(TIMEOUT);
    const url = new URL(page.url());
    assert.equal(url.pathname, `/sites/${demo.key}/sessions`);
    assert.equal(url.searchParams.get('frustration'), p.kind);
    assert.equal(url.searchParams.get('frustration_page'), p.page);
    assert.equal(url.searchParams.get('frustration_element'), p.element ?? null);
    assert.match(url.searchParams.get('from') ?? '', /^\d{4}-\d\d-\d\d$/, 'the range as days');
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid=pager-label]')?.textContent?.endsWith(`of ${n}`),
      p.sessions_affected.toLocaleString('en-US'),
      TIMEOUT,
    );
    assert.equal(await page.getByTestId('sf-frustration').inputValue(), p.kind);
    // every listed session shows the problem's kind among its chips (the table shows up to three kinds)
    const chips = await page
      .getByTestId('sessions-table')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('[data-testid=frustration-chips] [data-kind]')].map((c) => c.getAttribute('data-kind'))));
    assert.ok(chips.length > 0);
    assert.ok(
      chips.every((kinds) => kinds.includes(p.kind) || kinds.length === 3),
      `every session has a ${p.kind} chip: ${JSON.stringify(chips.slice(0, 5))}`,
    );
    await shot(page, 'problem-sessions');
    consoleWatch.assertNone('on a problem’s sessions');
  });

  test('the sessions list sorts by friction and filters by frustration kind', async () => {
    await page.goto(`${demo.base}/sites/${demo.key}/sessions`);
    await page.getByTestId('sessions-table').waitFor(TIMEOUT);
    const byFriction = await api(demo.base, cookie, `/api/v1/sites/${demo.key}/sessions?sort=friction&limit=1`);
    await page.getByTestId('sort-friction').click();
    await page.waitForURL((u) => u.searchParams.get('sort') === 'friction', TIMEOUT);
    // the list is replaced once the sorted page arrived: its first row is the API's
    await page.waitForFunction(
      (id) => document.querySelector('[data-testid=sessions-table] tbody tr')?.getAttribute('data-session') === id,
      byFriction.sessions[0].session,
      TIMEOUT,
    );
    const scores = (await page.getByTestId('friction').allTextContents()).map(Number);
    assert.ok(scores.length > 1 && scores[0] > 0, `friction scores shown: ${scores}`);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'highest friction first');

    await page.getByTestId('sf-frustration').selectOption('rage_click');
    await page.waitForURL((u) => u.searchParams.get('frustration') === 'rage_click', TIMEOUT);
    const { total } = await api(demo.base, cookie, `/api/v1/sites/${demo.key}/sessions?frustration=rage_click&limit=1`);
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid=pager-label]')?.textContent?.endsWith(`of ${n}`),
      total.toLocaleString('en-US'),
      TIMEOUT,
    );
    await shot(page, 'sessions-friction');
    consoleWatch.assertNone('on the sessions list');
  });

  test('errors & performance: error groups with their stack, and web vitals per page and device', async () => {
    const { errors } = await api(demo.base, cookie, `/api/v1/sites/${demo.key}/errors`);
    const { vitals } = await api(demo.base, cookie, `/api/v1/sites/${demo.key}/vitals`);
    await page.goto(`${demo.base}/sites/${demo.key}/errors`);
    await page.getByTestId('vitals-table').waitFor(TIMEOUT);
    await page.getByTestId(errors.length > 0 ? 'error-groups' : 'no-errors').waitFor(TIMEOUT);
    if (errors.length > 0) {
      const groups = page.getByTestId('error-groups').getByTestId('issue');
      assert.equal(await groups.count(), errors.length);
      await groups.first().getByTestId('issue-toggle').click();
      const withStack = errors[0].sample_stack;
      if (withStack) assert.equal(await page.getByTestId('sample-stack').textContent(), withStack);
      assert.equal(await page.getByTestId('issue-detail').getByTestId('sample-session').count(), errors[0].sample_sessions.length);
    }
    const cells = new Set(vitals.map((v) => `${v.page}|${v.device}`));
    assert.equal(await page.getByTestId('vitals-row').count(), cells.size, 'one row per page group and device');
    const ratings = await page.getByTestId('vital').evaluateAll((els) => els.map((e) => e.getAttribute('data-rating')));
    assert.equal(ratings.length, vitals.length, 'a cell per vital');
    assert.deepEqual(
      [...ratings].sort(),
      vitals.map((v) => v.rating).sort(),
      'each cell is coloured by the API’s rating',
    );
    await shot(page, 'errors');
    consoleWatch.assertNone('on errors & performance');
  });

  test('the replay shows the detections on the frustration lane beside the summary and its moments', async () => {
    const { problems } = await api(demo.base, cookie, `/api/v1/sites/${demo.key}/problems`);
    const index = problems.findIndex((p) => p.replay_session);
    assert.ok(index >= 0, 'a problem has an occurrence to replay');
    const p = problems[index];
    const { detections } = await api(demo.base, cookie, `/api/v1/sites/${demo.key}/sessions/${encodeURIComponent(p.replay_session)}/detections`);
    const summary = await api(demo.base, cookie, `/api/v1/sites/${demo.key}/sessions/${encodeURIComponent(p.replay_session)}/summary`);

    // its own page: simulated sessions have no recording, so the replay's chunk index answers 404
    const replayPage = await context.newPage();
    const watch = watchConsole(replayPage, { allowStatus: [404] });
    await replayPage.goto(`${demo.base}/sites/${demo.key}/problems`);
    await replayPage.getByTestId('problem').nth(index).getByTestId('problem-replay').click();
    await replayPage.getByTestId('replay-page').waitFor(TIMEOUT);
    const url = new URL(replayPage.url());
    assert.equal(url.pathname, `/sites/${demo.key}/replay/${encodeURIComponent(p.replay_session)}`);
    assert.equal(url.searchParams.get('at'), String(p.replay_ts));

    await replayPage.getByTestId('summary-text').waitFor(TIMEOUT);
    assert.equal(await replayPage.getByTestId('summary-text').textContent(), summary.text.replace(/`/g, ''));
    assert.equal(await replayPage.getByTestId('summary-outcome').textContent(), summary.outcome);
    assert.equal(await replayPage.getByTestId('moment').count(), summary.moments.length, 'every moment is listed');
    await replayPage.getByTestId('lane-frustration').waitFor(TIMEOUT);
    assert.equal(await replayPage.getByTestId('lane-frustration').locator('.tl-marker').count(), detections.length, 'a marker per detection');
    // the moments are on the replay clock: the first is the session's start
    const ts = await replayPage.getByTestId('moment').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-t'))));
    assert.deepEqual(ts, [...ts].sort((a, b) => a - b), 'moments in time order');
    assert.equal(ts[0], 0);
    await shot(replayPage, 'replay-summary');
    watch.assertNone('on the replay page');
    await replayPage.close();
  });
});
