// The TypeScript backend's async kernels: the synchronous twin runs on the calling thread, then a
// resolved Promise is returned (same bits; errors throw synchronously as for native validation).
import type { Asyncified, AsyncKernels } from '../kernels.js';
import { jsBatchnorm } from './batchnorm.js';
import { jsOptim } from './optim.js';
import { jsGemm } from './gemm.js';

/** Wraps every function of a sync kernel family: run it now, return a resolved Promise. */
export function resolvedAfter<T extends object>(family: T): Asyncified<T> {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(family)) {
    out[k] = (...a: unknown[]) => {
      (f as (...a: unknown[]) => void)(...a);
      return Promise.resolve();
    };
  }
  return out as Asyncified<T>;
}

export const jsAsync: AsyncKernels = {
  batchnorm: resolvedAfter(jsBatchnorm),
  optim: resolvedAfter(jsOptim),
  gemm: resolvedAfter({ gemm: jsGemm.gemm }),
};
