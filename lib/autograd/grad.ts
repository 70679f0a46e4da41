// fg.autograd.grad: torch.autograd.grad, the gradients of outputs with respect to given tensors,
// handed back instead of accumulated into any .grad (no other tensor's .grad changes either).
// Several outputs (or an output that is not a scalar) take gradOutputs; they are joined as
// Σ_k sum(outputs[k] × gradOutputs[k]), whose gradient with respect to outputs[k] is gradOutputs[k]
// exactly (one multiply by 1). createGraph (higher-order gradients) is not supported: backward
// functions run with grad mode off.
import { add, mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { formatShape, sameShape, Tensor } from '../tensor.js';
import { checkOptions, typeError } from '../validate.js';
import { backward, type Capture } from './engine.js';

export interface GradOptions {
  /** Keep the graph for another backward (default false). */
  retainGraph?: boolean;
  /** A tensor the outputs do not depend on gets null instead of an error (default false). */
  allowUnused?: boolean;
}

function list(v: unknown, name: string): Tensor[] {
  const l = v instanceof Tensor ? [v] : v;
  if (!Array.isArray(l) || l.length === 0) throw typeError('a Tensor or a non-empty array of Tensors', name, v);
  l.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw typeError('a Tensor', `${name}[${i}]`, t);
  });
  return l as Tensor[];
}

/** The gradients of outputs with respect to inputs (torch.autograd.grad), one per input. */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], gradOutputs?: Tensor | readonly (Tensor | null)[] | null, options?: GradOptions): (Tensor | null)[] {
  const outs = list(outputs, 'outputs'), ins = list(inputs, 'inputs');
  checkOptions(options, 'grad options', ['retainGraph', 'allowUnused']);
  const allowUnused = options?.allowUnused ?? false;
  if (typeof allowUnused !== 'boolean') throw typeError('a boolean', 'allowUnused', allowUnused);
  ins.forEach((t, i) => {
    if (!t.requiresGrad) throw new Error(`One of the differentiated Tensors does not require grad (inputs[${i}])`);
  });
  const gos = gradOutputs === undefined || gradOutputs === null ? outs.map(() => null) : gradOutputs instanceof Tensor ? [gradOutputs] : gradOutputs;
  if (!Array.isArray(gos) || gos.length !== outs.length) throw new RangeError(`Expected ${outs.length} gradOutputs (one per output) for grad but received ${Array.isArray(gos) ? gos.length : typeof gos}`);
  gos.forEach((g, k) => {
    if (g !== null && (!(g instanceof Tensor) || !sameShape(g.shape, outs[k].shape))) {
      throw new RangeError(`Mismatch in shape: gradOutputs[${k}] has a shape of ${g instanceof Tensor ? formatShape(g.shape) : typeof g} and outputs[${k}] has a shape of ${formatShape(outs[k].shape)}`);
    }
  });
  let root: Tensor, rootGrad: Tensor | null = null;
  if (outs.length === 1) {
    root = outs[0];
    rootGrad = gos[0];
  } else {
    root = outs.map((o, k) => {
      const g = gos[k];
      if (g === null && o.size !== 1) throw new Error(`grad can be implicitly created only for scalar outputs (outputs[${k}] has shape ${formatShape(o.shape)}: pass gradOutputs)`);
      return g === null ? sum(o) : sum(mul(o, g));
    }).reduce((a, b) => add(a, b));
  }
  const capture: Capture = new Map(ins.map((t) => [t, null]));
  backward(root, rootGrad, { retainGraph: (options as GradOptions | undefined)?.retainGraph ?? false }, capture);
  return ins.map((t, i) => {
    const g = capture.get(t) ?? null;
    if (g === null && !allowUnused) throw new Error(`One of the differentiated Tensors (inputs[${i}]) appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.`);
    return g;
  });
}
