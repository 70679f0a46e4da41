// Gradient hooks (docs/autograd.md "Hooks"): torch's Tensor.register_hook and
// register_post_accumulate_grad_hook, camelCased. A tensor hook sees the gradient flowing into a tensor
// during backward and may return a replacement; a post-accumulate hook is called on a leaf right after
// backward added into its .grad, as soon as that leaf's gradient is final (the engine calls it during
// the walk, not at its end, so data-parallel training can reduce a bucket while backward continues).
import { formatShape, sameShape, Tensor } from '../tensor.js';
import { typeError } from '../validate.js';

/** A tensor hook: the gradient flowing into the tensor; return a replacement of its shape, or nothing. */
export type TensorHook = (grad: Tensor) => Tensor | void | null | undefined;
/** A post-accumulate-grad hook: called with the leaf after its .grad was accumulated; returns nothing. */
export type PostAccumulateGradHook = (tensor: Tensor) => void;

/** @internal Hooks in registration order, keyed by handle id (a Map keeps insertion order). */
export type HookMap<F> = Map<number, F>;

let nextId = 0;

/** What registerHook / registerPostAccumulateGradHook return (torch's RemovableHandle). */
export class RemovableHandle {
  /** A number unique to this registration. */
  readonly id: number;
  private hooks: HookMap<unknown> | null;

  /** @internal */
  constructor(hooks: HookMap<unknown>, fn: unknown) {
    this.id = nextId++;
    this.hooks = hooks;
    hooks.set(this.id, fn);
  }

  /** Unregisters the hook (later backward calls do not call it). Removing twice does nothing. */
  remove(): void {
    if (this.hooks !== null) this.hooks.delete(this.id);
    this.hooks = null;
  }
}

/** t.registerHook(fn): on a leaf the hook lives on the tensor, on a non-leaf on the node that made it. */
export function registerHook(t: Tensor, fn: TensorHook): RemovableHandle {
  if (typeof fn !== 'function') throw typeError('a function', 'hook', fn);
  if (!t._req) throw new Error("cannot register a hook on a tensor that doesn't require gradient (set requiresGrad on the leaf first)");
  if (t.gradFn !== null) return new RemovableHandle((t.gradFn.hooks ??= new Map()), fn);
  return new RemovableHandle((t._hooks ??= new Map()), fn);
}

/** t.registerPostAccumulateGradHook(fn): leaves that require grad only, as torch. */
export function registerPostAccumulateGradHook(t: Tensor, fn: PostAccumulateGradHook): RemovableHandle {
  if (typeof fn !== 'function') throw typeError('a function', 'hook', fn);
  if (!t._req) throw new Error("cannot register a hook on a tensor that doesn't require gradient (set requiresGrad on the leaf first)");
  if (t.gradFn !== null) throw new Error('post accumulate grad hooks cannot be registered on non-leaf tensors');
  return new RemovableHandle((t._postHooks ??= new Map()), fn);
}

/**
 * Runs the tensor hooks in registration order, each on the previous one's result; returns the final
 * gradient (g itself when no hook replaced it).
 */
export function runTensorHooks(hooks: HookMap<TensorHook>, g: Tensor): Tensor {
  for (const fn of [...hooks.values()]) {
    const r = fn(g);
    if (r === undefined || r === null) continue;
    if (!(r instanceof Tensor) || r.dtype !== 'float32') throw typeError('a float32 Tensor or nothing', 'the value returned by a hook', r);
    if (!sameShape(r.shape, g.shape)) throw new RangeError(`hook changed the size of the gradient: expected shape ${formatShape(g.shape)} but the hook returned shape ${formatShape(r.shape)}`);
    g = r;
  }
  return g;
}

/** Runs a leaf's post-accumulate-grad hooks in registration order. */
export function runPostHooks(hooks: HookMap<PostAccumulateGradHook>, t: Tensor): void {
  for (const fn of [...hooks.values()]) {
    const r = fn(t) as unknown;
    if (r !== undefined && r !== null) throw new TypeError('post accumulate grad hooks should return nothing (undefined or null)');
  }
}
