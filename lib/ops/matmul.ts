// Matrix products: matmul(a, b) and the BLAS-style gemm(a, b, c) with a fused epilogue (bias row,
// activation), so a Linear layer's forward pass is one call. Spec: docs/numerics.md "GEMM".
import { kernels } from '../backend/select.js';
import type { GemmActivation, GemmKernels } from '../backend/kernels.js';
import { recordOp as record } from '../autograd/engine.js';
import { checkTensor, formatShape, makeTensor, sameShape, Tensor } from '../tensor.js';
import { empty, needs2 } from './core.js';
import { broadcastShapes, broadcastStrides } from './elementwise.js';
import { sumTemp } from './reduce.js';
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

/** A validated call: the result tensor and the kernel's arguments. */
interface GemmCall {
  out: Tensor;
  args: Parameters<GemmKernels['gemm']>;
}

/**
 * torch.matmul: 1-D · 1-D a dot product (shape []), 2-D · 2-D a matrix product, a 1-D operand
 * promoted to a row (left) or column (right) and the dim removed after, N-D operands batched with
 * broadcast batch dims. A lazy transpose of the last two dims (x.t(), x.transpose(-1, -2)) is read as
 * a GEMM transpose flag on its source, not a copy; backward is two GEMMs per batch with flags.
 * matmul(a, b, { transA, transB, out }): the option form, 2-D only (op(a)·op(b)).
 */
export function matmul(a: Tensor, b: Tensor, opts?: MatmulOptions): Tensor {
  if (opts === undefined) return matmulT(a, b);
  if (needs2(a, b)) throw new Error("matmul(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad");
  const call = planMatmul(a, b, opts, 'matmul');
  kernels().gemm.gemm(...call.args);
  return call.out;
}

/** A stored operand: the source data and whether op() transposes its last two dims. */
interface Operand {
  t: Tensor;
  trans: boolean;
  /** The logical shape (a 1-D operand promoted to 2-D). */
  shape: number[];
}

function operand(x: Tensor, left: boolean): Operand {
  const shape = x.ndim === 1 ? (left ? [1, x.shape[0]] : [x.shape[0], 1]) : x.shape.slice();
  if (x._tOf !== null) return { t: x._tOf, trans: true, shape };
  return { t: x, trans: false, shape };
}

function matmulT(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'a');
  checkTensor(b, 'b');
  if (a.ndim === 0 || b.ndim === 0) throw new RangeError(`both arguments to matmul need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`);
  const A = operand(a, true), B = operand(b, false);
  const ra = A.shape.length, rb = B.shape.length;
  const m = A.shape[ra - 2], k = A.shape[ra - 1], k2 = B.shape[rb - 2], n = B.shape[rb - 1];
  if (k !== k2) {
    throw new RangeError(
      `Expected the inner dimensions of matmul to agree: op(a) is ${m} x ${k} (a ${formatShape(a.shape)}${A.trans ? ', a lazy transpose' : ''}) ` +
        `but op(b) is ${k2} x ${n} (b ${formatShape(b.shape)}${B.trans ? ', a lazy transpose' : ''}): mat1 and mat2 shapes cannot be multiplied (${m}x${k} and ${k2}x${n})`,
    );
  }
  const batchA = A.shape.slice(0, -2), batchB = B.shape.slice(0, -2);
  const batch = broadcastShapes(batchA, batchB, 'matmul (batch dims)');
  const outShape: number[] = [...batch];
  if (a.ndim > 1) outShape.push(m);
  if (b.ndim > 1) outShape.push(n);
  const out = empty(outShape);
  // N-D · 2-D with a plain left operand: fold the batch into rows (one GEMM)
  const fold = batchB.length === 0 && !A.trans;
  const nb = fold ? 1 : batch.reduce((x, y) => x * y, 1);
  const M = fold ? batchA.reduce((x, y) => x * y, m) : m;
  const offA = batchOffsets(batchA, batch, m * k), offB = batchOffsets(batchB, batch, k * n);
  const K = kernels().gemm, ad = A.t.data, bd = B.t.data, od = out.data;
  const mk = M * k, kn = k * n, mn = M * n;
  for (let i = 0; i < nb; i++) {
    const ao = fold ? 0 : offA[i], bo = fold ? 0 : offB[i];
    K.gemm(ad.subarray(ao, ao + mk), bd.subarray(bo, bo + kn), od.subarray(i * mn, (i + 1) * mn), M, n, k, A.trans, B.trans, 1, 0, null, 'none');
  }
  if (needs2(A.t, B.t)) {
    const ta = A.t, tb = B.t, ashape = ta.shape, bshape = tb.shape;
    record(out, 'matmul', [ta, tb], (g) => {
      const gd = g.data;
      let ga: Tensor | null = null, gb: Tensor | null = null;
      if (ta._req) {
        // per batch: dA = G·op(B)ᵀ (m × k), or for a transposed source dAs = op(B)·Gᵀ (k × m)
        const full = empty(fold ? [M, k] : [...batch, ...(A.trans ? [k, M] : [M, k])]); // the GEMMs write all of it
        for (let i = 0; i < nb; i++) {
          const bo = fold ? 0 : offB[i], go = gd.subarray(i * mn, (i + 1) * mn), dst = full.data.subarray(i * mk, (i + 1) * mk);
          if (A.trans) K.gemm(bd.subarray(bo, bo + kn), go, dst, k, M, n, B.trans, true, 1, 0, null, 'none');
          else K.gemm(go, bd.subarray(bo, bo + kn), dst, M, k, n, false, !B.trans, 1, 0, null, 'none');
        }
        ga = fold ? makeTensor(full.data, ashape) : reshapeGrad(sumTemp(full, A.trans ? [...batchA, k, m] : [...batchA, m, k]), ashape);
      }
      if (tb._req) {
        // per batch: dB = op(A)ᵀ·G (k × n), or for a transposed source dBs = Gᵀ·op(A) (n × k); summed over broadcast batches
        const full = empty([...(fold ? [] : batch), ...(B.trans ? [n, k] : [k, n])]); // the GEMMs write all of it
        for (let i = 0; i < nb; i++) {
          const ao = fold ? 0 : offA[i], go = gd.subarray(i * mn, (i + 1) * mn), dst = full.data.subarray(i * kn, (i + 1) * kn);
          if (B.trans) K.gemm(go, ad.subarray(ao, ao + mk), dst, n, k, M, true, A.trans, 1, 0, null, 'none');
          else K.gemm(ad.subarray(ao, ao + mk), go, dst, k, n, M, !A.trans, false, 1, 0, null, 'none');
        }
        gb = reshapeGrad(fold ? full : sumTemp(full, B.trans ? [...batchB, n, k] : [...batchB, k, n]), bshape);
      }
      return [ga, gb];
    }, [ta, tb]);
  }
  return out;
}

function reshapeGrad(g: Tensor, shape: readonly number[]): Tensor {
  return sameShape(g.shape, shape) ? g : makeTensor(g.data, shape);
}

/** Element offset of each output batch's matrix in an operand with batch dims `own` (broadcast to `batch`). */
function batchOffsets(own: readonly number[], batch: readonly number[], mat: number): number[] {
  const nb = batch.reduce((x, y) => x * y, 1);
  const st = broadcastStrides(own, batch);
  const out = new Array<number>(nb);
  const r = batch.length, idx = new Array<number>(r).fill(0);
  let off = 0;
  for (let i = 0; i < nb; i++) {
    out[i] = off * mat;
    for (let d = r - 1; d >= 0; d--) {
      off += st[d];
      if (++idx[d] < batch[d]) break;
      off -= st[d] * batch[d];
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * matmul off the event loop (native: the libuv thread pool; JS backend: the sync kernel, then a
 * resolved Promise). Same bits as matmul. Validated synchronously (a bad argument throws, nothing is
 * queued); a, b and out are referenced until the Promise settles and must not be touched before then
 * (docs/reliability.md).
 */
export function matmulAsync(a: Tensor, b: Tensor, opts?: MatmulOptions): Promise<Tensor> {
  const call = planMatmul(a, b, opts, 'matmulAsync');
  return kernels().async.gemm.gemm(...call.args).then(() => call.out);
}

function planMatmul(a: Tensor, b: Tensor, opts: MatmulOptions | undefined, fn: string): GemmCall {
  matrix(a, 'a');
  matrix(b, 'b');
  checkOptions(opts as unknown, `${fn} options`, ['transA', 'transB', 'out']);
  const transA = flag(opts?.transA, 'transA'), transB = flag(opts?.transB, 'transB');
  const { m, n, k } = dims(a, b, transA, transB, fn);
  let out = opts?.out;
  if (out === undefined) {
    out = Tensor.zeros([m, n]);
  } else {
    checkTensor(out, 'out');
    if (!sameShape(out.shape, [m, n])) throw new RangeError(`Expected out of shape ${formatShape([m, n])} for ${fn} but received shape ${formatShape(out.shape)}`);
    checkNoOverlap(out, 'out', [[a, 'a'], [b, 'b']], fn);
  }
  return { out, args: [a.data, b.data, out.data, m, n, k, transA, transB, 1, 0, null, 'none'] };
}

/**
 * c = alpha·op(a)·op(b) + beta·c, then c += bias (a row), then the activation; writes c and returns it.
 * alpha and beta are rounded to binary32 once, here, and passed to the kernel.
 */
export function gemm(a: Tensor, b: Tensor, c: Tensor, opts?: GemmOptions): Tensor {
  const call = planGemm(a, b, c, opts, 'gemm');
  kernels().gemm.gemm(...call.args);
  return c;
}

/** gemm off the event loop; same bits and the same contract as matmulAsync (c is written when it settles). */
export function gemmAsync(a: Tensor, b: Tensor, c: Tensor, opts?: GemmOptions): Promise<Tensor> {
  const call = planGemm(a, b, c, opts, 'gemmAsync');
  return kernels().async.gemm.gemm(...call.args).then(() => c);
}

function planGemm(a: Tensor, b: Tensor, c: Tensor, opts: GemmOptions | undefined, fn: string): GemmCall {
  matrix(a, 'a');
  matrix(b, 'b');
  matrix(c, 'c');
  checkOptions(opts as unknown, `${fn} options`, ['alpha', 'beta', 'transA', 'transB', 'bias', 'activation']);
  const transA = flag(opts?.transA, 'transA'), transB = flag(opts?.transB, 'transB');
  const alpha = opts?.alpha ?? 1, beta = opts?.beta ?? 0;
  checkFinite(alpha, 'alpha');
  checkFinite(beta, 'beta');
  const activation = (opts?.activation ?? 'none') as GemmActivation;
  const names = ACTIVATIONS.map((x) => `'${x}'`).join(', ');
  if (typeof activation !== 'string') throw typeError(`one of ${names}`, 'activation', activation);
  if (!ACTIVATIONS.includes(activation)) throw rangeError(`one of ${names}`, 'activation', activation);
  const { m, n, k } = dims(a, b, transA, transB, fn);
  if (!sameShape(c.shape, [m, n])) throw new RangeError(`Expected c of shape ${formatShape([m, n])} for ${fn} but received shape ${formatShape(c.shape)}`);
  const bias = opts?.bias ?? null;
  if (bias !== null) {
    checkTensor(bias, 'bias');
    const row = (bias.ndim === 1 && bias.shape[0] === n) || (bias.ndim === 2 && bias.shape[0] === 1 && bias.shape[1] === n);
    if (!row) throw new RangeError(`Expected bias of shape [${n}] or [1, ${n}] for ${fn} but received shape ${formatShape(bias.shape)}`);
  }
  checkNoOverlap(c, 'c', [[a, 'a'], [b, 'b'], [bias, 'bias']], fn);
  return { out: c, args: [a.data, b.data, c.data, m, n, k, transA, transB, Math.fround(alpha), Math.fround(beta), bias?.data ?? null, activation] };
}

/** torch.mm: the product of two 2-D tensors (matmul without broadcasting or 1-D operands). */
export function mm(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'input');
  checkTensor(b, 'mat2');
  if (a.ndim !== 2 || b.ndim !== 2) throw new RangeError(`Expected 2-D tensors for mm but received shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} (use matmul for batched or 1-D operands)`);
  return matmul(a, b);
}
