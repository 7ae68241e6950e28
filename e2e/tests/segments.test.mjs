// Segments in the shared filter bar, on simulated demo traffic: an invalid expression shows the server's own
// 400 message (and changes nothing); a valid one goes into the URL and every view sends it (the overview's
// KPIs are the API's for that segment); a saved segment is listed by the API, applies, and deletes; a
// compared segment B shows B's numbers next to A's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TIMEOUT, lastDays, rangeQuery, shownMessage, useAnalyticsDemo } from './journeys-support.mjs';

const demo = useAnalyticsDemo();
const range = lastDays();
const MOBILE = 'device = "mobile"';
const INVALID = 'device = "mobile" AND (channel ='; // no trailing space: the editor sends the expression trimmed

async function openEditor(page, side = 'a') {
  await page.getByTestId(`segment-${side}`).locator('button').first().click();
  return page.getByTestId(`segment-input-${side}`);
}

test('an invalid expression shows the server’s message and leaves the URL alone', async (t) => {
  const probe = await demo.call('GET', `sessions?${rangeQuery(range)}&limit=1&segment=${encodeURIComponent(INVALID)}`);
  await demo.requireServed('GET', `sessions?${rangeQuery(range)}&limit=1&segment=${encodeURIComponent(INVALID)}`);
  assert.equal(probe.status, 400, `the server refuses ${INVALID}`);
  assert.equal(probe.body.error.code, 'invalid_segment');

  const { page } = await demo.dashboard();
  await page.goto(demo.url(`overview?${rangeQuery(range)}`));
  await page.getByTestId('kpi-visitors').waitFor(TIMEOUT);
  const input = await openEditor(page);
  await input.fill(INVALID);
  await page.getByTestId('segment-apply-a').click();
  const error = page.getByTestId('segment-error-a');
  await error.waitFor(TIMEOUT);
  assert.equal((await error.textContent()).trim(), shownMessage(probe.body.error.message), 'the server’s message, as sent');
  assert.match(probe.body.error.message, /column \d+/, 'which names where the expression went wrong');
  assert.equal(new URL(page.url()).searchParams.get('segment'), null, 'not applied');
});

test('a valid segment goes into the URL and the overview shows that segment’s numbers', async (t) => {
  await demo.requireServed('GET', `overview?${rangeQuery(range)}&segment=${encodeURIComponent(MOBILE)}`);
  const expected = await demo.api('GET', `overview?${rangeQuery(range)}&segment=${encodeURIComponent(MOBILE)}`);
  const all = await demo.api('GET', `overview?${rangeQuery(range)}`);
  assert.ok(expected.visitors > 0 && expected.visitors < all.visitors, 'mobile is a part of the traffic');

  const { page, console } = await demo.dashboard();
  await page.goto(demo.url(`overview?${rangeQuery(range)}`));
  await (await openEditor(page)).fill(MOBILE);
  await page.getByTestId('segment-apply-a').click();
  await page.waitForURL((u) => u.searchParams.get('segment') === MOBILE, TIMEOUT);
  await page.waitForFunction((v) => document.querySelector('[data-testid="kpi-visitors"] .kpi-value')?.textContent === v, expected.visitors.toLocaleString('en-US'), TIMEOUT);
  // carried to another page
  await page.getByRole('link', { name: 'Sessions' }).first().click();
  await page.waitForURL((u) => u.pathname.endsWith('/sessions') && u.searchParams.get('segment') === MOBILE, TIMEOUT);
  console.assertNone('with a segment');
});

test('a saved segment is listed by the API, applies from the list, and deletes', async (t) => {
  await demo.requireServed('GET', 'segments');
  const name = `Mobile ${Date.now()}`;
  const { page, console } = await demo.dashboard();
  await page.goto(demo.url(`overview?${rangeQuery(range)}`));
  await (await openEditor(page)).fill(MOBILE);
  await page.getByLabel('Segment name').fill(name);
  await page.getByTestId('saved-segments').getByRole('button', { name: 'Save' }).click();
  const item = page.getByTestId('saved-segment').filter({ hasText: name });
  await item.waitFor(TIMEOUT);
  const listed = (await demo.api('GET', 'segments')).segments.find((s) => s.name === name);
  assert.equal(listed?.expression, MOBILE, 'GET …/segments lists it');

  await item.click();
  await page.waitForURL((u) => u.searchParams.get('segment') === MOBILE, TIMEOUT);
  await openEditor(page);
  await page.getByRole('button', { name: `Delete saved segment ${name}` }).click();
  await item.waitFor({ state: 'detached', ...TIMEOUT });
  assert.ok(!(await demo.api('GET', 'segments')).segments.some((s) => s.name === name), 'deleted on the server');
  console.assertNone('saving a segment');
});

test('comparing with a segment B shows B’s numbers beside A’s', async (t) => {
  await demo.requireServed('GET', `overview?${rangeQuery(range)}&segment=${encodeURIComponent(MOBILE)}`);
  const b = await demo.api('GET', `overview?${rangeQuery(range)}&segment=${encodeURIComponent(MOBILE)}`);
  const a = await demo.api('GET', `overview?${rangeQuery(range)}`);
  const { page, console } = await demo.dashboard();
  await page.goto(demo.url(`overview?${rangeQuery(range)}`));
  await (await openEditor(page, 'b')).fill(MOBILE);
  await page.getByTestId('segment-apply-b').click();
  await page.waitForURL((u) => u.searchParams.get('segment_b') === MOBILE, TIMEOUT);
  const row = page.getByTestId('compare-visitors');
  await page.waitForFunction((v) => document.querySelector('[data-testid="compare-visitors"] [data-side="b"]')?.textContent === v, b.visitors.toLocaleString('en-US'), TIMEOUT);
  assert.equal(await row.locator('[data-side="a"]').textContent(), a.visitors.toLocaleString('en-US'));
  assert.match(await page.getByTestId('compare-overview').textContent(), /B · device = "mobile"/);
  console.assertNone('comparing segments');
});

test('journeys and funnels compared with a segment B draw B from the API’s answer for B', async (t) => {
  await demo.requireServed('GET', `paths?${rangeQuery(range)}&segment=${encodeURIComponent(MOBILE)}`);
  const journeyB = await demo.api('GET', `paths?${rangeQuery(range)}&start=entry&steps=5&nodes=pages&segment=${encodeURIComponent(MOBILE)}`);
  const { page, console } = await demo.dashboard();
  await page.goto(demo.url(`journeys?${rangeQuery(range)}&segment_b=${encodeURIComponent(MOBILE)}`));
  for (const side of ['a', 'b']) await page.getByTestId(`sankey-${side}`).locator('.sankey-hotspot').first().waitFor({ state: 'attached', ...TIMEOUT });
  const drawnB = await page
    .getByTestId('sankey-b')
    .locator('.sankey-hotspot:not([disabled])')
    .evaluateAll((els) => els.map((e) => `${e.dataset.step}:${e.dataset.node}:${e.dataset.sessions}`).sort());
  assert.deepEqual(drawnB, journeyB.nodes.map((n) => `${n.step}:${n.name}:${n.sessions}`).sort(), 'B’s sankey is the API’s journeys for B');
  assert.match(await page.getByTestId('journeys').textContent(), /B · device = "mobile"/);

  const definition = { steps: [{ page: '/demo/product.html' }, { page: '/demo/cart.html' }], window_ms: 86_400_000, order: 'loose', unit: 'session' };
  const funnelB = await demo.api('POST', 'funnel', { ...definition, from: range.from, to: range.to, segment: MOBILE });
  await page.goto(demo.url(`funnels?${rangeQuery(range)}&segment_b=${encodeURIComponent(MOBILE)}&funnel=${encodeURIComponent(JSON.stringify(definition))}`));
  await page.getByTestId('funnel-steps-b').waitFor(TIMEOUT);
  const countsB = await page.getByTestId('funnel-steps-b').getByTestId('step-count').evaluateAll((els) => els.map((e) => Number(e.textContent.replace(/,/g, ''))));
  assert.deepEqual(countsB, funnelB.steps.map((s) => s.count), 'B’s funnel is the API’s funnel for B');
  console.assertNone('comparing journeys and funnels');
});
