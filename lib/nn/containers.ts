// torch's ModuleList (modules held in a list and registered as '0', '1', …, with no forward of its own)
// and Identity (forward returns its input).
import { checkTensor, type Tensor } from '../tensor.js';
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
