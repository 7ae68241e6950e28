// Where heatmap data lands on the rebuilt page: click points on the element they hit (its box in the
// snapshot), depth bands over the document's height, and the scale that fits the page into a panel.
// Pure: the DOM look-ups are passed in (lib code stays testable without a browser).
import type { ClickPoint, DepthShare, DepthTime, Fold } from '../api/types';

/** An element's box in page px of the snapshot (frame scroll included). */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A click point placed on the page: `x`, `y` in page px of the snapshot (unscaled). */
export interface PlacedPoint {
  selector: string;
  x: number;
  y: number;
  count: number;
}

/** A point inside a box: `rx`, `ry` 0..1 from its left and top edge (clamped, so a stale cell stays on it). */
export function pointInBox(box: Box, rx: number, ry: number): { x: number; y: number } {
  const cx = Math.min(1, Math.max(0, rx));
  const cy = Math.min(1, Math.max(0, ry));
  return { x: box.left + cx * box.width, y: box.top + cy * box.height };
}

/**
 * Places every point on its element's box; `boxOf` returns null for a selector not in the snapshot (or
 * an element with no box: hidden). Those points' clicks are counted in `missingClicks`.
 */
export function placePoints(
  points: readonly ClickPoint[],
  boxOf: (selector: string) => Box | null,
): { placed: PlacedPoint[]; missingClicks: number; missingSelectors: string[] } {
  const boxes = new Map<string, Box | null>();
  const placed: PlacedPoint[] = [];
  const missing = new Set<string>();
  let missingClicks = 0;
  for (const p of points) {
    if (!boxes.has(p.selector)) boxes.set(p.selector, boxOf(p.selector));
    const box = boxes.get(p.selector) ?? null;
    if (!box || box.width <= 0 || box.height <= 0) {
      missingClicks += p.count;
      missing.add(p.selector);
      continue;
    }
    placed.push({ selector: p.selector, ...pointInBox(box, p.rx, p.ry), count: p.count });
  }
  return { placed, missingClicks, missingSelectors: [...missing] };
}

/** The box of a DOMRect-like rectangle read inside a frame scrolled by (`scrollX`, `scrollY`). */
export function pageBox(rect: { left: number; top: number; width: number; height: number }, scrollX: number, scrollY: number): Box {
  return { left: rect.left + scrollX, top: rect.top + scrollY, width: rect.width, height: rect.height };
}

/** A horizontal band over the page: `top`/`height` in page px. */
export interface Band {
  depth: number;
  top: number;
  height: number;
  /** Whether its label is shown (every 10 %, so labels never crowd). */
  labelled: boolean;
}

/** The scroll-reach bands: one per depth below 100 % (each 5 % deep), with the share reaching its top line. */
export function reachBands(reach: readonly DepthShare[], docHeight: number): (Band & { share: number })[] {
  const sorted = [...reach].sort((a, b) => a.depth_pct - b.depth_pct);
  return sorted.map((r, i) => {
    const next = sorted[i + 1]?.depth_pct ?? 100;
    const top = (r.depth_pct / 100) * docHeight;
    const bottom = (Math.max(next, r.depth_pct) / 100) * docHeight;
    return { depth: r.depth_pct, top, height: bottom - top, share: Math.min(1, Math.max(0, r.share)), labelled: r.depth_pct % 10 === 0 };
  });
}

/** The attention bands: each 5 % band of the page with its mean ms in view. */
export function attentionBands(attention: readonly DepthTime[], docHeight: number, step = 5): (Band & { ms: number })[] {
  return [...attention]
    .sort((a, b) => a.depth_pct - b.depth_pct)
    .filter((a) => a.depth_pct < 100)
    .map((a) => {
      const top = (a.depth_pct / 100) * docHeight;
      const bottom = (Math.min(100, a.depth_pct + step) / 100) * docHeight;
      return { depth: a.depth_pct, top, height: bottom - top, ms: Math.max(0, a.ms), labelled: a.depth_pct % 10 === 0 };
    });
}

/** The fold lines on this document: each device's median fold as a share of the document height. */
export function foldLines(folds: readonly Fold[], docHeight: number): { device: string; y: number; px: number; pageviews: number }[] {
  return folds
    .filter((f) => f.pageviews > 0 && Number.isFinite(f.fold_pct))
    .map((f) => ({ device: f.device, y: (Math.min(100, Math.max(0, f.fold_pct)) / 100) * docHeight, px: f.fold_px, pageviews: f.pageviews }));
}

/** The scale that fits a page `width` px wide into `available` px (never enlarged). */
export function fitScale(width: number, available: number): number {
  if (!(width > 0) || !(available > 0)) return 1;
  return Math.min(1, available / width);
}

/** Move cells as heat points (their centres), `size` px cells. */
export function cellCentres(cells: readonly { x: number; y: number; count: number }[], size = 20): { x: number; y: number; count: number }[] {
  return cells.map((c) => ({ x: c.x + size / 2, y: c.y + size / 2, count: c.count }));
}

/** Zones drawn largest first, so a smaller zone inside a larger one stays on top (hoverable, clickable). */
export function byAreaDescending<T extends { box: Box }>(zones: readonly T[]): T[] {
  return [...zones].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
}

export interface TooltipPlace {
  left: number;
  top: number;
  maxHeight: number;
}

/** Tooltip size the placement plans for (it scrolls if taller). */
export const TOOLTIP = { width: 300, height: 470, gap: 14, margin: 8 };

/**
 * Where a tooltip goes for a pointer at (`x`, `y`) in a `vw` × `vh` window: right of and below the pointer,
 * flipped left / above when it would leave the window, and never past its edges.
 */
export function tooltipPlace(x: number, y: number, vw: number, vh: number, size = TOOLTIP): TooltipPlace {
  const { width, height, gap, margin } = size;
  let left = x + gap;
  if (left + width > vw - margin) left = x - gap - width;
  left = Math.max(margin, Math.min(left, vw - margin - width));
  let top = y + gap;
  if (top + height > vh - margin) top = y - gap - height;
  top = Math.max(margin, Math.min(top, vh - margin - height));
  return { left, top, maxHeight: vh - 2 * margin };
}
