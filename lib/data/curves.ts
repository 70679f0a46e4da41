// A synthetic CURVES-like data set: 28 × 28 images of smooth curves through random points.
//
// This is an APPROXIMATION of the CURVES set of Hinton & Salakhutdinov (2006), whose images were
// generated from three randomly chosen points; it reproduces the kind of data (thin, smooth, anti-
// aliased strokes, intensities in [0, 1], 784 pixels), not the original files. Recipe, per image:
//   1. six uniforms from the generator (one Generator.uniform call for all images, 6 per image in
//      order x0, y0, x1, y1, x2, y2): points P_i = 3 + 22 u (pixel units; the canvas is [0, 28)^2).
//   2. the points are renamed so that P0, P2 are the farthest-apart pair (ties: the first pair in the
//      order (0,1), (0,2), (1,2)) and P1 the remaining one, so P1 projects inside the chord P0 P2 and
//      the curve does not fold back on itself; then
//      the quadratic Bézier through P0 (t = 0), P1 (t = 1/2) and P2 (t = 1): control point
//      C = 2 P1 - (P0 + P2) / 2, B(t) = (1-t)^2 P0 + 2 t (1-t) C + t^2 P2.
//   3. S = ceil(2 L) + 1 samples at t = s / (S - 1), L = |C - P0| + |P2 - C| (the control polygon's
//      length, >= the curve's), so samples are at most half a pixel apart.
//   4. pixel (row i, column j) with center (j + 0.5, i + 0.5) gets max over samples of
//      max(0, 1 - d / 1.2), d the distance to the sample (only the 3 × 3 pixels around a sample).
// All arithmetic is float64 + - × ÷ sqrt on binary32 inputs, then one rounding to binary32: the same
// bits on every platform and backend.
import { Tensor } from '../tensor.js';
import type { Generator } from '../random.js';
import { checkInteger, checkOptions } from '../validate.js';
import { seededGenerator } from './common.js';

export const CURVES_SIZE = 28;
const STROKE = 1.2;

/** The three points reordered so that (0, 2) is the farthest-apart pair. */
function orderedPoints(x: number[], y: number[]): [number[], number[]] {
  const d2 = (a: number, b: number) => (x[a] - x[b]) ** 2 + (y[a] - y[b]) ** 2;
  const pairs: [number, number, number][] = [[0, 1, 2], [0, 2, 1], [1, 2, 0]];
  let best = pairs[0];
  for (const p of pairs) if (d2(p[0], p[1]) > d2(best[0], best[1])) best = p;
  const order = [best[0], best[2], best[1]];
  return [order.map((i) => x[i]), order.map((i) => y[i])];
}

function renderCurve(img: Float32Array, off: number, u: Float32Array, uo: number): void {
  const S = CURVES_SIZE;
  const [px, py] = orderedPoints([0, 1, 2].map((i) => 3 + 22 * u[uo + 2 * i]), [0, 1, 2].map((i) => 3 + 22 * u[uo + 2 * i + 1]));
  const cx = 2 * px[1] - (px[0] + px[2]) / 2, cy = 2 * py[1] - (py[0] + py[2]) / 2;
  const len = Math.hypot(cx - px[0], cy - py[0]) + Math.hypot(px[2] - cx, py[2] - cy);
  const samples = Math.ceil(2 * len) + 1;
  for (let s = 0; s < samples; s++) {
    const t = samples === 1 ? 0 : s / (samples - 1), a = (1 - t) * (1 - t), b = 2 * t * (1 - t), c = t * t;
    const x = a * px[0] + b * cx + c * px[2], y = a * py[0] + b * cy + c * py[2];
    const j0 = Math.floor(x), i0 = Math.floor(y);
    for (let i = i0 - 1; i <= i0 + 1; i++) {
      if (i < 0 || i >= S) continue;
      for (let j = j0 - 1; j <= j0 + 1; j++) {
        if (j < 0 || j >= S) continue;
        const dx = j + 0.5 - x, dy = i + 0.5 - y;
        const v = 1 - Math.sqrt(dx * dx + dy * dy) / STROKE;
        const k = off + i * S + j;
        if (v > img[k]) img[k] = v;
      }
    }
  }
}

export interface CurvesOptions {
  /** Number of images. */
  n: number;
  /** Seed of a fresh Generator (default 0); or pass generator. */
  seed?: number | bigint;
  generator?: Generator;
}

/** n synthetic curve images: { x } with x a Tensor of shape (n, 784), values in [0, 1]. See the recipe above. */
export function curves(opts: CurvesOptions): { x: Tensor } {
  checkOptions(opts, 'curves options', ['n', 'seed', 'generator']);
  if (opts === undefined) throw new TypeError('Expected an options object with n for curves options but received undefined');
  checkInteger(opts.n, 'n', 0);
  const gen = seededGenerator(opts, 'curves');
  const n = opts.n, D = CURVES_SIZE * CURVES_SIZE;
  const u = gen.uniform(new Float32Array(6 * n));
  const x = new Float32Array(n * D);
  for (let i = 0; i < n; i++) renderCurve(x, i * D, u, 6 * i);
  return { x: new Tensor(x, [n, D]) };
}
