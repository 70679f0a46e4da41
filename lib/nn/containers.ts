// torch's containers: ModuleList and ParameterList (held in a list, registered as '0', '1', …),
// ModuleDict and ParameterDict (held by name, in insertion order), none with a forward of its own; and
// Identity (forward returns its input).
import { checkTensor, Parameter, Tensor } from '../tensor.js';
import { checkInteger, typeError } from '../validate.js';
import { Module, ON_TAPE } from './module.js';

export class ModuleList extends Module implements Iterable<Module> {
  readonly #list: Module[] = [];

  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  get length(): number {
    return this.#list.length;
  }

  /** The module at index i (negative counts from the end, as Array.prototype.at). */
  at(i: number): Module {
    checkInteger(i, 'index', -this.#list.length, this.#list.length - 1);
    return this.#list.at(i)!;
  }

  /** Adds m at the end, registered as String(length). Returns this. */
  append(m: Module): this {
    if (!(m instanceof Module)) throw typeError('a Module', `modules[${this.#list.length}]`, m);
    this.registerModule(String(this.#list.length), m);
    this.#list.push(m);
    return this;
  }

  /** append() for each module, checked first (nothing is added if one is not a Module). */
  extend(modules: Iterable<Module>): this {
    if (modules === null || typeof (modules as Iterable<Module>)[Symbol.iterator] !== 'function') throw typeError('an iterable of Modules', 'modules', modules);
    const ms = [...modules];
    ms.forEach((m, i) => {
      if (!(m instanceof Module)) throw typeError('a Module', `modules[${this.#list.length + i}]`, m);
    });
    for (const m of ms) this.append(m);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.#list[Symbol.iterator]();
  }

  forward(): never {
    throw new Error('ModuleList has no forward(): call its modules (for (const m of list) x = m.forward(x)), as in torch');
  }
}

/** A Parameter as is; a float32 Tensor as a Parameter over the same storage (torch wraps tensors so). */
function asParameter(v: unknown, name: string): Parameter {
  if (v instanceof Parameter) return v;
  if (v instanceof Tensor && v.dtype === 'float32') return new Parameter(v);
  throw typeError('a Parameter or a float32 Tensor', name, v);
}

/** Entries from a plain object or an iterable of [name, value] pairs, in order. */
function entriesOf<V>(v: unknown, what: string): [string, V][] {
  if (v === null || typeof v !== 'object') throw typeError(`an object or an iterable of [name, ${what}] pairs`, 'entries', v);
  if (typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return [...(v as Iterable<unknown>)].map((e, i) => {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string') throw typeError(`a [name, ${what}] pair`, `entries[${i}]`, e);
      return [e[0], e[1] as V];
    });
  }
  return Object.entries(v as Record<string, V>);
}

/** torch's ParameterList: parameters held in a list, registered as '0', '1', … (tensors become Parameters). */
export class ParameterList extends Module implements Iterable<Parameter> {
  readonly #list: Parameter[] = [];

  constructor(values: Iterable<Parameter | Tensor> = []) {
    super();
    this.extend(values);
  }

  get length(): number {
    return this.#list.length;
  }

  /** The parameter at index i (negative counts from the end). */
  at(i: number): Parameter {
    checkInteger(i, 'index', -this.#list.length, this.#list.length - 1);
    return this.#list.at(i)!;
  }

  append(p: Parameter | Tensor): this {
    const q = asParameter(p, `values[${this.#list.length}]`);
    this.registerParameter(String(this.#list.length), q);
    this.#list.push(q);
    return this;
  }

  /** append() for each value, checked first (nothing is added if one is not a Parameter or float32 Tensor). */
  extend(values: Iterable<Parameter | Tensor>): this {
    if (values === null || typeof (values as Iterable<unknown>)[Symbol.iterator] !== 'function') throw typeError('an iterable of Parameters', 'values', values);
    const ps = [...values].map((p, i) => asParameter(p, `values[${this.#list.length + i}]`));
    for (const p of ps) this.append(p);
    return this;
  }

  [Symbol.iterator](): Iterator<Parameter> {
    return this.#list[Symbol.iterator]();
  }

  forward(): never {
    throw new Error('ParameterList has no forward(): use its parameters in the forward of the module that holds it, as in torch');
  }
}

/** What ModuleDict and ParameterDict share: entries by name in insertion order, registered under their names. */
abstract class Dict<V extends Module | Parameter> extends Module implements Iterable<[string, V]> {
  readonly #map = new Map<string, V>();

  protected abstract check(v: unknown, name: string): V;

  protected init(entries: unknown): void {
    if (entries === undefined) return;
    this.update(entries as Iterable<[string, V]>);
  }

  get length(): number {
    return this.#map.size;
  }

  /** The entry of that name (a RangeError naming the keys if there is none, as torch's KeyError). */
  get(key: string): V {
    const v = this.#map.get(key);
    if (v === undefined) throw new RangeError(`No entry '${key}' in ${this.constructor.name} (keys: ${[...this.#map.keys()].join(', ') || 'none'})`);
    return v;
  }

  /** torch's d[key] = value: adds the entry, or replaces the one of that name in its place. */
  set(key: string, value: V): this {
    const v = this.check(value, String(key));
    this.setEntry(key, v);
    this.#map.set(key, v);
    return this;
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  /** Removes the entry and returns it (torch's pop). */
  pop(key: string): V {
    const v = this.get(key);
    this.deleteEntry(key);
    this.#map.delete(key);
    return v;
  }

  /** Sets every [name, value] of an object or an iterable of pairs, checked first (nothing changes if one is bad). */
  update(entries: Record<string, V> | Iterable<[string, V]>): this {
    const es = entriesOf<V>(entries, 'value').map(([k, v]) => [k, this.check(v, k)] as [string, V]);
    for (const [k, v] of es) this.set(k, v);
    return this;
  }

  keys(): IterableIterator<string> {
    return this.#map.keys();
  }

  values(): IterableIterator<V> {
    return this.#map.values();
  }

  /** [name, value] pairs (torch's items()). */
  items(): IterableIterator<[string, V]> {
    return this.#map.entries();
  }

  [Symbol.iterator](): Iterator<[string, V]> {
    return this.#map.entries();
  }

  forward(): never {
    throw new Error(`${this.constructor.name} has no forward(): use its entries in the forward of the module that holds it, as in torch`);
  }
}

/** torch's ModuleDict: modules by name, in insertion order, registered under their names. */
export class ModuleDict extends Dict<Module> {
  constructor(modules?: Record<string, Module> | Iterable<[string, Module]>) {
    super();
    this.init(modules);
  }

  protected check(v: unknown, name: string): Module {
    if (!(v instanceof Module)) throw typeError('a Module', name, v);
    return v;
  }
}

/** torch's ParameterDict: parameters by name, in insertion order (tensors become Parameters). */
export class ParameterDict extends Dict<Parameter> {
  constructor(parameters?: Record<string, Parameter | Tensor> | Iterable<[string, Parameter | Tensor]>) {
    super();
    this.init(parameters);
  }

  protected check(v: unknown, name: string): Parameter {
    return asParameter(v, name);
  }
}

/** forward(x) = x (a placeholder, as torch's nn.Identity). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    checkTensor(x, 'x');
    return x;
  }

  /** dx = dy (the layer-wise path). */
  backward(dy: Tensor): Tensor {
    checkTensor(dy, 'dy');
    return dy;
  }
}

ON_TAPE.add(Identity);
