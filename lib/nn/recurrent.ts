// LSTM and GRU (torch.nn.LSTM, torch.nn.GRU): multi-layer, uni- or bidirectional, dropout between
// layers, torch's gate order, equations and parameter names (weight_ih_l0 (G·H × I), weight_hh_l0
// (G·H × H), bias_ih_l0, bias_hh_l0, then the reverse direction's weight_ih_l0_reverse …, then _l1 …;
// G = 4 for LSTM (i, f, g, o), 3 for GRU (r, z, n)).
// A reverse direction runs the same layer over the sequence flipped in time (fg.ops.flip, a copy) and
// flips its output back; the two directions' outputs are concatenated on the feature dim (D·H), which
// is the next layer's input; h_N / c_N are (numLayers·D, N, H) in torch's order (l0, l0_reverse, l1, …).
// Dropout (training mode only) is applied to each layer's output but the last's, as torch does.
//
// Each layer is one tape node with a fused backward through time, over time-major data (T, N, ·):
//   forward   XG = gemm(X, W_ih, transB) + b_ih          all T·N rows in ONE call (bias in the epilogue)
//             per t: HG = gemm(h_{t−1}, W_hh, transB) + b_hh, then the cell kernel (rnn family: the gate
//             math of the step fused, docs/numerics.md "LSTM and GRU cells") writes h_t (and c_t)
//   backward  for t = T−1 … 0: the cell's backward kernel (dh = dy_t + dh_rec) gives the gate gradients
//             of step t; dh_rec = gemm(dHG_t, W_hh) (GRU: + dh·z, beta = 1)
//             dW_ih = gemm(dXG, X, transA), dW_hh = gemm(dHG, [h0; h_0 … h_{T−2}], transA) over all T·N
//             rows at once, db = canonical column sums (reduce axis 0), dX = gemm(dXG, W_ih)
// A layer's node outputs [h_0 … h_{T−1} | h_N | c_N] packed; output, h_N, c_N are narrowed out of it
// (so any of them may carry a gradient). batchFirst and unbatched inputs go through transpose /
// unsqueeze (plain copies, exact), and the layers' h_N / c_N are concatenated into (numLayers, N, H).
import { kernels } from '../backend/select.js';
import { uniform } from '../init/index.js';
import { flip } from '../ops/composite.js';
import { cat, narrow, reshape, squeeze, transpose, unsqueeze } from '../ops/shape.js';
import { generatorOf, type Generator } from '../random.js';
import { checkTensor, formatShape, Parameter, Tensor } from '../tensor.js';
import { checkBoolean, checkInteger, checkOptions, rangeError, typeError } from '../validate.js';
import { dropout as dropoutFn } from './functional_core.js';
import { Module, ON_TAPE } from './module.js';
import { gradOf, recordLayer } from './tape.js';

export interface RecurrentOptions {
  /** Stacked layers (default 1); layer l > 0 reads layer l − 1's output. */
  numLayers?: number;
  /** Learn b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input (N, T, I) and output (N, T, H) instead of torch's default (T, N, I) / (T, N, H). Default false. */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** A reverse direction per layer, outputs concatenated: (T, N, 2·H) (default false). */
  bidirectional?: boolean;
  /** Generator for the initial weights and the dropout masks (default: the global one). */
  generator?: Generator;
}

type Mode = 'LSTM' | 'GRU';

interface LayerParams {
  wih: Parameter;
  whh: Parameter;
  bih: Parameter | null;
  bhh: Parameter | null;
}

const f32 = (n: number) => new Float32Array(n);

/** One LSTM layer over time-major x (T, N, I) from (h0, c0) (N, H): the packed [Y | hN | cN] (T·N·H + 2·N·H). */
function lstmLayer(x: Tensor, h0: Tensor, c0: Tensor, p: LayerParams, H: number): Tensor {
  const [T, N, I] = x.shape;
  const K = kernels(), NH = N * H, G = 4 * H, NG = N * G;
  const X = x.data, W = p.wih.data, U = p.whh.data;
  const XG = f32(T * NG), gates = f32(T * NG), C = f32(T * NH), hg = f32(NG);
  const out = f32(T * NH + 2 * NH);
  K.gemm.gemm(X, W, XG, T * N, G, I, false, true, 1, 0, p.bih?.data ?? null, 'none');
  const at = (a: Float32Array, t: number, w: number) => a.subarray(t * N * w, (t + 1) * N * w);
  const hPrev = (t: number) => (t === 0 ? h0.data : at(out, t - 1, H));
  const cPrev = (t: number) => (t === 0 ? c0.data : at(C, t - 1, H));
  for (let t = 0; t < T; t++) {
    K.gemm.gemm(hPrev(t), U, hg, N, G, H, false, true, 1, 0, p.bhh?.data ?? null, 'none');
    K.rnn.lstmForward(at(XG, t, G), hg, cPrev(t), N, H, at(gates, t, G), at(C, t, H), at(out, t, H));
  }
  out.set(at(out, T - 1, H), T * NH);
  out.set(at(C, T - 1, H), T * NH + NH);
  const inputs = [x, h0, c0, p.wih, p.whh, ...(p.bih && p.bhh ? [p.bih, p.bhh] : [])];
  return recordLayer(new Tensor(out, [out.length]), 'lstm', inputs, inputs, (g) => {
    const dY = g.data, dhr = dY.slice(T * NH, T * NH + NH), dc = dY.slice(T * NH + NH);
    const dG = f32(T * NG);
    for (let t = T - 1; t >= 0; t--) {
      K.rnn.lstmBackward(at(dY, t, H), dhr, dc, at(gates, t, G), cPrev(t), at(C, t, H), N, H, at(dG, t, G), dc);
      K.gemm.gemm(at(dG, t, G), U, dhr, N, H, G, false, false, 1, 0, null, 'none');
    }
    return [
      x.requiresGrad ? gemmTo(dG, W, T * N, I, G, x.shape) : null,
      gradOf(dhr, h0.shape, h0.requiresGrad),
      gradOf(dc, c0.shape, c0.requiresGrad),
      ...weightGrads(p, dG, dG, X, previous(h0.data, out, T, NH), T * N, H, G, I),
    ];
  });
}

/** One GRU layer over time-major x (T, N, I) from h0 (N, H): the packed [Y | hN] (T·N·H + N·H). */
function gruLayer(x: Tensor, h0: Tensor, p: LayerParams, H: number): Tensor {
  const [T, N, I] = x.shape;
  const K = kernels(), NH = N * H, G = 3 * H, NG = N * G;
  const X = x.data, W = p.wih.data, U = p.whh.data;
  const XG = f32(T * NG), gates = f32(T * N * 4 * H), hg = f32(NG);
  const out = f32(T * NH + NH);
  K.gemm.gemm(X, W, XG, T * N, G, I, false, true, 1, 0, p.bih?.data ?? null, 'none');
  const at = (a: Float32Array, t: number, w: number) => a.subarray(t * N * w, (t + 1) * N * w);
  const hPrev = (t: number) => (t === 0 ? h0.data : at(out, t - 1, H));
  for (let t = 0; t < T; t++) {
    K.gemm.gemm(hPrev(t), U, hg, N, G, H, false, true, 1, 0, p.bhh?.data ?? null, 'none');
    K.rnn.gruForward(at(XG, t, G), hg, hPrev(t), N, H, at(gates, t, 4 * H), at(out, t, H));
  }
  out.set(at(out, T - 1, H), T * NH);
  const inputs = [x, h0, p.wih, p.whh, ...(p.bih && p.bhh ? [p.bih, p.bhh] : [])];
  return recordLayer(new Tensor(out, [out.length]), 'gru', inputs, inputs, (g) => {
    const dY = g.data;
    let dhr = dY.slice(T * NH), next = f32(NH);
    const dxg = f32(T * NG), dhg = f32(T * NG);
    for (let t = T - 1; t >= 0; t--) {
      K.rnn.gruBackward(at(dY, t, H), dhr, at(gates, t, 4 * H), hPrev(t), N, H, at(dxg, t, G), at(dhg, t, G), next);
      K.gemm.gemm(at(dhg, t, G), U, next, N, H, G, false, false, 1, 1, null, 'none');
      [dhr, next] = [next, dhr];
    }
    return [
      x.requiresGrad ? gemmTo(dxg, W, T * N, I, G, x.shape) : null,
      gradOf(dhr, h0.shape, h0.requiresGrad),
      ...weightGrads(p, dxg, dhg, X, previous(h0.data, out, T, NH), T * N, H, G, I),
    ];
  });
}

/** [h0; h_0 … h_{T−2}]: the state each step read (T·N × H). */
function previous(h0: Float32Array, out: Float32Array, T: number, NH: number): Float32Array {
  const prev = f32(T * NH);
  prev.set(h0);
  prev.set(out.subarray(0, (T - 1) * NH), NH);
  return prev;
}

/** a (rows × k) · b (k × n) as a tensor of the given shape. */
function gemmTo(a: Float32Array, b: Float32Array, rows: number, n: number, k: number, shape: readonly number[]): Tensor {
  const d = f32(rows * n);
  kernels().gemm.gemm(a, b, d, rows, n, k, false, false, 1, 0, null, 'none');
  return new Tensor(d, shape);
}

/** dW_ih, dW_hh (and db_ih, db_hh when the layer has biases) from the gate gradients of all rows. */
function weightGrads(p: LayerParams, dxg: Float32Array, dhg: Float32Array, X: Float32Array, prev: Float32Array, rows: number, H: number, G: number, I: number): (Tensor | null)[] {
  const K = kernels();
  const tw = (d: Float32Array, src: Float32Array, n: number, want: boolean) => {
    if (!want) return null;
    const w = f32(G * n);
    K.gemm.gemm(d, src, w, G, n, rows, true, false, 1, 0, null, 'none');
    return new Tensor(w, [G, n]);
  };
  const colSum = (d: Float32Array, want: boolean) => {
    if (!want) return null;
    const b = f32(G);
    K.reduce.axis('sum', d, rows, G, 0, 0, b);
    return new Tensor(b, [G]);
  };
  const grads = [tw(dxg, X, I, p.wih.requiresGrad), tw(dhg, prev, H, p.whh.requiresGrad)];
  if (p.bih && p.bhh) grads.push(colSum(dxg, p.bih.requiresGrad), colSum(dhg, p.bhh.requiresGrad));
  return grads;
}

abstract class RecurrentBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly #mode: Mode;
  readonly #generator: Generator | undefined;
  readonly #layers: LayerParams[] = [];

  constructor(mode: Mode, inputSize: number, hiddenSize: number, options?: RecurrentOptions) {
    super();
    this.#mode = mode;
    checkInteger(inputSize, `inputSize of ${mode}`, 1);
    checkInteger(hiddenSize, `hiddenSize of ${mode}`, 1);
    checkOptions(options, `${mode} options`, ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'generator']);
    const o = (options ?? {}) as RecurrentOptions;
    const numLayers = o.numLayers ?? 1;
    checkInteger(numLayers, `numLayers of ${mode}`, 1);
    const bias = o.bias ?? true;
    checkBoolean(bias, `bias of ${mode}`);
    const batchFirst = o.batchFirst ?? false;
    checkBoolean(batchFirst, `batchFirst of ${mode}`);
    const dropout = o.dropout ?? 0;
    if (typeof dropout !== 'number') throw typeError('a number', `dropout of ${mode}`, dropout);
    if (!(dropout >= 0 && dropout <= 1)) throw rangeError('a probability in [0, 1]', `dropout of ${mode}`, dropout);
    const bidirectional = o.bidirectional ?? false;
    checkBoolean(bidirectional, `bidirectional of ${mode}`);
    const generator = generatorOf(o.generator);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.dropout = dropout;
    this.bidirectional = bidirectional;
    this.#generator = o.generator;
    const G = (mode === 'LSTM' ? 4 : 3) * hiddenSize, D = bidirectional ? 2 : 1;
    for (let l = 0; l < numLayers; l++) {
      const inSize = l === 0 ? inputSize : D * hiddenSize;
      for (let d = 0; d < D; d++) {
        const sfx = `l${l}${d === 1 ? '_reverse' : ''}`;
        this.#layers.push({
          wih: this.registerParameter(`weight_ih_${sfx}`, Parameter.zeros([G, inSize])),
          whh: this.registerParameter(`weight_hh_${sfx}`, Parameter.zeros([G, hiddenSize])),
          bih: this.registerParameter(`bias_ih_${sfx}`, bias ? Parameter.zeros([G]) : null),
          bhh: this.registerParameter(`bias_hh_${sfx}`, bias ? Parameter.zeros([G]) : null),
        });
      }
    }
    const bound = 1 / Math.sqrt(hiddenSize);
    for (const p of this.parameters()) uniform(p, { a: -bound, b: bound, generator });
  }

  get name(): string {
    const opts = [this.numLayers > 1 ? `numLayers=${this.numLayers}` : '', this.bidirectional ? 'bidirectional' : '', this.dropout > 0 ? `dropout=${this.dropout}` : ''].filter((v) => v);
    return `${this.#mode}(${[this.inputSize, this.hiddenSize, ...opts].join(', ')})`;
  }

  /** x checked and made time-major (T, N, I); batched or not; the initial states checked, made (L·D, N, H). */
  protected run(x: unknown, states: readonly (Tensor | undefined)[], stateNames: readonly string[]): { out: Tensor; last: Tensor[] } {
    checkTensor(x, `x of ${this.name}`);
    const I = this.inputSize, H = this.hiddenSize, D = this.bidirectional ? 2 : 1, L = this.numLayers * D;
    const batched = x.ndim === 3;
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[x.ndim - 1] !== I) {
      const want = batched && this.batchFirst ? `[N, T, ${I}]` : `[T, N, ${I}]`;
      throw new RangeError(`Expected x of shape ${want} (or [T, ${I}] unbatched) for ${this.name} (the last dimension = inputSize) but received shape ${formatShape(x.shape)}`);
    }
    const T = batched && this.batchFirst ? x.shape[1] : x.shape[0];
    const N = batched ? (this.batchFirst ? x.shape[0] : x.shape[1]) : 1;
    if (T === 0) throw new RangeError(`Expected a sequence length of at least 1 for x of ${this.name} but received shape ${formatShape(x.shape)}`);
    const want = batched ? [L, N, H] : [L, H];
    const init = states.map((s, k) => {
      if (s === undefined) return Tensor.zeros([L, N, H]);
      checkTensor(s, `${stateNames[k]} of ${this.name}`);
      if (s.ndim !== want.length || s.shape.some((d, i) => d !== want[i])) {
        throw new RangeError(`Expected ${stateNames[k]} of shape ${formatShape(want)} ([numLayers${D === 2 ? ' × 2' : ''}, ${batched ? 'N, ' : ''}hiddenSize]) for ${this.name} but received shape ${formatShape(s.shape)}`);
      }
      return batched ? s : unsqueeze(s, 1);
    });
    let seq = batched ? (this.batchFirst ? transpose(x, 0, 1) : x) : unsqueeze(x, 1);
    const finals: Tensor[][] = states.map(() => []);
    for (let l = 0; l < this.numLayers; l++) {
      const ys: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const p = this.#layers[l * D + d], s = init.map((t) => reshape(narrow(t, 0, l * D + d, 1), [N, H]));
        const input = d === 0 ? seq : flip(seq, 0);
        const packed = this.#mode === 'LSTM' ? lstmLayer(input, s[0], s[1], p, H) : gruLayer(input, s[0], p, H);
        const y = reshape(narrow(packed, 0, 0, T * N * H), [T, N, H]);
        ys.push(d === 0 ? y : flip(y, 0));
        s.forEach((_, k) => finals[k].push(reshape(narrow(packed, 0, (T + k) * N * H, N * H), [1, N, H])));
      }
      seq = D === 1 ? ys[0] : cat(ys, 2);
      if (this.dropout > 0 && this.training && l < this.numLayers - 1) seq = dropoutFn(seq, { p: this.dropout, generator: this.#generator });
    }
    const out = batched ? (this.batchFirst ? transpose(seq, 0, 1) : seq) : squeeze(seq, 1);
    const last = finals.map((f) => {
      const all = f.length === 1 ? f[0] : cat(f, 0);
      return batched ? all : squeeze(all, 1);
    });
    return { out, last };
  }
}

/**
 * torch.nn.LSTM: forward(x, [h0, c0]?) → [output, [hN, cN]]. x is (T, N, I) ((N, T, I) with batchFirst,
 * (T, I) unbatched), output (T, N, D·H); h0, c0 and hN, cN are (numLayers·D, N, H) ((numLayers·D, H)
 * unbatched), zeros when omitted; D = 2 when bidirectional, else 1.
 */
export class LSTM extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, options?: RecurrentOptions) {
    super('LSTM', inputSize, hiddenSize, options);
  }

  forward(x: Tensor, hx?: readonly [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    if (hx !== undefined && (!Array.isArray(hx) || hx.length !== 2)) throw typeError('an array [h0, c0] of two Tensors', `hx of ${this.name}`, hx);
    const { out, last } = this.run(x, hx ? [hx[0], hx[1]] : [undefined, undefined], ['h0', 'c0']);
    return [out, [last[0], last[1]]];
  }
}

/**
 * torch.nn.GRU: forward(x, h0?) → [output, hN]. Shapes as LSTM's. The new gate is torch's:
 * n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)), h' = n + z·(h − n).
 */
export class GRU extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, options?: RecurrentOptions) {
    super('GRU', inputSize, hiddenSize, options);
  }

  forward(x: Tensor, h0?: Tensor): [Tensor, Tensor] {
    if (h0 !== undefined && !(h0 instanceof Tensor)) throw typeError('a Tensor', `h0 of ${this.name}`, h0);
    const { out, last } = this.run(x, [h0], ['h0']);
    return [out, last[0]];
  }
}

ON_TAPE.add(RecurrentBase);
