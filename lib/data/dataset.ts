// Datasets (torch.utils.data's protocols): a map-style Dataset is anything with `length` and
// `get(i, ctx?)`; an iterable-style one is a (sync or async) iterable of samples, for streams.
//
// A sample is a Tensor, a typed array, a number, a string, or an array / plain object of those
// (collate.ts stacks a list of them into a batch). `ctx` carries a Generator private to this draw of
// the sample (see SampleContext), so random augmentation gives the same bits whichever thread runs it.
import { Tensor, formatShape, type DType } from '../tensor.js';
import { Generator, generatorOf } from '../random.js';
import { checkInteger, checkOptions, rangeError, typeError } from '../validate.js';

/** What a map-style dataset's get() receives besides the index. */
export interface SampleContext {
  /**
   * A Generator for this draw of this sample only: a stream derived from the loader's generator (one
   * draw per epoch) and the sample's position in the epoch, so it is the same whether the sample is
   * loaded on the main thread or in any worker. Use it for random augmentation.
   */
  readonly generator: Generator;
  /** The sample's position in the epoch (0, 1, 2, ... in the loader's order). */
  readonly position: number;
}

/** torch's map-style Dataset: `length` samples, sample i from get(i). get() may return a Promise (async iteration only). */
export interface MapDataset<T = unknown> {
  readonly length: number;
  get(index: number, ctx?: SampleContext): T;
  /**
   * Optional, torch's __getitems__: the already collated batch of these indices (what the default
   * collate would make of get(i) for each i). The DataLoader calls it instead of get() when no
   * collate function is given; TensorDataset uses it to gather a batch in one copy.
   */
  getItems?(indices: ArrayLike<number>): unknown;
}

/** Base class for map-style datasets (subclass it, or pass any object with `length` and `get`). */
export abstract class Dataset<T = unknown> implements MapDataset<T> {
  abstract get length(): number;
  abstract get(index: number, ctx?: SampleContext): T;
}

/**
 * Base class for iterable-style datasets (streams): a subclass implements [Symbol.asyncIterator]() or
 * [Symbol.iterator]() yielding samples. Any other (async) iterable that is not map-style works too.
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export abstract class IterableDataset<T = unknown> {}

export type AnyIterable<T = unknown> = Iterable<T> | AsyncIterable<T>;

/** True for an object with a numeric `length` and a get() method. */
export function isMapDataset(d: unknown): d is MapDataset {
  return d !== null && typeof d === 'object' && typeof (d as MapDataset).get === 'function' && typeof (d as MapDataset).length === 'number';
}

/** True for a sync or async iterable that is not a map-style dataset (a stream). */
export function isIterableDataset(d: unknown): d is AnyIterable {
  if (d === null || (typeof d !== 'object' && typeof d !== 'function') || isMapDataset(d)) return false;
  return typeof (d as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (d as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/** The dataset's length, checked to be a non-negative integer. */
export function datasetLength(d: MapDataset, name = 'dataset'): number {
  checkInteger(d.length, `${name}.length`, 0);
  return d.length;
}

export function checkIndex(i: number, n: number, name: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= n) throw rangeError(`an integer index in [0, ${n - 1}]`, name, i);
}

// ------------------------------------------------------------------------------------ TensorDataset
type Column = Tensor<DType> | Int32Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array;
const INTEGER_ARRAYS = [Int32Array, Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array] as const;

/** An integer typed array (the label columns a TensorDataset and the default collate accept). */
export function isIntegerArray(v: unknown): v is Exclude<Column, Tensor> {
  return INTEGER_ARRAYS.some((C) => v instanceof C);
}

function rows(c: Column): number {
  return c instanceof Tensor ? c.shape[0] : c.length;
}

function gatherRows(t: Tensor<DType>, idx: ArrayLike<number>): Tensor<DType> {
  const per = t.shape[0] === 0 ? 0 : t.size / t.shape[0];
  const src = t.data, out = new (src.constructor as Float32ArrayConstructor)(idx.length * per);
  for (let b = 0; b < idx.length; b++) out.set(src.subarray(idx[b] * per, (idx[b] + 1) * per), b * per);
  return new Tensor<DType>(out, [idx.length, ...t.shape.slice(1)]); // the dtype of t
}

/**
 * torch's TensorDataset: sample i is [row i of each column]. A column is a Tensor (rows along its
 * first dimension; sample i is a Tensor of the remaining shape, a copy) or an integer typed array of
 * labels (sample i is a number). Batches are gathered in one copy per column (getItems), Tensors into
 * Tensors, labels into an Int32Array, as the default collate would stack them.
 */
export class TensorDataset extends Dataset<(Tensor | number)[]> {
  readonly tensors: readonly Column[];

  constructor(...tensors: Column[]) {
    super();
    if (tensors.length === 0) throw new TypeError('Expected at least one Tensor for TensorDataset but received none');
    tensors.forEach((t, i) => {
      if (t instanceof Tensor) {
        if (t.ndim === 0) throw new RangeError(`Expected a tensor with a sample dimension for tensors[${i}] but received shape ${formatShape(t.shape)}`);
      } else if (!isIntegerArray(t)) throw typeError('a Tensor or an integer typed array (labels)', `tensors[${i}]`, t);
    });
    const n = rows(tensors[0]);
    tensors.forEach((t, i) => {
      if (rows(t) !== n) throw rangeError(`${n} rows (as tensors[0])`, `tensors[${i}]`, t instanceof Tensor ? `shape ${formatShape(t.shape)}` : t);
    });
    this.tensors = Object.freeze(tensors.slice());
  }

  get length(): number {
    return rows(this.tensors[0]);
  }

  get(index: number): (Tensor | number)[] {
    checkIndex(index, this.length, 'index');
    return this.tensors.map((t) => (t instanceof Tensor ? gatherRows(t, [index]).reshape(t.shape.slice(1)) : t[index]));
  }

  getItems(indices: ArrayLike<number>): (Tensor | Int32Array)[] {
    const n = this.length;
    for (let b = 0; b < indices.length; b++) checkIndex(indices[b], n, `indices[${b}]`);
    return this.tensors.map((t) => {
      if (t instanceof Tensor) return gatherRows(t, indices);
      const out = new Int32Array(indices.length);
      for (let b = 0; b < indices.length; b++) out[b] = t[indices[b]];
      return out;
    });
  }
}

// ------------------------------------------------------------------------------------------- Subset
/** torch's Subset: sample i is dataset.get(indices[i]). */
export class Subset<T = unknown> extends Dataset<T> {
  readonly dataset: MapDataset<T>;
  readonly indices: Uint32Array;

  constructor(dataset: MapDataset<T>, indices: ArrayLike<number>) {
    super();
    if (!isMapDataset(dataset)) throw typeError('a map-style dataset (with length and get)', 'dataset', dataset);
    if (indices === null || typeof indices !== 'object' || typeof indices.length !== 'number') throw typeError('an array of indices', 'indices', indices);
    const n = datasetLength(dataset);
    const idx = new Uint32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      checkIndex(indices[i], n, `indices[${i}]`);
      idx[i] = indices[i];
    }
    this.dataset = dataset;
    this.indices = idx;
    if (typeof dataset.getItems === 'function') {
      this.getItems = (ii: ArrayLike<number>) => {
        const mapped = new Uint32Array(ii.length);
        for (let b = 0; b < ii.length; b++) {
          checkIndex(ii[b], this.indices.length, `indices[${b}]`);
          mapped[b] = this.indices[ii[b]];
        }
        return dataset.getItems!(mapped);
      };
    }
  }

  getItems?: (indices: ArrayLike<number>) => unknown;

  get length(): number {
    return this.indices.length;
  }

  get(index: number, ctx?: SampleContext): T {
    checkIndex(index, this.indices.length, 'index');
    return this.dataset.get(this.indices[index], ctx);
  }
}

// -------------------------------------------------------------------------------------- randomSplit
/**
 * torch's random_split: non-overlapping Subsets of the given lengths (integers summing to the
 * dataset's length, or fractions summing to 1: each floor(f × n), then the remainder handed out one
 * by one from the first subset on). The split is generator.permutation(n) cut in order.
 */
export function randomSplit<T>(dataset: MapDataset<T>, lengths: readonly number[], opts: { generator?: Generator } = {}): Subset<T>[] {
  checkOptions(opts, 'randomSplit options', ['generator']);
  if (!isMapDataset(dataset)) throw typeError('a map-style dataset (with length and get)', 'dataset', dataset);
  if (!Array.isArray(lengths) || lengths.length === 0) throw typeError('a non-empty array of lengths', 'lengths', lengths);
  const gen = generatorOf(opts.generator);
  const n = datasetLength(dataset);
  let sizes: number[];
  const sum = lengths.reduce((a, b) => a + b, 0);
  if (lengths.every((l) => typeof l === 'number' && l >= 0 && l <= 1) && Math.abs(sum - 1) < 1e-9 && sum !== n) {
    sizes = lengths.map((f) => Math.floor(n * f));
    let rest = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % sizes.length, rest--) sizes[i]++;
  } else {
    lengths.forEach((l, i) => checkInteger(l, `lengths[${i}]`, 0));
    if (sum !== n) throw rangeError(`lengths summing to the dataset's length ${n} (or fractions summing to 1)`, 'lengths', `[${lengths.join(', ')}] (sum ${sum})`);
    sizes = lengths.slice();
  }
  const perm = gen.permutation(n);
  const out: Subset<T>[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(new Subset(dataset, perm.subarray(at, at + s)));
    at += s;
  }
  return out;
}

