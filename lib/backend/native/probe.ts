// The addon's probe bindings (native/binding/probe.cc): the bench's own yardsticks (memory bandwidth
// and FMA throughput at the current SIMD level). Not a kernel family: no TypeScript twin, not in Kernels.
export interface FmaProbe {
  gflops: number;
  seconds: number;
  threads: number;
  lanes: number;
  sink: number;
}

export interface ProbeAddon {
  /** y = x (8 bytes moved per element). */
  probeCopy(x: Float32Array, y: Float32Array): void;
  /** y = a + s * b (12 bytes moved per element). */
  probeTriad(a: Float32Array, b: Float32Array, s: number, y: Float32Array): void;
  /** 12 independent FMA chains x `iterations` on every configured thread at once. */
  probeFma(iterations: number): FmaProbe;
  /** Elementwise add y = a + b split over exactly `threads` threads, with no parallel threshold. */
  probeAddSplit(a: Float32Array, b: Float32Array, y: Float32Array, threads: number): void;
  /** The canonical sum of x (kernels/canonical.h) at the current SIMD level: a self-check of the order. */
  probeCanonicalSum(x: Float32Array): number;
  /** The plain C + OpenMP SGD-momentum loop (native/kernels/probe_api.h), the optimizer steps' anchor. */
  probeOmpSgdMomentum?(p: Float32Array, g: Float32Array, b: Float32Array, lr: number, momentum: number, damp1: number): void;
  /** The plain C + OpenMP Adam loop; h: the Adam kernel's scalars (lib/backend/optim_spec.ts). */
  /** Picks native/parallel.h's scheduler for every later call: 'pool' (default) or 'openmp' (the previous one); returns the one replaced. */
  probeSetScheduler?(name: 'pool' | 'openmp'): 'pool' | 'openmp';
  probeOmpAdam?(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: Float32Array): void;
}

/** The probe functions of a loaded addon, or null if this build lacks them. */
export function probeOf(addon: object | null): ProbeAddon | null {
  if (!addon) return null;
  const a = addon as Partial<ProbeAddon>;
  return typeof a.probeCopy === 'function' && typeof a.probeTriad === 'function' && typeof a.probeFma === 'function' && typeof a.probeAddSplit === 'function' && typeof a.probeCanonicalSum === 'function' ? (a as ProbeAddon) : null;
}
