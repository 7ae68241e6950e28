import type { Session } from './session';

/** One captured event: `t`, `type`, `pv` and the type's fields (WIRE.md). */
export interface Ev {
  t: number;
  type: string;
  pv: string;
  [field: string]: unknown;
}

/**
 * A batch: its envelope is fixed when it is formed, so a retry resends the same `seq`.
 * `pages` gives the URL of every pageview its events refer to (pageview id → URL).
 */
export interface Batch {
  v: 1;
  site: string;
  sid: string;
  vid: string | null;
  seq: number;
  pages: Record<string, string>;
  events: Ev[];
}

export interface TransportOptions {
  endpoint: string;
  site: string;
  session: Session;
  /** Flush interval in ms (default 5000). */
  interval?: number;
  /** Events per batch; reaching it in the queue flushes at once (default 50). */
  batchSize?: number;
  /** Bound on queued + unsent events; the oldest are dropped beyond it (default 500). */
  maxEvents?: number;
  /**
   * Bound on one batch's JSON, so that it fits in a beacon or keepalive fetch (default 60 000);
   * a bigger event (replay chunk) goes alone, by fetch without keepalive.
   */
  maxBytes?: number;
  /** gzip bodies with CompressionStream where available (default true). */
  compress?: boolean;
  /** Called before each flush, so buffered captures (pointer moves) can be pushed. */
  beforeFlush?: () => void;
  /** fetch to send with (default: the page's fetch as it was when the transport was made). */
  fetch?: typeof fetch;
}

/** Longest wait a server's `Retry-After` can impose before the next attempt, in ms (10 min). */
export const MAX_RETRY_AFTER = 600000;

/** Longest page URL a batch's `pages` may carry (the server's URL limit, in bytes; an href is ASCII). */
export const MAX_URL = 2048;

/** Retries on network error (status 0), 429 and 5xx; other statuses are final. */
export const retryable = (status: number): boolean => status === 0 || status === 429 || status >= 500;

/** The transport's surface: queue, outbox, and the operations on them. */
export interface Transport {
  /** Events waiting for the next flush. */
  readonly q: Ev[];
  /** Batches formed (each with its seq) and not yet acknowledged; the head may be in flight. */
  readonly out: Batch[];
  push(ev: Ev): void;
  /** Moves the queue into batches and sends them: by fetch, or by sendBeacon when the page hides. */
  flush(beacon?: boolean): void;
  /** Total events held (queued and batched, including a batch in flight). */
  size(): number;
  /** Sends now instead of waiting for a backoff timer (e.g. when the browser comes back online); not during a Retry-After. */
  retryNow(): void;
  stop(): void;
}

/**
 * Queue → batches → POST. One request at a time, in order. A batch that fails with a
 * retryable status stays at the head of the outbox and is resent with exponential backoff
 * (1 s, 2 s, 4 s … 60 s) under the same `seq`; the server deduplicates on (site, sid, seq).
 * A 429/503 with `Retry-After: <seconds>` waits at least that long (at most MAX_RETRY_AFTER).
 * Memory is bounded: beyond maxEvents the oldest events not in flight are dropped.
 */
export function transport(opts: TransportOptions): Transport {
  const {
    endpoint,
    site,
    session,
    interval = 5000,
    batchSize = 50,
    maxEvents = 500,
    maxBytes = 60000,
    compress = true,
    beforeFlush,
    fetch: send = fetch.bind(globalThis),
  } = opts;
  const q: Ev[] = [];
  const out: Batch[] = [];
  let fails = 0;
  /** ms the server asked to wait before the last retry (Retry-After), 0 if it did not. */
  let hold = 0;
  let inflight: Batch | null = null;
  /**
   * pageview id → URL, from the pageview events pushed, for each batch's `pages`. Bounded to
   * batchSize: the first pageview (page-load vitals refer to it at page hide) and the latest ones,
   * more than a queue can refer to (it is sent at batchSize events, a pageleave per navigation).
   */
  const urls = new Map<string, string>();
  let flushTimer: ReturnType<typeof setTimeout> | 0 = 0;
  let retryTimer: ReturnType<typeof setTimeout> | 0 = 0;

  const size = () => out.reduce((n, b) => n + b.events.length, q.length);
  const body = (b: Batch) => JSON.stringify({ ...b, sent_at: Date.now() });
  const drop = (b: Batch) => {
    const i = out.indexOf(b);
    if (i >= 0) out.splice(i, 1);
  };

  function push(ev: Ev): void {
    const u = ev.url as string;
    // not over the server's limit: a URL it refuses would refuse every batch of that pageview
    if (ev.type == 'pageview' && u.length <= MAX_URL && urls.set(ev.pv, u).size > batchSize) {
      urls.delete([...urls.keys()][1]);
    }
    q.push(ev);
    // bound memory: drop the oldest events (never from the batch in flight)
    for (let n = size(); n > maxEvents; n--) {
      const b = out.find((b) => b !== inflight);
      if (b) {
        b.events.shift();
        if (!b.events.length) drop(b);
      } else q.shift();
    }
    if (q.length >= batchSize) flush();
    else flushTimer ||= setTimeout(flush, interval);
  }

  function flush(beacon?: boolean): void {
    clearTimeout(flushTimer);
    flushTimer = 0;
    beforeFlush?.();
    // cut the queue into batches of ≤ batchSize events and ≤ maxBytes of JSON, each with its seq;
    // an event bigger than that (a replay chunk) forms a batch of its own
    while (q.length) {
      const events: Ev[] = [];
      const pages: Record<string, string> = {};
      let bytes = 200;
      while (q.length && events.length < batchSize) {
        const pv = q[0].pv;
        const u = !pages[pv] && urls.get(pv);
        // the event and, the first time in this batch, its `"pv":"url"` in pages
        const len = JSON.stringify([q[0], pv, u]).length;
        if (events.length && bytes + len > maxBytes) break;
        bytes += len;
        events.push(q.shift()!);
        // (a pageview without a URL stays undefined here, which JSON leaves out)
        pages[pv] ||= u as string;
        if (bytes > maxBytes) break;
      }
      out.push({ v: 1, site, sid: session.id, vid: session.vid, seq: session.seq(), pages, events });
    }
    const nav = navigator;
    if (beacon && nav.sendBeacon) {
      // page hiding: beacons (text/plain, uncompressed) for all but the batch in flight;
      // a batch too big for a beacon or refused by the browser (quota) stays for fetch
      for (const b of out.slice()) {
        const s = body(b);
        if (b !== inflight && s.length <= maxBytes && nav.sendBeacon(endpoint, new Blob([s], { type: 'text/plain' }))) {
          drop(b);
        }
      }
    }
    pump();
  }

  /** Ends a backoff (its timer fired, or it is cut short) and sends. */
  function retry(): void {
    clearTimeout(retryTimer);
    retryTimer = 0;
    pump();
  }

  /** Sends the head of the outbox, then the next, until empty or a retryable failure. */
  async function pump(): Promise<void> {
    const b = out[0];
    if (!b || inflight || retryTimer) return;
    inflight = b;
    let status = 0;
    hold = 0;
    try {
      const json = body(b);
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      let data: BodyInit = json;
      if (compress && typeof CompressionStream == 'function') {
        data = await new Response(new Response(json).body!.pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
        headers['Content-Encoding'] = 'gzip';
      }
      // keepalive lets a send outlive the page, but all keepalive requests in flight (beacons
      // included) share 64 KB: batches bigger than a beacon, and replay chunks (bulky, and
      // not worth crowding out the page's last events at page hide), go by plain fetch
      const keepalive = json.length <= maxBytes && !b.events.some((e) => e.type == 'replay');
      const r = await send(endpoint, { method: 'POST', body: data, headers, keepalive });
      status = r.status;
      hold = Math.min(MAX_RETRY_AFTER, 1000 * +r.headers.get('Retry-After')!) || 0;
    } catch {
      /* network error: status 0 */
    }
    inflight = null;
    if (retryable(status)) {
      retryTimer = setTimeout(
        retry,
        Math.max(hold, Math.min(60000, 1000 * 2 ** fails++) * (0.8 + Math.random() * 0.4)),
      );
    } else {
      // delivered (2xx) or refused for good (4xx): either way it leaves the outbox
      fails = 0;
      drop(b);
      pump();
    }
  }

  return {
    q,
    out,
    push,
    flush,
    size,
    retryNow() {
      // coming back online cuts a backoff short, not a wait the server asked for
      if (retryTimer && !hold) retry();
    },
    stop() {
      clearTimeout(flushTimer);
      clearTimeout(retryTimer);
      flushTimer = retryTimer = 0;
    },
  };
}
