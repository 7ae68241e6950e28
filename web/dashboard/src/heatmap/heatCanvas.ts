// The heat layer: each point adds a soft radial blob of alpha (stronger for more clicks or samples), and
// the summed alpha is then coloured along the ramp (colour.ts), so overlapping spots glow hotter.
import { heatIntensity, paletteTable } from './colour';

/** At most this many canvas pixels (a very long page is drawn at a lower resolution, then stretched). */
const MAX_PIXELS = 12_000_000;

let palette: Uint8ClampedArray | null = null;

export function drawHeat(
  canvas: HTMLCanvasElement,
  points: readonly { x: number; y: number; count: number }[],
  size: { width: number; height: number },
  radius: number,
): void {
  const res = Math.min(1, Math.sqrt(MAX_PIXELS / Math.max(1, size.width * size.height)));
  const w = Math.max(1, Math.round(size.width * res));
  const h = Math.max(1, Math.round(size.height * res));
  canvas.width = w;
  canvas.height = h;
  canvas.style.width = `${size.width}px`;
  canvas.style.height = `${size.height}px`;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return;
  ctx.clearRect(0, 0, w, h);
  if (points.length === 0) return;
  const max = points.reduce((m, p) => Math.max(m, p.count), 0);
  const r = Math.max(2, radius * res);
  for (const p of points) {
    const a = heatIntensity(p.count, max);
    if (a <= 0) continue;
    const x = p.x * res;
    const y = p.y * res;
    const g = ctx.createRadialGradient(x, y, 0, x, y, r);
    g.addColorStop(0, `rgba(0, 0, 0, ${Math.max(0.08, a)})`);
    g.addColorStop(1, 'rgba(0, 0, 0, 0)');
    ctx.fillStyle = g;
    ctx.fillRect(x - r, y - r, 2 * r, 2 * r);
  }
  const img = ctx.getImageData(0, 0, w, h);
  const px = img.data;
  palette ??= paletteTable();
  for (let i = 0; i < px.length; i += 4) {
    const alpha = px[i + 3]!;
    if (alpha === 0) continue;
    const k = alpha * 4;
    px[i] = palette[k]!;
    px[i + 1] = palette[k + 1]!;
    px[i + 2] = palette[k + 2]!;
    px[i + 3] = palette[k + 3]!;
  }
  ctx.putImageData(img, 0, 0);
}
