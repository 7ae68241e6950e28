// Reading back what the server stored: a session's events, polled until a condition holds.
import { sleep } from './server.mjs';

/** GET the session's stored events; `null` while the server has none (404). */
export async function sessionEvents(server, sid) {
  const r = await fetch(`${server.base}/api/v1/sites/${server.key}/sessions/${sid}/events`, { headers: server.headers });
  if (r.status === 404) return null;
  if (!r.ok) throw new Error(`GET session events: HTTP ${r.status}: ${await r.text()}`);
  return r.json();
}

/** The tracker's session id (sessionStorage `sl_s` = {i, l, n}), once the tracker has started. */
export async function sessionId(page) {
  await page.waitForFunction(() => {
    try {
      return !!JSON.parse(sessionStorage.getItem('sl_s') || 'null')?.i;
    } catch {
      return false;
    }
  }, null, { timeout: 15_000 });
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('sl_s')).i);
}

/** Waits until the tracker is running on the page (the snippet replaces the queue stub). */
export async function trackerReady(page) {
  await page.waitForFunction(() => typeof window.sightline === 'function' && window.sightline.v === 1, null, {
    timeout: 15_000,
  });
}

/**
 * Asks the tracker to send what it has queued now: the snippet's documented command surface
 * (`sightline('flush')`, the API's `flush()`); no-op when the queue is empty. Clicks join the
 * queue only when their 1 s "did anything change" window has ended.
 */
export async function flush(page) {
  if (!page || page.isClosed()) return;
  try {
    await page.evaluate(() => window.sightline && window.sightline('flush'));
  } catch {
    /* navigating or closed: the page's own pagehide flush covers it */
  }
}

/**
 * Polls the session's events until `done(events)` is truthy (flushing `page` each round, when
 * given) and returns the events. Fails after `timeout` ms, showing what had been stored.
 */
export async function waitForEvents(server, sid, done, { page, timeout = 15_000, interval = 250, what = 'events' } = {}) {
  const end = Date.now() + timeout;
  let body = null;
  for (;;) {
    await flush(page);
    body = await sessionEvents(server, sid);
    const events = body ? body.events : [];
    if (done(events)) return events;
    if (Date.now() > end) {
      throw new Error(
        `timed out after ${timeout} ms waiting for ${what} in session ${sid}; stored:\n${summary(events)}`,
      );
    }
    await sleep(interval);
  }
}

/** One line per event, for failure messages. */
export function summary(events) {
  if (!events.length) return '  (none)';
  return events
    .map((e) => {
      const bits = [e.type, e.path, e.selector, e.name, e.value, e.changed, e.props && JSON.stringify(e.props)];
      return '  ' + bits.filter((b) => b != null && b !== '').join(' | ').slice(0, 240);
    })
    .join('\n');
}

export const ofType = (events, type) => events.filter((e) => e.type === type);

/** GET a read-API path (`/api/v1/...`) with the server's auth headers; returns the parsed JSON. */
export async function apiGet(server, pathname) {
  const r = await fetch(`${server.base}${pathname}`, { headers: server.headers });
  if (!r.ok) throw new Error(`GET ${pathname}: HTTP ${r.status}: ${await r.text()}`);
  return r.json();
}
