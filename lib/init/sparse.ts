// Sparse initialization (Martens 2010; Sutskever et al. 2013, "On the importance of initialization
// and momentum"): every unit gets exactly k nonzero incoming weights; and echo-state reservoirs.
import { kernels } from '../backend/select.js';
import { checkTensor, formatShape, type Tensor } from '../tensor.js';
import type { Generator } from '../random.js';
import { checkInteger, rangeError } from '../validate.js';
import { checkPositive, num, prepare, type GeneratorOptions } from './common.js';
import { spectralRadiusOf } from './eigen.js';

export interface SparseOptions extends GeneratorOptions {
  /** Nonzero incoming weights per unit (row); all of them when the layer has fewer inputs. Default 15. */
  k?: number;
  /** Standard deviation of the nonzero weights (mean 0). Default 1. */
  std?: number;
}

const MAX_REDRAWS = 64;

function check2d(w: Tensor, name: string): void {
  if (w.shape.length !== 2) throw new RangeError(`Expected a 2-D (out, in) tensor for ${name} but received shape ${formatShape(w.shape)}`);
}

/** k distinct column indices per row (partial Fisher–Yates over one shared index array), row-major. */
function chooseColumns(gen: Generator, rows: number, cols: number, k: number): Uint32Array {
  const idx = new Uint32Array(cols);
  for (let i = 0; i < cols; i++) idx[i] = i;
  const chosen = new Uint32Array(rows * k);
  const ints = gen.integers();
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) {
      const t = j + ints.below(cols - j);
      const c = idx[t];
      idx[t] = idx[j];
      idx[j] = c;
      chosen[r * k + j] = c;
    }
  }
  return chosen;
}

/** N(0, std^2) values none of which is 0 (a zero, probability ~2^-22 per draw, is redrawn). */
function nonzeroNormals(gen: Generator, count: number, std: number): Float32Array {
  const vals = gen.normal(new Float32Array(count), 0, std);
  for (let round = 0; ; round++) {
    const zeros: number[] = [];
    for (let i = 0; i < count; i++) if (vals[i] === 0) zeros.push(i);
    if (zeros.length === 0) return vals;
    if (round === MAX_REDRAWS) throw rangeError('a std large enough that N(0, std^2) draws are nonzero in binary32', 'std', std);
    const redraw = gen.normal(new Float32Array(zeros.length), 0, std);
    zeros.forEach((i, j) => (vals[i] = redraw[j]));
  }
}

/**
 * In place on a 2-D weight (out, in): each row (unit) gets exactly min(k, in) nonzero weights, drawn
 * from N(0, std^2), on distinct inputs chosen uniformly at random; every other weight is 0 (biases are
 * the layer's business: set them to 0). Draw order: all column choices (rows in order), then the values.
 */
export function sparse<T extends Tensor>(w: T, opts?: SparseOptions): T {
  const { o, gen } = prepare(w, opts, 'sparse', ['k', 'std']);
  check2d(w, 'tensor');
  const k = o.k ?? 15;
  checkInteger(k, 'k', 1);
  const std = num(o.std, 'std', 1);
  checkPositive(std, 'std');
  fillSparse(w, k, std, gen);
  return w;
}

function fillSparse(w: Tensor, k: number, std: number, gen: Generator): void {
  const [rows, cols] = w.shape;
  const kk = Math.min(k, cols);
  const chosen = chooseColumns(gen, rows, cols, kk);
  const vals = nonzeroNormals(gen, rows * kk, std);
  w.data.fill(0);
  for (let r = 0; r < rows; r++) for (let j = 0; j < kk; j++) w.data[r * cols + chosen[r * kk + j]] = vals[r * kk + j];
}

export interface EchoStateOptions extends GeneratorOptions {
  /** Target spectral radius (largest |eigenvalue|). Default 1.1. */
  spectralRadius?: number;
  /** Nonzero incoming weights per unit. Default 15. */
  k?: number;
}

/**
 * Echo-state reservoir (Jaeger; Sutskever et al. 2013) in place on a square (n, n) recurrent weight:
 * sparse fan-in (k per row, N(0, 1)), then w = w * fround(target / rho) (binary32), where rho is the
 * spectral radius computed in float64 by Hessenberg reduction + Francis double-shift QR (right for
 * complex dominant eigenvalues). Returns the tensor and the achieved spectral radius of the stored
 * binary32 matrix (recomputed the same way; within a few binary32 ulps of the target).
 * O(n^3) float64 work in TypeScript: meant for reservoirs up to a few hundred units.
 */
export function echoState<T extends Tensor>(w: T, opts?: EchoStateOptions): { tensor: T; spectralRadius: number } {
  const { o, gen } = prepare(w, opts, 'echoState', ['spectralRadius', 'k']);
  check2d(w, 'tensor');
  if (w.shape[0] !== w.shape[1]) throw new RangeError(`Expected a square (n, n) tensor for tensor but received shape ${formatShape(w.shape)}`);
  const target = num(o.spectralRadius, 'spectralRadius', 1.1);
  checkPositive(target, 'spectralRadius');
  const k = o.k ?? 15;
  checkInteger(k, 'k', 1);
  const n = w.shape[0];
  if (n === 0) throw rangeError('a non-empty square tensor', 'tensor', w);
  fillSparse(w, k, 1, gen);
  const rho = spectralRadiusOf(w.data, n);
  if (!(rho > 0)) throw new RangeError('Expected a sparse reservoir with a nonzero spectral radius but the drawn matrix is nilpotent; use another seed or a larger k');
  kernels().elementwise.scalar('mul', w.data, Math.fround(target / rho), w.data);
  return { tensor: w, spectralRadius: spectralRadiusOf(w.data, n) };
}

/** The spectral radius (max |eigenvalue|, float64) of a square 2-D tensor. */
export function spectralRadius(w: Tensor): number {
  checkTensor(w, 'tensor');
  check2d(w, 'tensor');
  if (w.shape[0] !== w.shape[1]) throw new RangeError(`Expected a square (n, n) tensor for tensor but received shape ${formatShape(w.shape)}`);
  return spectralRadiusOf(w.data, w.shape[0]);
}
