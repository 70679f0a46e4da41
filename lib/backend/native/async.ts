// Adapts the addon's Promise-returning entry points (`<name>Async`, native/binding/async.h) to
// AsyncKernels by reusing each family's sync adapter over a view whose `<name>` is `<name>Async`
// (the adapters return what the addon function returns: here, its Promise).
import type { Asyncified, AsyncKernels, BatchNormKernels, GemmKernels, OptimKernels } from '../kernels.js';
import { nativeBatchnorm } from './batchnorm.js';
import { nativeOptim } from './optim.js';
import { nativeGemm } from './gemm.js';

function asyncView(addon: object, names: readonly string[]): object {
  const a = addon as Record<string, unknown>;
  return Object.fromEntries(names.map((n) => [n, a[`${n}Async`]]));
}

export function nativeAsync(addon: object): AsyncKernels {
  return {
    batchnorm: nativeBatchnorm(asyncView(addon, ['bnStats', 'bnGradSums', 'bnAffine', 'bnDx'])) as unknown as Asyncified<BatchNormKernels>,
    optim: nativeOptim(asyncView(addon, ['optimStep'])) as unknown as Asyncified<OptimKernels>,
    gemm: { gemm: nativeGemm(asyncView(addon, ['gemm'])).gemm } as unknown as Asyncified<Pick<GemmKernels, 'gemm'>>,
  };
}
