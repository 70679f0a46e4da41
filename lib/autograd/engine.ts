// The tape's backward pass (docs/autograd.md). backward(root) collects the nodes reachable from
// root.gradFn, checks them all (none freed, no saved tensor changed in place), then runs them in
// decreasing sequence number. Each node's output gradient is the sum of its consumers' contributions
// added in the order the consumers run (decreasing sequence number): g = ((c1 + c2) + c3) ..., one
// binary32 add per element each, so the result has the same bits on both backends, every SIMD level
// and thread count. A leaf's contributions are summed the same way; right after the last node feeding
// the leaf has run, its tensor hooks see the total, it is added into leaf.grad (grad = grad + total,
// or grad = total when grad is null) and its post-accumulate-grad hooks run, while backward goes on
// with the remaining nodes. Without retainGraph, every node that saved tensors drops them (and its
// backward) once it has run.
import { emptyF32, recycleF32 } from '../backend/buffers.js';
import { kfor } from '../ops/core.js';
import { checkTensor, copyOf, formatShape, makeTensor, sameShape, type Tensor } from '../tensor.js';
import { setGradEnabled } from './grad_mode.js';
import { runPostHooks, runTensorHooks } from './hooks.js';
import { Node, type BackwardFn } from './node.js';

/** The edge an op records for input t: its node, the leaf itself if it requires grad, or null. */
export function edge(t: Tensor): Node | Tensor | null {
  return t.gradFn ?? (t._req ? t : null);
}

/** Makes `out` the result of a new node over `inputs` (callers check that recording is on and needed). */
export function record<T extends Tensor>(out: T, name: string, inputs: readonly Tensor[], fn: BackwardFn, saved: readonly Tensor[] | null = null): T {
  const next = new Array<Node | Tensor | null>(inputs.length);
  for (let i = 0; i < inputs.length; i++) next[i] = edge(inputs[i]);
  out.gradFn = new Node(name, next, fn, saved);
  out._req = true;
  return out;
}

/**
 * record() for a pure node: its backward returns only new arrays or views of its input gradient and
 * keeps nothing of it (every op of lib/ops, nn.Linear), so the engine may recycle what it consumes.
 */
export function recordOp<T extends Tensor>(out: T, name: string, inputs: readonly Tensor[], fn: BackwardFn, saved: readonly Tensor[] | null = null): T {
  record(out, name, inputs, fn, saved).gradFn!.pure = true;
  return out;
}

export interface BackwardOptions {
  /** Keep the graph (saved tensors) for another backward through it (torch's retain_graph). Default false. */
  retainGraph?: boolean;
}

let epoch = 0;

const FREED =
  'Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). ' +
  'Saved intermediate values of the graph are freed when you call .backward(); pass { retainGraph: true } to the first backward ' +
  'if you need to backward through the graph a second time';

/** Index i's gradient shares storage with no other entry of grads. */
function alone(grads: readonly (Tensor | null)[], d: unknown, i: number): boolean {
  for (let j = 0; j < grads.length; j++) if (j !== i && grads[j] && grads[j]!._d === d) return false;
  return true;
}

/** cur + g: in place into cur when the engine owns cur, else into a new array. */
function sum(cur: Tensor, curOwned: boolean, g: Tensor): Tensor {
  const n = cur.size;
  if (curOwned) {
    kfor(n).elementwise.binary('add', cur.data, g.data, cur.data, 1, n, 'full');
    return cur;
  }
  const out = makeTensor(emptyF32(n), cur.shape);
  kfor(n).elementwise.binary('add', cur.data, g.data, out.data, 1, n, 'full');
  return out;
}

/** The array t reads: its own, or (a lazy transpose not read yet) its source's. */
function storeOf(t: Tensor): unknown {
  let x: Tensor | null = t;
  while (x !== null && x._d === null) x = x._tOf;
  return x === null ? null : x._d;
}

/** t's own plain array when it may be recycled (not a lazy view of another tensor), else null. */
function plain(t: Tensor): Float32Array | null {
  return t._tOf === null && t._d instanceof Float32Array ? t._d : null;
}

/**
 * Recycles the arrays in dead (docs/memory.md) except those something kept still reads; each once.
 * dead holds only arrays the engine owns that a pure node (lib/ops, nn.Linear) produced or the engine
 * summed into, so nothing outside the engine references them.
 */
function recycleDead(dead: Float32Array[], kept: unknown[]): void {
  for (let i = 0; i < dead.length; i++) {
    const d = dead[i];
    if (kept.includes(d)) continue;
    let seen = false;
    for (let j = 0; j < i; j++) if (dead[j] === d) seen = true;
    if (!seen) recycleF32(d);
  }
}

/**
 * For fg.autograd.grad: the tensors whose gradients a backward hands back instead of accumulating into
 * any .grad (leaves: their total, after their tensor hooks; others: the gradient reaching their node).
 */
export type Capture = Map<Tensor, Tensor | null>;

/** root.backward(grad?, options?): see the file comment. */
export function backward(root: Tensor, grad?: Tensor | null, options?: BackwardOptions, capture: Capture | null = null): void {
  if (!(root._req)) throw new Error('element 0 of tensors does not require grad and does not have a gradFn (backward needs a result of ops on tensors that require grad)');
  const retain = options?.retainGraph ?? false;
  if (typeof retain !== 'boolean') throw new TypeError(`Expected a boolean for retainGraph but received ${typeof retain}`);
  let g: Tensor, owned: boolean;
  if (grad === undefined || grad === null) {
    if (root.size !== 1) throw new Error(`grad can be implicitly created only for scalar outputs (backward() on a tensor of shape ${formatShape(root.shape)}: pass its gradient, a tensor of that shape)`);
    g = makeTensor(Float32Array.of(1), root.shape);
    owned = true;
  } else {
    checkTensor(grad, 'grad');
    if (!sameShape(grad.shape, root.shape)) throw new RangeError(`Expected grad of shape ${formatShape(root.shape)} (the shape of the tensor) for backward but received shape ${formatShape(grad.shape)}`);
    g = grad;
    owned = false;
  }
  const top = root.gradFn;
  // what a capturing backward does with a leaf's final gradient instead of .grad += g
  const done = capture === null ? finish : (leaf: Tensor, gl: Tensor): void => {
    if (capture.has(leaf)) capture.set(leaf, copyOf(leaf._hooks !== null && leaf._hooks.size > 0 ? runTensorHooks(leaf._hooks, gl) : gl));
  };
  const byNode = new Map<Node, Tensor>();
  if (capture !== null) for (const t of capture.keys()) if (t.gradFn !== null) byNode.set(t.gradFn, t);
  if (top === null) {
    const prev = setGradEnabled(false);
    try {
      done(root, g, owned);
    } finally {
      setGradEnabled(prev);
    }
    return;
  }
  const nodes = reachable(top);
  nodes.sort((a, b) => b.seq - a.seq);
  // last: each leaf's last feeding node (the lowest sequence number; nodes are visited in decreasing order).
  const last = new Map<Tensor, Node>();
  for (const n of nodes) {
    if (n.fn === null) throw new Error(FREED);
    const next = n.next;
    for (let i = 0; i < next.length; i++) {
      const e = next[i];
      if (e !== null && !(e instanceof Node)) last.set(e, n);
    }
    const s = n.saved;
    if (s !== null) {
      for (let i = 0; i < s.length; i++) {
        if (s[i]._ver.v !== n.versions![i]) {
          throw new Error(
            `one of the variables needed for gradient computation has been modified by an inplace operation: [Tensor of shape ${formatShape(s[i].shape)}], ` +
              `saved by ${n.name}, is at version ${s[i]._ver.v}; expected version ${n.versions![i]} instead`,
          );
        }
      }
    }
  }
  // Ownership of a gradient in flight: owned (the engine may add into it in place) and recyclable
  // (owned, and made by a pure node or by the engine itself: its array can go back to the buffer cache
  // once consumed; docs/memory.md).
  const leaves = new Map<Tensor, { g: Tensor; owned: boolean; recyc: boolean }>();
  const dead: Float32Array[] = [], kept: unknown[] = [];
  const prev = setGradEnabled(false);
  top.pending = g;
  top.owned = owned;
  top.recyc = false;
  try {
    for (const n of nodes) {
      let gn = n.pending, own = n.owned, recyc = n.recyc;
      n.pending = null;
      const next = n.next;
      if (gn !== null) {
        if (n.hooks !== null && n.hooks.size > 0) {
          gn = runTensorHooks(n.hooks, gn);
          own = recyc = false; // a hook may keep the gradient it saw: never write into it
        }
        if (!n.pure) recyc = false; // a backward outside lib/ops may keep its input
        const want = byNode.get(n);
        if (want !== undefined) capture!.set(want, copyOf(gn)); // a copy: the engine may still add into gn
        const grads = n.fn!(gn);
        dead.length = 0;
        kept.length = 0;
        for (let i = 0; i < next.length; i++) {
          const e = next[i], gi = grads[i];
          if (e === null || gi === null || gi === undefined) continue;
          const o = (gi._d !== gn._d || own) && alone(grads, gi._d, i);
          const r = o && n.pure && plain(gi) !== null;
          if (e instanceof Node) {
            if (e.pending === null) {
              e.pending = gi;
              e.owned = o;
              e.recyc = r;
              kept.push(storeOf(gi));
            } else {
              const was = e.pending, wasR = e.recyc;
              e.pending = sum(was, e.owned, gi);
              if (e.pending !== was) {
                e.recyc = true;
                if (wasR) dead.push(plain(was)!);
              }
              e.owned = true;
              if (r) dead.push(plain(gi)!);
            }
          } else {
            const cur = leaves.get(e);
            if (cur === undefined) {
              leaves.set(e, { g: gi, owned: o, recyc: r });
              kept.push(storeOf(gi));
            } else {
              const s2 = sum(cur.g, cur.owned, gi);
              if (s2 !== cur.g && cur.recyc) dead.push(plain(cur.g)!);
              leaves.set(e, { g: s2, owned: true, recyc: cur.recyc || s2 !== cur.g });
              if (r) dead.push(plain(gi)!);
            }
          }
        }
        // gn itself is consumed: recyclable unless a kept gradient still reads its array.
        if (recyc && plain(gn) !== null) dead.push(plain(gn)!);
        if (dead.length > 0) recycleDead(dead, kept);
      }
      if (!retain) free(n);
      // Leaves whose last feeding node was n have their final gradient: accumulate it now.
      for (let i = 0; i < next.length; i++) {
        const e = next[i];
        if (e === null || e instanceof Node || last.get(e) !== n) continue;
        const c = leaves.get(e);
        if (c === undefined) continue;
        leaves.delete(e);
        done(e, c.g, c.owned, c.recyc);
      }
    }
  } finally {
    setGradEnabled(prev);
    for (const n of nodes) n.pending = null;
  }
}

/**
 * Frees the graph behind `root` as a backward without retainGraph would, without running it: every node
 * that saved tensors drops them and its backward. For a caller that owns root and took its gradients
 * another way (fg.train.fit's layer-wise path), so what the graph saved can be proven dead
 * (nn.Sequential's intermediates go back to the buffer cache; docs/memory.md). A later backward through
 * it throws, as after any backward.
 */
export function releaseGraph(root: Tensor): void {
  if (root.gradFn !== null) for (const n of reachable(root.gradFn)) free(n);
}

/** The nodes reachable from top (top included), each once. */
function reachable(top: Node): Node[] {
  const mark = ++epoch;
  const nodes: Node[] = [];
  const stack: Node[] = [top];
  top.mark = mark;
  while (stack.length > 0) {
    const n = stack.pop()!;
    nodes.push(n);
    const next = n.next;
    for (let i = 0; i < next.length; i++) {
      const e = next[i];
      if (e instanceof Node && e.mark !== mark) {
        e.mark = mark;
        stack.push(e);
      }
    }
  }
  return nodes;
}

/** What a backward without retainGraph does to a node that ran: one that saved tensors drops them and its backward. */
function free(n: Node): void {
  if (n.saved === null) return;
  n.fn = null;
  n.saved = null;
  n.freed = true;
}

/** A leaf's final gradient of one backward: its tensor hooks, .grad += g, its post-accumulate-grad hooks. */
function finish(leaf: Tensor, g: Tensor, owned: boolean, recyc = false): void {
  if (leaf._hooks !== null && leaf._hooks.size > 0) {
    g = runTensorHooks(leaf._hooks, g);
    owned = recyc = false;
  }
  accumulate(leaf, g, owned, recyc);
  if (leaf._postHooks !== null && leaf._postHooks.size > 0) runPostHooks(leaf._postHooks, leaf);
}

/**
 * leaf.grad = leaf.grad + g (in place), or g itself (a copy when the engine does not own it). A
 * recyclable g that was added into .grad (or copied) is dead afterwards: back to the buffer cache.
 */
function accumulate(leaf: Tensor, g: Tensor, owned: boolean, recyc: boolean): void {
  if (leaf.grad === null) {
    if (owned && sameShape(g.shape, leaf.shape)) {
      leaf.grad = g;
      return;
    }
    leaf.grad = makeTensor(g.data.slice(), leaf.shape);
  } else {
    const d = leaf.grad.data;
    kfor(d.length).elementwise.binary('add', d, g.data, d, 1, d.length, 'full');
  }
  if (recyc) recycleF32(plain(g));
}

export type { BackwardFn };
