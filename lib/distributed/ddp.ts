// DistributedDataParallel (torch.nn.parallel.DistributedDataParallel): rank 0's parameters and buffers
// are broadcast at construction (await ddp.ready); gradients are grouped into buckets of at most
// bucketCapMb (parameters in reverse order, as torch's reducer) and each bucket is all-reduced (mean)
// as soon as every one of its parameters has its final gradient, so the reduction of the late layers
// runs on the process group's communication thread while the JavaScript thread computes the early
// layers' gradients. A gradient is final
// - on the tape (`loss.backward()`): when the engine calls the parameter's post-accumulate-grad hook,
//   which it does right after the last node feeding that parameter (docs/autograd.md "Hooks");
// - on the layer-wise path (`ddp.backward(dy)`): when the module owning the parameter returns from
//   its backward.
// Buckets are launched in bucket order on every rank (a fixed sequence of collectives);
// `await ddp.synchronize()` after backward launches what is left (parameters that got no gradient this
// time), waits for the last bucket and leaves the averaged gradients in param.grad, bit-identical on
// every rank.
// `ddp.noSync(fn)` (torch's no_sync): a forward run inside fn does not synchronise its backward, so the
// gradients of several backward passes accumulate locally in param.grad; the next synchronised backward
// (its forward outside noSync) all-reduces the accumulated sums, as torch's reducer does.
import { Node } from '../autograd/node.js';
import { layerwiseBackward, Module } from '../nn/module.js';
import type { Parameter, Tensor } from '../tensor.js';
import { Tensor as TensorClass } from '../tensor.js';
import { checkBoolean, checkFinite, checkOptions, rangeError, typeError } from '../validate.js';
import { allReduce, broadcast, getWorldSize } from './process_group.js';

export interface DistributedDataParallelOptions {
  /** Most megabytes (2^20 bytes) of gradients per all-reduce. Default 25, as torch. */
  bucketCapMb?: number;
  /** Broadcast rank 0's buffers (e.g. batch-norm running statistics) at construction. Default true. */
  broadcastBuffers?: boolean;
  /**
   * After each forward, find the parameters its output does not depend on (walking the tape's graph from
   * the output) and count them ready at once, so their buckets do not wait for synchronize(). Default
   * false, as torch.
   */
  findUnusedParameters?: boolean;
}

interface Bucket {
  params: Parameter[];
  offsets: number[];
  flat: Float32Array;
  waiting: number; // parameters of this bucket whose gradient is not final yet in this backward
}

/** Gradient synchronisation counters of a DistributedDataParallel (for tests and the bench). */
export interface DdpStats {
  /** Buckets launched from a gradient becoming final, before synchronize() was called. */
  launchedInBackward: number;
  /** Buckets launched by synchronize() (their parameters got no gradient, or it was never marked final). */
  launchedAtSynchronize: number;
}

export class DistributedDataParallel extends Module {
  readonly module: Module;
  readonly bucketCapMb: number;
  readonly findUnusedParameters: boolean;
  /** Resolves once rank 0's parameters and buffers are in place on this rank. */
  readonly ready: Promise<void>;
  #synced = false;
  readonly #buckets: Bucket[] = [];
  readonly #bucketOf = new Map<Parameter, Bucket>();
  readonly #owned = new Map<Module, Parameter[]>();
  readonly #hooks: { remove(): void }[] = [];
  #inBackward = false;
  #armed = false; // ddp.forward ran (outside noSync) since the last backward began
  #syncNext = true; // the last ddp.forward ran outside noSync: the layer-wise backward synchronises
  #noSync = 0; // noSync calls in progress
  #unused = new Set<Parameter>(); // findUnusedParameters: the parameters the last synchronised forward's output does not depend on
  #done = new Set<Parameter>();
  #next = 0; // next bucket to launch
  #pending: Promise<void>[] = [];
  #stats: DdpStats = { launchedInBackward: 0, launchedAtSynchronize: 0 };

  constructor(module: Module, options: DistributedDataParallelOptions = {}) {
    super();
    if (!(module instanceof Module)) throw new TypeError(`Expected a fastgrad nn.Module for module but received ${String(module)}`);
    checkOptions(options, 'DistributedDataParallel options', ['bucketCapMb', 'broadcastBuffers', 'findUnusedParameters']);
    const bucketCapMb = options.bucketCapMb ?? 25;
    checkFinite(bucketCapMb, 'bucketCapMb');
    if (!(bucketCapMb > 0)) throw rangeError('a positive number', 'bucketCapMb', bucketCapMb);
    const broadcastBuffers = options.broadcastBuffers ?? true;
    checkBoolean(broadcastBuffers, 'broadcastBuffers');
    const findUnusedParameters = options.findUnusedParameters ?? false;
    checkBoolean(findUnusedParameters, 'findUnusedParameters');
    this.findUnusedParameters = findUnusedParameters;
    getWorldSize(); // throws if no process group
    this.module = this.registerModule('module', module);
    this.bucketCapMb = bucketCapMb;

    // Buckets: parameters in reverse order, filled up to the cap (a larger parameter gets its own).
    const cap = Math.max(1, Math.floor((bucketCapMb * 2 ** 20) / 4));
    let cur: Parameter[] = [];
    let size = 0;
    const close = () => {
      if (cur.length === 0) return;
      const offsets: number[] = [];
      let o = 0;
      for (const p of cur) {
        offsets.push(o);
        o += p.size;
      }
      const b: Bucket = { params: cur, offsets, flat: new Float32Array(o), waiting: 0 };
      for (const p of cur) this.#bucketOf.set(p, b);
      this.#buckets.push(b);
      cur = [];
      size = 0;
    };
    for (const p of module.parameters().reverse()) {
      if (size > 0 && size + p.size > cap) close();
      cur.push(p);
      size += p.size;
    }
    close();

    // On the tape: a parameter's gradient is final when its post-accumulate-grad hook runs.
    for (const p of module.parameters()) this.#hooks.push(p.registerPostAccumulateGradHook(() => this.#ready(p, 'tape')));

    // Layer-wise: a module without children owns its parameters; when its backward returns (inside
    // ddp.backward), their gradients are final.
    for (const [, m] of module.namedModules()) {
      if (m.children().length > 0) continue;
      const ps = m.parameters();
      if (ps.length === 0) continue;
      this.#owned.set(m, ps);
      const lw = m as Module & { backward: (dy: Tensor) => Tensor };
      const backward = lw.backward;
      const backwardParameters = m.backwardParameters;
      lw.backward = (dy: Tensor): Tensor => {
        const dx = backward.call(m, dy);
        this.#finished(m);
        return dx;
      };
      m.backwardParameters = (dy: Tensor): void => {
        backwardParameters.call(m, dy);
        this.#finished(m);
      };
    }

    // Rank 0's state everywhere: one broadcast of the parameters (and buffers) packed together.
    const tensors: Tensor[] = [...module.parameters(), ...(broadcastBuffers ? module.namedBuffers().map(([, t]) => t) : [])];
    const flat = new Float32Array(tensors.reduce((s, t) => s + t.size, 0));
    let o = 0;
    for (const t of tensors) {
      flat.set(t.data, o);
      o += t.size;
    }
    this.ready = broadcast(flat, { src: 0 }).then(() => {
      let off = 0;
      for (const t of tensors) {
        t.data.set(flat.subarray(off, off + t.size));
        off += t.size;
      }
      this.#synced = true;
    });
  }

  /** The buckets' parameter counts, in launch order (for tests and the bench). */
  bucketSizes(): number[] {
    return this.#buckets.map((b) => b.flat.length);
  }

  #check(fn: string): void {
    if (!this.#synced) throw new Error(`DistributedDataParallel.${fn}: await ddp.ready first (rank 0's parameters are still being broadcast)`);
    if (this.#pending.length > 0) throw new Error(`DistributedDataParallel.${fn}: await ddp.synchronize() after backward first (gradients are still being all-reduced)`);
  }

  forward(...inputs: Tensor[]): Tensor {
    this.#check('forward');
    // As torch's DDP.forward prepares the reducer: only a backward through this forward synchronises
    // (the wrapped model used on its own trains alone).
    this.#syncNext = this.#noSync === 0;
    this.#armed = this.#syncNext;
    const out = (this.module.forward as (...xs: Tensor[]) => Tensor)(...inputs);
    this.#unused = this.findUnusedParameters && this.#syncNext ? this.#unusedBy(out) : new Set();
    return out;
  }

  /** The parameters out does not depend on: not reached walking the tape's graph back from out. */
  #unusedBy(out: Tensor): Set<Parameter> {
    if (!(out instanceof TensorClass) || !out.gradFn) return new Set(); // nothing recorded: assume all used
    const reached = new Set<unknown>();
    const stack: Node[] = [out.gradFn];
    reached.add(out.gradFn);
    while (stack.length > 0) {
      for (const e of stack.pop()!.next) {
        if (e === null || reached.has(e)) continue;
        reached.add(e);
        if (e instanceof Node) stack.push(e);
      }
    }
    return new Set(this.module.parameters().filter((p) => !reached.has(p)));
  }

  backward(dy: Tensor): Tensor {
    if (!this.#syncNext) {
      this.#check('backward');
      return layerwiseBackward(this.module, dy);
    }
    this.#begin('backward');
    try {
      return layerwiseBackward(this.module, dy);
    } finally {
      this.#end();
    }
  }

  override backwardParameters(dy: Tensor): void {
    if (!this.#syncNext) {
      this.#check('backwardParameters');
      this.module.backwardParameters(dy);
      return;
    }
    this.#begin('backwardParameters');
    try {
      this.module.backwardParameters(dy);
    } finally {
      this.#end();
    }
  }

  /**
   * Runs fn without gradient synchronisation (torch's `no_sync()` context): the backward of a forward
   * run inside fn only accumulates this rank's gradients into param.grad; the first backward whose
   * forward runs outside noSync all-reduces the accumulated gradients. Returns fn's result; when fn
   * returns a Promise, synchronisation stays off until it settles.
   */
  noSync<T>(fn: () => T): T {
    if (typeof fn !== 'function') throw typeError('a function', 'fn', fn);
    this.#noSync++;
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.#noSync--;
      throw e;
    }
    if (result instanceof Promise) {
      return result.finally(() => {
        this.#noSync--;
      }) as T;
    }
    this.#noSync--;
    return result;
  }

  /**
   * Ends the gradient synchronisation of the last backward: launches the buckets still waiting (in
   * order), waits for every bucket; param.grad then holds the mean over all ranks.
   */
  async synchronize(): Promise<void> {
    if (this.#inBackward) this.#end();
    const pending = this.#pending;
    this.#pending = [];
    await Promise.all(pending);
  }

  /** How the buckets of the backward passes so far were launched (counts since construction). */
  stats(): DdpStats {
    return { ...this.#stats };
  }

  /** Unregisters the gradient hooks from the wrapped module's parameters (the module trains alone again). */
  removeHooks(): void {
    for (const h of this.#hooks.splice(0)) h.remove();
  }

  #begin(fn: string): void {
    this.#check(fn);
    this.#armed = false;
    this.#inBackward = true;
    this.#done = new Set();
    this.#next = 0;
    for (const b of this.#buckets) b.waiting = b.params.length;
    if (this.#unused.size > 0) {
      for (const p of this.#unused) {
        this.#done.add(p);
        this.#bucketOf.get(p)!.waiting--;
      }
      this.#launchReady(true);
    }
  }

  #end(): void {
    this.#inBackward = false;
    // Buckets still waiting (parameters unused this time, or not marked final) go now, in order.
    for (const b of this.#buckets) b.waiting = 0;
    this.#launchReady(false);
  }

  #finished(m: Module): void {
    for (const p of this.#owned.get(m) ?? []) this.#ready(p, 'layerwise');
  }

  /** p's gradient is final for this backward. */
  #ready(p: Parameter, via: 'tape' | 'layerwise'): void {
    if (via === 'tape' && !this.#inBackward) {
      // The first gradient of a tape backward after ddp.forward starts the synchronisation (as
      // ddp.backward does); forward already checked that the group is synced and nothing is pending.
      if (!this.#armed) return;
      this.#begin('backward');
    }
    if (!this.#inBackward) return;
    if (this.#done.has(p)) {
      if (via === 'layerwise') return;
      if (this.#unused.has(p)) {
        throw new Error("DistributedDataParallel: a parameter that findUnusedParameters found unused in the forward output's graph got a gradient (its bucket was already reduced); compute the loss from ddp.forward's output only");
      }
      // torch's reducer refuses the same: the buckets of the first backward are already on their way.
      throw new Error('DistributedDataParallel: a second backward reached a parameter before `await ddp.synchronize()` ended the previous one (call synchronize() after each backward)');
    }
    this.#done.add(p);
    const b = this.#bucketOf.get(p);
    if (b) b.waiting--;
    this.#launchReady(true);
  }

  #launchReady(inBackward: boolean): void {
    while (this.#next < this.#buckets.length && this.#buckets[this.#next].waiting <= 0) {
      const b = this.#buckets[this.#next++];
      if (inBackward) this.#stats.launchedInBackward++;
      else this.#stats.launchedAtSynchronize++;
      for (let i = 0; i < b.params.length; i++) {
        const p = b.params[i];
        if (p.grad) b.flat.set(p.grad.data, b.offsets[i]);
        else b.flat.fill(0, b.offsets[i], b.offsets[i] + p.size);
      }
      this.#pending.push(
        allReduce(b.flat, { op: 'mean' }).then(() => {
          for (let i = 0; i < b.params.length; i++) {
            const p = b.params[i];
            const g = b.flat.subarray(b.offsets[i], b.offsets[i] + p.size);
            if (p.grad) p.grad.data.set(g);
            else p.grad = new TensorClass(g.slice(), p.shape);
          }
        }),
      );
    }
  }
}
