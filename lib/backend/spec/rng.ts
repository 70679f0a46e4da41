// RNG family: Philox4x32-10 blocks and the uniform / normal fills built on them. Spec:
// native/kernels/rng_api.h; twin: lib/backend/js/rng.ts.
import { arg, defineFamily } from '../contract.js';

/**
 * Philox4x32-10 fills. Element i of a fill comes from word i mod 4 of block start + floor(i / 4) under
 * key (k0, k1); a fill of n elements consumes ceil(n / 4) blocks. `start` is an integer block counter in [0, 2^53).
 */
export interface RngKernels {
  /** out[i] = lo + (scale * u_i), u_i = (w >> 8) * 2^-24 in [0, 1); lo and scale are binary32. */
  uniform(k0: number, k1: number, start: number, lo: number, scale: number, out: Float32Array): void;
  /** out[i] = mean + (std * z_i), z_i standard normal by Box–Muller on the fixed polynomials; mean and std are binary32. */
  normal(k0: number, k1: number, start: number, mean: number, std: number, out: Float32Array): void;
  /** One Philox4x32-10 block: counter (4 uint32), key (2 uint32) -> 4 uint32 (known-answer tests). */
  block(counter: ArrayLike<number>, key: ArrayLike<number>): Uint32Array;
}

const TWO32 = 4294967296;

export const rng = defineFamily<RngKernels>()({
  name: 'rng',
  doc: 'Philox4x32-10 blocks, uniform and normal fills',
  table: true,
  declarations: [],
  entries: {
    rngUniform: { args: [arg.u32('key0'), arg.u32('key1'), arg.u32('counterLo'), arg.u32('counterHi'), arg.number('low'), arg.number('scale'), arg.f32('out')] },
    rngNormal: { args: [arg.u32('key0'), arg.u32('key1'), arg.u32('counterLo'), arg.u32('counterHi'), arg.number('mean'), arg.number('std'), arg.f32('out')] },
    rngBlock: {
      args: [arg.u32('counter0'), arg.u32('counter1'), arg.u32('counter2'), arg.u32('counter3'), arg.u32('key0'), arg.u32('key1')],
      returns: 'number[]',
    },
  },
  adapt: (a) => ({
    uniform: (k0, k1, start, lo, scale, out) => a.rngUniform(k0, k1, start % TWO32, Math.floor(start / TWO32), lo, scale, out),
    normal: (k0, k1, start, mean, std, out) => a.rngNormal(k0, k1, start % TWO32, Math.floor(start / TWO32), mean, std, out),
    block: (c, k) => Uint32Array.from(a.rngBlock(c[0], c[1], c[2], c[3], k[0], k[1])),
  }),
});
