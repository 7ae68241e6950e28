// The Funnels page on simulated demo traffic: a funnel built in the step builder shows the counts
// POST …/funnel computes for the same definition; a drop-off lists the sessions POST …/funnel/sessions
// returns; a funnel saved in the page is listed by GET …/funnels and can be loaded and deleted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TIMEOUT, lastDays, useAnalyticsDemo } from './journeys-support.mjs';

const demo = useAnalyticsDemo();
const range = lastDays();
const STEPS = ['/demo/index.html', '/demo/product.html', '/demo/cart.html'];
const definition = { steps: STEPS.map((page) => ({ page })), window_ms: 86_400_000, order: 'loose', unit: 'session' };
const probe = { ...definition, from: range.from, to: range.to };

/** Builds the funnel in the UI: three page steps, then "Show funnel". */
async function buildFunnel(page) {
  await page.goto(demo.url(`funnels?from=${range.from}&to=${range.to}`));
  await page.getByTestId('funnel-add-step').click();
  const values = page.getByTestId('step-value');
  for (let i = 0; i < STEPS.length; i++) await values.nth(i).fill(STEPS[i]);
  await page.getByTestId('funnel-run').click();
  await page.getByTestId('funnel-steps-a').waitFor(TIMEOUT);
}

const cellNumbers = (table, testId) =>
  table.getByTestId(testId).evaluateAll((els) => els.map((e) => Number(e.textContent.trim().split(' ')[0].replace(/,/g, ''))));

test('a funnel built in the UI shows the API’s counts, and a drop-off lists the sessions that left there', async (t) => {
  await demo.requireServed('POST', 'funnel', probe);
  const api = await demo.api('POST', 'funnel', probe);
  assert.equal(api.steps.length, 3);
  assert.ok(api.steps[0].count > 0, 'the demo traffic starts this funnel');

  const { page, console } = await demo.dashboard();
  await buildFunnel(page);
  const table = page.getByTestId('funnel-steps-a');
  assert.deepEqual(await cellNumbers(table, 'step-count'), api.steps.map((s) => s.count), 'reached per step');
  const dropped = api.steps.slice(0, -1).map((s) => s.drop_off);
  assert.deepEqual(await cellNumbers(table, 'step-dropoff'), dropped, 'drop-off per step');
  assert.equal(await page.getByTestId('funnel-started').textContent(), api.steps[0].count.toLocaleString('en-US'));
  // the definition is in the URL: a reload shows the same funnel
  await page.reload();
  await page.getByTestId('funnel-steps-a').waitFor(TIMEOUT);
  assert.deepEqual(await cellNumbers(page.getByTestId('funnel-steps-a'), 'step-count'), api.steps.map((s) => s.count), 'after a reload');

  const k = dropped.findIndex((d) => d > 0);
  assert.ok(k >= 0, 'someone dropped off');
  const expected = await demo.api('POST', 'funnel/sessions', { ...probe, step: k, outcome: 'dropped', limit: 50 });
  await page.getByTestId('funnel-steps-a').locator(`tr[data-step="${k}"]`).getByTestId('step-dropoff').click();
  const list = page.getByTestId('funnel-sessions');
  await list.locator('tbody tr').first().waitFor(TIMEOUT);
  const rows = await list.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.session));
  assert.deepEqual(rows, expected.sessions.map((s) => s.session), 'the sessions that left after that step');
  assert.match(await page.getByTestId('funnel-sessions-title').textContent(), new RegExp(`Left after step ${k + 1}.*${expected.total.toLocaleString('en-US')} sessions?`));
  assert.equal(await list.locator('tbody tr').first().locator('a.strong-link').getAttribute('href'), `/sites/${demo.server.key}/replay/${encodeURIComponent(rows[0])}`);
  console.assertNone('on the funnels page');
});

test('a funnel saved in the page is listed by the API, loads back, and deletes', async (t) => {
  await demo.requireServed('GET', 'funnels');
  const { page, console } = await demo.dashboard();
  await buildFunnel(page);
  const name = `Cart funnel ${Date.now()}`;
  await page.getByTestId('funnel-name').fill(name);
  await page.getByTestId('funnel-save').click();
  const saved = page.getByTestId('saved-funnel').filter({ hasText: name });
  await saved.waitFor(TIMEOUT);
  const listed = (await demo.api('GET', 'funnels')).funnels.find((f) => f.name === name);
  assert.ok(listed, 'GET …/funnels lists it');
  // the saved definition comes back with the unused fields as null
  const defined = (step) => Object.fromEntries(Object.entries(step).filter(([, v]) => v !== null && v !== undefined));
  assert.deepEqual(listed.definition.steps.map(defined), definition.steps);

  // load it on a fresh page
  await page.goto(demo.url('funnels'));
  await page.getByTestId('saved-funnel').filter({ hasText: name }).getByRole('button', { name }).click();
  await page.getByTestId('funnel-steps-a').waitFor(TIMEOUT);
  assert.deepEqual(await page.getByTestId('step-value').evaluateAll((els) => els.map((e) => e.value)), STEPS);

  await page.getByTestId('saved-funnel').filter({ hasText: name }).getByRole('button', { name: 'Delete' }).click();
  await page.getByTestId('saved-funnel').filter({ hasText: name }).getByRole('button', { name: 'Delete' }).click(); // confirm
  await saved.waitFor({ state: 'detached', ...TIMEOUT });
  assert.ok(!(await demo.api('GET', 'funnels')).funnels.some((f) => f.name === name), 'deleted on the server');
  console.assertNone('on the funnels page');
});
