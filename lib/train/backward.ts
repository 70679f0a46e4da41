// The one place where fg.train.fit computes gradients. When the loss was recorded on the autograd
// tape (loss.gradFn is set: the model and the loss are built from tape ops), it is loss.backward();
// otherwise the layer-wise API, model.backward(lossFn.backward()), which fg.nn's layers and losses
// use today. Nothing else in lib/train depends on which one runs.
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor.js';

/** What fit needs of a loss: torch's loss modules (forward(input, target) -> a 0-d Tensor). */
export interface LossFunction {
  forward(input: Tensor, target: unknown): Tensor;
  backward(): Tensor;
}

/** Accumulates every parameter's gradient of `loss` (the value lossFn.forward just returned). */
export function backward(model: Module, lossFn: LossFunction, loss: Tensor): void {
  const taped = loss as Tensor & { gradFn?: unknown; backward?: () => void };
  if (taped.gradFn != null && typeof taped.backward === 'function') taped.backward();
  else model.backward(lossFn.backward());
}
