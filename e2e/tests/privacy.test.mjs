// Typing on checkout: form events are recorded, the typed values never leave the page: not in
// the stored events and not in any file the server wrote (searched while running and after exit).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ofType, sessionEvents, waitForEvents } from '../lib/api.mjs';
import { findInFiles } from '../lib/files.mjs';
import { useDemo } from '../lib/fixture.mjs';

const demo = useDemo();

const TYPED = {
  '#email': 'zq-secret-4242@mail.example',
  '#full-name': 'Zqsecretname Quux',
  '#address': 'Zqstreet 4242',
  '#card-number': '4111111111111111',
  '#expiry': '09 / 31',
  '#security-code': '731', // a 3-digit CVC: the form wants 6 digits, so the submit is blocked
};
/** Strings that must appear nowhere server-side (long and distinctive enough to search bytes for). */
const SECRETS = ['zq-secret-4242', 'Zqsecretname', 'Zqstreet', '4111111111111111', '41111111'];
/** A string the page does send (a custom event prop): proves the byte search can see stored text. */
const CONTROL = 'zq-visible-control-5150';

test('checkout typing: input events without values, then abandoned', async (t) => {
  const { page, sid } = await demo.open('checkout.html');
  for (const [sel, text] of Object.entries(TYPED)) {
    await page.locator(sel).click();
    await page.keyboard.type(text, { delay: 5 });
  }
  // the browser's validation blocks this submit (security code pattern \d{6}, empty fields)
  await page.locator('#place-order').click();
  assert.equal(await page.locator('[data-testid="order-confirmation"]').count(), 0, 'the order was not placed');
  await page.evaluate((c) => window.sightline('track', 'e2e_control', { note: c }), CONTROL);
  // leave without submitting: pagehide → abandon (sent by beacon)
  await page.goto(demo.url('index.html'));

  const events = await waitForEvents(
    demo.server,
    sid,
    (ev) =>
      ofType(ev, 'input').some((e) => e.name === 'abandon') &&
      ofType(ev, 'custom').some((e) => e.name === 'e2e_control'),
    { page, what: 'the abandon and the control event' },
  );
  const inputs = ofType(events, 'input');
  const actions = (sel) => inputs.filter((e) => e.selector === sel).map((e) => e.name);
  for (const sel of ['#email', '#full-name', '#card-number']) {
    const a = actions(sel);
    for (const want of ['focus', 'change', 'blur']) assert.ok(a.includes(want), `${sel}: ${want} in ${a}`);
  }
  assert.equal(inputs.find((e) => e.selector === '#email').tag, 'email');
  assert.equal(inputs.find((e) => e.selector === '#card-number').tag, 'text');
  assert.ok(!inputs.some((e) => e.name === 'submit'), 'a submit blocked by validation is not a submit');
  const abandons = inputs.filter((e) => e.name === 'abandon');
  assert.equal(abandons.length, 1, 'one abandon for the one form');
  assert.equal(abandons[0].selector, '#security-code', 'abandoned at the last used field');
  assert.equal(abandons[0].path, '/demo/checkout.html');

  await t.test('no typed value in the stored events', async () => {
    const json = JSON.stringify(await sessionEvents(demo.server, sid));
    assert.ok(json.includes(CONTROL), 'control string is in the events');
    for (const s of SECRETS) assert.ok(!json.includes(s), `typed ${s} found in stored events`);
  });

  await t.test('no typed value in any file under the data dir (server running)', async () => {
    const { files, hits } = await findInFiles(demo.server.dataDir, [...SECRETS, CONTROL]);
    assert.ok(files.length > 0, 'the server wrote files');
    checkHits(files, hits);
  });

  await t.test('no typed value in any file after the server drained and exited', async () => {
    const res = await demo.server.stop();
    assert.equal(res.code, 0, `exit code ${res.code} (signal ${res.signal})`);
    const { files, hits } = await findInFiles(demo.server.dataDir, [...SECRETS, CONTROL]);
    checkHits(files, hits);
  });
});

/** No secret anywhere; the control string somewhere (else the byte search is blind: compressed storage). */
function checkHits(files, hits) {
  assert.ok(files.length > 0, 'the server wrote files');
  assert.deepEqual(
    hits.filter((h) => h.needle !== CONTROL),
    [],
    'typed values found in the data dir',
  );
  assert.ok(
    hits.some((h) => h.needle === CONTROL),
    `the control string (sent as a custom event prop) is in none of ${files.map((f) => path.basename(f)).join(', ')}: ` +
      'the byte search cannot see stored text, so the check above proves nothing',
  );
}
