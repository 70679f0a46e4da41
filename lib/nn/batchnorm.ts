// BatchNorm1d / BatchNorm2d: torch.nn semantics (eps 1e-5, momentum 0.1, affine, trackRunningStats),
// with an explicit backward. State changes only after every argument has been validated.
//
// Training: normalize with the biased batch variance; running = (1 − momentum)·running + momentum·batch
// with the unbiased variance n/(n−1)·var. momentum null: the cumulative average (momentum 1/k at the
// k-th batch), so after k batches of m values runningMean is the mean of the k batch means and
// runningVar is m/(m−1) times the mean of the batch variances: the population statistics of the
// batch-norm paper (Ioffe & Szegedy 2015, Algorithm 2). Eval with tracked statistics: one pass with the
// folded scale γ/sqrt(runningVar + eps) and shift β − runningMean·scale; without tracked statistics
// (trackRunningStats false) the batch statistics are used in eval mode too, as in torch.
import { checkTensor, formatShape, Parameter, Tensor } from '../tensor.js';
import { checkBoolean, checkInteger, checkOptions, overlaps } from '../validate.js';
import type { BatchNormLayout } from '../backend/kernels.js';
import { Module, ON_TAPE } from './module.js';
import { recordOp } from '../autograd/engine.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import {
  batchNormBackward,
  batchNormEval,
  batchNormEvalBackward,
  batchNormLayout,
  batchNormTrain,
  checkEps,
  checkMomentum,
  updateRunningStats,
} from './functional.js';

export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Running-statistics factor in [0, 1], or null for the cumulative average (default 0.1). */
  momentum?: number | null;
  /** Learnable per-channel weight (γ, init 1) and bias (β, init 0) (default true). */
  affine?: boolean;
  /** Keep runningMean / runningVar and use them in eval mode (default true). */
  trackRunningStats?: boolean;
}

export interface BatchNorm2dOptions extends BatchNormOptions {
  /** Inputs laid out (N, H, W, C) instead of (N, C, H, W) (default false). */
  channelsLast?: boolean;
}

interface Saved {
  x: Tensor;
  L: BatchNormLayout;
  /** Batch statistics (training forward) or null (eval forward with running statistics). */
  mean: Tensor | null;
  invstd: Tensor | null;
}

const KNOWN = ['eps', 'momentum', 'affine', 'trackRunningStats'] as const;

abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly channelsLast: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  /** Training batches seen since construction (or resetRunningStats). */
  numBatchesTracked = 0;
  private saved: Saved | null = null;

  protected constructor(numFeatures: number, options: BatchNorm2dOptions | undefined, known: readonly string[]) {
    super();
    checkInteger(numFeatures, 'numFeatures', 1);
    checkOptions(options, `${this.constructor.name} options`, known);
    const o = options ?? {};
    const eps = o.eps === undefined ? 1e-5 : checkEps(o.eps);
    const momentum = o.momentum === undefined ? 0.1 : checkMomentum(o.momentum, 'momentum', true);
    const affine = o.affine ?? true, track = o.trackRunningStats ?? true, cl = o.channelsLast ?? false;
    checkBoolean(affine, 'affine');
    checkBoolean(track, 'trackRunningStats');
    checkBoolean(cl, 'channelsLast');
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = track;
    this.channelsLast = cl;
    this.weight = affine ? new Parameter(new Float32Array(numFeatures).fill(1), [numFeatures]) : null;
    this.bias = affine ? Parameter.zeros([numFeatures]) : null;
    this.runningMean = track ? Tensor.zeros([numFeatures]) : null;
    this.runningVar = track ? new Tensor(new Float32Array(numFeatures).fill(1), [numFeatures]) : null;
    this.registerParameter('weight', this.weight);
    this.registerParameter('bias', this.bias);
    // torch's state-dict names; state dicts of earlier versions (camelCase) keep loading
    this.registerBuffer('running_mean', this.runningMean);
    this.registerBuffer('running_var', this.runningVar);
    if (track) this.registerCounter('num_batches_tracked', () => this.numBatchesTracked, (v) => { this.numBatchesTracked = v; });
    this.registerLegacyName('runningMean', 'running_mean');
    this.registerLegacyName('runningVar', 'running_var');
    this.registerLegacyName('numBatchesTracked', 'num_batches_tracked');
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }

  /** Checks the rank for this module (before the shared checks). */
  protected abstract checkRank(shape: readonly number[]): void;

  /** runningMean = 0, runningVar = 1, numBatchesTracked = 0. */
  resetRunningStats(): void {
    this.runningMean?.data.fill(0);
    this.runningVar?.data.fill(1);
    this.numBatchesTracked = 0;
  }

  private outOption(opts: unknown, x: Tensor, fn: string): Tensor | undefined {
    checkOptions(opts, `${this.constructor.name}.${fn} options`, ['out']);
    const out = (opts as { out?: unknown } | undefined)?.out;
    if (out === undefined) return undefined;
    checkTensor(out, 'out');
    if (overlaps(out.data, x.data)) throw new RangeError(`Expected out of ${this.constructor.name}.${fn} not to overlap x (the backward reads x)`);
    return out;
  }

  private layout(x: unknown): BatchNormLayout {
    checkTensor(x, 'x');
    this.checkRank(x.shape);
    const L = batchNormLayout(x.shape, this.channelsLast);
    if (L.channels !== this.numFeatures) {
      throw new RangeError(`Expected x with ${this.numFeatures} channels (numFeatures) for ${this.constructor.name} but received shape ${formatShape(x.shape)}`);
    }
    return L;
  }

  /** y for x; opts.out (shape of x, not overlapping x, which the backward reads) receives y instead of a new tensor. */
  forward(x: Tensor, opts?: { out?: Tensor }): Tensor {
    const L = this.layout(x);
    const out = this.outOption(opts, x, 'forward');
    const opts2 = { eps: this.eps, channelsLast: this.channelsLast, out };
    if (!this.training && this.runningMean && this.runningVar) {
      const y = batchNormEval(x, this.runningMean, this.runningVar, this.weight, this.bias, opts2);
      this.saved = { x, L, mean: null, invstd: null };
      return this.tape(y, this.saved, out);
    }
    const r = batchNormTrain(x, this.weight, this.bias, opts2); // throws before any state changes
    if (this.training && this.runningMean && this.runningVar) {
      const k = this.numBatchesTracked + 1;
      updateRunningStats(this.runningMean, this.runningVar, r.mean, r.varUnbiased, this.momentum === null ? 1 / k : this.momentum);
      this.numBatchesTracked = k;
    }
    this.saved = { x, L, mean: r.mean, invstd: r.invstd };
    return this.tape(r.y, this.saved, out);
  }

  /** Records y as ONE tape node whose backward is the fused batch-norm backward (dx, dγ, dβ). */
  private tape(y: Tensor, s: Saved, out: Tensor | undefined): Tensor {
    // a forward into a given `out` is the layer-wise path (backward(dy)): not recorded
    if (out !== undefined) return y;
    const stats = s.mean && s.invstd ? { mean: s.mean, invstd: s.invstd } : { runningMean: this.runningMean!, runningVar: this.runningVar!, eps: this.eps };
    return recordBatchNorm(y, s.x, this.weight, this.bias, stats, this.channelsLast);
  }

  /** Gradient of the last forward: returns dx and adds dγ, dβ into weight.grad, bias.grad (created when null). */
  backward(dy: Tensor, opts?: { out?: Tensor }): Tensor {
    const s = this.saved;
    if (!s) throw new Error(`${this.constructor.name}.backward() needs a forward() first`);
    const out = this.outOption(opts, s.x, 'backward');
    const opts2 = { channelsLast: this.channelsLast, out };
    const g = s.mean && s.invstd
      ? batchNormBackward(dy, s.x, s.mean, s.invstd, this.weight, opts2)
      : batchNormEvalBackward(dy, s.x, this.runningMean as Tensor, this.runningVar as Tensor, this.weight, { ...opts2, eps: this.eps });
    if (this.weight && g.dweight) accumulate(this.weight, g.dweight);
    if (this.bias && g.dbias) accumulate(this.bias, g.dbias);
    return g.dx;
  }
}

/** What a batch-norm node's backward needs: the batch statistics of a training forward, or the running ones. */
export type BatchNormStats = { mean: Tensor; invstd: Tensor } | { runningMean: Tensor; runningVar: Tensor; eps: number };

/**
 * Records y = batchNorm(x) as ONE tape node whose backward is the fused batch-norm backward (dx, and dγ,
 * dβ for the affine tensors given; a bias needs a weight), when a gradient is wanted. Running statistics
 * are copied at record time (a later training forward updates them in place). BatchNorm1d/2d and
 * fg.nn.functional.batchNorm.
 */
export function recordBatchNorm(y: Tensor, x: Tensor, w: Tensor | null, b: Tensor | null, stats: BatchNormStats, channelsLast: boolean): Tensor {
  if (!isGradEnabled() || !(x.requiresGrad || (w !== null && w.requiresGrad) || (b !== null && b.requiresGrad))) return y;
  const train = 'mean' in stats ? stats : null;
  const running = 'runningMean' in stats ? { mean: stats.runningMean.clone(), var: stats.runningVar.clone(), eps: stats.eps } : null;
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  // pure: the backward returns new arrays and keeps nothing of g (the engine may recycle both)
  recordOp(y, 'batchNorm', inputs, (g) => {
    const r = train
      ? batchNormBackward(g, x, train.mean, train.invstd, w, { channelsLast })
      : batchNormEvalBackward(g, x, running!.mean, running!.var, w, { channelsLast, eps: running!.eps });
    return [r.dx, ...(w ? [r.dweight] : []), ...(b ? [r.dbias] : [])];
  }, [x]);
  return y;
}

function accumulate(p: Parameter, d: Tensor): void {
  if (!p.grad) {
    p.grad = d;
    return;
  }
  const a = p.grad.data;
  for (let i = 0; i < a.length; i++) a[i] = a[i] + d.data[i];
}

/** Batch normalization over (N, C) or (N, C, L) inputs, statistics per channel over N (·L). */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options?: BatchNormOptions) {
    super(numFeatures, options, KNOWN);
  }

  protected checkRank(shape: readonly number[]): void {
    if (shape.length !== 2 && shape.length !== 3) {
      throw new RangeError(`Expected a 2-D (N, C) or 3-D (N, C, L) input for x of BatchNorm1d but received shape ${formatShape(shape)}`);
    }
  }
}

/** Batch normalization over (N, C, H, W) inputs (or (N, H, W, C) with channelsLast), statistics per channel over N·H·W. */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options?: BatchNorm2dOptions) {
    super(numFeatures, options, [...KNOWN, 'channelsLast']);
  }

  protected checkRank(shape: readonly number[]): void {
    if (shape.length !== 4) {
      const what = this.channelsLast ? '(N, H, W, C)' : '(N, C, H, W)';
      throw new RangeError(`Expected a 4-D ${what} input for x of BatchNorm2d but received shape ${formatShape(shape)}`);
    }
  }
}

ON_TAPE.add(BatchNorm1d);
ON_TAPE.add(BatchNorm2d);
