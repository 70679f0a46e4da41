// Special family: elementwise functions computed in binary64 and rounded once to binary32, with the
// bits of JavaScript's Math functions (V8's fdlibm ports), so a kernel matches code that calls Math.*
// on each element (tfjs's CPU kernels do). Spec: native/kernels/special_api.h, docs/numerics.md
// "Special family"; twin: lib/backend/js/special.ts.
import { arg, defineFamily } from '../contract.js';

export interface SpecialKernels {
  /** out[i] = fround(Math.log1p(x[i])): fdlibm's log1p in binary64, rounded once; out may be x. */
  log1p(x: Float32Array, out: Float32Array): void;
}

export const special = defineFamily<SpecialKernels>()({
  name: 'special',
  doc: 'log1p in binary64 with the bits of Math.log1p (fdlibm), rounded to binary32',
  table: true,
  declarations: [],
  entries: {
    specialLog1p: { args: [arg.f32('x'), arg.f32('out')] },
  },
  adapt: (a) => ({
    log1p: (x, out) => a.specialLog1p(x, out),
  }),
});
