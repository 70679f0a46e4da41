// Conv2d and Conv1d (torch.nn semantics, NCHW / NCL) as packed GEMMs on the existing GEMM kernels
// (docs/numerics.md "Convolution"). For each sample n and group g (the forward and the input gradient are
// one kernel call each over the whole batch: conv.forward, conv.backwardData; native threads take whole
// samples, and for dW whole column panels of dW over every sample):
//
//   col   = im2col(x[n, group g])                        (Cg·kh·kw × OH·OW; exact copies, +0 in the padding)
//   Y     = gemm(W_g, col)                               (Og × K)·(K × P), beta 0, written into y
//   Y     = Y + b[o]                                     one binary32 add per element (bias only)
//   dcol  = gemm(W_g, dY, transA)                        (K × Og)·(Og × P), beta 0
//   dx    = col2im(dcol)                                 +0, then each tap's term added in kernel order
//   dW_g  = gemm(dY, col, transB), beta 0 for the first sample and 1 after (the GEMM's fold adds each
//           sample's k blocks in order; one kernel call, conv.backwardWeight), then W.grad = W.grad + dW
//           (one add; W.grad = dW when null)
//   db    = canonical row sums of every dy[n][o] plane, added over n in order (db = s_0, db = db + s_n)
// A 1×1 convolution with stride 1 and no padding uses x itself as col and writes dcol straight into dx.
// Every step is a kernel with its own bit-exact spec, so both backends, every SIMD level and every thread
// count give the same bits (test/conv.test.ts). Outputs and gradients come from the buffer cache, and the
// tape node is pure (docs/memory.md).
import { kernels } from '../backend/select.js';
import { emptyF32, recycleF32 } from '../backend/buffers.js';
import { empty } from '../ops/core.js';
import type { ConvGeometry } from '../backend/kernels.js';
import { kaimingUniform, uniform } from '../init/index.js';
import { generatorOf, type Generator } from '../random.js';
import { checkTensor, formatShape, Parameter, Tensor } from '../tensor.js';
import { checkBoolean, checkInteger, checkOptions, describe, rangeError, typeError } from '../validate.js';
import { accumulateGrad, checkGradShape, Module, savedOrThrow } from './module.js';
import { gradOf, recordLayer } from './tape.js';

/** The full description of one 2-D convolution (Conv1d: H = kh = 1). */
export interface ConvSpec {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly O: number;
  readonly groups: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  /** Padding before (top, left) and after (bottom, right). */
  readonly pt: number;
  readonly pb: number;
  readonly pl: number;
  readonly pr: number;
  readonly dh: number;
  readonly dw: number;
  readonly OH: number;
  readonly OW: number;
}

export type Padding2d = number | readonly number[] | 'same' | 'valid';

/** Options of the functional conv2d (torch.nn.functional.conv2d's keywords). */
export interface Conv2dFnOptions {
  stride?: number | readonly number[];
  padding?: Padding2d;
  dilation?: number | readonly number[];
  groups?: number;
}

/** n ints (a number is repeated; an array must have n entries), each ≥ min. */
export function tupleOf(v: unknown, n: number, name: string, layer: string, min: number): number[] {
  const arr = typeof v === 'number' ? new Array<number>(n).fill(v) : v;
  if (!Array.isArray(arr) || arr.length !== n) throw typeError(`an integer or an array of ${n} integers`, `${name} of ${layer}`, v);
  arr.forEach((d, i) => {
    if (typeof d !== 'number') throw typeError(`an integer or an array of ${n} integers`, `${name} of ${layer}`, v);
    if (!Number.isInteger(d) || d < min) throw rangeError(`integers ≥ ${min}`, `${name}${n > 1 ? `[${i}]` : ''} of ${layer}`, d);
  });
  return arr.slice();
}

/** [before, after] padding per spatial axis from an option (numbers, 'valid' or 'same'). */
function resolvePadding(padding: unknown, n: number, k: readonly number[], d: readonly number[], s: readonly number[], layer: string): [number, number][] {
  if (padding === 'valid') return k.map(() => [0, 0]);
  if (padding === 'same') {
    if (s.some((v) => v !== 1)) throw new RangeError(`Expected stride 1 for padding 'same' of ${layer} but received stride [${s.join(', ')}] (torch: padding='same' is not supported for strided convolutions)`);
    return k.map((kk, i) => {
      const total = d[i] * (kk - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  if (typeof padding === 'string') throw rangeError("a non-negative integer, an array of them, 'same' or 'valid'", `padding of ${layer}`, padding);
  return tupleOf(padding, n, 'padding', layer, 0).map((p) => [p, p]);
}

/** Output size along one axis: floor((L + before + after − d·(k − 1) − 1) / s) + 1. */
export function convOutSize(L: number, k: number, s: number, before: number, after: number, d: number): number {
  return Math.floor((L + before + after - d * (k - 1) - 1) / s) + 1;
}

/**
 * Validates x (N, C, H, W) and weight (O, C/groups, kh, kw) against the options and returns the spec.
 * layer names the caller in errors ("Conv2d(3, 16, kernelSize=[3, 3])", "conv2d").
 */
export function conv2dSpec(x: Tensor, weight: Tensor, bias: Tensor | null, opts: Conv2dFnOptions | undefined, layer = 'conv2d'): ConvSpec {
  checkTensor(x, `x of ${layer}`);
  checkTensor(weight, `weight of ${layer}`);
  checkOptions(opts, `${layer} options`, ['stride', 'padding', 'dilation', 'groups']);
  const o = opts ?? {};
  if (weight.ndim !== 4) throw new RangeError(`Expected weight of shape [outChannels, inChannels / groups, kh, kw] for ${layer} but received shape ${formatShape(weight.shape)}`);
  if (x.ndim !== 4) throw new RangeError(`Expected x of shape [N, C, H, W] for ${layer} but received shape ${formatShape(x.shape)}`);
  const groups = o.groups ?? 1;
  checkInteger(groups, `groups of ${layer}`, 1);
  const [N, C, H, W] = x.shape;
  const [O, Cg, kh, kw] = weight.shape;
  if (kh < 1 || kw < 1) throw new RangeError(`Expected a kernel of at least 1 × 1 for ${layer} but received weight shape ${formatShape(weight.shape)}`);
  if (O % groups !== 0) throw new RangeError(`Expected outChannels divisible by groups for ${layer} but received outChannels ${O} (weight.shape[0]) and groups ${groups}`);
  if (C !== Cg * groups) {
    throw new RangeError(`Expected x of shape [N, ${Cg * groups}, H, W] for ${layer} (x.shape[1] = weight.shape[1] × groups = ${Cg} × ${groups}) but received x shape ${formatShape(x.shape)} with weight shape ${formatShape(weight.shape)}`);
  }
  if (bias !== null) {
    checkTensor(bias, `bias of ${layer}`);
    if (bias.ndim !== 1 || bias.shape[0] !== O) throw new RangeError(`Expected bias of shape [${O}] (outChannels) for ${layer} but received shape ${formatShape(bias.shape)}`);
  }
  const [sh, sw] = tupleOf(o.stride ?? 1, 2, 'stride', layer, 1);
  const [dh, dw] = tupleOf(o.dilation ?? 1, 2, 'dilation', layer, 1);
  const [[pt, pb], [pl, pr]] = resolvePadding(o.padding ?? 0, 2, [kh, kw], [dh, dw], [sh, sw], layer);
  const OH = convOutSize(H, kh, sh, pt, pb, dh), OW = convOutSize(W, kw, sw, pl, pr, dw);
  if (OH < 1 || OW < 1) {
    throw new RangeError(
      `Expected an input at least as large as the dilated kernel for ${layer}: output size floor((L + padding before + after − dilation·(kernel − 1) − 1) / stride) + 1 ` +
        `is ${OH} × ${OW} for x shape ${formatShape(x.shape)}, kernel [${kh}, ${kw}], padding [${pt}+${pb}, ${pl}+${pr}], dilation [${dh}, ${dw}], stride [${sh}, ${sw}] (must be ≥ 1)`,
    );
  }
  return { N, C, H, W, O, groups, kh, kw, sh, sw, pt, pb, pl, pr, dh, dw, OH, OW };
}

function geometry(s: ConvSpec): ConvGeometry {
  return { C: s.C / s.groups, H: s.H, W: s.W, kh: s.kh, kw: s.kw, sh: s.sh, sw: s.sw, ph: s.pt, pw: s.pl, dh: s.dh, dw: s.dw, OH: s.OH, OW: s.OW };
}

/** The most values a column matrix of several samples holds in the tfjs kernels (lib/tfjs/kernels/conv.ts: 2^16 floats, 256 KiB): it decides their chunks. */
export const CONV_COLUMN_FLOATS = 2 ** 16;

/** y (N, O, OH, OW) for a validated spec: one call of the forward kernel over every sample and group. */
export function conv2dForwardSpec(x: Float32Array, weight: Float32Array, bias: Float32Array | null, s: ConvSpec, y: Float32Array): void {
  kernels().conv.forward(x, weight, bias, y, geometry(s), s.N, s.groups, s.O / s.groups);
}

export interface Conv2dGrads {
  /** dLoss/dx, or null when not asked for. */
  dx: Tensor | null;
  dweight: Tensor;
  dbias: Tensor | null;
}

/**
 * The gradients of one convolution (see the file comment for the exact sequence). x is read only for
 * dw and weight only for dx: with wantDw false x may be null (and dw is empty), with wantDx false weight may be.
 */
export function conv2dBackwardSpec(
  dy: Float32Array, x: Float32Array | null, weight: Float32Array | null, s: ConvSpec, wantDx: boolean, wantBias: boolean, wantDw = true,
): { dx: Float32Array | null; dw: Float32Array; db: Float32Array | null } {
  const K = kernels(), Kc = (s.C / s.groups) * s.kh * s.kw, P = s.OH * s.OW, HW = s.H * s.W;
  const geo = geometry(s);
  const dx = wantDx ? emptyF32(s.N * s.C * HW) : null; // every element written (col2im clears each plane; a pointwise GEMM writes all)
  if (dx) K.conv.backwardData(dy, weight!, dx, geo, s.N, s.groups, s.O / s.groups);
  const dw = emptyF32(wantDw ? s.O * Kc : 0); // the first sample's GEMM (beta 0) writes all
  if (wantDw) K.conv.backwardWeight(dy, x!, dw, geo, s.N, s.groups, s.O / s.groups);
  let db: Float32Array | null = null;
  if (wantBias) {
    // canonical row sums of every (n, o) plane of dy, then db = s_0, db = db + s_n in sample order
    const rows = emptyF32(s.N * s.O);
    K.reduce.axis('sum', dy, s.N * s.O, P, 1, 0, rows);
    db = rows.slice(0, s.O);
    for (let n = 1; n < s.N; n++) for (let o = 0; o < s.O; o++) db[o] = db[o] + rows[n * s.O + o];
    recycleF32(rows);
  }
  return { dx, dw, db };
}

/** torch.nn.functional.conv2d: x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O) or null; one tape node when a gradient is needed. */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts?: Conv2dFnOptions): Tensor {
  const s = conv2dSpec(x, weight, bias, opts);
  const y = empty([s.N, s.O, s.OH, s.OW]);
  conv2dForwardSpec(x.data, weight.data, bias?.data ?? null, s, y.data);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return recordLayer(y, 'convolution', inputs, [x, weight], (g) => {
    const r = conv2dBackwardSpec(g.data, x.data, weight.data, s, x.requiresGrad, bias !== null && bias.requiresGrad);
    return [gradOf(r.dx, x.shape), gradOf(r.dw, weight.shape, weight.requiresGrad), ...(bias ? [gradOf(r.db, bias.shape)] : [])];
  }, true);
}

/** Gradients of conv2d(x, weight, bias, opts) for upstream dy (N, O, OH, OW): dx, dweight and (with hasBias) dbias. */
export function conv2dBackward(dy: Tensor, x: Tensor, weight: Tensor, opts?: Conv2dFnOptions & { hasBias?: boolean }): Conv2dGrads {
  const { hasBias, ...rest } = opts ?? {};
  const s = conv2dSpec(x, weight, null, rest);
  checkTensor(dy, 'dy of conv2dBackward');
  const want = [s.N, s.O, s.OH, s.OW];
  if (dy.shape.join() !== want.join() || dy.ndim !== 4) throw new RangeError(`Expected dy of shape ${formatShape(want)} (the output of conv2d) but received shape ${formatShape(dy.shape)}`);
  const r = conv2dBackwardSpec(dy.data, x.data, weight.data, s, true, hasBias ?? true);
  return { dx: new Tensor(r.dx!, x.shape), dweight: new Tensor(r.dw, weight.shape), dbias: r.db ? new Tensor(r.db, [s.O]) : null };
}

// ------------------------------------------------------------------------------------------ modules
export interface Conv2dOptions extends Conv2dFnOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Only 'zeros' (torch's default) is supported. */
  paddingMode?: 'zeros';
  /** Generator for the initial weights (default: the global one). */
  generator?: Generator;
}

export interface Conv1dOptions {
  stride?: number | readonly number[];
  padding?: number | readonly number[] | 'same' | 'valid';
  dilation?: number | readonly number[];
  groups?: number;
  bias?: boolean;
  paddingMode?: 'zeros';
  generator?: Generator;
}

const CONV_KEYS = ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode', 'generator'];

interface Saved {
  x: Tensor;
  s: ConvSpec;
  unbatched: boolean;
}

/** What Conv1d and Conv2d share: parameters, torch's initialization, forward/backward on a ConvSpec. */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly groups: number;
  /** (outChannels, inChannels / groups, ...kernelSize), kaiming-uniform with a = √5 as torch. */
  readonly weight: Parameter;
  /** (outChannels), U(−1/√fanIn, 1/√fanIn) as torch; null with bias: false. */
  readonly bias: Parameter | null;
  #saved: Saved | null = null;

  protected constructor(inChannels: number, outChannels: number, kernel: readonly number[], options: Conv2dOptions | Conv1dOptions | undefined, layer: string) {
    super();
    checkInteger(inChannels, `inChannels of ${layer}`, 1);
    checkInteger(outChannels, `outChannels of ${layer}`, 1);
    checkOptions(options, `${layer} options`, CONV_KEYS);
    const o = options ?? {};
    const groups = o.groups ?? 1;
    checkInteger(groups, `groups of ${layer}`, 1);
    if (inChannels % groups !== 0) throw new RangeError(`Expected inChannels divisible by groups for ${layer} but received inChannels ${inChannels} and groups ${groups}`);
    if (outChannels % groups !== 0) throw new RangeError(`Expected outChannels divisible by groups for ${layer} but received outChannels ${outChannels} and groups ${groups}`);
    const hasBias = o.bias ?? true;
    checkBoolean(hasBias, `bias of ${layer}`);
    if (o.paddingMode !== undefined && o.paddingMode !== 'zeros') throw rangeError("'zeros' (the only padding mode fastgrad implements)", `paddingMode of ${layer}`, o.paddingMode);
    const generator = generatorOf(o.generator);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.groups = groups;
    this.weight = this.registerParameter('weight', Parameter.zeros([outChannels, inChannels / groups, ...kernel]));
    this.bias = this.registerParameter('bias', hasBias ? Parameter.zeros([outChannels]) : null);
    kaimingUniform(this.weight, { a: Math.sqrt(5), generator });
    if (this.bias) {
      const bound = 1 / Math.sqrt((inChannels / groups) * kernel.reduce((a, k) => a * k, 1));
      uniform(this.bias, { a: -bound, b: bound, generator });
    }
  }

  /** The input as (N, C, H, W) and the spec; throws naming the layer and the shape rule. */
  protected abstract prepare(x: Tensor): Saved;
  /** The output shape for a spec. */
  protected abstract outShape(s: ConvSpec, unbatched: boolean): number[];
  protected abstract weight4(): Tensor;

  forward(x: Tensor): Tensor {
    const saved = this.prepare(x);
    const s = saved.s;
    const y = empty(this.outShape(s, saved.unbatched));
    conv2dForwardSpec(saved.x.data, this.weight.data, this.bias?.data ?? null, s, y.data);
    this.#saved = saved;
    const xi = saved.x, w = this.weight, b = this.bias;
    const inputs = b ? [xi, w, b] : [xi, w];
    return recordLayer(y, 'convolution', inputs, [xi, w], (g) => {
      const r = conv2dBackwardSpec(g.data, xi.data, w.data, s, xi.requiresGrad, b !== null && b.requiresGrad);
      return [gradOf(r.dx, xi.shape), gradOf(r.dw, w.shape, w.requiresGrad), ...(b ? [gradOf(r.db, b.shape)] : [])];
    }, true);
  }

  backward(dy: Tensor): Tensor {
    return this.#backward(dy, true)!;
  }

  override backwardParameters(dy: Tensor): void {
    this.#backward(dy, false);
  }

  #backward(dy: Tensor, wantDx: boolean): Tensor | null {
    const { x, s, unbatched } = savedOrThrow(this.#saved, this);
    checkGradShape(dy, this.outShape(s, unbatched), this);
    const r = conv2dBackwardSpec(dy.data, x.data, this.weight.data, s, wantDx, this.bias !== null);
    accumulateGrad(this.weight, new Tensor(r.dw, this.weight.shape));
    if (this.bias && r.db) accumulateGrad(this.bias, new Tensor(r.db, this.bias.shape));
    const shape = this.inputShape(x);
    return r.dx ? new Tensor(r.dx, unbatched ? shape.slice(1) : shape) : null;
  }

  /** The shape the caller passed (Conv1d undoes its (N, C, 1, L) view). */
  protected abstract inputShape(x4: Tensor): number[];
}

/**
 * torch.nn.Conv2d(inChannels, outChannels, kernelSize, { stride = 1, padding = 0 | 'same' | 'valid',
 * dilation = 1, groups = 1, bias = true, paddingMode = 'zeros', generator }). Input (N, C, H, W) or
 * unbatched (C, H, W); kernelSize, stride, padding and dilation are a number or [h, w].
 */
export class Conv2d extends ConvNd {
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number] | 'same' | 'valid';
  readonly dilation: readonly [number, number];
  readonly #opts: Conv2dFnOptions;

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options?: Conv2dOptions) {
    const layer = `Conv2d(${describeArg(inChannels)}, ${describeArg(outChannels)}, ${describeArg(kernelSize)})`;
    const k = tupleOf(kernelSize, 2, 'kernelSize', layer, 1);
    super(inChannels, outChannels, k, options, layer);
    const o = options ?? {};
    const stride = tupleOf(o.stride ?? 1, 2, 'stride', layer, 1);
    const dilation = tupleOf(o.dilation ?? 1, 2, 'dilation', layer, 1);
    const pad = o.padding ?? 0;
    resolvePadding(pad, 2, k, dilation, stride, layer);
    this.kernelSize = [k[0], k[1]];
    this.stride = [stride[0], stride[1]];
    this.dilation = [dilation[0], dilation[1]];
    this.padding = pad === 'same' || pad === 'valid' ? pad : (tupleOf(pad, 2, 'padding', layer, 0) as [number, number]);
    this.#opts = { stride: this.stride, dilation: this.dilation, padding: this.padding, groups: this.groups };
  }

  get name(): string {
    return `Conv2d(${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize.join(', ')}])`;
  }

  protected prepare(x: Tensor): Saved {
    checkTensor(x, `x of ${this.name}`);
    if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`Expected x of shape [N, ${this.inChannels}, H, W] or [${this.inChannels}, H, W] for ${this.name} but received shape ${formatShape(x.shape)}`);
    const unbatched = x.ndim === 3;
    const x4 = unbatched ? x.reshape([1, ...x.shape]) : x;
    if (x4.shape[1] !== this.inChannels) {
      throw new RangeError(`Expected x of shape [N, ${this.inChannels}, H, W] for ${this.name} (channels = inChannels) but received shape ${formatShape(x.shape)}`);
    }
    return { x: x4, s: conv2dSpec(x4, this.weight, this.bias, this.#opts, this.name), unbatched };
  }

  protected outShape(s: ConvSpec, unbatched: boolean): number[] {
    return unbatched ? [s.O, s.OH, s.OW] : [s.N, s.O, s.OH, s.OW];
  }

  protected weight4(): Tensor {
    return this.weight;
  }

  protected inputShape(x4: Tensor): number[] {
    return x4.shape.slice();
  }
}

/**
 * torch.nn.Conv1d(inChannels, outChannels, kernelSize, { stride, padding, dilation, groups, bias,
 * paddingMode, generator }): input (N, C, L) or unbatched (C, L), run as a Conv2d of height 1.
 */
export class Conv1d extends ConvNd {
  readonly kernelSize: readonly [number];
  readonly stride: readonly [number];
  readonly padding: readonly [number] | 'same' | 'valid';
  readonly dilation: readonly [number];
  readonly #opts: Conv2dFnOptions;
  #w4: Tensor | null = null;

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options?: Conv1dOptions) {
    const layer = `Conv1d(${describeArg(inChannels)}, ${describeArg(outChannels)}, ${describeArg(kernelSize)})`;
    const [k] = tupleOf(kernelSize, 1, 'kernelSize', layer, 1);
    super(inChannels, outChannels, [k], options, layer);
    const o = options ?? {};
    const [stride] = tupleOf(o.stride ?? 1, 1, 'stride', layer, 1);
    const [dilation] = tupleOf(o.dilation ?? 1, 1, 'dilation', layer, 1);
    const pad = o.padding ?? 0;
    resolvePadding(pad, 1, [k], [dilation], [stride], layer);
    this.kernelSize = [k];
    this.stride = [stride];
    this.dilation = [dilation];
    const p = pad === 'same' || pad === 'valid' ? pad : tupleOf(pad, 1, 'padding', layer, 0)[0];
    this.padding = typeof p === 'number' ? [p] : p;
    this.#opts = { stride: [1, stride], dilation: [1, dilation], padding: typeof p === 'number' ? [0, p] : p, groups: this.groups };
  }

  get name(): string {
    return `Conv1d(${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize[0]})`;
  }

  protected weight4(): Tensor {
    if (!this.#w4 || this.#w4.data !== this.weight.data) this.#w4 = this.weight.reshape([this.weight.shape[0], this.weight.shape[1], 1, this.weight.shape[2]]);
    return this.#w4;
  }

  protected prepare(x: Tensor): Saved {
    checkTensor(x, `x of ${this.name}`);
    if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`Expected x of shape [N, ${this.inChannels}, L] or [${this.inChannels}, L] for ${this.name} but received shape ${formatShape(x.shape)}`);
    const unbatched = x.ndim === 2;
    const x3 = unbatched ? [1, ...x.shape] : x.shape;
    if (x3[1] !== this.inChannels) throw new RangeError(`Expected x of shape [N, ${this.inChannels}, L] for ${this.name} (channels = inChannels) but received shape ${formatShape(x.shape)}`);
    const x4 = x.reshape([x3[0], x3[1], 1, x3[2]]);
    return { x: x4, s: conv2dSpec(x4, this.weight4(), this.bias, this.#opts, this.name), unbatched };
  }

  protected outShape(s: ConvSpec, unbatched: boolean): number[] {
    return unbatched ? [s.O, s.OW] : [s.N, s.O, s.OW];
  }

  protected inputShape(x4: Tensor): number[] {
    return [x4.shape[0], x4.shape[1], x4.shape[3]];
  }
}

/** A constructor argument as it appears in a layer name: 3, [3, 2]. */
export function describeArg(v: unknown): string {
  return typeof v === 'number' ? String(v) : Array.isArray(v) ? `[${v.join(', ')}]` : describe(v);
}
