// The page a heatmap is drawn on: a recorded full snapshot rebuilt by the replay player (replay/player.ts:
// rrweb in <iframe sandbox="allow-same-origin">, no allow-scripts, checked with isScriptFree), paused at the
// snapshot, the frame as tall as the rebuilt document so overlays can cover the whole page. Loaded lazily
// (`import('../heatmap/snapshotFrame')`), so only the heatmap and replay pages download rrweb.
import type { SnapshotEvent } from '../api/types';
import type { RrwebEvent } from '../lib/chunkLoader';
import { createPlayer, isScriptFree, type PlayerHandle } from '../replay/player';
import { pageBox, type Box } from './geometry';

export interface SnapshotFrame {
  iframe: HTMLIFrameElement;
  /** The recorded viewport width (the frame's width), px. */
  width: number;
  /** The rebuilt document's height (the frame's height), px. */
  height: number;
  /** The element's box in page px, or null when the selector matches nothing visible here. */
  boxOf(selector: string): Box | null;
  destroy(): void;
}

/** The document's full height: the largest of what the root, the body and the viewport say. */
function documentHeight(doc: Document, viewport: number): number {
  const root = doc.documentElement;
  const body = doc.body;
  return Math.ceil(Math.max(viewport, root?.scrollHeight ?? 0, root?.offsetHeight ?? 0, body?.scrollHeight ?? 0, body?.offsetHeight ?? 0));
}

/** Resolves once the frame's images have loaded (or failed), at most `timeout` ms: they change heights. */
function imagesSettled(doc: Document, timeout: number): Promise<void> {
  const pending = [...doc.images].filter((img) => !img.complete);
  if (pending.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let left = pending.length;
    const done = () => {
      left -= 1;
      if (left <= 0) resolve();
    };
    for (const img of pending) {
      img.addEventListener('load', done, { once: true });
      img.addEventListener('error', done, { once: true });
    }
    setTimeout(resolve, timeout);
  });
}

const nextFrame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));

export async function renderSnapshot(root: HTMLElement, events: readonly SnapshotEvent[]): Promise<SnapshotFrame> {
  let player: PlayerHandle | null = createPlayer(root, events as unknown as readonly RrwebEvent[], { skipInactive: false });
  const handle = player;
  const iframe = handle.iframe();
  if (!isScriptFree(iframe)) {
    handle.destroy();
    throw new Error('The snapshot frame would allow scripts; refusing to show it.');
  }
  iframe.setAttribute('title', 'Page snapshot');
  iframe.setAttribute('tabindex', '-1');
  // draw every event (the Meta and the full snapshot): the player draws those strictly before the time given
  handle.pause(handle.totalTime() + 1);
  await nextFrame();
  const doc = iframe.contentDocument;
  if (!doc || !doc.documentElement) {
    handle.destroy();
    throw new Error('The snapshot could not be rebuilt.');
  }
  const { width, height: viewport } = handle.size();
  let height = viewport;
  const grow = () => {
    const h = documentHeight(doc, viewport);
    if (h === height) return;
    height = h;
    iframe.setAttribute('height', String(h));
    iframe.style.height = `${h}px`;
  };
  grow();
  await nextFrame();
  // a frame as tall as the page has no scrollbar: the page may reflow once (full-height sections)
  grow();
  await imagesSettled(doc, 1500);
  grow();

  const view = doc.defaultView;
  return {
    iframe,
    width,
    get height() {
      return height;
    },
    boxOf(selector) {
      let el: Element | null = null;
      try {
        el = doc.querySelector(selector);
      } catch {
        return null; // not a valid selector here
      }
      if (!el) return null;
      const r = el.getBoundingClientRect();
      if (r.width <= 0 || r.height <= 0) return null;
      return pageBox(r, view?.scrollX ?? 0, view?.scrollY ?? 0);
    },
    destroy() {
      player?.destroy();
      player = null;
    },
  };
}
