/**
 * Session-replay add-on (dist/replay.js): records the page with rrweb's recorder and hands the
 * events to the core tracker in chunks, as `replay` events `{pv, chunk, events}` (WIRE.md).
 *
 * - Chunks are numbered from 0 per pageview, +1 each, never reused; a new pageview (history
 *   navigation) stops the recorder and starts a new one: a new full snapshot, chunk 0.
 * - A chunk is queued 5 s after its first event, whenever the core is about to send (its timer,
 *   page hide), before each full snapshot (so a checkpoint starts a chunk), and before it would
 *   pass ~256 KB of JSON; a bigger event (a big full snapshot) goes alone.
 * - Privacy: every input value is masked by rrweb (`maskAllInputs`); hidden and file inputs are
 *   blocked (their value or file name would otherwise be kept); text in `[data-sl-mask]`,
 *   contenteditable, the site's `data-mask` selectors and the config's `mask_text_selectors` is
 *   masked; `[data-sl-block]` and the config's `block_selectors` are left out (an empty box).
 * - Snapshot mode (`h.s`, sessions not recorded): no recording, one page snapshot for heatmaps
 *   once the page has loaded, with the same options (so the same masking), as a `replay` event
 *   `{pv, chunk: 0, snapshot: true, events: [Meta, FullSnapshot]}`.
 */
import type { record } from '@rrweb/record';
import type { ReplayHook } from './hook';
import { maskSelector } from './mask';

export type RecordOptions = NonNullable<Parameters<typeof record>[0]>;
/** rrweb's `record` (or a fake in tests): starts recording, returns a function that stops it. */
export type Recorder = (o: RecordOptions) => (() => void) | undefined;
/** An rrweb event: only `type` and `timestamp` matter here. */
export type RrEvent = { type: number; timestamp: number; [k: string]: unknown };

/** A chunk is cut before it passes this many chars of JSON (a bigger event goes alone). */
export const CHUNK_BYTES = 256 * 1024;
/** An event bigger than this is dropped: the server refuses replay chunks over 4 MiB. */
export const MAX_EVENT_BYTES = 4 * 1024 * 1024;
/** A chunk is queued at most this long (ms) after its first event. */
export const FLUSH_MS = 5000;
/** rrweb event type Meta: comes right before every full snapshot. */
const META = 4;
/** rrweb event type FullSnapshot. */
const FULL = 2;
/** Snapshot mode waits this long (ms) after the page's load event, for late content to settle. */
export const SETTLE_MS = 1000;

/** Keeps the valid CSS selectors of a config list (anything else is ignored). */
function valid(list: unknown): string[] {
  return (Array.isArray(list) ? list : []).filter((s): s is string => {
    if (typeof s != 'string' || !s.trim()) return false;
    try {
      document.createDocumentFragment().querySelector(s);
      return true;
    } catch {
      return false;
    }
  });
}

/** The options passed to rrweb's `record`. */
export function recordOptions(h: ReplayHook, emit: (e: RrEvent) => void): RecordOptions {
  const c = h.c || ({} as ReplayHook['c']);
  return {
    emit: emit as RecordOptions['emit'],
    maskAllInputs: true,
    maskTextSelector: [maskSelector(h.m), ...valid(c.mask_text_selectors)].join(','),
    blockSelector: ['[data-sl-block]', 'input[type=hidden]', 'input[type=file]', ...valid(c.block_selectors)].join(','),
    recordCanvas: false,
    recordCrossOriginIframes: false,
    collectFonts: false,
    inlineImages: false,
    inlineStylesheet: true,
    slimDOMOptions: 'all',
    sampling: { mousemove: 50, scroll: 150, media: 800, input: 'last' },
    checkoutEveryNms: 60_000,
    // errors inside rrweb's own callbacks stay there (not reported as the site's errors)
    errorHandler: () => true,
  };
}

/** Starts recording the hook's pageview and follows the core's notifications. */
export function startReplay(h: ReplayHook, rec: Recorder): void {
  let pv = '';
  let chunk = 0;
  let buf: RrEvent[] = [];
  let bytes = 0;
  let timer: ReturnType<typeof setTimeout> | 0 = 0;
  let stop: (() => void) | undefined;

  /** Queues the buffered events as the pageview's next chunk. */
  function push(): void {
    clearTimeout(timer);
    timer = 0;
    if (!buf.length) return;
    const events = buf;
    buf = [];
    bytes = 0;
    h.e({ pv, chunk: chunk++, events }, events[0].timestamp);
  }

  function emit(e: RrEvent): void {
    let n: number;
    try {
      n = JSON.stringify(e).length + 1;
    } catch {
      return; // not serializable: cannot be sent
    }
    if (n > MAX_EVENT_BYTES) return;
    if (bytes + n > CHUNK_BYTES || e.type === META) push();
    buf.push(e);
    bytes += n;
    if (bytes > CHUNK_BYTES) push();
    else timer ||= setTimeout(push, FLUSH_MS);
  }

  h.n = (p) => {
    push();
    if (p == null || p === pv) return;
    stop?.();
    stop = undefined;
    pv = p;
    chunk = 0;
    if (p) stop = rec(recordOptions(h, emit)) || undefined;
  };
  h.n(h.p);
}

/**
 * Snapshot mode: once the page has loaded (and SETTLE_MS more), starts the recorder, keeps the
 * Meta + full snapshot it emits on start (rrweb emits them synchronously), stops it at once and
 * queues them as one `replay` event of the pageview current then. One snapshot per page load;
 * none after the core stopped (`n('')`).
 */
export function startSnapshot(h: ReplayHook, rec: Recorder): void {
  let done = false;
  // the core calls it before every send and on every pageview: only a stop matters here
  h.n = (p) => {
    if (p === '') done = true;
  };

  function take(): void {
    const pv = h.p;
    if (done || !pv) return;
    done = true;
    let meta: RrEvent | undefined;
    let full: RrEvent | undefined;
    const stop = rec(
      recordOptions(h, (e) => {
        if (e.type === META) meta ||= e;
        else if (e.type === FULL && meta) full ||= e;
      }),
    );
    stop?.();
    if (!full) return;
    const events = [meta, full];
    let n: number;
    try {
      n = JSON.stringify(events).length;
    } catch {
      return; // not serializable: cannot be sent
    }
    if (n <= MAX_EVENT_BYTES) h.e({ pv, chunk: 0, snapshot: true, events }, meta!.timestamp);
  }

  const settle = () => setTimeout(take, SETTLE_MS);
  if (document.readyState === 'complete') settle();
  else addEventListener('load', settle, { once: true });
}
