// Replays cannot call out to arbitrary hosts: a recording of a site on `shop.example` that contains an image
// and a font on other hosts is played in the dashboard; the page's Content-Security-Policy (the replay frame
// inherits it) lets the browser fetch the site's own image and nothing from the other hosts. The browser cannot
// reach the internet here, so every https request is intercepted: one that reaches the interceptor passed the
// CSP. Also: entering and leaving the replay page loads a new document, each with its own policy.
// Screenshot: e2e/output/replay-csp.png.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useDemo } from '../lib/fixture.mjs';
import { REPLAY_IFRAME, dashboardContext, replayShot, waitForReplay, waitInReplay } from '../lib/replay.mjs';

const demo = useDemo();
const TIMEOUT = { timeout: 15_000 };
const SITE_DOMAIN = 'shop.example';
const EVIL = 'evil.example';
/** A 1×1 PNG, answered for the site's own images. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const CHROME_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

/** Dashboard API call as the demo admin (cookie + CSRF token for changes). */
async function api(method, pathname, body) {
  const headers = { ...demo.server.headers, 'content-type': 'application/json' };
  if (method !== 'GET') {
    const me = await (await fetch(`${demo.server.base}/api/v1/me`, { headers })).json();
    headers['x-csrf-token'] = me.csrf_token;
  }
  const r = await fetch(`${demo.server.base}${pathname}`, { method, headers, body: body && JSON.stringify(body) });
  assert.ok(r.ok, `${method} ${pathname}: HTTP ${r.status} ${await r.clone().text()}`);
  return r.json();
}

/** rrweb events of a page on the site that pulls an image and a font from other hosts (and its own). */
function hostileAssets(t0) {
  let id = 0;
  const el = (tagName, attributes = {}, childNodes = []) => ({ type: 2, tagName, attributes, childNodes, id: ++id });
  const text = (textContent) => ({ type: 3, textContent, id: ++id });
  const css =
    `@font-face { font-family: EvilFont; src: url(https://fonts.${EVIL}/f.woff2) format("woff2"); }` +
    `@font-face { font-family: OwnFont; src: url(https://${SITE_DOMAIN}/own.woff2) format("woff2"); }` +
    `.evil-font { font-family: EvilFont, serif; } .own-font { font-family: OwnFont, serif; }` +
    `#evil-bg { width: 40px; height: 40px; background-image: url(https://bg.${EVIL}/bg.png); }`;
  const doc = {
    type: 0,
    childNodes: [
      { type: 1, name: 'html', publicId: '', systemId: '', id: ++id },
      el('html', {}, [
        el('head', {}, [el('title', {}, [text('Hostile assets')]), el('style', { _cssText: css })]),
        el('body', {}, [
          el('h1', { id: 'hello' }, [text('Recorded on the shop')]),
          el('img', { id: 'own', src: `https://${SITE_DOMAIN}/logo.png`, width: '20', height: '20' }),
          el('img', { id: 'own-sub', src: `https://img.${SITE_DOMAIN}/sub.png`, width: '20', height: '20' }),
          el('img', { id: 'evil', src: `https://${EVIL}/x.png`, width: '20', height: '20' }),
          el('p', { class: 'evil-font', id: 'evil-text' }, [text('Text in a font from elsewhere')]),
          el('p', { class: 'own-font', id: 'own-text' }, [text('Text in the shop font')]),
          el('div', { id: 'evil-bg' }),
        ]),
      ]),
    ],
    id: ++id,
  };
  return [
    { type: 4, data: { href: `https://${SITE_DOMAIN}/csp`, width: 1000, height: 700 }, timestamp: t0 },
    { type: 2, data: { node: doc, initialOffset: { left: 0, top: 0 } }, timestamp: t0 + 10 },
    { type: 3, timestamp: t0 + 2000, data: { source: 1, positions: [{ x: 40, y: 40, id: 1, timeOffset: 0 }] } },
  ];
}

/** Every https request of the context: the site's own images answered, anything else refused and kept. */
async function interceptHttps(context) {
  const reached = [];
  await context.route(/^https:\/\//, (route) => {
    const url = new URL(route.request().url());
    reached.push(url.href);
    if (url.hostname === SITE_DOMAIN || url.hostname.endsWith(`.${SITE_DOMAIN}`)) {
      if (url.pathname.endsWith('.png')) return route.fulfill({ status: 200, contentType: 'image/png', body: PNG });
      return route.fulfill({ status: 404, body: '' });
    }
    return route.abort('blockedbyclient');
  });
  return reached;
}

/** The CSP header of each document (top-level page load) of `page`, in order. */
function documentPolicies(page) {
  const docs = [];
  page.on('response', async (r) => {
    const req = r.request();
    if (req.resourceType() === 'document' && req.frame() === page.mainFrame()) {
      docs.push({ path: new URL(r.url()).pathname, csp: (await r.allHeaders())['content-security-policy'] ?? '' });
    }
  });
  return docs;
}

test('a replay loads images and fonts from the site’s own origins only', async (t) => {
  const site = await api('POST', '/api/v1/sites', { name: 'CSP shop', domains: [SITE_DOMAIN] });
  const other = await api('POST', '/api/v1/sites', { name: 'Other shop', domains: ['other-shop.example'] });
  const sid = `e2e-csp-${Date.now()}`;
  const pv = 'e2e-pv-csp-000000000001';
  const t0 = Date.now() - 20_000;
  const r = await fetch(`${demo.server.base}/api/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', origin: `https://${SITE_DOMAIN}`, 'user-agent': CHROME_UA },
    body: JSON.stringify({
      v: 1,
      site: site.key,
      sid,
      vid: null,
      seq: 0,
      sent_at: Date.now(),
      events: [
        { t: t0, type: 'pageview', pv, url: `https://${SITE_DOMAIN}/csp`, ref: '', title: 'Hostile assets', vw: 1000, vh: 700 },
        { t: t0, type: 'replay', pv, chunk: 0, events: hostileAssets(t0) },
      ],
    }),
  });
  assert.equal(r.status, 202, `batch: HTTP ${r.status} ${await r.text()}`);
  await waitForReplay({ ...demo.server, key: site.key }, sid, (c) => c.length >= 1, { what: 'the hostile chunk' });

  const context = await dashboardContext(demo.browser, demo.server);
  demo.contexts.push(context);
  const reached = await interceptHttps(context);
  // Chromium reports a request the CSP refused as a request that failed with "csp" (it never left the browser)
  const requested = [];
  context.on('request', (req) => requested.push(req));

  await t.test('the site’s image loads, nothing reaches the other hosts', async () => {
    const d = await context.newPage();
    const refused = [];
    d.on('console', (m) => /Content Security Policy/i.test(m.text()) && refused.push(m.text()));
    const docs = documentPolicies(d);
    await d.goto(`${demo.server.base}/sites/${site.key}/replay/${sid}`);
    await d.locator(REPLAY_IFRAME).waitFor({ state: 'attached', ...TIMEOUT });
    await waitInReplay(d, () => document.querySelector('#hello')?.textContent === 'Recorded on the shop', undefined, { what: 'the recording rendered' });
    const images = await waitInReplay(
      d,
      () => {
        const img = (id) => document.getElementById(id);
        const all = ['own', 'own-sub', 'evil'].map(img);
        if (!all.every((i) => i?.complete)) return null;
        return Object.fromEntries(all.map((i) => [i.id, { src: i.getAttribute('src'), width: i.naturalWidth }]));
      },
      undefined,
      { what: 'the recorded images settled' },
    );
    // fonts are fetched once text in them is laid out: wait for the own one, then give the others time
    for (let end = Date.now() + 10_000; !reached.includes(`https://${SITE_DOMAIN}/own.woff2`) && Date.now() < end; ) await d.waitForTimeout(100);
    await d.waitForTimeout(1000);
    await replayShot(d, 'csp');

    assert.equal(images.evil.src, `https://${EVIL}/x.png`, 'the recording did ask for the evil image');
    assert.equal(images.evil.width, 0, 'the evil image is not shown');
    assert.ok(images.own.width > 0, `the site's own image is shown: ${JSON.stringify(images)}`);
    assert.ok(images['own-sub'].width > 0, `an image from a subdomain of the site is shown: ${JSON.stringify(images)}`);
    assert.ok(reached.includes(`https://${SITE_DOMAIN}/logo.png`), `the CSP let the own image through: ${reached.join(', ')}`);
    assert.ok(reached.includes(`https://${SITE_DOMAIN}/own.woff2`), `the CSP let the own font through: ${reached.join(', ')}`);
    const isEvil = (u) => new URL(u).hostname.endsWith(EVIL);
    assert.deepEqual(reached.filter(isEvil), [], 'no request to the other hosts got past the CSP');
    const tried = requested.filter((req) => isEvil(req.url()));
    assert.equal(tried.length, 3, `the image, the font and the background were tried: ${tried.map((r) => r.url())}`);
    for (const req of tried) assert.equal(req.failure()?.errorText, 'csp', `${req.url()} refused by the CSP, not sent`);
    // and the browser says why: the policy refused them
    for (const what of [`https://${EVIL}/x.png`, `https://fonts.${EVIL}/f.woff2`, `https://bg.${EVIL}/bg.png`]) {
      assert.ok(refused.some((m) => m.includes(what)), `a CSP violation for ${what}:\n${refused.join('\n')}`);
    }
    // the replay document's policy names this site only
    const doc = docs.find((x) => x.path.includes('/replay/'));
    assert.ok(doc, `the replay page was a document: ${JSON.stringify(docs)}`);
    assert.match(doc.csp, new RegExp(`img-src 'self' data: blob: https://${SITE_DOMAIN} https://\\*\\.${SITE_DOMAIN}(;|$)`));
    assert.ok(!doc.csp.includes('other-shop.example') && !/\shttps:[\s;]/.test(doc.csp), doc.csp);
    await d.close();
  });

  await t.test('entering and leaving the replay page loads a document with its own policy', async () => {
    const d = await context.newPage();
    const docs = documentPolicies(d);
    await d.goto(`${demo.server.base}/sites/${site.key}/sessions?has_replay=true`);
    const row = d.locator(`tr[data-session="${sid}"]`);
    await row.waitFor(TIMEOUT);
    await d.evaluate(() => (window.__sameDocument = true));
    await row.getByTestId('play-replay').click();
    await d.waitForURL(new RegExp(`/replay/${sid}$`), TIMEOUT);
    await d.locator(REPLAY_IFRAME).waitFor({ state: 'attached', ...TIMEOUT });
    assert.equal(await d.evaluate(() => window.__sameDocument ?? null), null, 'the replay page is a new document');
    await waitInReplay(d, () => document.getElementById('own')?.naturalWidth > 0, undefined, { what: 'the own image after entering' });
    // the way back keeps the list's filters (the history entry's state survived the reload)
    const back = d.locator('.breadcrumbs a');
    assert.match(await back.getAttribute('href'), /has_replay=true/);
    await d.evaluate(() => (window.__sameDocument = true));
    await back.click();
    await d.waitForURL(/\/sessions\?has_replay=true$/, TIMEOUT);
    await row.waitFor(TIMEOUT);
    assert.equal(await d.evaluate(() => window.__sameDocument ?? null), null, 'leaving the replay page loads a new document');
    // another site's replay from here: its own document and policy, not this site's
    await d.goto(`${demo.server.base}/sites/${other.key}/replay/none`);
    await d.getByTestId('replay-page').waitFor(TIMEOUT);

    const paths = docs.map((x) => x.path);
    assert.deepEqual(paths, [`/sites/${site.key}/sessions`, `/sites/${site.key}/replay/${sid}`, `/sites/${site.key}/sessions`, `/sites/${other.key}/replay/none`]);
    const [list, replay, listAgain, otherReplay] = docs.map((x) => x.csp);
    for (const csp of [list, listAgain]) {
      assert.ok(!csp.includes(SITE_DOMAIN) && !/\shttps:[\s;]/.test(csp), `the sessions page allows no external image: ${csp}`);
      assert.match(csp, /img-src 'self' data: blob:;/);
    }
    assert.ok(replay.includes(`https://*.${SITE_DOMAIN}`), replay);
    assert.ok(otherReplay.includes('https://other-shop.example') && !new RegExp(`https://(\\*\\.)?${SITE_DOMAIN}`).test(otherReplay), otherReplay);
    await d.close();
  });
});
