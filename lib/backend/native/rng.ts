// Adapts the addon's RNG bindings (native/binding/rng.cc) to RngKernels.
import type { RngKernels } from '../kernels.js';

interface RngAddon {
  rngUniform(k0: number, k1: number, ctrLo: number, ctrHi: number, lo: number, scale: number, out: Float32Array): void;
  rngNormal(k0: number, k1: number, ctrLo: number, ctrHi: number, mean: number, std: number, out: Float32Array): void;
  rngBlock(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): number[];
}

const TWO32 = 4294967296;

export function nativeRng(addon: object): RngKernels {
  const a = addon as RngAddon;
  return {
    uniform: (k0, k1, start, lo, scale, out) => a.rngUniform(k0, k1, start % TWO32, Math.floor(start / TWO32), lo, scale, out),
    normal: (k0, k1, start, mean, std, out) => a.rngNormal(k0, k1, start % TWO32, Math.floor(start / TWO32), mean, std, out),
    block: (c, k) => Uint32Array.from(a.rngBlock(c[0], c[1], c[2], c[3], k[0], k[1])),
  };
}
