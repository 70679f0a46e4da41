// Matrix products: matmul(a, b) and the BLAS-style gemm(a, b, c) with a fused epilogue (bias row,
// activation), so a Linear layer's forward pass is one call. Spec: docs/numerics.md "GEMM".
import { kernels } from '../backend/select.js';
import type { GemmActivation } from '../backend/kernels.js';
import { checkTensor, formatShape, sameShape, Tensor } from '../tensor.js';
import { checkBoolean, checkFinite, checkOptions, overlaps, rangeError, typeError } from '../validate.js';

export interface MatmulOptions {
  /** Use aᵀ: a is stored K × M. */
  transA?: boolean;
  /** Use bᵀ: b is stored N × K. */
  transB?: boolean;
  /** Write the M × N result here (must not overlap a or b). */
  out?: Tensor;
}

export interface GemmOptions {
  /** Scales op(a)·op(b); default 1. */
  alpha?: number;
  /** Scales the old c; default 0 (c is then not read: NaN in c is ignored). */
  beta?: number;
  transA?: boolean;
  transB?: boolean;
  /** A row of N values added to every row after the product (shape [N] or [1, N]). */
  bias?: Tensor | null;
  /** Applied last, the unary family's kernel (same bits as fg.ops.relu/sigmoid/tanh); default 'none'. */
  activation?: GemmActivation;
}

const ACTIVATIONS: readonly GemmActivation[] = ['none', 'relu', 'sigmoid', 'tanh'];

interface Dims {
  m: number;
  n: number;
  k: number;
}

function matrix(t: unknown, name: string): asserts t is Tensor {
  checkTensor(t, name);
  if (t.ndim !== 2) throw new RangeError(`Expected a 2-D tensor for ${name} but received shape ${formatShape(t.shape)}`);
}

function flag(v: unknown, name: string): boolean {
  if (v === undefined) return false;
  checkBoolean(v, name);
  return v;
}

/** M, N, K of op(a)·op(b), checking that the inner dimensions agree. */
function dims(a: Tensor, b: Tensor, transA: boolean, transB: boolean, fn: string): Dims {
  const [m, ka] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [kb, n] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (ka !== kb) {
    throw new RangeError(
      `Expected the inner dimensions of ${fn} to agree: op(a) is ${m} x ${ka} (a ${formatShape(a.shape)}${transA ? ', transA' : ''}) ` +
        `but op(b) is ${kb} x ${n} (b ${formatShape(b.shape)}${transB ? ', transB' : ''})`,
    );
  }
  return { m, n, k: ka };
}

function checkNoOverlap(out: Tensor, outName: string, inputs: readonly [Tensor | null | undefined, string][], fn: string): void {
  for (const [t, name] of inputs) {
    if (t && overlaps(out.data, t.data)) throw new RangeError(`Expected ${outName} of ${fn} not to overlap ${name}, but they share memory`);
  }
}

/** op(a)·op(b) for 2-D tensors: (M × K)·(K × N) → M × N. */
export function matmul(a: Tensor, b: Tensor, opts?: MatmulOptions): Tensor {
  matrix(a, 'a');
  matrix(b, 'b');
  checkOptions(opts as unknown, 'matmul options', ['transA', 'transB', 'out']);
  const transA = flag(opts?.transA, 'transA'), transB = flag(opts?.transB, 'transB');
  const { m, n, k } = dims(a, b, transA, transB, 'matmul');
  let out = opts?.out;
  if (out === undefined) {
    out = Tensor.zeros([m, n]);
  } else {
    checkTensor(out, 'out');
    if (!sameShape(out.shape, [m, n])) throw new RangeError(`Expected out of shape ${formatShape([m, n])} for matmul but received shape ${formatShape(out.shape)}`);
    checkNoOverlap(out, 'out', [[a, 'a'], [b, 'b']], 'matmul');
  }
  kernels().gemm.gemm(a.data, b.data, out.data, m, n, k, transA, transB, 1, 0, null, 'none');
  return out;
}

/**
 * c = alpha·op(a)·op(b) + beta·c, then c += bias (a row), then the activation; writes c and returns it.
 * alpha and beta are rounded to binary32 once, here, and passed to the kernel.
 */
export function gemm(a: Tensor, b: Tensor, c: Tensor, opts?: GemmOptions): Tensor {
  matrix(a, 'a');
  matrix(b, 'b');
  matrix(c, 'c');
  checkOptions(opts as unknown, 'gemm options', ['alpha', 'beta', 'transA', 'transB', 'bias', 'activation']);
  const transA = flag(opts?.transA, 'transA'), transB = flag(opts?.transB, 'transB');
  const alpha = opts?.alpha ?? 1, beta = opts?.beta ?? 0;
  checkFinite(alpha, 'alpha');
  checkFinite(beta, 'beta');
  const activation = (opts?.activation ?? 'none') as GemmActivation;
  const names = ACTIVATIONS.map((x) => `'${x}'`).join(', ');
  if (typeof activation !== 'string') throw typeError(`one of ${names}`, 'activation', activation);
  if (!ACTIVATIONS.includes(activation)) throw rangeError(`one of ${names}`, 'activation', activation);
  const { m, n, k } = dims(a, b, transA, transB, 'gemm');
  if (!sameShape(c.shape, [m, n])) throw new RangeError(`Expected c of shape ${formatShape([m, n])} for gemm but received shape ${formatShape(c.shape)}`);
  const bias = opts?.bias ?? null;
  if (bias !== null) {
    checkTensor(bias, 'bias');
    const row = (bias.ndim === 1 && bias.shape[0] === n) || (bias.ndim === 2 && bias.shape[0] === 1 && bias.shape[1] === n);
    if (!row) throw new RangeError(`Expected bias of shape [${n}] or [1, ${n}] for gemm but received shape ${formatShape(bias.shape)}`);
  }
  checkNoOverlap(c, 'c', [[a, 'a'], [b, 'b'], [bias, 'bias']], 'gemm');
  kernels().gemm.gemm(a.data, b.data, c.data, m, n, k, transA, transB, Math.fround(alpha), Math.fround(beta), bias?.data ?? null, activation);
  return c;
}
