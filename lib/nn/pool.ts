// MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (torch.nn semantics) on (N, C, H, W) or unbatched (C, H, W)
// input, each plane pooled independently; kernels and their exact order in lib/backend/js/pool.ts and
// docs/numerics.md "Pooling". Flatten reshapes.
import { kernels } from '../backend/select.js';
import { emptyF32 } from '../backend/buffers.js';
import { empty } from '../ops/core.js';
import type { PoolGeometry } from '../backend/js/pool.js';
import { checkTensor, formatShape, Tensor } from '../tensor.js';
import { checkBoolean, checkInteger, checkOptions, rangeError, typeError } from '../validate.js';
import { describeArg, tupleOf } from './conv.js';
import { checkGradShape, Module, savedOrThrow } from './module.js';
import { gradOf, recordLayer } from './tape.js';

export interface MaxPool2dOptions {
  /** Default: kernelSize. */
  stride?: number | readonly number[];
  /** Implicit −Inf padding on each side, at most half the kernel (default 0). */
  padding?: number | readonly number[];
  dilation?: number | readonly number[];
  /** Output size with ceil instead of floor (a last window may hang over the end; it starts inside the input or the left padding), as torch (default false). */
  ceilMode?: boolean;
  /** Only false is implemented (the indices are kept internally for backward). */
  returnIndices?: boolean;
}

export interface AvgPool2dOptions {
  stride?: number | readonly number[];
  padding?: number | readonly number[];
  /** Zeros of the padding count in the divisor (default true, as torch). */
  countIncludePad?: boolean;
  /** Only false is implemented. */
  ceilMode?: boolean;
  /** Only undefined / null is implemented. */
  divisorOverride?: number | null;
}

/** (planes, H, W) of an (N, C, H, W) or (C, H, W) input; throws naming the layer. */
function planesOf(x: unknown, layer: string): { planes: number; H: number; W: number; lead: number[] } {
  checkTensor(x, `x of ${layer}`);
  if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`Expected x of shape [N, C, H, W] or [C, H, W] for ${layer} but received shape ${formatShape(x.shape)}`);
  const lead = x.shape.slice(0, -2);
  return { planes: lead.reduce((a, d) => a * d, 1), H: x.shape[x.ndim - 2], W: x.shape[x.ndim - 1], lead };
}

function notImplemented(v: unknown, name: string, layer: string, allowed: unknown): void {
  if (v !== undefined && v !== allowed && !(allowed === null && v === null)) throw rangeError(`${String(allowed)} (fastgrad implements only torch's default)`, `${name} of ${layer}`, v);
}

/**
 * torch's pooling output size: floor (or ceil) of (L + 2·p − d·(k − 1) − 1) / s, plus 1; with ceil, a last
 * window that would start past the input and its left padding is dropped.
 */
export function poolOutSize(L: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = L + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && out > 1 && (out - 1) * s >= L + p) out--;
  return out;
}

abstract class WindowPool extends Module {
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly ceilMode: boolean = false;
  protected saved: { shape: readonly number[]; g: PoolGeometry; idx: Int32Array | null } | null = null;

  protected constructor(kernelSize: number | readonly number[], o: { stride?: unknown; padding?: unknown; dilation?: unknown }, layer: string) {
    super();
    const k = tupleOf(kernelSize, 2, 'kernelSize', layer, 1);
    const s = o.stride === undefined || o.stride === null ? k : tupleOf(o.stride, 2, 'stride', layer, 1);
    const p = tupleOf(o.padding ?? 0, 2, 'padding', layer, 0);
    const d = tupleOf(o.dilation ?? 1, 2, 'dilation', layer, 1);
    p.forEach((pp, i) => {
      if (pp > k[i] / 2) throw new RangeError(`Expected padding at most half the kernel size for ${layer} (padding[${i}] ≤ kernelSize[${i}] / 2 = ${k[i] / 2}) but received padding [${p.join(', ')}]`);
    });
    this.kernelSize = [k[0], k[1]];
    this.stride = [s[0], s[1]];
    this.padding = [p[0], p[1]];
    this.dilation = [d[0], d[1]];
  }

  abstract get name(): string;

  protected geometry(x: Tensor): { g: PoolGeometry; lead: number[] } {
    const { planes, H, W, lead } = planesOf(x, this.name);
    const [kh, kw] = this.kernelSize, [sh, sw] = this.stride, [ph, pw] = this.padding, [dh, dw] = this.dilation;
    const OH = poolOutSize(H, kh, sh, ph, dh, this.ceilMode), OW = poolOutSize(W, kw, sw, pw, dw, this.ceilMode);
    if (OH < 1 || OW < 1) {
      throw new RangeError(
        `Expected an input at least as large as the kernel for ${this.name}: output size ${this.ceilMode ? 'ceil' : 'floor'}((L + 2·padding − dilation·(kernel − 1) − 1) / stride) + 1 ` +
          `is ${OH} × ${OW} for x shape ${formatShape(x.shape)} (must be ≥ 1)`,
      );
    }
    return { g: { C: planes, H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW }, lead };
  }
}

/** torch.nn.MaxPool2d(kernelSize, { stride = kernelSize, padding = 0, dilation = 1, ceilMode = false }). */
export class MaxPool2d extends WindowPool {
  constructor(kernelSize: number | readonly number[], options?: MaxPool2dOptions) {
    const layer = `MaxPool2d(${describeArg(kernelSize)})`;
    checkOptions(options, `${layer} options`, ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices']);
    const o = options ?? {};
    const ceil = o.ceilMode ?? false;
    checkBoolean(ceil, `ceilMode of ${layer}`);
    notImplemented(o.returnIndices, 'returnIndices', layer, false);
    super(kernelSize, o, layer);
    (this as { ceilMode: boolean }).ceilMode = ceil;
  }

  get name(): string {
    return `MaxPool2d(kernelSize=[${this.kernelSize.join(', ')}])`;
  }

  forward(x: Tensor): Tensor {
    const { g, lead } = this.geometry(x);
    const y = empty([...lead, g.OH, g.OW]);
    const idx = new Int32Array(y.size);
    kernels().conv.maxPoolForward(x.data, g, y.data, idx);
    this.saved = { shape: x.shape, g, idx };
    return recordLayer(y, 'maxPool2d', [x], null, (gy) => {
      const dx = emptyF32(x.size); // the kernel clears every plane
      kernels().conv.maxPoolBackward(gy.data, idx, g, dx);
      return [gradOf(dx, x.shape)];
    }, true);
  }

  backward(dy: Tensor): Tensor {
    const { shape, g, idx } = savedOrThrow(this.saved, this);
    checkGradShape(dy, [...shape.slice(0, -2), g.OH, g.OW], this);
    const dx = empty(shape); // the kernel clears every plane
    kernels().conv.maxPoolBackward(dy.data, idx!, g, dx.data);
    return dx;
  }
}

/** torch.nn.AvgPool2d(kernelSize, { stride = kernelSize, padding = 0, countIncludePad = true }). */
export class AvgPool2d extends WindowPool {
  readonly countIncludePad: boolean;

  constructor(kernelSize: number | readonly number[], options?: AvgPool2dOptions) {
    const layer = `AvgPool2d(${describeArg(kernelSize)})`;
    checkOptions(options, `${layer} options`, ['stride', 'padding', 'countIncludePad', 'ceilMode', 'divisorOverride']);
    const o = options ?? {};
    notImplemented(o.ceilMode, 'ceilMode', layer, false);
    notImplemented(o.divisorOverride, 'divisorOverride', layer, null);
    const cip = o.countIncludePad ?? true;
    checkBoolean(cip, `countIncludePad of ${layer}`);
    super(kernelSize, o, layer);
    this.countIncludePad = cip;
  }

  get name(): string {
    return `AvgPool2d(kernelSize=[${this.kernelSize.join(', ')}])`;
  }

  forward(x: Tensor): Tensor {
    const { g, lead } = this.geometry(x);
    const y = empty([...lead, g.OH, g.OW]);
    const cip = this.countIncludePad;
    kernels().conv.avgPoolForward(x.data, g, cip, y.data);
    this.saved = { shape: x.shape, g, idx: null };
    return recordLayer(y, 'avgPool2d', [x], null, (gy) => {
      const dx = emptyF32(x.size); // the kernel clears every plane
      kernels().conv.avgPoolBackward(gy.data, g, cip, dx);
      return [gradOf(dx, x.shape)];
    }, true);
  }

  backward(dy: Tensor): Tensor {
    const { shape, g } = savedOrThrow(this.saved, this);
    checkGradShape(dy, [...shape.slice(0, -2), g.OH, g.OW], this);
    const dx = empty(shape); // the kernel clears every plane
    kernels().conv.avgPoolBackward(dy.data, g, this.countIncludePad, dx.data);
    return dx;
  }
}

/** torch.nn.AdaptiveAvgPool2d(outputSize): a number, [h, w], or null in [h, w] for "the input's size". */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: readonly [number | null, number | null];
  #saved: { shape: readonly number[]; planes: number; H: number; W: number; OH: number; OW: number } | null = null;

  constructor(outputSize: number | readonly (number | null)[]) {
    super();
    const layer = 'AdaptiveAvgPool2d';
    const arr = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
    if (!Array.isArray(arr) || arr.length !== 2) throw typeError('an integer or an array of 2 integers (or null)', `outputSize of ${layer}`, outputSize);
    arr.forEach((v, i) => {
      if (v !== null) checkInteger(v, `outputSize[${i}] of ${layer}`, 1);
    });
    this.outputSize = [arr[0], arr[1]];
  }

  forward(x: Tensor): Tensor {
    const { planes, H, W, lead } = planesOf(x, 'AdaptiveAvgPool2d');
    const OH = this.outputSize[0] ?? H, OW = this.outputSize[1] ?? W;
    if (H < 1 || W < 1) throw new RangeError(`Expected a non-empty plane (H, W ≥ 1) for x of AdaptiveAvgPool2d but received shape ${formatShape(x.shape)}`);
    const y = empty([...lead, OH, OW]);
    kernels().conv.adaptiveAvgPoolForward(x.data, planes, H, W, OH, OW, y.data);
    this.#saved = { shape: x.shape, planes, H, W, OH, OW };
    return recordLayer(y, 'adaptiveAvgPool2d', [x], null, (gy) => {
      const dx = emptyF32(x.size); // the kernel clears every plane
      kernels().conv.adaptiveAvgPoolBackward(gy.data, planes, H, W, OH, OW, dx);
      return [gradOf(dx, x.shape)];
    }, true);
  }

  backward(dy: Tensor): Tensor {
    const { shape, planes, H, W, OH, OW } = savedOrThrow(this.#saved, this);
    checkGradShape(dy, [...shape.slice(0, -2), OH, OW], this);
    const dx = empty(shape); // the kernel clears every plane
    kernels().conv.adaptiveAvgPoolBackward(dy.data, planes, H, W, OH, OW, dx.data);
    return dx;
  }
}

/** torch.nn.Flatten({ startDim = 1, endDim = -1 }): dimensions startDim … endDim merged into one (no copy). */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  #shapes: { x: readonly number[]; y: readonly number[] } | null = null;

  constructor(options?: { startDim?: number; endDim?: number }) {
    super();
    checkOptions(options, 'Flatten options', ['startDim', 'endDim']);
    const s = options?.startDim ?? 1, e = options?.endDim ?? -1;
    checkInteger(s, 'startDim of Flatten', -Number.MAX_SAFE_INTEGER);
    checkInteger(e, 'endDim of Flatten', -Number.MAX_SAFE_INTEGER);
    this.startDim = s;
    this.endDim = e;
  }

  forward(x: Tensor): Tensor {
    checkTensor(x, 'x of Flatten');
    const n = Math.max(x.ndim, 1);
    const s = this.startDim < 0 ? this.startDim + n : this.startDim, e = this.endDim < 0 ? this.endDim + n : this.endDim;
    if (s < 0 || s >= n || e < 0 || e >= n || s > e) {
      throw new RangeError(`Expected 0 ≤ startDim ≤ endDim < ndim (negative counts from the end) for Flatten({ startDim: ${this.startDim}, endDim: ${this.endDim} }) but received x of shape ${formatShape(x.shape)}`);
    }
    const y = x.ndim === 0 ? x.reshape([1]) : x.reshape([...x.shape.slice(0, s), x.shape.slice(s, e + 1).reduce((a, d) => a * d, 1), ...x.shape.slice(e + 1)]);
    this.#shapes = { x: x.shape, y: y.shape };
    return y;
  }

  backward(dy: Tensor): Tensor {
    const { x, y } = savedOrThrow(this.#shapes, this);
    checkGradShape(dy, y, this);
    return dy.reshape(x);
  }
}

// torch.nn.functional forms: the layers' forward (one tape node each), options as the layers'.
/** torch.nn.functional.max_pool2d(input, kernel_size, stride, padding, dilation). */
export function maxPool2d(x: Tensor, kernelSize: number | readonly number[], options?: MaxPool2dOptions): Tensor {
  return new MaxPool2d(kernelSize, options).forward(x);
}
/** torch.nn.functional.avg_pool2d(input, kernel_size, stride, padding, count_include_pad=True). */
export function avgPool2d(x: Tensor, kernelSize: number | readonly number[], options?: AvgPool2dOptions): Tensor {
  return new AvgPool2d(kernelSize, options).forward(x);
}
/** torch.nn.functional.adaptive_avg_pool2d(input, output_size). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  return new AdaptiveAvgPool2d(outputSize).forward(x);
}
