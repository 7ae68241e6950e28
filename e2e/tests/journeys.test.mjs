// The Journeys page on simulated demo traffic: the sankey draws the nodes GET …/paths answers (each step's
// pages with their session counts), the controls change the query, and a click on a node of the chart
// lists that node's sessions (as GET …/paths/sessions counts them) with links to their replays.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TIMEOUT, lastDays, rangeQuery, useAnalyticsDemo } from './journeys-support.mjs';

const demo = useAnalyticsDemo();
const range = lastDays();

/** The nodes the page placed over the chart (one per sankey node but the grey drop-off ones). */
async function drawnNodes(page, side = 'a') {
  const sankey = page.getByTestId(`sankey-${side}`);
  await sankey.locator('.sankey-hotspot').first().waitFor({ state: 'attached', ...TIMEOUT });
  return sankey.locator('.sankey-hotspot:not([disabled])').evaluateAll((els) =>
    els.map((e) => ({ step: Number(e.dataset.step), name: e.dataset.node, sessions: Number(e.dataset.sessions), exits: Number(e.dataset.exits) })),
  );
}
const byKey = (a, b) => a.step - b.step || a.name.localeCompare(b.name);

test('the sankey draws the API’s nodes, with drop-offs, for the default and a 3-step journey', async (t) => {
  await demo.requireServed('GET', `paths?${rangeQuery(range)}`);
  const { page, console } = await demo.dashboard();
  for (const extra of ['', '&steps=3']) {
    const api = await demo.api('GET', `paths?${rangeQuery(range)}&start=entry&nodes=pages${extra ? extra : '&steps=5'}`);
    assert.ok(api.nodes.length > 0, 'the demo traffic has journeys');
    await page.goto(demo.url(`journeys?${rangeQuery(range)}${extra}`));
    const drawn = await drawnNodes(page);
    const expected = api.nodes.map((n) => ({ step: n.step, name: n.name, sessions: n.sessions, exits: n.exits }));
    assert.deepEqual(drawn.sort(byKey), expected.sort(byKey), `the chart's nodes are the API's (${extra || 'default'})`);
    assert.equal(await page.getByTestId('journey-total-a').textContent(), `${api.sessions.toLocaleString('en-US')} sessions`);
    // drop-offs: one grey node per step that lost sessions, holding that step's exits (the last step's are in
    // its labels)
    const lastStep = Math.max(...api.nodes.map((n) => n.step));
    const exits = await page.getByTestId('sankey-a').locator('.sankey-hotspot[data-kind="exit"]').evaluateAll((els) => els.map((e) => ({ step: Number(e.dataset.step), sessions: Number(e.dataset.sessions) })));
    const perStep = new Map();
    for (const n of api.nodes) if (n.exits > 0 && n.step < lastStep) perStep.set(n.step, (perStep.get(n.step) ?? 0) + n.exits);
    assert.deepEqual(exits.sort((a, b) => a.step - b.step), [...perStep].map(([step, sessions]) => ({ step, sessions })).sort((a, b) => a.step - b.step));
    if (extra) assert.equal(Math.max(...drawn.map((n) => n.step)), 3, '3 steps after the entry page: steps 0..3');
    // the top paths table lists the API's top paths
    assert.equal(await page.getByTestId('top-paths').locator('tbody tr').count(), api.top_paths.length);
  }
  console.assertNone('on the journeys page');
});

test('clicking a node in the chart lists its sessions, each linking to its replay', async (t) => {
  await demo.requireServed('GET', `paths?${rangeQuery(range)}`);
  const api = await demo.api('GET', `paths?${rangeQuery(range)}&start=entry&steps=5&nodes=pages`);
  // the busiest second-step page
  const node = api.nodes.filter((n) => n.step === 1 && n.kind === 'page').sort((a, b) => b.sessions - a.sessions)[0];
  assert.ok(node, 'a second step exists');
  const expected = await demo.api('GET', `paths/sessions?${rangeQuery(range)}&start=entry&steps=5&nodes=pages&step=1&node=${encodeURIComponent(node.name)}&limit=50`);

  const { page, console } = await demo.dashboard();
  await page.goto(demo.url(`journeys?${rangeQuery(range)}`));
  await drawnNodes(page);
  const hotspot = page.getByTestId('sankey-a').locator(`.sankey-hotspot[data-step="1"][data-node="${node.name}"]`);
  const box = await hotspot.boundingBox();
  assert.ok(box && box.height > 0, `the node ${node.name} is drawn`);
  // a real pointer click on the canvas (the hotspots let pointer events through to the chart)
  await page.mouse.click(box.x + box.width / 2, box.y + Math.min(box.height / 2, 20));
  const list = page.getByTestId('path-sessions');
  await list.locator('tbody tr').first().waitFor(TIMEOUT);
  const title = await page.getByTestId('path-sessions-title').textContent();
  assert.match(title, new RegExp(`Step 2: ${node.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.match(title, new RegExp(`${expected.total.toLocaleString('en-US')} sessions?`), `the total is the API's: ${title}`);
  const rows = await list.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.session));
  assert.deepEqual(rows, expected.sessions.map((s) => s.session), 'the listed sessions are the API’s');

  // each row's start time links to the session's replay
  const first = list.locator('tbody tr').first().locator('a.strong-link');
  assert.equal(await first.getAttribute('href'), `/sites/${demo.server.key}/replay/${encodeURIComponent(rows[0])}`);
  await first.click();
  await page.waitForURL(new RegExp(`/replay/${rows[0]}`), TIMEOUT);
  console.assertNone('on the journeys page and the replay');
});

test('clicking a link lists the sessions that took it, and a grey drop-off link those that left there', async (t) => {
  await demo.requireServed('GET', `paths?${rangeQuery(range)}`);
  const base = `${rangeQuery(range)}&start=entry&steps=5&nodes=pages`;
  const { page, console } = await demo.dashboard();
  await page.goto(demo.url(`journeys?${rangeQuery(range)}`));
  await drawnNodes(page);
  const marks = await page
    .getByTestId('sankey-a')
    .locator('.sankey-link-mark')
    .evaluateAll((els) => els.map((e) => ({ ...e.dataset, box: e.getBoundingClientRect().toJSON() })));
  // the thickest link of each kind (a thick band is where a click at its middle lands on it)
  const thickest = (kind) => marks.filter((m) => m.link === kind).sort((a, b) => Number(b.thickness) - Number(a.thickness))[0];
  for (const kind of ['flow', 'exit']) {
    const m = thickest(kind);
    assert.ok(m && Number(m.thickness) >= 4, `a ${kind} link is drawn thick enough to click (${m?.thickness} px)`);
    const expected = await demo.api('GET', `paths/sessions?${base}&step=${m.step}&node=${encodeURIComponent(m.node)}&next=${encodeURIComponent(m.next)}&limit=50`);
    assert.equal(expected.total, Number(m.sessions), `the API counts the link's ${m.sessions} sessions`);
    await page.mouse.click(m.box.x, m.box.y);
    const title = page.getByTestId('path-sessions-title');
    const want = kind === 'flow' ? `${m.node} → ${m.next} (step ${Number(m.step) + 1})` : `Left after ${m.node} (step ${Number(m.step) + 1})`;
    await page.waitForFunction(
      ([w, n]) => {
        const text = document.querySelector('[data-testid="path-sessions-title"]')?.textContent ?? '';
        return text.includes(w) && text.includes(n);
      },
      [want, `${expected.total.toLocaleString('en-US')} session`],
      TIMEOUT,
    );
    const rows = await page.getByTestId('path-sessions').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.session));
    assert.deepEqual(rows, expected.sessions.map((s) => s.session), `${kind}: the API's sessions (${await title.textContent()})`);
    await page.mouse.move(0, 0);
  }
  console.assertNone('clicking links');
});
