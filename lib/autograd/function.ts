// fg.autograd.Function: torch.autograd.Function, a user-defined op with its own backward.
//
//   class Clip extends fg.autograd.Function {
//     static forward(ctx: fg.autograd.FunctionCtx, x: fg.Tensor, lo: number) {
//       ctx.saveForBackward(x);
//       ctx.lo = lo;
//       return x.clamp(lo);
//     }
//     static backward(ctx: fg.autograd.FunctionCtx, g: fg.Tensor) {
//       const [x] = ctx.savedTensors;
//       return [g.mul(x.gt(ctx.lo as number).float()), null]; // one gradient per forward argument
//     }
//   }
//   const y = Clip.apply(x, 0);
//
// forward runs with grad mode off; when a float32 tensor argument requires grad, its output becomes ONE
// tape node named after the class (several float32 outputs: one node over their values packed, each
// output a view of it, so any of them may carry a gradient; int32 outputs carry none). backward runs
// with grad mode off, gets one gradient per float32 output (zeros for an output that got none) and
// returns one gradient (or null) per forward argument, each of its argument's shape. Saved tensors are
// version-checked at backward (an in-place change is torch's error) and freed after a backward without
// retainGraph.
import { cat, narrow, reshape } from '../ops/shape.js';
import { copyOf, formatShape, makeTensor, sameShape, Tensor, type DType } from '../tensor.js';
import { typeError } from '../validate.js';
import { record } from './engine.js';
import { isGradEnabled, noGrad } from './grad_mode.js';

/** What forward leaves for backward: saved tensors, which inputs need a gradient, and any values of the user's. */
export class FunctionCtx {
  /** Per forward argument: whether it is a tensor whose gradient backward must return. */
  readonly needsInputGrad: readonly boolean[];
  #saved: Tensor[] = [];
  [key: string]: unknown;

  constructor(needsInputGrad: boolean[]) {
    this.needsInputGrad = needsInputGrad;
  }

  /** Keeps tensors for backward (torch's save_for_backward); an in-place change of one before backward is an error there. */
  saveForBackward(...tensors: Tensor<DType>[]): void {
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw typeError('a Tensor', `saveForBackward argument ${i}`, t);
    });
    this.#saved = tensors as Tensor[];
  }

  /** The tensors given to saveForBackward, in order. */
  get savedTensors(): Tensor[] {
    return this.#saved.slice();
  }
}

type Grad = Tensor | null | undefined;

/** Base class of a user-defined op: override the static forward and backward, call the static apply. */
export class Function {
  /** The op's values from its arguments (tensors, numbers, anything); grad mode is off inside. */
  static forward(ctx: FunctionCtx, ...args: unknown[]): Tensor<DType> | readonly Tensor<DType>[] {
    void ctx;
    void args;
    throw new Error(`${this.name} must override static forward(ctx, ...args)`);
  }

  /** One gradient (or null) per forward argument from one gradient per float32 output; grad mode is off inside. */
  static backward(ctx: FunctionCtx, ...grads: Tensor[]): Grad | readonly Grad[] {
    void ctx;
    void grads;
    throw new Error(`${this.name} must override static backward(ctx, ...grads)`);
  }

  /** Runs forward and, when an argument requires grad, records one tape node whose backward is this class's. */
  static apply(...args: unknown[]): any { // eslint-disable-line @typescript-eslint/no-explicit-any
    const name = this.name || 'Function';
    const grad = isGradEnabled();
    const needs = args.map((a) => grad && a instanceof Tensor && a.dtype === 'float32' && a.requiresGrad);
    const ctx = new FunctionCtx(needs);
    const result = noGrad(() => this.forward(ctx, ...args));
    const many = Array.isArray(result);
    const outs = (many ? result : [result]) as unknown[];
    outs.forEach((o, i) => {
      if (!(o instanceof Tensor)) throw typeError('a Tensor (or an array of Tensors)', `the result of ${name}.forward${many ? `[${i}]` : ''}`, o);
    });
    // an argument (or any tensor already on the tape, e.g. a parameter) returned as is becomes a copy:
    // the node's output must be a tensor of its own
    const own = (outs as Tensor<DType>[]).map((o) => (args.includes(o) || o.requiresGrad || o.gradFn !== null ? copyOf(o) : o));
    if (!needs.includes(true)) return many ? own : own[0];
    const diff = own.map((o, i) => (o.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
    if (diff.length === 0) return many ? own : own[0];
    const inputs = args.filter((_, i) => needs[i]) as Tensor[];
    const shapes = diff.map((i) => own[i].shape.slice());
    const backward = (gs: Tensor[]): (Tensor | null)[] => {
      const r = this.backward(ctx, ...gs);
      const list = (Array.isArray(r) ? r : [r]) as Grad[];
      if (list.length !== args.length) throw new Error(`function ${name}Backward returned an incorrect number of gradients (expected ${args.length}, got ${list.length})`);
      const out: (Tensor | null)[] = [];
      args.forEach((a, i) => {
        if (!needs[i]) return;
        const gi = list[i];
        if (gi === null || gi === undefined) {
          out.push(null);
          return;
        }
        if (!(gi instanceof Tensor) || gi.dtype !== 'float32') throw typeError('a float32 Tensor or null', `gradient ${i} returned by ${name}.backward`, gi);
        if (!sameShape(gi.shape, (a as Tensor).shape)) throw new RangeError(`Function ${name}Backward returned an invalid gradient at index ${i} - got ${formatShape(gi.shape)} but expected shape ${formatShape((a as Tensor).shape)}`);
        out.push(gi);
      });
      return out;
    };
    const saved = (): Tensor[] | null => (ctx.savedTensors.length > 0 ? ctx.savedTensors : null);
    if (diff.length === 1 && own.length === 1) {
      const out = own[0] as Tensor;
      return record(out, name, inputs, (g) => backward([g]), saved());
    }
    // several outputs: one node over their values packed, each output a view of it
    const packed = noGrad(() => cat(diff.map((i) => reshape(own[i] as Tensor, [own[i].size])), 0));
    const sizes = diff.map((i) => own[i].size);
    record(packed, name, inputs, (g) => {
      let at = 0;
      const gs = sizes.map((n, k) => {
        const piece = makeTensor(g.data.subarray(at, at + n), shapes[k]);
        at += n;
        return piece;
      });
      return backward(gs);
    }, saved());
    let at = 0;
    const views = new Map<number, Tensor>();
    diff.forEach((i, k) => {
      views.set(i, reshape(narrow(packed, 0, at, sizes[k]), shapes[k]));
      at += sizes[k];
    });
    const result2 = own.map((o, i) => views.get(i) ?? o);
    return many ? result2 : result2[0];
  }
}
