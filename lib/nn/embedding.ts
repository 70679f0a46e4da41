// Embedding (torch.nn.Embedding): a lookup table of numEmbeddings rows of embeddingDim values, indexed by
// integers (an Int32Array, an IntTensor, or a Tensor holding integer values). forward copies rows
// (exact); backward scatter-adds dy into a zero gradient table in index order — for i = 0, 1, … in the
// flattened index order: dW[idx[i]] = dW[idx[i]] + dy[i] (one binary32 add per element) — so a row that
// appears several times gets its terms in a fixed order, whatever the thread count; then
// weight.grad = weight.grad + dW. Rows at paddingIdx get no gradient (and start at zero), as torch.
import { kernels } from '../backend/select.js';
import { IntTensor } from '../io/int_tensor.js';
import { generatorOf, type Generator } from '../random.js';
import { checkTensor, formatShape, Parameter, Tensor } from '../tensor.js';
import { checkInteger, checkOptions, typeError } from '../validate.js';
import { accumulateGrad, checkGradShape, Module, savedOrThrow } from './module.js';
import { gradOf, recordLayer } from './tape.js';

export interface EmbeddingOptions {
  /** A row that is not trained and starts at zero (negative counts from the end), as torch. */
  paddingIdx?: number | null;
  /** Generator for the initial N(0, 1) weights (default: the global one). */
  generator?: Generator;
}

export type Indices = Int32Array | IntTensor | Tensor;

export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  /** (numEmbeddings, embeddingDim), N(0, 1) as torch. */
  readonly weight: Parameter;
  #saved: { idx: Int32Array; shape: readonly number[] } | null = null;

  constructor(numEmbeddings: number, embeddingDim: number, options?: EmbeddingOptions) {
    super();
    checkInteger(numEmbeddings, 'numEmbeddings of Embedding', 1);
    checkInteger(embeddingDim, 'embeddingDim of Embedding', 1);
    checkOptions(options, 'Embedding options', ['paddingIdx', 'generator']);
    const o = options ?? {};
    let pad = o.paddingIdx ?? null;
    if (pad !== null) {
      checkInteger(pad, 'paddingIdx of Embedding', -numEmbeddings, numEmbeddings - 1);
      if (pad < 0) pad += numEmbeddings;
    }
    const gen = generatorOf(o.generator);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = pad;
    this.weight = this.registerParameter('weight', Parameter.zeros([numEmbeddings, embeddingDim]));
    gen.normal(this.weight.data, 0, 1);
    if (pad !== null) this.weight.data.fill(0, pad * embeddingDim, (pad + 1) * embeddingDim);
  }

  get name(): string {
    return `Embedding(${this.numEmbeddings}, ${this.embeddingDim})`;
  }

  /** Rows of the table: output shape [...x.shape, embeddingDim]. */
  forward(x: Indices): Tensor {
    const { idx, shape } = indicesOf(x, this.numEmbeddings, `x of ${this.name}`);
    this.#saved = { idx, shape };
    return lookup(idx, shape, this.weight, this.paddingIdx);
  }

  /** Accumulates weight.grad; indices have no gradient, so it returns zeros of the index shape. */
  backward(dy: Tensor): Tensor {
    this.backwardParameters(dy);
    return Tensor.zeros(savedOrThrow(this.#saved, this).shape);
  }

  override backwardParameters(dy: Tensor): void {
    const { idx, shape } = savedOrThrow(this.#saved, this);
    checkGradShape(dy, [...shape, this.embeddingDim], this);
    accumulateGrad(this.weight, new Tensor(scatter(idx, dy.data, this.numEmbeddings, this.embeddingDim, this.paddingIdx), this.weight.shape));
  }
}

/** Validated int32 indices in [0, n) and their shape. */
function indicesOf(x: unknown, n: number, name: string): { idx: Int32Array; shape: readonly number[] } {
  let idx: Int32Array, shape: readonly number[];
  if (x instanceof Int32Array) {
    idx = x;
    shape = [x.length];
  } else if (x instanceof IntTensor) {
    idx = x.data;
    shape = x.shape;
  } else if (x instanceof Tensor) {
    idx = new Int32Array(x.size);
    for (let i = 0; i < x.size; i++) {
      const v = x.data[i];
      if (!Number.isInteger(v)) throw new RangeError(`Expected integer indices for ${name} but element ${i} of the Tensor is ${v}`);
      idx[i] = v;
    }
    shape = x.shape;
  } else {
    throw typeError('indices: an Int32Array, an IntTensor or a Tensor of integers', name, x);
  }
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= n) {
      throw new RangeError(`Expected indices in [0, ${n}) (numEmbeddings) for ${name} but element ${i} is ${idx[i]} (input shape ${formatShape(shape)})`);
    }
  }
  return { idx: idx.slice(), shape };
}

/** The rows of w (n × D) at idx, one tape node whose backward is the scatter. */
function lookup(idx: Int32Array, shape: readonly number[], w: Tensor, paddingIdx: number | null): Tensor {
  const [n, D] = w.shape;
  const y = Tensor.zeros([...shape, D]);
  for (let i = 0; i < idx.length; i++) y.data.set(w.data.subarray(idx[i] * D, (idx[i] + 1) * D), i * D);
  return recordLayer(y, 'embedding', [w], null, (g) => [gradOf(scatter(idx, g.data, n, D, paddingIdx), w.shape)]);
}

/** dW (n × D) for upstream rows dy: the embedding kernel's scatter (see the file comment for the order). */
function scatter(idx: Int32Array, dy: Float32Array, n: number, D: number, paddingIdx: number | null): Float32Array {
  const dw = new Float32Array(n * D);
  kernels().embedding.backward(dy, idx, n, D, paddingIdx ?? -1, dw);
  return dw;
}

/**
 * torch.nn.functional.embedding(input, weight, padding_idx): the rows of weight (a 2-D Tensor) at the
 * indices; its gradient is the Embedding layer's scatter (paddingIdx rows get none).
 */
export function embedding(input: Indices, weight: Tensor, options?: { paddingIdx?: number | null }): Tensor {
  checkTensor(weight, 'weight of embedding');
  if (weight.ndim !== 2) throw new RangeError(`Expected weight of shape [numEmbeddings, embeddingDim] for embedding but received shape ${formatShape(weight.shape)}`);
  checkOptions(options, 'embedding options', ['paddingIdx']);
  const n = weight.shape[0];
  let pad = options?.paddingIdx ?? null;
  if (pad !== null) {
    checkInteger(pad, 'paddingIdx of embedding', -n, n - 1);
    if (pad < 0) pad += n;
  }
  const { idx, shape } = indicesOf(input, n, 'input of embedding');
  return lookup(idx, shape, weight, pad);
}

