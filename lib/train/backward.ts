// The one place where fg.train.fit computes gradients. Two paths with the same bits (test/nn_tape):
// - layer-wise: model.backwardParameters(lossFn.backward()), the parameters' gradients only (nothing
//   asks for the gradient of a batch's input, so the first layer skips it: one GEMM of a Linear). It is
//   the cheaper one for a chain of built-in layers (docs/autograd.md: the tape's Linear node allocates
//   a fresh dW and db each backward, the layer-wise one adds into .grad with the GEMM's beta = 1; ~1.1x
//   the step's CPU), and what a hand-written loop over fg.nn's layers does; fit takes it when it is
//   sure to be the same as the tape: every module has a layer-wise backward, none appears twice (the
//   layer-wise backward caches one forward per module), no parameter is shared by two modules, frozen
//   (requiresGrad false: the layer-wise backward does not look at it) or hooked (registerHook,
//   registerPostAccumulateGradHook: the tape calls them; checked every step), and gradients are enabled.
// - the tape: loss.backward(), for everything else (modules written from ops, LSTM/GRU, a reused
//   module, tied or frozen parameters); a loss not on the tape falls back to the layer-wise form.
// Decided once per fit (layerwiseCapable); nothing else in lib/train depends on which one runs.
import { releaseGraph } from '../autograd/engine.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor.js';

/** What fit needs of a loss: torch's loss modules (forward(input, target) -> a 0-d Tensor). */
export interface LossFunction {
  forward(input: Tensor, target: unknown): Tensor;
  backward(): Tensor;
}

/** Whether the layer-wise backward of `model` gives what the tape gives (see the top of this file). */
export function layerwiseCapable(model: Module): boolean {
  if (!isGradEnabled()) return false;
  const modules = model.modules();
  if (new Set(modules).size !== modules.length) return false;
  if (!modules.every((m) => typeof (m as unknown as { backward?: unknown }).backward === 'function')) return false;
  const params = model.parameters();
  if (!params.every((p) => p.requiresGrad)) return false;
  // a parameter shared by two modules is counted once by parameters() but is its own in both
  let own = 0;
  for (const m of modules) {
    const inChildren = new Set(m.children().flatMap((c) => c.parameters()));
    own += m.parameters().filter((p) => !inChildren.has(p)).length;
  }
  return own === params.length;
}

const hooked = (p: Tensor) => (p._hooks?.size ?? 0) > 0 || (p._postHooks?.size ?? 0) > 0;

/** The backward pass for fit's steps: accumulates every parameter's gradient of `loss` (lossFn.forward's value). */
export function backwardFor(model: Module, lossFn: LossFunction): (loss: Tensor) => void {
  const params = layerwiseCapable(model) ? model.parameters() : null;
  return (loss) => {
    const taped = loss as Tensor & { gradFn?: unknown; backward?: () => void };
    const layerwise = params !== null && !params.some(hooked);
    if (!layerwise && taped.gradFn != null && typeof taped.backward === 'function') taped.backward();
    else {
      model.backwardParameters(lossFn.backward());
      // the tape recorded during forward is not needed: freed as a tape backward frees it, so what it
      // saved (nn.Sequential's intermediates) can go back to the buffer cache
      if (taped.gradFn != null) releaseGraph(loss);
    }
  };
}
