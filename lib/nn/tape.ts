// Layers on the tape: each layer's forward records one node (when grad mode is on and an input or a
// parameter requires grad) whose backward is the layer's own fused backward, computing the same bits as
// the layer-wise backward(dy). So `loss.backward()` and `model.backward(dy)` give the same gradients.
import { record, recordOp } from '../autograd/engine.js';
import type { BackwardFn } from '../autograd/node.js';
import { needsAny } from '../ops/core.js';
import { makeTensor, type Tensor } from '../tensor.js';

/**
 * Records y as the output of one node over inputs (nothing when no gradient is needed); returns y. pure:
 * fn returns only new arrays and keeps nothing of its input gradient, so the engine may recycle both
 * (docs/memory.md).
 */
export function recordLayer(y: Tensor, name: string, inputs: readonly Tensor[], saved: readonly Tensor[] | null, fn: BackwardFn, pure = false): Tensor {
  if (needsAny(inputs)) (pure ? recordOp : record)(y, name, inputs, fn, saved);
  return y;
}

/** A gradient tensor over data (or null when no data or no gradient is wanted). */
export function gradOf(data: Float32Array | null, shape: readonly number[], wanted = true): Tensor | null {
  return data && wanted ? makeTensor(data, shape) : null;
}
