// Module: the base of every layer. A module owns named parameters (Parameter, trained), buffers
// (Tensor, saved but not trained: BatchNorm's running statistics), integer counters (BatchNorm's
// numBatchesTracked) and child modules, all registered by name in a fixed order. Names of nested
// entries are dotted paths, as in torch ('0.weight', 'encoder.2.bias'). As torch's __setattr__ does, a
// Parameter or Module assigned to a property (`this.fc = new Linear(4, 2)`) is registered under the
// property's name, in assignment order, after the explicitly registered entries (#adopt).
//
// Gradients come from the tape (docs/autograd.md): forward records its ops (fused layers as single
// nodes), and loss.backward() adds every parameter's gradient into param.grad ("grad = grad + new",
// or grad = new when null). Custom modules compose ops in forward (any number of inputs) and write no
// backward. The built-in layers also keep a layer-wise backward(dy) (forward caches what it needs;
// backward returns dx and accumulates the parameter gradients the same way), used by the main job.
import { kernels } from '../backend/select.js';
import { record } from '../autograd/engine.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { checkTensor, formatShape, Parameter, sameShape, Tensor } from '../tensor.js';
import { checkBoolean, checkOptions, describe, typeError } from '../validate.js';
import { IntTensor } from '../io/int_tensor.js';

/** A snapshot of a module's state: parameters and buffers (Tensor copies) and counters (integers), by dotted name. */
export type StateDict = Record<string, Tensor | number>;

/**
 * What loadStateDict accepts: a StateDict, or plain arrays in place of Tensors (as after JSON); a counter
 * may also be a one-element integer tensor (torch's 0-d int64 num_batches_tracked, as loadSafetensors reads it).
 */
export type StateDictInput = Record<string, Tensor | IntTensor | number | Float32Array | readonly number[]>;

interface Counter {
  get(): number;
  set(v: number): void;
}

const NAME = /^[A-Za-z_$][\w$]*$/;

export abstract class Module {
  /** Training mode (true after construction); train()/eval() set it on the whole tree. */
  training = true;
  readonly #params = new Map<string, Parameter | null>();
  readonly #buffers = new Map<string, Tensor | null>();
  readonly #counters = new Map<string, Counter>();
  readonly #children = new Map<string, Module>();
  /** Names this module's entries had in earlier versions (old -> current), accepted by loadStateDict. */
  readonly #legacy = new Map<string, string>();

  /** The output for the inputs (any number), from ops: recorded on the tape when anything requires grad. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  abstract forward(...inputs: any[]): any;


  /**
   * Only the parameter gradients of the last forward, for a module whose input needs no gradient (the
   * first layer of a network). Same gradients as backward(dy); layers override it to skip dx (Linear
   * saves one GEMM).
   */
  backwardParameters(dy: Tensor): void {
    layerwiseBackward(this, dy);
  }

  #checkName(name: string, where: string): void {
    if (typeof name !== 'string' || !(NAME.test(name) || /^\d+$/.test(name))) {
      throw typeError('an identifier or a non-negative integer string', `${where} name`, name);
    }
    if (this.#params.has(name) || this.#buffers.has(name) || this.#counters.has(name) || this.#children.has(name)) {
      throw new RangeError(`Expected a new name for ${where} but '${name}' is already registered in ${this.constructor.name}`);
    }
  }

  /** Registers a parameter (null: an absent optional one, e.g. bias: false). Returns it. */
  protected registerParameter<P extends Parameter | null>(name: string, p: P): P {
    this.#checkName(name, 'registerParameter');
    if (p !== null && !(p instanceof Parameter)) throw typeError('a Parameter or null', name, p);
    this.#params.set(name, p);
    return p;
  }

  /** Registers a buffer: state that is saved and loaded but not trained. Returns it. */
  protected registerBuffer<T extends Tensor | null>(name: string, t: T): T {
    this.#checkName(name, 'registerBuffer');
    if (t !== null) checkTensor(t, name);
    this.#buffers.set(name, t);
    return t;
  }

  /** Registers a non-negative integer counter held elsewhere (get/set), saved and loaded by name. */
  protected registerCounter(name: string, get: () => number, set: (v: number) => void): void {
    this.#checkName(name, 'registerCounter');
    this.#counters.set(name, { get, set });
  }

  /**
   * Lets loadStateDict accept `old`, the name an entry had in state dicts written by earlier versions,
   * for the entry now registered as `name` (when the state dict does not hold `name` itself).
   */
  protected registerLegacyName(old: string, name: string): void {
    this.#legacy.set(old, name);
  }

  /** Registers a child module. Returns it. */
  protected registerModule<M extends Module>(name: string, m: M): M {
    this.#checkName(name, 'registerModule');
    this.#checkChild(name, m);
    this.#children.set(name, m);
    return m;
  }

  #checkChild(name: string, m: Module): void {
    if (!(m instanceof Module)) throw typeError('a Module', name, m);
    if (m === this || m.#contains(this)) throw new RangeError(`Expected a module that does not contain ${this.constructor.name} for ${name} (modules form a tree)`);
  }

  /**
   * The containers' dict assignment (torch's md[name] = m / pd[name] = p): registers a new entry, or
   * replaces the child module or parameter of that name in its place (a different kind of entry of that
   * name is a RangeError).
   */
  protected setEntry(name: string, v: Module | Parameter): void {
    if (v instanceof Module ? this.#children.has(name) : this.#params.has(name)) {
      if (v instanceof Module) {
        this.#checkChild(name, v);
        this.#children.set(name, v);
      } else {
        if (!(v instanceof Parameter)) throw typeError('a Parameter', name, v);
        this.#params.set(name, v);
      }
      return;
    }
    if (v instanceof Module) this.registerModule(name, v);
    else this.registerParameter(name, v);
  }

  /** Removes the child module or parameter registered as name (the containers' pop / delete). */
  protected deleteEntry(name: string): void {
    this.#children.delete(name);
    this.#params.delete(name);
  }

  #contains(m: Module): boolean {
    this.#adopt();
    for (const c of this.#children.values()) if (c === m || c.#contains(m)) return true;
    return false;
  }

  /**
   * torch's attribute registration: every own property holding a Parameter or a Module (in property,
   * i.e. assignment, order) is registered under the property's name, unless that object is already
   * registered here under another name, the name is taken by a buffer or counter, or the module would
   * contain itself. A property assigned a new Parameter / Module (or null, for a parameter) replaces the
   * entry of that name in place, as in torch. Plain Tensors are not parameters (as in torch).
   */
  #adopt(): void {
    if (this.#adopting) return; // a cycle of references (a child holding its parent) comes back here
    this.#adopting = true;
    try {
      this.#adoptProperties();
    } finally {
      this.#adopting = false;
    }
  }

  #adopting = false;

  #adoptProperties(): void {
    for (const [k, v] of Object.entries(this)) {
      if (!(v instanceof Module || v instanceof Parameter || (v === null && this.#params.has(k)))) continue;
      if (!NAME.test(k) || this.#buffers.has(k) || this.#counters.has(k)) continue;
      if (v instanceof Module) {
        if (this.#children.get(k) === v || this.#params.has(k) || v === this || [...this.#children.values()].includes(v) || v.#contains(this)) continue;
        this.#children.set(k, v);
      } else {
        if (this.#params.get(k) === v || this.#children.has(k) || (v !== null && [...this.#params.values()].includes(v))) continue;
        this.#params.set(k, v);
      }
    }
  }

  /** Direct children in registration order, with their names. */
  namedChildren(): [string, Module][] {
    this.#adopt();
    return [...this.#children];
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, depth first in registration order (torch's modules()). */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** This module (name '') and every descendant, depth first in registration order. */
  namedModules(prefix = ''): [string, Module][] {
    this.#adopt();
    const out: [string, Module][] = [[prefix, this]];
    for (const [n, c] of this.#children) out.push(...c.namedModules(join(prefix, n)));
    return out;
  }

  /**
   * Parameters by dotted name: this module's own in registration order, then each child's (depth first,
   * registration order). A parameter shared by two places appears once, under its first name.
   */
  namedParameters(): [string, Parameter][] {
    const seen = new Set<Parameter>();
    const out: [string, Parameter][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [n, p] of m.#params) {
        if (p && !seen.has(p)) {
          seen.add(p);
          out.push([join(prefix, n), p]);
        }
      }
    }
    return out;
  }

  /** Every parameter of the tree, in namedParameters() order (stable: what optimizers and checkpoints number). */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Buffers by dotted name, in the same order as namedParameters(). */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [n, t] of m.#buffers) if (t) out.push([join(prefix, n), t]);
    }
    return out;
  }

  /** Every buffer of the tree, in namedBuffers() order. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /** Calls fn on every descendant, then on this module (torch's apply: children first); returns this. */
  apply(fn: (m: Module) => void): this {
    if (typeof fn !== 'function') throw typeError('a function', 'fn', fn);
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Sets requiresGrad on every parameter of the tree (false freezes them; torch's requires_grad_); returns this. */
  requiresGrad_(requiresGrad = true): this {
    checkBoolean(requiresGrad, 'requiresGrad');
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /**
   * The arguments shown inside this module's printed form (torch's extra_repr): by default what a
   * layer's `name` (e.g. 'LSTM(3, 4, numLayers=2)') holds between its parentheses, else nothing.
   */
  extraRepr(): string {
    const n = (this as unknown as { name?: unknown }).name;
    if (typeof n !== 'string') return '';
    const open = n.indexOf('(');
    return open >= 0 && n.endsWith(')') ? n.slice(open + 1, -1) : '';
  }

  /** torch's printed form: `Name(extra)`, children indented one per line as `(name): Child(...)`. */
  toString(): string {
    const head = this.constructor.name, extra = this.extraRepr(), kids = this.namedChildren();
    if (kids.length === 0) return `${head}(${extra})`;
    const lines = kids.map(([n, m]) => `  (${n}): ${String(m).split('\n').join('\n  ')}`);
    return `${head}(${extra ? `${extra}\n` : '\n'}${lines.join('\n')}\n)`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** Sets training mode on this module and every descendant (default true); returns this. */
  train(mode = true): this {
    checkBoolean(mode, 'mode');
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter gradient: filled with zeros (default, as torch 1.13 and fg.optim), or grad = null (setToNone). */
  zeroGrad(setToNone = false): void {
    checkBoolean(setToNone, 'setToNone');
    for (const p of this.parameters()) {
      if (setToNone) p.grad = null;
      else p.grad?.data.fill(0);
    }
  }

  /**
   * A snapshot by dotted name: for each module (depth first), its parameters, then buffers, then counters,
   * in registration order. Tensors are copies (later training does not change a snapshot).
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [prefix, m] of this.namedModules()) {
      for (const [n, p] of m.#params) if (p) out[join(prefix, n)] = p.detach().clone();
      for (const [n, t] of m.#buffers) if (t) out[join(prefix, n)] = t.detach().clone();
      for (const [n, c] of m.#counters) out[join(prefix, n)] = c.get();
    }
    return out;
  }

  /**
   * Copies a stateDict() into this module's tensors (in place: parameters keep their identity, so an
   * optimizer holding them stays valid). Values may be Tensors, or Float32Arrays / number arrays of the
   * right length (as after JSON). strict (default true): the names must match exactly. Everything is
   * validated first; on any error nothing changes. Returns torch's { missingKeys, unexpectedKeys } (both
   * empty when strict, which throws instead).
   */
  loadStateDict(sd: StateDictInput, options?: { strict?: boolean }): { missingKeys: string[]; unexpectedKeys: string[] } {
    if (sd === null || typeof sd !== 'object' || Array.isArray(sd)) throw typeError('a state dict object', 'stateDict', sd);
    checkOptions(options, 'loadStateDict options', ['strict']);
    const strict = options?.strict ?? true;
    checkBoolean(strict, 'strict');
    sd = this.#currentNames(sd);
    const tensors = new Map<string, Tensor>();
    const counters = new Map<string, Counter>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [n, p] of m.#params) if (p) tensors.set(join(prefix, n), p);
      for (const [n, t] of m.#buffers) if (t) tensors.set(join(prefix, n), t);
      for (const [n, c] of m.#counters) counters.set(join(prefix, n), c);
    }
    const missing = [...tensors.keys(), ...counters.keys()].filter((k) => !Object.prototype.hasOwnProperty.call(sd, k));
    const unexpected = Object.keys(sd).filter((k) => !tensors.has(k) && !counters.has(k));
    if (strict) {
      if (missing.length || unexpected.length) {
        const parts = [];
        if (missing.length) parts.push(`missing keys: ${missing.join(', ')}`);
        if (unexpected.length) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
        throw new RangeError(`Error loading state dict into ${this.constructor.name}: ${parts.join('; ')}`);
      }
    }
    const copies: [Float32Array, ArrayLike<number>][] = [];
    const sets: [Counter, number][] = [];
    for (const [k, t] of tensors) {
      if (!Object.prototype.hasOwnProperty.call(sd, k)) continue;
      copies.push([t.data, tensorValue(sd[k], t, `stateDict['${k}']`)]);
    }
    for (const [k, c] of counters) {
      if (!Object.prototype.hasOwnProperty.call(sd, k)) continue;
      const e = sd[k];
      const v = (e instanceof IntTensor || e instanceof Tensor) && e.data.length === 1 ? e.data[0] : e;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw typeError('a non-negative integer', `stateDict['${k}']`, v);
      }
      sets.push([c, v]);
    }
    for (const [dst, src] of copies) dst.set(src);
    for (const [c, v] of sets) c.set(v);
    return { missingKeys: missing, unexpectedKeys: unexpected };
  }

  /** sd with the entries under a legacy name (registerLegacyName) renamed to the current one, order kept. */
  #currentNames(sd: StateDictInput): StateDictInput {
    const rename = new Map<string, string>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [old, cur] of m.#legacy) {
        const o = join(prefix, old), c = join(prefix, cur);
        if (Object.prototype.hasOwnProperty.call(sd, o) && !Object.prototype.hasOwnProperty.call(sd, c)) rename.set(o, c);
      }
    }
    if (rename.size === 0) return sd;
    return Object.fromEntries(Object.entries(sd).map(([k, v]) => [rename.get(k) ?? k, v]));
  }
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

/** The values to copy into t from a state-dict entry (validated: type, shape or length, finite or not is kept as is). */
function tensorValue(v: unknown, t: Tensor, name: string): ArrayLike<number> {
  if (v instanceof Tensor) {
    if (!sameShape(v.shape, t.shape)) throw new RangeError(`Expected shape ${formatShape(t.shape)} for ${name} but received shape ${formatShape(v.shape)}`);
    return v.data;
  }
  if (v instanceof Float32Array || Array.isArray(v)) {
    if (v.length !== t.size) throw new RangeError(`Expected ${t.size} values (shape ${formatShape(t.shape)}) for ${name} but received ${describe(v)}`);
    if (Array.isArray(v) && !v.every((e) => typeof e === 'number')) throw typeError('an array of numbers', name, v);
    return v;
  }
  throw typeError('a Tensor, a Float32Array or an array of numbers', name, v);
}

/**
 * Adds a new gradient into p.grad in the library's one accumulation order: grad = grad + d elementwise
 * (one binary32 add per element), or grad = d (adopted, not copied) when p.grad is null.
 */
export function accumulateGrad(p: Parameter, d: Tensor): void {
  if (!p.grad) {
    p.grad = d;
    return;
  }
  kernels().elementwise.binary('add', p.grad.data, d.data, p.grad.data, 1, d.size, 'full');
}

/**
 * The layer-wise gradient of m's last forward: m.backward(dy) for the built-in layers (they keep one);
 * modules written from ops have none, and their gradients come from the tape (loss.backward()).
 */
export function layerwiseBackward(m: Module, dy: Tensor): Tensor {
  const b = (m as unknown as { backward?: (dy: Tensor) => Tensor }).backward;
  if (typeof b !== 'function') throw new Error(`${m.constructor.name} has no layer-wise backward(dy): its gradients come from the tape (call loss.backward())`);
  return b.call(m, dy);
}

/** Module classes whose forward records its own tape nodes (the others go through tapeLayerwise in Sequential). */
export const ON_TAPE = new WeakSet<object>();

/** Whether m's class (or a base class) records its own tape nodes. */
export function onTape(m: Module): boolean {
  for (let c: unknown = m.constructor; c; c = Object.getPrototypeOf(c)) if (ON_TAPE.has(c as object)) return true;
  return false;
}

const forwards = new WeakMap<Module, number>();

/**
 * For a layer with only a layer-wise backward (not on the tape itself), called by Sequential after its
 * forward: records one node whose backward runs m.backward(g) (which adds m's parameter gradients into
 * their .grad and returns dx). The node throws if m ran another forward in between (its cache is gone).
 */
export function tapeLayerwise(m: Module, x: Tensor, y: Tensor): Tensor {
  const count = (forwards.get(m) ?? 0) + 1;
  forwards.set(m, count);
  if (y.gradFn !== null || !isGradEnabled()) return y;
  const b = (m as unknown as { backward?: (dy: Tensor) => Tensor }).backward;
  if (typeof b !== 'function' || !(x.requiresGrad || m.parameters().some((p) => p.requiresGrad))) return y;
  if (y === x) return y;
  record(y, `${m.constructor.name}(layer-wise)`, [x], (g) => {
    if (forwards.get(m) !== count) throw new Error(`${m.constructor.name} ran another forward before this backward: it is not on the tape yet, so it cannot be used twice in one graph`);
    const dx = b.call(m, g);
    return [x.requiresGrad ? dx : null];
  });
  return y;
}

/** The cache of a layer's last forward, or a clear error when backward comes first. */
export function savedOrThrow<T>(saved: T | null, m: Module): T {
  if (saved === null) throw new Error(`${m.constructor.name}.backward() needs a forward() first`);
  return saved;
}

/** dy must have the shape of the last forward's output. */
export function checkGradShape(dy: unknown, shape: readonly number[], m: Module): asserts dy is Tensor {
  checkTensor(dy, 'dy');
  if (!sameShape(dy.shape, shape)) {
    throw new RangeError(`Expected dy of shape ${formatShape(shape)} (the last output of ${m.constructor.name}) but received shape ${formatShape(dy.shape)}`);
  }
}

