// The Retention page on simulated demo traffic: the cohort table is the API's cohorts (sizes and the share
// returning in each period) and the customers block its customers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TIMEOUT, lastDays, rangeQuery, useAnalyticsDemo } from './journeys-support.mjs';

const demo = useAnalyticsDemo({ days: 14 });
const range = lastDays();
const pct = (r) => `${Math.round(r * 1000) / 10}%`;

for (const period of ['week', 'day']) {
  test(`the ${period} cohort table shows the API’s cohorts`, async (t) => {
    await demo.requireServed('GET', `retention?${rangeQuery(range)}&period=${period}`);
    const api = await demo.api('GET', `retention?${rangeQuery(range)}&period=${period}&periods=${period === 'week' ? 8 : 14}`);
    assert.ok(api.cohorts.length > 0, 'the demo traffic makes cohorts');
    const { page, console } = await demo.dashboard();
    await page.goto(demo.url(`retention?${rangeQuery(range)}${period === 'day' ? '&period=day' : ''}`));
    const table = page.getByTestId('cohort-table');
    await table.waitFor(TIMEOUT);
    const rows = await table.locator('tbody tr[data-cohort]').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
    assert.equal(rows.length, api.cohorts.length);
    api.cohorts.forEach((c, i) => {
      assert.equal(rows[i][0], c.start);
      assert.equal(rows[i][1], c.size.toLocaleString('en-US'));
      c.returned.forEach((n, k) => assert.equal(rows[i][2 + k], pct(c.size ? n / c.size : 0), `${c.start} period ${k}`));
    });
    const customers = await page.getByTestId('customers-customers').locator('.kpi-value').textContent();
    assert.equal(customers, api.customers.customers.toLocaleString('en-US'));
    assert.equal(await page.getByTestId('customers-repeat').locator('.kpi-value').textContent(), pct(api.customers.repeat_purchase_rate));
    console.assertNone('on the retention page');
  });
}
