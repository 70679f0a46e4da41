// Special family, TypeScript twin (docs/numerics.md "Special family"; native twin
// native/kernels/special.h): JavaScript's Math.log1p (fdlibm's algorithm in V8) on each element,
// rounded to binary32 by the store.
import type { SpecialKernels } from '../kernels.js';

function log1p(x: Float32Array, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = Math.log1p(x[i]);
}

export const jsSpecial: SpecialKernels = { log1p };
