// Colour scales of the heatmap layers: one hot-to-cold ramp (blue → cyan → green → yellow → red) shared by
// clicks, moves, reach, attention and zones, so "red" means "most" on every tab.

export type Rgb = readonly [number, number, number];

/** The ramp's stops, cold to hot (0..1). */
export const RAMP: readonly { at: number; rgb: Rgb }[] = [
  { at: 0, rgb: [49, 54, 149] },
  { at: 0.25, rgb: [69, 160, 220] },
  { at: 0.5, rgb: [102, 189, 99] },
  { at: 0.75, rgb: [253, 204, 60] },
  { at: 1, rgb: [215, 38, 30] },
];

/** The ramp's colour at `t` (0 cold .. 1 hot; clamped), linearly between stops. */
export function rampColour(t: number): Rgb {
  const v = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  for (let i = 1; i < RAMP.length; i++) {
    const a = RAMP[i - 1]!;
    const b = RAMP[i]!;
    if (v <= b.at) {
      const f = (v - a.at) / (b.at - a.at);
      return [0, 1, 2].map((k) => Math.round(a.rgb[k]! + (b.rgb[k]! - a.rgb[k]!) * f)) as unknown as Rgb;
    }
  }
  return RAMP[RAMP.length - 1]!.rgb;
}

export function rgba(rgb: Rgb, alpha = 1): string {
  return `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})`;
}

/** A value's place on a scale from `min` to `max` (0..1); the middle when the scale is flat. */
export function normalise(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return 0;
  if (!(max > min)) return max > 0 || value > 0 ? 1 : 0;
  return Math.min(1, Math.max(0, (value - min) / (max - min)));
}

/** The min and max of the finite values (0..0 without any). */
export function extent(values: readonly (number | null | undefined)[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return Number.isFinite(min) ? { min, max } : { min: 0, max: 0 };
}

/**
 * Heat intensity of a count against the largest: square-root scaled, so one very hot spot does not turn
 * every other into the coldest colour.
 */
export function heatIntensity(count: number, maxCount: number): number {
  if (!(maxCount > 0) || !(count > 0)) return 0;
  return Math.min(1, Math.sqrt(count / maxCount));
}

/**
 * A 256-entry RGBA table for colouring an accumulated alpha canvas: alpha 0 stays transparent, more
 * alpha walks up the ramp and gets more opaque (capped so the page stays readable under the heat).
 */
export function paletteTable(maxAlpha = 0.8): Uint8ClampedArray {
  const out = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    const [r, g, b] = rampColour(t);
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = i === 0 ? 0 : Math.round(255 * Math.min(maxAlpha, 0.12 + t));
  }
  return out;
}
