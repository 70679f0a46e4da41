// A tape node: one recorded operation. It holds the edges to its inputs (the node that made each input,
// or the leaf tensor itself, or null where no gradient flows), the tensors it saved for backward with
// their versions at save time, and one backward function from the output's gradient to the inputs'
// gradients. Every node gets a sequence number at creation; backward runs nodes in decreasing order.
import type { Tensor } from '../tensor.js';
import type { HookMap, TensorHook } from './hooks.js';

/** From the gradient of the node's output to one gradient per input (null: none flows there). */
export type BackwardFn = (g: Tensor) => readonly (Tensor | null)[];

let nextSeq = 0;

export class Node {
  /** The op's name (torch's grad_fn name without the "Backward0" suffix, e.g. 'add', 'matmul', 'linear'). */
  readonly name: string;
  /** Creation order: later nodes have larger numbers. */
  readonly seq: number;
  /** @internal Per input: the node that made it, the leaf tensor that requires grad, or null. */
  readonly next: (Node | Tensor | null)[];
  /** @internal */
  fn: BackwardFn | null;
  /** @internal Tensors saved for backward and their versions when saved (null: none saved). */
  saved: readonly Tensor[] | null;
  /** @internal */
  versions: number[] | null;
  /** @internal Set when the graph was freed after a backward without retainGraph. */
  freed = false;
  /** @internal Engine scratch: the gradient accumulated for this node's output during one backward. */
  pending: Tensor | null = null;
  /** @internal Whether the engine owns pending's storage (may add into it in place). */
  owned = false;
  /** @internal Tensor hooks registered on the output (registerHook on a non-leaf), run before fn. */
  hooks: HookMap<TensorHook> | null = null;
  /**
   * @internal Whether fn returns only new arrays or views of its input gradient and keeps nothing of it
   * (lib/ops and nn.Linear): the engine may then recycle the gradients it consumes (docs/memory.md).
   */
  pure = false;
  /** @internal Whether pending's array may go back to the buffer cache once consumed. */
  recyc = false;
  /** @internal Engine scratch: the traversal epoch that last visited this node. */
  mark = 0;

  constructor(name: string, next: (Node | Tensor | null)[], fn: BackwardFn, saved: readonly Tensor[] | null) {
    this.name = name;
    this.seq = nextSeq++;
    this.next = next;
    this.fn = fn;
    this.saved = saved;
    let versions: number[] | null = null;
    if (saved !== null) {
      versions = new Array<number>(saved.length);
      for (let i = 0; i < saved.length; i++) versions[i] = saved[i]._ver.v;
    }
    this.versions = versions;
  }

  toString(): string {
    return `<${this.name[0].toUpperCase()}${this.name.slice(1)}Backward>`;
  }
}
