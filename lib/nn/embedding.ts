// Embedding (torch.nn.Embedding): a lookup table of numEmbeddings rows of embeddingDim values, indexed by
// integers (an Int32Array, an IntTensor, or a Tensor holding integer values). forward copies rows
// (exact); backward scatter-adds dy into a zero gradient table in index order — for i = 0, 1, … in the
// flattened index order: dW[idx[i]] = dW[idx[i]] + dy[i] (one binary32 add per element) — so a row that
// appears several times gets its terms in a fixed order, whatever the thread count; then
// weight.grad = weight.grad + dW. Rows at paddingIdx get no gradient (and start at zero), as torch.
import { IntTensor } from '../io/int_tensor.js';
import { generatorOf, type Generator } from '../random.js';
import { formatShape, Parameter, Tensor } from '../tensor.js';
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

  #indices(x: unknown): { idx: Int32Array; shape: readonly number[] } {
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
        if (!Number.isInteger(v)) throw new RangeError(`Expected integer indices for x of ${this.name} but element ${i} of the Tensor is ${v}`);
        idx[i] = v;
      }
      shape = x.shape;
    } else {
      throw typeError('indices: an Int32Array, an IntTensor or a Tensor of integers', `x of ${this.name}`, x);
    }
    for (let i = 0; i < idx.length; i++) {
      if (idx[i] < 0 || idx[i] >= this.numEmbeddings) {
        throw new RangeError(`Expected indices in [0, ${this.numEmbeddings}) (numEmbeddings) for x of ${this.name} but element ${i} is ${idx[i]} (input shape ${formatShape(shape)})`);
      }
    }
    return { idx: idx.slice(), shape };
  }

  /** Rows of the table: output shape [...x.shape, embeddingDim]. */
  forward(x: Indices): Tensor {
    const { idx, shape } = this.#indices(x);
    const D = this.embeddingDim, w = this.weight.data;
    const y = Tensor.zeros([...shape, D]);
    for (let i = 0; i < idx.length; i++) y.data.set(w.subarray(idx[i] * D, (idx[i] + 1) * D), i * D);
    this.#saved = { idx, shape };
    return recordLayer(y, 'embedding', [this.weight], null, (g) => [gradOf(this.#scatter(idx, g.data), this.weight.shape)]);
  }

  /** dW for upstream rows dy (see the file comment for the order). */
  #scatter(idx: Int32Array, dy: Float32Array): Float32Array {
    const D = this.embeddingDim, dw = new Float32Array(this.numEmbeddings * D);
    for (let i = 0; i < idx.length; i++) {
      if (idx[i] === this.paddingIdx) continue;
      const o = idx[i] * D, s = i * D;
      for (let j = 0; j < D; j++) dw[o + j] += dy[s + j];
    }
    return dw;
  }

  /** Accumulates weight.grad; indices have no gradient, so it returns zeros of the index shape. */
  backward(dy: Tensor): Tensor {
    this.backwardParameters(dy);
    return Tensor.zeros(savedOrThrow(this.#saved, this).shape);
  }

  override backwardParameters(dy: Tensor): void {
    const { idx, shape } = savedOrThrow(this.#saved, this);
    checkGradShape(dy, [...shape, this.embeddingDim], this);
    accumulateGrad(this.weight, new Tensor(this.#scatter(idx, dy.data), this.weight.shape));
  }
}

