// fg.nn.functional: torch.nn.functional's forms on the tape (functional_core.ts and the layer files), and
// batch normalization as pure functions (for users with their own loops), on top of the four kernel
// passes of BatchNormKernels. The per-channel scalars are computed here, in binary32 (Math.fround after
// every operation), once, for whichever backend runs; the exact operation order is in docs/numerics.md,
// "Batch normalization".
import { kernels } from '../backend/select.js';
import type { BatchNormLayout } from '../backend/kernels.js';
import { checkTensor, formatShape, Tensor } from '../tensor.js';
import { checkBoolean, checkNumber, checkOptions, partlyOverlaps, rangeError, typeError } from '../validate.js';

const fr = Math.fround;

export interface BatchNormFnOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** 4-D input laid out (N, H, W, C) instead of (N, C, H, W) (default false). */
  channelsLast?: boolean;
  /** Write the result (y, or dx for a backward) here instead of allocating: shape of x; may be the input itself, never a partial overlap. */
  out?: Tensor;
}

export interface BatchNormTrainResult {
  /** The normalized output, shape of x. */
  y: Tensor;
  /** Batch mean per channel (saved for the backward). */
  mean: Tensor;
  /** 1 / sqrt(biased batch variance + eps) per channel (saved for the backward). */
  invstd: Tensor;
  /** Biased batch variance per channel (what normalizes). */
  var: Tensor;
  /** Unbiased batch variance, n/(n−1) times var (what the running variance tracks). */
  varUnbiased: Tensor;
}

export interface BatchNormGrads {
  dx: Tensor;
  /** Σ dy·x̂ per channel (null without weight). */
  dweight: Tensor | null;
  /** Σ dy per channel (null without weight). */
  dbias: Tensor | null;
}

/** The (outer, channels, inner) view of an input of rank 2, 3 or 4 (4-D may be channels-last). */
export function batchNormLayout(shape: readonly number[], channelsLast = false, name = 'x'): BatchNormLayout {
  const r = shape.length;
  if (channelsLast) {
    if (r !== 4) throw new RangeError(`Expected a 4-D (N, H, W, C) input for ${name} (channelsLast) but received shape ${formatShape(shape)}`);
    return { outer: shape[0] * shape[1] * shape[2], channels: shape[3], inner: 1 };
  }
  if (r < 2 || r > 4) {
    throw new RangeError(`Expected a 2-D (N, C), 3-D (N, C, L) or 4-D (N, C, H, W) input for ${name} but received shape ${formatShape(shape)}`);
  }
  return { outer: shape[0], channels: shape[1], inner: r === 2 ? 1 : r === 3 ? shape[2] : shape[2] * shape[3] };
}

/** Values per channel: N·L or N·H·W. */
export function valuesPerChannel(L: BatchNormLayout): number {
  return L.outer * L.inner;
}

export function checkEps(eps: unknown, name = 'eps'): number {
  if (typeof eps !== 'number') throw typeError('a finite number >= 0', name, eps);
  if (!Number.isFinite(eps) || eps < 0) throw rangeError('a finite number >= 0', name, eps);
  return eps;
}

function fnOptions(opts: unknown, fn: string, known: readonly string[] = ['eps', 'channelsLast', 'out']): { eps: number; channelsLast: boolean; out?: unknown } {
  checkOptions(opts, `${fn} options`, known);
  const o = (opts ?? {}) as BatchNormFnOptions;
  const eps = o.eps === undefined ? 1e-5 : checkEps(o.eps);
  const channelsLast = o.channelsLast ?? false;
  checkBoolean(channelsLast, 'channelsLast');
  return { eps, channelsLast, out: o.out };
}

/** opts.out validated against x's shape and the inputs it may replace, or a new zero tensor. */
function outputOf(out: unknown, x: Tensor, inputs: readonly Tensor[], fn: string): Tensor {
  if (out === undefined) return Tensor.zeros(x.shape);
  checkTensor(out, 'out');
  if (out.shape.length !== x.shape.length || out.shape.some((d, i) => d !== x.shape[i])) {
    throw new RangeError(`Expected out of shape ${formatShape(x.shape)} for ${fn} but received shape ${formatShape(out.shape)}`);
  }
  for (const t of inputs) {
    if (partlyOverlaps(out.data, t.data)) throw new RangeError(`Expected out of ${fn} to be the same array as an input or not to overlap it, but it partly overlaps one`);
  }
  return out;
}

export function checkChannelTensor(t: unknown, name: string, C: number, nullable: boolean): asserts t is Tensor | null {
  if (t === null && nullable) return;
  if (!(t instanceof Tensor)) throw typeError(nullable ? 'a Tensor or null' : 'a Tensor', name, t);
  if (t.size !== C || t.ndim !== 1) throw new RangeError(`Expected ${name} of shape [${C}] but received shape ${formatShape(t.shape)}`);
}

function layoutOf(x: unknown, channelsLast: boolean, name = 'x'): BatchNormLayout {
  checkTensor(x, name);
  return batchNormLayout(x.shape, channelsLast, name);
}

function checkTraining(x: Tensor, L: BatchNormLayout): void {
  if (valuesPerChannel(L) < 2) {
    throw new RangeError(`Expected more than 1 value per channel when training, got input size ${formatShape(x.shape)}`);
  }
}

const negZeros = (C: number) => new Float32Array(C).fill(-0);

/** A validated training forward: its layout, output and the per-channel sum buffers. */
interface TrainPlan {
  x: Tensor;
  weight: Tensor | null;
  bias: Tensor | null;
  L: BatchNormLayout;
  eps: number;
  y: Tensor;
  s1: Float32Array;
  s2: Float32Array;
}

function planTrain(x: Tensor, weight: Tensor | null, bias: Tensor | null, opts: BatchNormFnOptions | undefined, fn: string): TrainPlan {
  const { eps, channelsLast, out } = fnOptions(opts, fn);
  const L = layoutOf(x, channelsLast);
  const C = L.channels;
  checkChannelTensor(weight, 'weight', C, true);
  checkChannelTensor(bias, 'bias', C, true);
  checkTraining(x, L);
  const y = outputOf(out, x, [x], fn);
  return { x, weight, bias, L, eps, y, s1: new Float32Array(C), s2: new Float32Array(C) };
}

/** The statistics from the sums, and the affine pass's per-channel scale and shift. */
function trainScalars(p: TrainPlan): { mean: Float32Array; invstd: Float32Array; v: Float32Array; vu: Float32Array; scale: Float32Array; shift: Float32Array } {
  const { x, weight, bias, L, s1, s2 } = p;
  const C = L.channels;
  const m = valuesPerChannel(L), mf = fr(m), mf1 = fr(m - 1), e = fr(p.eps);
  const mean = new Float32Array(C), invstd = new Float32Array(C), v = new Float32Array(C), vu = new Float32Array(C);
  const scale = new Float32Array(C), shift = bias ? bias.data : negZeros(C);
  for (let c = 0; c < C; c++) {
    const d = fr(s1[c] / mf);
    mean[c] = fr(x.data[c * L.inner] + d);
    let q = fr(s2[c] - fr(s1[c] * d));
    if (q < 0) q = 0;
    v[c] = fr(q / mf);
    vu[c] = fr(q / mf1);
    invstd[c] = fr(1 / fr(Math.sqrt(fr(v[c] + e))));
    scale[c] = weight ? fr(weight.data[c] * invstd[c]) : invstd[c];
  }
  return { mean, invstd, v, vu, scale, shift };
}

function trainResult(y: Tensor, st: ReturnType<typeof trainScalars>): BatchNormTrainResult {
  const C = st.mean.length;
  return { y, mean: new Tensor(st.mean, [C]), invstd: new Tensor(st.invstd, [C]), var: new Tensor(st.v, [C]), varUnbiased: new Tensor(st.vu, [C]) };
}

/**
 * Training-mode forward: batch statistics per channel, then y = ((x − mean)·(γ·invstd)) + β.
 * Statistics (shifted sums, K = the channel's first value): S1 = Σ(x − K), S2 = Σ(x − K)² canonical;
 * d = S1/m; mean = K + d; q = max(S2 − S1·d, 0); var = q/m; varUnbiased = q/(m − 1); invstd = 1/sqrt(var + eps).
 */
export function batchNormTrain(x: Tensor, weight: Tensor | null = null, bias: Tensor | null = null, opts?: BatchNormFnOptions): BatchNormTrainResult {
  const p = planTrain(x, weight, bias, opts, 'batchNormTrain');
  const K = kernels().batchnorm;
  K.stats(x.data, p.L, p.s1, p.s2);
  const st = trainScalars(p);
  K.affine(x.data, st.mean, st.scale, st.shift, p.y.data, p.L);
  return trainResult(p.y, st);
}

/**
 * batchNormTrain with its two passes run off the event loop (native: libuv thread pool; JS backend:
 * the sync kernels, then a resolved Promise). Same bits as batchNormTrain. Arguments are validated
 * synchronously (a bad one throws, nothing is queued). x, weight, bias and out are referenced until the
 * Promise settles: do not write, transfer or detach them before then (docs/reliability.md).
 */
export function batchNormTrainAsync(x: Tensor, weight: Tensor | null = null, bias: Tensor | null = null, opts?: BatchNormFnOptions): Promise<BatchNormTrainResult> {
  const p = planTrain(x, weight, bias, opts, 'batchNormTrainAsync');
  const K = kernels().async.batchnorm;
  return K.stats(x.data, p.L, p.s1, p.s2).then(() => {
    const st = trainScalars(p);
    return K.affine(x.data, st.mean, st.scale, st.shift, p.y.data, p.L).then(() => trainResult(p.y, st));
  });
}

/** Per-channel folded eval scale γ/sqrt(runningVar + eps) (1/sqrt(...) without γ). */
function evalScale(runningVar: Float32Array, weight: Tensor | null, eps: number): Float32Array {
  const e = fr(eps), s = new Float32Array(runningVar.length);
  for (let c = 0; c < s.length; c++) {
    const r = fr(Math.sqrt(fr(runningVar[c] + e)));
    s[c] = weight ? fr(weight.data[c] / r) : fr(1 / r);
  }
  return s;
}

/**
 * Inference-mode forward, one pass: scale = γ/sqrt(runningVar + eps), shift = β − runningMean·scale,
 * y = ((x − 0)·scale) + shift (the kernel's x − 0 is x exactly).
 */
export function batchNormEval(x: Tensor, runningMean: Tensor, runningVar: Tensor, weight: Tensor | null = null, bias: Tensor | null = null, opts?: BatchNormFnOptions): Tensor {
  const { eps, channelsLast, out } = fnOptions(opts, 'batchNormEval');
  const L = layoutOf(x, channelsLast);
  const C = L.channels;
  checkChannelTensor(runningMean, 'runningMean', C, false);
  checkChannelTensor(runningVar, 'runningVar', C, false);
  checkChannelTensor(weight, 'weight', C, true);
  checkChannelTensor(bias, 'bias', C, true);
  const y = outputOf(out, x, [x], 'batchNormEval');
  const scale = evalScale(runningVar.data, weight, eps), shift = new Float32Array(C);
  for (let c = 0; c < C; c++) shift[c] = fr((bias ? bias.data[c] : 0) - fr(runningMean.data[c] * scale[c]));
  kernels().batchnorm.affine(x.data, new Float32Array(C), scale, shift, y.data, L);
  return y;
}

function checkGradInputs(dy: unknown, x: unknown, channelsLast: boolean): BatchNormLayout {
  checkTensor(x, 'x');
  const L = layoutOf(x, channelsLast);
  checkTensor(dy, 'dy');
  if (dy.shape.length !== x.shape.length || dy.shape.some((d, i) => d !== x.shape[i])) {
    throw new RangeError(`Expected dy of shape ${formatShape(x.shape)} (the shape of x) but received shape ${formatShape(dy.shape)}`);
  }
  return L;
}

/** A validated training backward: layout, output, sum buffers. */
interface BackwardPlan {
  dy: Tensor;
  x: Tensor;
  mean: Tensor;
  invstd: Tensor;
  weight: Tensor | null;
  L: BatchNormLayout;
  dx: Tensor;
  s1: Float32Array;
  s2: Float32Array;
}

function planBackward(dy: Tensor, x: Tensor, mean: Tensor, invstd: Tensor, weight: Tensor | null, opts: { channelsLast?: boolean; out?: Tensor } | undefined, fn: string): BackwardPlan {
  const { channelsLast, out } = fnOptions(opts, fn, ['channelsLast', 'out']);
  const L = checkGradInputs(dy, x, channelsLast);
  const C = L.channels;
  checkChannelTensor(mean, 'mean', C, false);
  checkChannelTensor(invstd, 'invstd', C, false);
  checkChannelTensor(weight, 'weight', C, true);
  checkTraining(x, L);
  const dx = outputOf(out, x, [x, dy], fn);
  return { dy, x, mean, invstd, weight, L, dx, s1: new Float32Array(C), s2: new Float32Array(C) };
}

/** g = γ·invstd, c1 = Σdy/m, c2 = Σ(dy·x̂)/m from the sums. */
function backwardScalars(p: BackwardPlan): { g: Float32Array; c1: Float32Array; c2: Float32Array } {
  const C = p.L.channels, mf = fr(valuesPerChannel(p.L));
  const g = new Float32Array(C), c1 = new Float32Array(C), c2 = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    g[c] = p.weight ? fr(p.weight.data[c] * p.invstd.data[c]) : p.invstd.data[c];
    c1[c] = fr(p.s1[c] / mf);
    c2[c] = fr(p.s2[c] / mf);
  }
  return { g, c1, c2 };
}

function backwardResult(p: BackwardPlan): BatchNormGrads {
  const C = p.L.channels;
  return { dx: p.dx, dweight: p.weight ? new Tensor(p.s2, [C]) : null, dbias: p.weight ? new Tensor(p.s1, [C]) : null };
}

/**
 * Training-mode backward from the saved mean and invstd. With x̂ = (x − mean)·invstd (binary32, in that order):
 * dbias = Σdy, dweight = Σdy·x̂ (canonical sums); g = γ·invstd, c1 = Σdy/m, c2 = Σ(dy·x̂)/m;
 * dx = g·((dy − c1) − x̂·c2), the same value as (γ·invstd/m)·(m·dy − Σdy − x̂·Σ(dy·x̂)).
 */
export function batchNormBackward(dy: Tensor, x: Tensor, mean: Tensor, invstd: Tensor, weight: Tensor | null = null, opts?: { channelsLast?: boolean; out?: Tensor }): BatchNormGrads {
  const p = planBackward(dy, x, mean, invstd, weight, opts, 'batchNormBackward');
  const K = kernels().batchnorm;
  K.gradSums(x.data, dy.data, mean.data, invstd.data, p.L, p.s1, p.s2);
  const { g, c1, c2 } = backwardScalars(p);
  K.dx(x.data, dy.data, mean.data, invstd.data, g, c1, c2, p.dx.data, p.L);
  return backwardResult(p);
}

/**
 * batchNormBackward off the event loop; same bits, same contract as batchNormTrainAsync (validated
 * synchronously; every argument and out referenced until the Promise settles).
 */
export function batchNormBackwardAsync(dy: Tensor, x: Tensor, mean: Tensor, invstd: Tensor, weight: Tensor | null = null, opts?: { channelsLast?: boolean; out?: Tensor }): Promise<BatchNormGrads> {
  const p = planBackward(dy, x, mean, invstd, weight, opts, 'batchNormBackwardAsync');
  const K = kernels().async.batchnorm;
  return K.gradSums(x.data, dy.data, mean.data, invstd.data, p.L, p.s1, p.s2).then(() => {
    const { g, c1, c2 } = backwardScalars(p);
    return K.dx(x.data, dy.data, mean.data, invstd.data, g, c1, c2, p.dx.data, p.L).then(() => backwardResult(p));
  });
}

/**
 * Inference-mode backward: dx = dy·scale with the forward's folded scale γ/sqrt(runningVar + eps)
 * (one pass, computed as ((dy − 0)·scale) + (−0) = dy·scale); with a weight, dbias = Σdy and
 * dweight = Σdy·x̂ where x̂ = (x − runningMean)·(1/sqrt(runningVar + eps)).
 */
export function batchNormEvalBackward(dy: Tensor, x: Tensor, runningMean: Tensor, runningVar: Tensor, weight: Tensor | null = null, opts?: BatchNormFnOptions): BatchNormGrads {
  const { eps, channelsLast, out } = fnOptions(opts, 'batchNormEvalBackward');
  const L = checkGradInputs(dy, x, channelsLast);
  const C = L.channels;
  checkChannelTensor(runningMean, 'runningMean', C, false);
  checkChannelTensor(runningVar, 'runningVar', C, false);
  checkChannelTensor(weight, 'weight', C, true);
  const dx = outputOf(out, x, [x, dy], 'batchNormEvalBackward');
  const K = kernels().batchnorm;
  let grads: { dweight: Tensor; dbias: Tensor } | null = null;
  if (weight) {
    const s1 = new Float32Array(C), s2 = new Float32Array(C);
    K.gradSums(x.data, dy.data, runningMean.data, evalScale(runningVar.data, null, eps), L, s1, s2);
    grads = { dweight: new Tensor(s2, [C]), dbias: new Tensor(s1, [C]) };
  }
  K.affine(dy.data, new Float32Array(C), evalScale(runningVar.data, weight, eps), negZeros(C), dx.data, L);
  return { dx, dweight: grads?.dweight ?? null, dbias: grads?.dbias ?? null };
}

export function checkMomentum(momentum: unknown, name = 'momentum', nullable = false): number | null {
  if (momentum === null && nullable) return null;
  if (typeof momentum !== 'number') throw typeError(nullable ? 'a number in [0, 1] or null' : 'a number in [0, 1]', name, momentum);
  if (!(momentum >= 0 && momentum <= 1)) throw rangeError('a number in [0, 1]', name, momentum);
  return momentum;
}

/**
 * running = (1 − momentum)·running + momentum·batch, per channel, in binary32:
 * a = fround(1 − momentum), b = fround(momentum); r = fround(a·r) + fround(b·batch).
 * The cumulative average of k batches is momentum = 1/k.
 */
export function updateRunningStats(runningMean: Tensor, runningVar: Tensor, mean: Tensor, varUnbiased: Tensor, momentum: number): void {
  checkTensor(runningMean, 'runningMean');
  const C = runningMean.size;
  checkChannelTensor(runningMean, 'runningMean', C, false);
  checkChannelTensor(runningVar, 'runningVar', C, false);
  checkChannelTensor(mean, 'mean', C, false);
  checkChannelTensor(varUnbiased, 'varUnbiased', C, false);
  checkNumber(momentum, 'momentum');
  checkMomentum(momentum);
  const a = fr(1 - momentum), b = fr(momentum);
  for (let c = 0; c < C; c++) {
    runningMean.data[c] = fr(fr(a * runningMean.data[c]) + fr(b * mean.data[c]));
    runningVar.data[c] = fr(fr(a * runningVar.data[c]) + fr(b * varUnbiased.data[c]));
  }
}

export { conv2d, conv2dBackward } from './conv.js';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d } from './pool.js';
export { layerNorm } from './layernorm.js';
export { embedding } from './embedding.js';
export { gelu, silu, leakyRelu, elu } from './activations.js';
export type { Conv2dFnOptions, Conv2dGrads } from './conv.js';
export * from './functional_core.js';
export type { DropoutFnOptions, BatchNormFnTapeOptions } from './functional_core.js';
