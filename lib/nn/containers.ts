// torch's containers: ModuleList and ParameterList (held in a list, registered as '0', '1', …),
// ModuleDict and ParameterDict (held by name, in insertion order), none with a forward of its own; and
// Identity (forward returns its input).
import { checkTensor, Parameter, Tensor } from '../tensor.js';
import { checkInteger, typeError } from '../validate.js';
import { Module, ON_TAPE } from './module.js';

/** A Parameter as is; a float32 Tensor as a Parameter over the same storage (torch wraps tensors so). */
function asParameter(v: unknown, name: string): Parameter {
  if (v instanceof Parameter) return v;
  if (v instanceof Tensor && v.dtype === 'float32') return new Parameter(v);
  throw typeError('a Parameter or a float32 Tensor', name, v);
}

function asModule(v: unknown, name: string): Module {
  if (!(v instanceof Module)) throw typeError('a Module', name, v);
  return v;
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

/** What ModuleList and ParameterList share: entries in a list, registered as '0', '1', …. */
abstract class List<V extends Module | Parameter, In = V> extends Module implements Iterable<V> {
  readonly #list: V[] = [];

  /** The value to hold for v (a TypeError naming `name` if it cannot be held). */
  protected abstract check(v: unknown, name: string): V;

  get length(): number {
    return this.#list.length;
  }

  /** The entry at index i (negative counts from the end, as Array.prototype.at). */
  at(i: number): V {
    checkInteger(i, 'index', -this.#list.length, this.#list.length - 1);
    return this.#list.at(i)!;
  }

  /** Adds v at the end, registered as String(length). Returns this. */
  append(v: In): this {
    const e = this.check(v, `values[${this.#list.length}]`);
    this.setEntry(String(this.#list.length), e);
    this.#list.push(e);
    return this;
  }

  /** append() for each value, checked first (nothing is added if one cannot be held). */
  extend(values: Iterable<In>): this {
    if (values === null || typeof (values as Iterable<unknown>)[Symbol.iterator] !== 'function') throw typeError('an iterable', 'values', values);
    const es = [...values].map((v, i) => this.check(v, `values[${this.#list.length + i}]`));
    for (const e of es) this.append(e as unknown as In);
    return this;
  }

  [Symbol.iterator](): Iterator<V> {
    return this.#list[Symbol.iterator]();
  }

  forward(): never {
    throw new Error(`${this.constructor.name} has no forward(): use its entries in the forward of the module that holds it (for (const m of list) x = m.forward(x)), as in torch`);
  }
}

/** torch's ModuleList: modules held in a list, registered as '0', '1', …. */
export class ModuleList extends List<Module> {
  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  protected check(v: unknown, name: string): Module {
    return asModule(v, name);
  }
}

/** torch's ParameterList: parameters held in a list, registered as '0', '1', … (tensors become Parameters). */
export class ParameterList extends List<Parameter, Parameter | Tensor> {
  constructor(values: Iterable<Parameter | Tensor> = []) {
    super();
    this.extend(values);
  }

  protected check(v: unknown, name: string): Parameter {
    return asParameter(v, name);
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
    return asModule(v, name);
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
