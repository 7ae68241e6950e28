import { maskSelector, textOf } from './mask';
import { clickTarget, INTERACTIVE, pinned, selector } from './selector';
import { IDLE_MS, Session } from './session';
import type { ReplayHook } from './hook';
import { transport, type Ev, type TransportOptions } from './transport';
import { stripQuery } from './url';
import { now, rid, round } from './util';
import { onCLS, onFCP, onINP, onLCP, onTTFB, type Metric } from 'web-vitals';

export interface Options {
  /** Site public key. */
  site: string;
  /** Batch endpoint, e.g. `https://host/api/v1/batch`. */
  endpoint: string;
  /** Keep a persistent visitor id in localStorage (default: cookieless, `vid: null`). */
  persistent?: boolean;
  /** Honour `navigator.doNotTrack === '1'` by sending nothing at all. */
  dnt?: boolean;
  /** Extra CSS selectors (comma-separated) whose text is masked. */
  mask?: string;
  /**
   * Sightline server origin (e.g. `https://host`) for session replay: the tracker fetches
   * `{origin}/api/v1/tracker-config` and, when the session is sampled in, loads `{origin}/replay.js`.
   * The snippet passes its script's origin; without it there is no replay.
   */
  origin?: string;
  /** Report Core Web Vitals with the web-vitals library (default true). */
  vitals?: boolean;
  /** Transport overrides (tests, tuning). */
  transport?: Partial<Omit<TransportOptions, 'endpoint' | 'site' | 'session'>>;
}

export type Props = Record<string, unknown>;

export interface Sightline {
  track(name: string, props?: Props): void;
  identify(userId: string, traits?: Props): void;
  /** granted: persistent visitor id from now on; false: cookieless and the stored id deleted. */
  consent(granted: boolean): void;
  /** Manual pageview (the tracker already records loads and history navigation). */
  page(): void;
  /** Sends what is queued now. */
  flush(): void;
  /** Removes listeners and patches, stops timers (tests, single-page apps tearing down). */
  stop(): void;
}

/** Hover dwell (ms) on an interactive element worth a `hover` event. */
export const HOVER_MIN_MS = 500;
/** Window (ms) after a click in which a change counts as the click's effect. */
export const CLICK_WINDOW_MS = 1000;
/** A user is counted active for this long (ms) after an interaction while the page is visible. */
export const ACTIVE_WINDOW_MS = 10000;
/** Per pageview cap on `error` and on `request` events (loops and polling). */
const PER_PAGE_CAP = 25;
/** Cap on boxes in one `layout` event. */
export const MAX_ZONES = 200;
/** Events that do not show user activity: they neither extend nor start a session. */
const PASSIVE = /^(error|request|vital|layout|pageleave|replay)$/;
/** Form fields (not buttons) whose focus, blur, change, submit and abandonment are recorded. */
const isField = (el: EventTarget | null): el is HTMLInputElement =>
  el instanceof Element && el.matches('input,select,textarea') && !/^(submit|button|reset|image|hidden)$/.test((el as HTMLInputElement).type);
/**
 * Fields whose use can be abandoned: entries, not state toggles (checkbox, radio, range, color,
 * file, and a select outside a form, e.g. a filter or a sort order).
 */
const isEntry = (el: HTMLInputElement) =>
  !/^(checkbox|radio|range|color|file)$/.test(el.type) && (!!el.form || el.localName != 'select');

/** DOM events of form fields → `input` event action (`input` itself only marks the field used). */
const FIELD_EVENTS: Record<string, string> = { focusin: 'focus', focusout: 'blur', change: 'change', input: '' };

type Hover = { el: Element; t: number; clicked: boolean; sel?: string };

const noop = () => {};

export function init(o: Options): Sightline {
  const off: Sightline = { track: noop, identify: noop, consent: noop, page: noop, flush: noop, stop: noop };
  if (o.dnt && navigator.doNotTrack === '1') return off;

  const doc = document;
  const win = window;
  const ac = new AbortController();
  const on = (target: EventTarget, type: string, fn: (e: any) => void, capture = true) =>
    target.addEventListener(type, fn, { capture, passive: true, signal: ac.signal });
  const mask = maskSelector(o.mask);
  const own = stripQuery(o.endpoint);
  const sess = new Session(!!o.persistent);
  const tr = transport({
    endpoint: o.endpoint,
    site: o.site,
    session: sess,
    beforeFlush: () => {
      queueRouted();
      flushMoves();
      rh?.n?.();
    },
    ...o.transport,
  });
  const restore: Array<() => void> = [];
  let stopped = false;
  /** Session replay: the add-on's hook, set once this session is sampled in. */
  let rh: ReplayHook | undefined;

  // ---- page state -------------------------------------------------------------------------
  let pv = '';
  let firstPv = '';
  let pageKey = '';
  let href = '';
  let left = false;
  let caps: Record<string, number> = {};
  // active time: finished total plus the current segment [segStart, segEnd)
  let act = 0;
  let segStart = 0;
  let segEnd = 0;
  // scroll
  let maxPx = 0;
  let maxPct = 0;
  let lastY = 0;
  let dir = 0;
  let dirChanges = 0;
  let scrollTimer: ReturnType<typeof setTimeout> | 0 = 0;
  // moves
  let points: number[][] = [];
  let moveT0 = 0;
  let lastMove = 0;
  // clicks, hovers, forms, layout
  let pointer = 'mouse';
  /**
   * A press (pointerdown) waiting for its click: 0 none, 1 pressing, 2 pressing and the press
   * focused a form field (a native select opened). Focus changes during a press are its own
   * (the browser focuses on pointerdown, before the click), not an effect of earlier clicks. A
   * press without a click stays set until the next click (mostly a touch scroll, whose scrolling
   * counts as the pending clicks' change anyway).
   */
  let press = 0;
  const pending: Ev[] = [];
  let hover: Hover | null = null;
  /** Form (or field without a form) → its last used entry field, until submitted or taken. */
  const used = new Map<Element, HTMLInputElement>();
  let layoutWidth = 0;
  let layoutTimer: ReturnType<typeof setTimeout> | 0 = 0;
  let resizeTimer: ReturnType<typeof setTimeout> | 0 = 0;

  /** Builds an event (and keeps the session: a user event after 30 min idle starts a new one). */
  function make(type: string, f: Props, t = now()): Ev {
    if (!PASSIVE.test(type)) {
      if (sess.id && t - sess.last > IDLE_MS && type !== 'pageview') {
        tr.flush();
        sess.touch(t);
        pageview(href);
      } else sess.touch(t);
    } else if (!sess.id) sess.touch(t);
    return { t, type, pv, ...f };
  }
  function emit(type: string, f: Props, t?: number): void {
    if (stopped) return;
    if (/^(error|request)$/.test(type) && (caps[type] = (caps[type] || 0) + 1) > PER_PAGE_CAP) return;
    tr.push(make(type, f, t));
  }

  const visible = () => doc.visibilityState !== 'hidden';
  function active(t = now()): void {
    if (!visible()) return;
    if (t > segEnd) {
      act += segEnd - segStart;
      segStart = t;
    }
    segEnd = t + ACTIVE_WINDOW_MS;
  }
  const activeMs = (t: number) => act + Math.max(0, Math.min(segEnd, t) - segStart);

  const docHeight = () => Math.max(doc.documentElement.scrollHeight, doc.body?.scrollHeight || 0);
  /** Scroll depth now (viewport bottom: page px, % of the document), kept in the page's maximum too. */
  function depth(): [number, number] {
    const px = round(scrollY + innerHeight);
    const pct = Math.min(100, round((px / (docHeight() || px || 1)) * 100));
    maxPx = Math.max(maxPx, px);
    maxPct = Math.max(maxPct, pct);
    return [px, pct];
  }

  /** The page's URL without a fragment that is not a `#/` or `#!/` route (the server keeps routes too). */
  const keyOf = () => location.href.replace(/#(?!!?\/).*/, '');

  // ---- pageview / pageleave ---------------------------------------------------------------
  /** A pageview of the same document (history navigation, page()) not queued yet: queued with the title and
   *  height the app gave the page. */
  let routed: Ev | undefined;
  function queueRouted(): void {
    const ev = routed;
    if (ev) {
      routed = undefined; // first: the push may flush, which calls this again
      ev.title = doc.title;
      ev.dh = docHeight();
      tr.push(ev);
    }
  }

  function pageview(ref: string, navigated?: boolean): void {
    pv = rid();
    firstPv = firstPv || pv;
    pageKey = keyOf();
    left = false;
    caps = {};
    act = segStart = segEnd = 0;
    active();
    maxPx = maxPct = 0;
    depth();
    lastY = scrollY;
    dir = dirChanges = 0;
    const ev = make('pageview', {
      url: (href = location.href),
      ref,
      title: doc.title,
      vw: innerWidth,
      vh: innerHeight,
      sw: screen.width,
      sh: screen.height,
      dh: docHeight(),
      lang: navigator.language,
      tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
    });
    // after history navigation the app renders the new page (and sets its title) right after
    // pushState: queue the pageview once that has run (or at the next flush, whichever is first),
    // so that no flush (a full queue flushes at once) sends it with the previous page's title.
    // (A pending one was queued by the leave() or flush() before every call.)
    if (navigated) {
      routed = ev;
      setTimeout(queueRouted);
    } else tr.push(ev);
    // replay: a new pageview is a new recording; a new session (after 30 min idle) is not
    // recorded on this page (its sampling decision is made on its next page load). A snapshot
    // is of whatever pageview is current when it is taken.
    if (rh) {
      rh.p = sess.r || rh.s ? pv : '';
      rh.n?.(rh.p); // (not an argument: `?.` would skip it while `n` is not set yet)
    }
    clearTimeout(layoutTimer);
    layoutTimer = setTimeout(() => {
      // (no requestIdleCallback, e.g. Safari: a timeout, whose delay an object makes 0)
      (win.requestIdleCallback || setTimeout)(layout, { timeout: 2000 } as never);
    }, 1000);
  }

  /** Ends the pageview's open measures. `final`: the page is gone (forms not submitted are abandoned). */
  function leave(final: boolean): void {
    queueRouted();
    pending.slice().forEach((c) => settle(c, true));
    flushMoves();
    endHover();
    if (scrollTimer) scrollEnd();
    if (!left) {
      left = true;
      depth();
      emit('pageleave', { active_ms: round(activeMs(now())), max_scroll_px: maxPx, max_scroll_pct: maxPct });
    }
    if (final) {
      // a field empty again was taken by the app (added, sent) or cleared by the user
      used.forEach((el) => el.value && inputEvent(el, 'abandon'));
      used.clear();
    }
  }

  /**
   * History navigation, hash changes included: a click's effect (even to a fragment of the same
   * page); a new pageview when path, query (or a #/ route) changed.
   */
  function nav(): void {
    markChanged();
    if (!stopped && keyOf() !== pageKey) newPage();
  }
  function newPage(): void {
    const ref = href;
    leave(true);
    pageview(ref, true);
  }

  function hidden(final: boolean): void {
    if (final || !visible()) {
      segEnd = Math.min(segEnd, now());
      leave(final);
      tr.flush(true);
    } else {
      left = false;
      active();
    }
  }

  // ---- clicks -----------------------------------------------------------------------------
  const mo = new MutationObserver(() => markChanged());
  function markChanged(): void {
    const t = now();
    for (const c of pending) if (t - c.t <= CLICK_WINDOW_MS + 50) c.changed = true;
  }
  /** Sends a click once its window is over; `unknown`: the page went first, so no change seen → null. */
  function settle(c: Ev, unknown?: boolean): void {
    const i = pending.indexOf(c);
    if (i < 0) return;
    pending.splice(i, 1);
    if (unknown && !c.changed) c.changed = null;
    if (!pending.length) mo.disconnect();
    if (!stopped) tr.push(c);
  }
  const rel = (d: number, w: number) => (w > 0 ? Math.min(1, Math.max(0, round((d / w) * 1000) / 1000)) : 0);

  function onClick(e: MouseEvent): void {
    const focused = press > 1;
    press = 0;
    // detail 0: keyboard activation or a scripted el.click(), without a pointer position
    if (!e.detail || !(e.target instanceof Element)) return;
    const t = now();
    active();
    const [el, interactive] = clickTarget(e.target);
    const r = el.getBoundingClientRect();
    const h = (el as HTMLAnchorElement).href;
    const c = make(
      'click',
      {
        sel: selector(el),
        tag: el.localName,
        text: textOf(el, mask),
        href: (typeof h == 'string' && h) || undefined,
        interactive,
        x: round(e.pageX),
        y: round(e.pageY),
        rx: rel(e.clientX - r.left, r.width),
        ry: rel(e.clientY - r.top, r.height),
        pointer: (e as PointerEvent).pointerType || pointer,
        vw: innerWidth,
        fixed: pinned(el),
        // the press focused a field (before this click event): that is its effect
        changed: focused,
      },
      t,
    );
    if (!pending.length) {
      mo.observe(doc, { subtree: true, childList: true, attributes: true, characterData: true });
    }
    pending.push(c);
    setTimeout(() => settle(c), CLICK_WINDOW_MS);
    if (hover?.el.contains(el)) {
      hover.clicked = true;
      hover.sel = c.sel as string;
    }
  }

  // ---- hover ------------------------------------------------------------------------------
  function endHover(): void {
    const h = hover;
    hover = null;
    if (!h) return;
    const d = now() - h.t;
    if (d >= HOVER_MIN_MS) emit('hover', { sel: h.sel || selector(h.el), dwell_ms: d, clicked: h.clicked }, h.t);
  }
  function onOver(e: PointerEvent): void {
    if (e.pointerType !== 'mouse' || !(e.target instanceof Element)) return;
    const el = e.target.closest(INTERACTIVE);
    if (hover?.el === el) return;
    endHover();
    if (el) hover = { el, t: now(), clicked: false };
  }

  // ---- scroll -----------------------------------------------------------------------------
  function scrollEnd(): void {
    clearTimeout(scrollTimer);
    scrollTimer = 0;
    const [px, pct] = depth();
    emit('scroll', { depth_px: px, depth_pct: pct, dir_changes: dirChanges });
    dirChanges = 0;
  }
  function onScroll(): void {
    active();
    markChanged();
    const y = scrollY;
    if (Math.abs(y - lastY) >= 30) {
      const d = y > lastY ? 1 : -1;
      if (dir && d !== dir) dirChanges++;
      dir = d;
      lastY = y;
    }
    clearTimeout(scrollTimer);
    scrollTimer = setTimeout(scrollEnd, 500);
  }

  // ---- pointer moves ----------------------------------------------------------------------
  function onMove(e: PointerEvent): void {
    const t = now();
    if (t - lastMove < 100) return;
    lastMove = t;
    active();
    if (!points.length) moveT0 = t;
    points.push([round(e.pageX), round(e.pageY), t - moveT0]);
    if (points.length >= 50) flushMoves();
  }
  function flushMoves(): void {
    if (points.length) {
      const p = points;
      points = [];
      emit('move', { points: p }, moveT0);
    }
  }

  // ---- forms (never a value) --------------------------------------------------------------
  function inputEvent(el: Element, action: string, field = (el as HTMLInputElement).type || el.localName): void {
    emit('input', { sel: selector(el), action, field });
  }
  function onField(e: Event): void {
    const el = e.target;
    const type = e.type;
    // focus moved after a click: its effect; during a press: the press worked if it focused a
    // field, not when it only blurred one (any press elsewhere does) or focused a button or link
    if (type[0] == 'f') {
      if (!press) markChanged();
      else if (type == 'focusin' && isField(el)) press = 2;
    }
    if (!isField(el)) return;
    if (type[0] != 'f' && isEntry(el)) used.set(el.form || el, el);
    if (type != 'input') inputEvent(el, FIELD_EVENTS[type]);
  }
  function onSubmit(e: Event): void {
    const f = e.target;
    if (!(f instanceof HTMLFormElement)) return;
    used.delete(f);
    inputEvent(f, 'submit', 'form');
  }
  function onKey(e: KeyboardEvent): void {
    active();
    const el = e.target;
    // Enter in a field without a form commits it (a todo added, a search run, an edit saved);
    // in a form only a submit does (an Enter the browser's validation stopped is not one).
    // Only used fields and forms are keys of `used`: any other target deletes nothing.
    if (e.key == 'Enter' && !(el as HTMLInputElement).form) used.delete(el as Element);
  }

  // ---- layout -----------------------------------------------------------------------------
  function layout(): void {
    if (stopped) return;
    layoutWidth = innerWidth;
    const zones: Props[] = [];
    // zones first, then interactive elements that are not zones themselves
    for (const el of new Set([...doc.querySelectorAll('[data-sl-zone]'), ...doc.querySelectorAll(INTERACTIVE)])) {
      if (zones.length >= MAX_ZONES) break;
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      zones.push({
        sel: selector(el),
        x: round(r.left + scrollX),
        y: round(r.top + scrollY),
        w: round(r.width),
        h: round(r.height),
        // (its box is where it is at this scroll position)
        fixed: pinned(el),
      });
    }
    emit('layout', { zones });
  }
  function onResize(): void {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => innerWidth !== layoutWidth && layoutWidth && layout(), 500);
  }

  // ---- errors and failed requests ---------------------------------------------------------
  const clip = (s: unknown, n: number) => (s == null ? undefined : String(s).slice(0, n));
  on(
    win,
    'error',
    (e: ErrorEvent) => {
      if (!(e instanceof ErrorEvent)) return; // resource load errors
      emit('error', {
        msg: clip(e.message, 500),
        stack: clip(e.error?.stack, 4000),
        src: clip(e.filename, 500),
        line: e.lineno,
        col: e.colno,
      });
    },
    false,
  );
  on(win, 'unhandledrejection', (e: PromiseRejectionEvent) => {
    const r = e.reason;
    emit('error', {
      msg: clip(r?.message ?? r, 500),
      stack: clip(r?.stack, 4000),
    });
  });

  function request(url: string, method: string, status: number, t: number, t0: number): void {
    if (url !== own && (status >= 400 || !status)) {
      emit('request', { url, method: method.toUpperCase(), status, duration_ms: round(performance.now() - t0) }, t);
    }
  }
  // (fetch and XMLHttpRequest exist in every browser the tracker runs in; the transport needs fetch)
  const origFetch = win.fetch;
  win.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
    const t = now();
    const t0 = performance.now();
    const url = stripQuery((input as Request).url || (input as string | URL));
    const method = init?.method || (input as Request).method || 'GET';
    // eslint-disable-next-line prefer-rest-params
    const p = origFetch.apply(this, arguments as any);
    p.then(
      (r) => request(url, method, r.status, t, t0),
      (err) => err && err.name !== 'AbortError' && request(url, method, 0, t, t0),
    );
    return p;
  } as typeof fetch;
  const xhr = XMLHttpRequest.prototype;
  const open = xhr.open;
  const send = xhr.send;
  const meta = new WeakMap<XMLHttpRequest, [string, string]>();
  xhr.open = function (this: XMLHttpRequest, m: string, u: string | URL) {
    meta.set(this, [m, stripQuery(u)]);
    // eslint-disable-next-line prefer-rest-params
    return open.apply(this, arguments as any);
  } as typeof open;
  xhr.send = function (this: XMLHttpRequest) {
    const m = meta.get(this);
    if (m) {
      const t = now();
      const t0 = performance.now();
      let aborted = false;
      on(this, 'abort', () => (aborted = true));
      on(this, 'loadend', () => aborted || request(m[1], m[0], this.status, t, t0));
    }
    // eslint-disable-next-line prefer-rest-params
    return send.apply(this, arguments as any);
  };
  restore.push(() => {
    win.fetch = origFetch;
    xhr.open = open;
    xhr.send = send;
  });

  // ---- history (SPA) ----------------------------------------------------------------------
  for (const k of ['pushState', 'replaceState'] as const) {
    const orig = history[k];
    history[k] = function (this: History, ...a: Parameters<History['pushState']>) {
      const r = orig.apply(this, a);
      nav();
      return r;
    };
    restore.push(() => (history[k] = orig));
  }

  // ---- listeners --------------------------------------------------------------------------
  on(win, 'popstate', nav); // also fires on #fragment navigation
  on(win, 'hashchange', nav);
  on(doc, 'pointerdown', (e: PointerEvent) => {
    pointer = e.pointerType || 'mouse';
    press = 1;
    active();
  });
  on(doc, 'keydown', onKey);
  on(doc, 'click', onClick);
  on(doc, 'pointerover', onOver);
  on(doc, 'pointerout', (e: PointerEvent) => e.relatedTarget || endHover());
  on(doc, 'pointermove', onMove);
  on(win, 'scroll', onScroll);
  on(win, 'resize', onResize);
  for (const type in FIELD_EVENTS) on(doc, type, onField);
  on(doc, 'submit', onSubmit);
  // bubble phase on document: runs after web-vitals' own (window, capture) hidden handlers,
  // so final vitals are queued before the beacon leaves
  on(doc, 'visibilitychange', () => hidden(false), false);
  on(win, 'pagehide', () => hidden(true), false);
  on(win, 'online', () => tr.retryNow());

  pageview(doc.referrer);

  // ---- session replay loader --------------------------------------------------------------
  // (after the first pageview, so that the session is this page's)
  const origin = o.origin;
  if (origin) {
    // site keys are [A-Za-z0-9_-]: nothing to encode
    origFetch(origin + '/api/v1/tracker-config?site=' + o.site)
      .then((r) => r.ok && r.json())
      .then((c) => {
        // 404 or an error: no replay (and no decision kept: a later page may ask again)
        if (!c || stopped) return;
        // the sampling decision: once per session, kept with it
        sess.r ??= +(Math.random() < c.replay_sample_rate);
        sess.save();
        // not recorded: a heatmap page snapshot on a share of page loads (once per load);
        // `!(<)`: a config without the rate (an older server) means none
        if (!sess.r && !(Math.random() < c.snapshot_sample_rate)) return;
        // the hook for the add-on (hook.ts); quoted: not shortened by the snippet build
        rh = (win as any)['__sl_replay'] = {
          c,
          m: o.mask,
          p: pv,
          s: sess.r ? undefined : 1,
          e: (f, t) => emit('replay', f as unknown as Props, t),
        } as ReplayHook;
        // a script added by script runs async (does not block parsing) by default
        const sc = doc.createElement('script');
        sc.src = origin + '/replay.js';
        doc.head.append(sc);
      })
      .catch(noop);
  }

  const api: Sightline = {
    track(name, props = {}) {
      const f: Props = { name: String(name), props };
      const rev = props.revenue;
      if (rev != null && rev !== '' && isFinite(+rev)) {
        f.revenue = +rev;
        if (props.currency) f.currency = String(props.currency).toUpperCase();
      }
      emit('custom', f);
    },
    identify(userId, traits = {}) {
      emit('identify', { user_id: String(userId), traits });
    },
    consent(granted) {
      sess.consent(!!granted);
    },
    page: newPage,
    flush() {
      tr.flush();
    },
    stop() {
      if (stopped) return;
      leave(true);
      tr.flush();
      stopped = true;
      rh?.n?.('');
      ac.abort(); // (the mutation observer stopped when leave() settled the last pending click)
      tr.stop();
      [layoutTimer, resizeTimer, scrollTimer].forEach(clearTimeout);
      restore.forEach((f) => f());
    },
  };
  if (o.vitals !== false) {
    // page-load metrics: they belong to the first pageview, even after history navigation
    const report = (m: Metric) =>
      emit('vital', { name: m.name, value: round(m.value * 1e4) / 1e4, rating: m.rating, pv: firstPv });
    [onLCP, onINP, onCLS, onFCP, onTTFB].forEach((f) => f(report));
  }
  return api;
}
