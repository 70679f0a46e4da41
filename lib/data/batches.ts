// Mini-batches over Float32Arrays / Tensors with a seeded shuffle per epoch.
import { Tensor, formatShape } from '../tensor.js';
import type { Generator } from '../random.js';
import { generatorOf } from '../random.js';
import { checkBoolean, checkInteger, checkOptions, rangeError, typeError } from '../validate.js';

export interface BatchOptions {
  batchSize: number;
  /** Draw a fresh permutation for this epoch (default true). */
  shuffle?: boolean;
  /** Generator for the permutation (default: the global one). */
  generator?: Generator;
  /** Skip the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Number of samples; needed only when x is a bare Float32Array (x.length / n floats per sample). */
  n?: number;
}

export interface Batch {
  /** (b, ...x's per-sample shape), a copy. */
  x: Tensor;
  /** (b, ...y's per-sample shape), a copy; null when y is null. */
  y: Tensor | null;
  /** Which samples (indices into x and y), in batch order. */
  indices: Uint32Array;
}

type Data = Tensor | Float32Array;

function asTensor(v: Data, name: string, n: number | undefined): Tensor {
  if (v instanceof Tensor) {
    if (v.shape.length === 0) throw new RangeError(`Expected a tensor with a sample dimension for ${name} but received shape ${formatShape(v.shape)}`);
    return v;
  }
  if (!(v instanceof Float32Array)) throw typeError('a Tensor or a Float32Array', name, v);
  if (n === undefined) throw new TypeError(`Expected option n (the number of samples) with a bare Float32Array for ${name}`);
  if (n === 0 ? v.length !== 0 : v.length % n !== 0) throw rangeError(`a Float32Array whose length is a multiple of n = ${n}`, name, v);
  return new Tensor(v, n === 0 ? [0, 0] : [n, v.length / n]);
}

function gather(t: Tensor, idx: Uint32Array): Tensor {
  const per = t.shape[0] === 0 ? 0 : t.size / t.shape[0];
  const out = new Float32Array(idx.length * per);
  for (let b = 0; b < idx.length; b++) out.set(t.data.subarray(idx[b] * per, (idx[b] + 1) * per), b * per);
  return new Tensor(out, [idx.length, ...t.shape.slice(1)]);
}

/**
 * One epoch of mini-batches. The sample order is drawn when batches() is called (so the generator
 * advances then, one permutation per call: call it once per epoch): generator.permutation(n) when
 * shuffle is true, 0..n-1 otherwise. Batches are copies; x and y are never modified.
 */
export function batches(x: Data, y: Data | null, opts: BatchOptions): IterableIterator<Batch> {
  checkOptions(opts, 'batches options', ['batchSize', 'shuffle', 'generator', 'dropLast', 'n']);
  if (opts === undefined) throw new TypeError('Expected an options object with batchSize for batches options but received undefined');
  if (opts.n !== undefined) checkInteger(opts.n, 'n', 0);
  checkInteger(opts.batchSize, 'batchSize', 1);
  const shuffle = opts.shuffle ?? true, dropLast = opts.dropLast ?? false;
  checkBoolean(shuffle, 'shuffle');
  checkBoolean(dropLast, 'dropLast');
  const gen = generatorOf(opts.generator);
  const X = asTensor(x, 'x', opts.n);
  const n = X.shape[0];
  const Y = y === null ? null : asTensor(y, 'y', opts.n ?? n);
  if (Y && Y.shape[0] !== n) throw rangeError(`${n} samples (as x)`, 'y', `${Y.shape[0]} samples`);
  let order: Uint32Array;
  if (shuffle) order = gen.permutation(n);
  else {
    order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
  }
  const bs = opts.batchSize;
  const count = dropLast ? Math.floor(n / bs) : Math.ceil(n / bs);
  return (function* () {
    for (let b = 0; b < count; b++) {
      const indices = order.slice(b * bs, Math.min(n, (b + 1) * bs));
      yield { x: gather(X, indices), y: Y ? gather(Y, indices) : null, indices };
    }
  })();
}
