// Progressive replay loading: the chunk index first, then the chunks in playback order (a few requests in
// flight, delivered strictly in order). The player starts as soon as the events so far can be played — a
// Meta event (rrweb type 4) and the full snapshot (type 2) after it, usually all in chunk 0 — and every
// later chunk is appended to the running player. So the first frame of a long session shows after one
// small request, not after the whole recording.
import { unwrap, type ApiClient } from '../api/client';
import type { ReplayChunk } from '../api/types';

/** An rrweb event as stored: only `type` and `timestamp` matter here. */
export interface RrwebEvent {
  type: number;
  timestamp: number;
  data?: unknown;
  [k: string]: unknown;
}

export const RR_FULL_SNAPSHOT = 2;
export const RR_META = 4;

/** Where chunks come from (the API in the app, a fake in tests). */
export interface ReplaySource {
  index(signal?: AbortSignal): Promise<ReplayChunk[]>;
  chunk(index: number, signal?: AbortSignal): Promise<unknown>;
}

export interface LoaderHandlers {
  /** The chunk index arrived (before any chunk). */
  onIndex?(chunks: readonly ReplayChunk[]): void;
  /** The first playable events (Meta + full snapshot + whatever followed): create the player with these. */
  onReady(events: RrwebEvent[]): void;
  /** Events of a later chunk, in order: append them to the player. */
  onAppend(events: RrwebEvent[]): void;
  /** After each chunk: how many of the index's chunks have been read. */
  onProgress?(loaded: number, total: number): void;
}

export interface LoadResult {
  chunks: number;
  events: number;
}

/** A chunk could not be read: what was delivered before it stays playable. */
export class ChunkLoadError extends Error {
  readonly index: number;
  readonly total: number;
  override readonly cause: unknown;
  constructor(index: number, total: number, cause: unknown) {
    super(`Part ${index + 1} of ${total} of the recording could not be loaded${cause instanceof Error && cause.message ? `: ${cause.message}` : '.'}`);
    this.name = 'ChunkLoadError';
    this.index = index;
    this.total = total;
    this.cause = cause;
  }
}

/** Every chunk was read, yet no full snapshot was among them: nothing can be drawn. */
export class NotPlayableError extends Error {
  constructor() {
    super('This recording has no full page snapshot (its first part was lost), so it cannot be played.');
    this.name = 'NotPlayableError';
  }
}

/** The rrweb events of a chunk body: objects with a numeric `type` and `timestamp`; anything else dropped. */
export function chunkEvents(body: unknown): RrwebEvent[] {
  if (!Array.isArray(body)) return [];
  return body.filter(
    (e): e is RrwebEvent =>
      !!e && typeof e === 'object' && typeof (e as RrwebEvent).type === 'number' && typeof (e as RrwebEvent).timestamp === 'number',
  );
}

/**
 * The playable part of the events so far, or null while there is none: from the Meta event before the
 * first full snapshot (events before it have no page to apply to). A snapshot without a Meta gets a
 * synthetic one (a 1280×800 viewport) so the player can size its frame.
 */
export function playableEvents(events: readonly RrwebEvent[]): RrwebEvent[] | null {
  const full = events.findIndex((e) => e.type === RR_FULL_SNAPSHOT);
  if (full < 0) return null;
  for (let i = full - 1; i >= 0; i--) {
    if (events[i]!.type === RR_META) return events.slice(i);
  }
  const fs = events[full]!;
  return [{ type: RR_META, timestamp: fs.timestamp, data: { href: '', width: 1280, height: 800 } }, ...events.slice(full)];
}

function isAbort(e: unknown, signal?: AbortSignal): boolean {
  return !!signal?.aborted || (e instanceof Error && e.name === 'AbortError');
}

/**
 * Loads a replay: index, then chunks (`concurrency` requests ahead, delivered in order). Resolves when all
 * chunks were delivered; rejects with the index request's error, a ChunkLoadError (after delivering the
 * chunks before it), a NotPlayableError, or an AbortError.
 */
export async function loadReplay(
  source: ReplaySource,
  handlers: LoaderHandlers,
  { signal, concurrency = 3 }: { signal?: AbortSignal; concurrency?: number } = {},
): Promise<LoadResult> {
  const index = await source.index(signal);
  if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
  handlers.onIndex?.(index);
  const n = index.length;
  const requests: Promise<unknown>[] = [];
  let requested = 0;
  const request = () => {
    const i = requested++;
    const p = source.chunk(i, signal);
    p.catch(() => undefined); // awaited in order below; no unhandled rejection meanwhile
    requests[i] = p;
  };
  while (requested < Math.min(Math.max(1, concurrency), n)) request();

  let ready = false;
  let pending: RrwebEvent[] = [];
  let delivered = 0;
  for (let i = 0; i < n; i++) {
    let body: unknown;
    try {
      body = await requests[i];
    } catch (e) {
      if (isAbort(e, signal)) throw e;
      throw new ChunkLoadError(i, n, e);
    }
    if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
    if (requested < n) request();
    const events = chunkEvents(body);
    if (ready) {
      if (events.length) handlers.onAppend(events);
    } else {
      pending = pending.concat(events);
      const playable = playableEvents(pending);
      if (playable) {
        ready = true;
        pending = [];
        handlers.onReady(playable);
      }
    }
    delivered += events.length;
    handlers.onProgress?.(i + 1, n);
  }
  if (!ready) throw new NotPlayableError();
  return { chunks: n, events: delivered };
}

/** The API as a ReplaySource for one session (errors as ApiError, with the server's message). */
export function apiReplaySource(api: ApiClient, site: string, session: string): ReplaySource {
  const path = { site, session };
  return {
    index: (signal) => unwrap(api.GET('/api/v1/sites/{site}/sessions/{session}/replay/chunks', { params: { path }, signal })),
    chunk: (index, signal) =>
      unwrap<unknown>(
        api.GET('/api/v1/sites/{site}/sessions/{session}/replay/chunks/{index}', { params: { path: { ...path, index } }, parseAs: 'json', signal }),
      ),
  };
}
