// RNN: a single-layer Elman network with tanh units, trained by backpropagation through time (BPTT),
// as torch.nn.RNN(inputSize, hiddenSize, nonlinearity='tanh', num_layers=1):
//
//   h_t = tanh((x_t·W_ihᵀ + b_ih) + h_{t−1}·W_hhᵀ + b_hh)        t = 0 .. T−1, h_{−1} = h0 (default 0)
//
// Composed from the GEMM, unary, elementwise and reduce kernels only, so both backends, every SIMD level
// and every thread count give the same bits. Internally time-major (T·N rows); with batchFirst the input
// (N, T, I) and output (N, T, H) are transposed by plain copies (exact). Exact op order:
//
//   forward   Z  = gemm(X, W_ih, transB) + b_ih             all T·N rows in ONE call (bias in the epilogue)
//             per t: Z_t = tanh((Z_t + h_{t−1}·W_hhᵀ) + b_hh)  gemm with beta = 1 on Z_t, bias and tanh in the epilogue;
//                                                            Z_t is then h_t (the output)
//   backward  g = 0 (N, H); for t = T−1 .. 0:
//               D_t = tanhBackward(h_t, dY_t + g)            (one binary32 add, then dy·(1 − h·h))
//               g   = gemm(D_t, W_hh)                        (the gradient flowing to h_{t−1})
//             dW_ih = gemm(D, X, transA)        (H × T·N)·(T·N × I)
//             dW_hh = gemm(D, P, transA)        P = [h0; h_0; …; h_{T−2}] (T·N × H)
//             db_ih = db_hh = canonical column sums of D (reduce axis 0)
//             dX    = gemm(D, W_ih)
//           Each gradient is computed whole and then accumulated ("grad = grad + new", accumulateGrad).
// After forward, hN holds h_{T−1} (N, H); after backward, dh0 holds the gradient of h0.
import { kernels } from '../backend/select.js';
import { generatorOf, type Generator } from '../random.js';
import { checkTensor, formatShape, Parameter, Tensor } from '../tensor.js';
import { checkBoolean, checkInteger, checkOptions, rangeError, typeError } from '../validate.js';
import { uniform } from '../init/index.js';
import { accumulateGrad, checkGradShape, Module, savedOrThrow } from './module.js';

export interface RNNOptions {
  /** Only 'tanh' (the default) is supported. */
  nonlinearity?: 'tanh';
  /** Learn b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input (N, T, I) and output (N, T, H) instead of torch's default (T, N, I) / (T, N, H). Default false. */
  batchFirst?: boolean;
  /** Generator for the initial weights (default: the global one). */
  generator?: Generator;
}

interface Saved {
  /** Time-major input (T·N × I). */
  x: Float32Array;
  /** Time-major hidden states h_0 .. h_{T−1} (T·N × H). */
  h: Float32Array;
  h0: Float32Array;
  T: number;
  N: number;
  inShape: readonly number[];
}

/** (A, B, C) row-major -> (B, A, C): the batch-first <-> time-major copy. */
function swap01(src: Float32Array, a: number, b: number, c: number, dst: Float32Array): Float32Array {
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) dst.set(src.subarray((i * b + j) * c, (i * b + j + 1) * c), (j * a + i) * c);
  return dst;
}

export class RNN extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly batchFirst: boolean;
  /** (hiddenSize, inputSize), torch's weight_ih_l0. */
  readonly weightIh: Parameter;
  /** (hiddenSize, hiddenSize), torch's weight_hh_l0. */
  readonly weightHh: Parameter;
  readonly biasIh: Parameter | null;
  readonly biasHh: Parameter | null;
  /** h_{T−1} of the last forward, (N, H). */
  hN: Tensor | null = null;
  /** Gradient of the last forward's h0, (N, H), after backward. */
  dh0: Tensor | null = null;
  #saved: Saved | null = null;

  /** Every weight and bias starts U(−1/√H, 1/√H), as torch. */
  constructor(inputSize: number, hiddenSize: number, options?: RNNOptions) {
    super();
    checkInteger(inputSize, 'inputSize', 1);
    checkInteger(hiddenSize, 'hiddenSize', 1);
    checkOptions(options, 'RNN options', ['nonlinearity', 'bias', 'batchFirst', 'generator']);
    const o = (options ?? {}) as RNNOptions;
    const nl: unknown = o.nonlinearity ?? 'tanh';
    if (typeof nl !== 'string') throw typeError("'tanh'", 'nonlinearity', nl);
    if (nl !== 'tanh') throw rangeError("'tanh'", 'nonlinearity', nl);
    const hasBias = o.bias ?? true;
    checkBoolean(hasBias, 'bias');
    this.batchFirst = o.batchFirst ?? false;
    checkBoolean(this.batchFirst, 'batchFirst');
    const generator = generatorOf(o.generator);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.weightIh = this.registerParameter('weightIh', Parameter.zeros([hiddenSize, inputSize]));
    this.weightHh = this.registerParameter('weightHh', Parameter.zeros([hiddenSize, hiddenSize]));
    this.biasIh = this.registerParameter('biasIh', hasBias ? Parameter.zeros([hiddenSize]) : null);
    this.biasHh = this.registerParameter('biasHh', hasBias ? Parameter.zeros([hiddenSize]) : null);
    const bound = 1 / Math.sqrt(hiddenSize);
    for (const p of this.parameters()) uniform(p, { a: -bound, b: bound, generator });
  }

  /** x: (N, T, I) with batchFirst, else (T, N, I); h0: (N, H) or omitted (zeros). Returns every h_t, shaped like x with H features. */
  forward(x: Tensor, h0?: Tensor): Tensor {
    checkTensor(x, 'x');
    if (x.ndim !== 3 || x.shape[2] !== this.inputSize) {
      const want = this.batchFirst ? `[N, T, ${this.inputSize}]` : `[T, N, ${this.inputSize}]`;
      throw new RangeError(`Expected x of shape ${want} for RNN(${this.inputSize}, ${this.hiddenSize}) but received shape ${formatShape(x.shape)}`);
    }
    const [N, T] = this.batchFirst ? [x.shape[0], x.shape[1]] : [x.shape[1], x.shape[0]];
    const H = this.hiddenSize, I = this.inputSize;
    if (h0 !== undefined) {
      checkTensor(h0, 'h0');
      if (h0.ndim !== 2 || h0.shape[0] !== N || h0.shape[1] !== H) {
        throw new RangeError(`Expected h0 of shape [${N}, ${H}] but received shape ${formatShape(h0.shape)}`);
      }
    }
    const K = kernels().gemm;
    const X = this.batchFirst ? swap01(x.data, N, T, I, new Float32Array(x.size)) : x.data.slice();
    const hs = new Float32Array(T * N * H);
    const h0d = h0 ? h0.data.slice() : new Float32Array(N * H);
    K.gemm(X, this.weightIh.data, hs, T * N, H, I, false, true, 1, 0, this.biasIh?.data ?? null, 'none');
    for (let t = 0; t < T; t++) {
      const prev = t === 0 ? h0d : hs.subarray((t - 1) * N * H, t * N * H);
      K.gemm(prev, this.weightHh.data, hs.subarray(t * N * H, (t + 1) * N * H), N, H, H, false, true, 1, 1, this.biasHh?.data ?? null, 'tanh');
    }
    this.#saved = { x: X, h: hs, h0: h0d, T, N, inShape: x.shape };
    this.hN = new Tensor(T === 0 ? h0d.slice() : hs.slice((T - 1) * N * H), [N, H]);
    const out = this.batchFirst ? swap01(hs, T, N, H, new Float32Array(hs.length)) : hs.slice();
    return new Tensor(out, this.batchFirst ? [N, T, H] : [T, N, H]);
  }

  /** dy: the gradient of the whole output (shape of the last forward's output). Returns dx; sets dh0. */
  backward(dy: Tensor): Tensor {
    const s = savedOrThrow(this.#saved, this);
    const { T, N } = s;
    const H = this.hiddenSize, I = this.inputSize;
    checkGradShape(dy, this.batchFirst ? [N, T, H] : [T, N, H], this);
    const k = kernels();
    const D = this.batchFirst ? swap01(dy.data, N, T, H, new Float32Array(dy.size)) : dy.data.slice();
    let g = new Float32Array(N * H);
    for (let t = T - 1; t >= 0; t--) {
      const d = D.subarray(t * N * H, (t + 1) * N * H);
      k.elementwise.binary('add', d, g, d, 1, N * H, 'full');
      k.unary.backward('tanh', s.h.subarray(t * N * H, (t + 1) * N * H), d, d);
      g = new Float32Array(N * H);
      k.gemm.gemm(d, this.weightHh.data, g, N, H, H, false, false, 1, 0, null, 'none');
    }
    this.dh0 = new Tensor(g, [N, H]);
    const rows = T * N;
    const prev = new Float32Array(rows * H);
    if (T > 0) {
      prev.set(s.h0);
      prev.set(s.h.subarray(0, (T - 1) * N * H), N * H);
    }
    const dWih = Tensor.zeros([H, I]);
    k.gemm.gemm(D, s.x, dWih.data, H, I, rows, true, false, 1, 0, null, 'none');
    const dWhh = Tensor.zeros([H, H]);
    k.gemm.gemm(D, prev, dWhh.data, H, H, rows, true, false, 1, 0, null, 'none');
    accumulateGrad(this.weightIh, dWih);
    accumulateGrad(this.weightHh, dWhh);
    if (this.biasIh && this.biasHh) {
      const db = Tensor.zeros([H]);
      k.reduce.axis('sum', D, rows, H, 0, 0, db.data);
      accumulateGrad(this.biasIh, db.clone());
      accumulateGrad(this.biasHh, db);
    }
    const dX = new Float32Array(rows * I);
    k.gemm.gemm(D, this.weightIh.data, dX, rows, I, H, false, false, 1, 0, null, 'none');
    return new Tensor(this.batchFirst ? swap01(dX, T, N, I, new Float32Array(dX.length)) : dX, s.inShape);
  }
}
