// Shared checks of the layer tests (conv, pool, layernorm, layers): bits on every backend and native
// configuration, and float64 finite-difference gradients of a float64 reference.
import * as fg from '../../lib/index.js';
import { assertClose, assertSameBits, forEachNativeConfig, numericGrad, requireNative } from './harness.js';

/**
 * Runs `run` on the TypeScript backend, then on native at every SIMD level × thread count, and
 * requires every output bit-identical. Returns the TypeScript outputs.
 */
export function sameBitsEverywhere(kernel: string, run: () => readonly Float32Array[]): Float32Array[] {
  const prev = fg.getBackend();
  try {
    fg.setBackend('js');
    const want = run().map((a) => a.slice());
    requireNative();
    fg.setBackend('native');
    forEachNativeConfig((level, threads) => {
      const got = run();
      got.forEach((g, o) => assertSameBits(g, want[o], { kernel, level, threads, output: String(o), size: g.length }));
    });
    return want;
  } finally {
    fg.setBackend(prev);
  }
}

/**
 * Float64 finite differences of L = Σ ref(inputs) · r (r fixed) against the float32 analytic gradients
 * (one per input, null to skip). ref works on Float64Arrays; inputs are changed and restored.
 */
export function checkGradients(what: string, ref: (inputs: Float64Array[]) => Float64Array, inputs: Float64Array[], r: Float64Array,
  analytic: readonly (ArrayLike<number> | null)[], atol = 2e-4, rtol = 2e-3, h = 1e-6): void {
  const loss = () => {
    const y = ref(inputs);
    if (y.length !== r.length) throw new Error(`${what}: reference output length ${y.length} vs r ${r.length}`);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * r[i];
    return s;
  };
  inputs.forEach((v, k) => {
    const a = analytic[k];
    if (!a) return;
    assertClose(a, numericGrad(loss, v, h), `${what}: gradient of input ${k}`, atol, rtol);
  });
}

export const f32 = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);
export const f64 = (a: ArrayLike<number>): Float64Array => Float64Array.from(a);
