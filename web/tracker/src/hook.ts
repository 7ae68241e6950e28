/**
 * The contract between the core tracker (dist/t.js) and the session-replay add-on
 * (dist/replay.js). Types only: nothing here ends up in either bundle.
 *
 * When the session is sampled in for replay, or (not sampled in) the page load is sampled for a
 * heatmap page snapshot (`s`), the core sets `window.__sl_replay` to a `ReplayHook` and then
 * injects `<script async src="{origin}/replay.js">`. The add-on reads the hook when it runs,
 * sets `n` on it, and starts recording the pageview `p` (or, with `s`, takes one snapshot of the
 * page once it has loaded). Property names are short and fixed (not mangled): the two bundles
 * are built separately.
 */

/** `GET {origin}/api/v1/tracker-config?site=KEY` answer. */
export interface TrackerConfig {
  /** Share of sessions recorded, 0..1. */
  replay_sample_rate: number;
  /**
   * Share of the page loads of sessions not recorded that send one page snapshot for heatmaps,
   * 0..1 (older servers leave it out: none).
   */
  snapshot_sample_rate?: number;
  /** Extra CSS selectors whose text is masked in recordings. */
  mask_text_selectors?: string[];
  /** Extra CSS selectors of elements left out of recordings (a placeholder box is shown). */
  block_selectors?: string[];
}

/** Fields of a `replay` event (WIRE.md); `pv` is the pageview the chunk belongs to. */
export interface ReplayChunk {
  pv: string;
  chunk: number;
  /** A heatmap page snapshot (chunk 0: Meta + full snapshot only), not a recording. */
  snapshot?: true;
  events: unknown[];
}

export interface ReplayHook {
  /** The site's tracker config as the server sent it. */
  c: TrackerConfig;
  /** The site's own `data-mask` selectors (comma-separated), if any. */
  m?: string | null;
  /** Current pageview id; '' while this session is not recorded (never in snapshot mode). */
  p: string;
  /** 1: snapshot-only mode (a page snapshot for heatmaps, no recording); absent: recording. */
  s?: 1;
  /**
   * Queues a `replay` event (`t`: its time) with the core's events, so it gets a batch `seq`,
   * retries and gzip; the core sends its queue 5 s after the first queued event, at 50 events
   * and on page hide.
   */
  e(f: ReplayChunk, t?: number): void;
  /**
   * Set by the add-on, called by the core: with no argument right before the core cuts its queue
   * into batches (its timer, a full queue, page hide: queue what is buffered now); with a pageview
   * id when the pageview changed (queue what is buffered for the old one, start recording `pv`
   * from chunk 0; '' = stop recording). In snapshot mode only '' matters: no snapshot after it.
   */
  n?: (pv?: string) => void;
}
