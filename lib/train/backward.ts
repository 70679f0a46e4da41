// The one place where fg.train.fit computes gradients. Today this is the layer-wise API
// (model.backward(lossFn.backward())); when the autograd tape lands it becomes loss.backward(), and
// nothing else in lib/train changes.
import { layerwiseBackward, type Module } from '../nn/module.js';
import type { Tensor } from '../tensor.js';

/** What fit needs of a loss: torch's loss modules (forward(input, target) -> a 0-d Tensor). */
export interface LossFunction {
  forward(input: Tensor, target: unknown): Tensor;
  backward(): Tensor;
}

/** Accumulates every parameter's gradient of `loss` (the value lossFn.forward just returned). */
export function backward(model: Module, lossFn: LossFunction, loss: Tensor): void {
  void loss; // the tape's loss.backward() starts from it
  layerwiseBackward(model, lossFn.backward());
}
