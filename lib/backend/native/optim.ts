// Adapts the addon's optimizer binding (native/binding/optim.cc) to OptimKernels.
import type { OptimKernels } from '../kernels.js';
import { OPTIM_ALGO_CODE } from '../optim_spec.js';

interface OptimAddon {
  optimStep(
    algo: number,
    flags: Int32Array,
    h: Float32Array,
    params: readonly Float32Array[],
    grads: readonly Float32Array[],
    states: readonly (Float32Array | null)[],
  ): void;
}

export function nativeOptim(addon: object): OptimKernels {
  const a = addon as OptimAddon;
  return {
    step: (algo, flags, h, params, grads, states) => a.optimStep(OPTIM_ALGO_CODE[algo], flags, h, params, grads, states),
  };
}
