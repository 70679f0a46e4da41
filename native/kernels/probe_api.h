// Probe family: the machine's own yardsticks for the bench (bench/run.ts), built like every kernel
// so they run at the current SIMD level. Spec (binary32, lane by lane, no fma except in fma_chains):
//   (copy, 8 bytes moved per element, is the elementwise family's copy kernel.)
//   triad: y[i] = a[i] + (s * b[i])   (two roundings)   (12 bytes moved per element)
//   fma_chains(seed, iters): kFmaChains independent accumulators acc_k = seed + k, each updated
//     `iters` times as acc_k = fma(acc_k, m, c) with m = 0.9999999, c = 1e-7 (values stay bounded);
//     returns the sum of every lane of every accumulator (a sink, so nothing is optimised away).
//     Work: iters * kFmaChains * lanes fused multiply-adds = 2 * that many flops.
//   canonical_sum(x, n): the canonical sum of x[0..n) (kernels/canonical.h: blocks of FG_BLOCK reduced by
//     block_reduce, block sums added in index order). A self-check of the canonical order: the same bits
//     at every SIMD level and in the TypeScript twin (lib/backend/js/canonical.ts).
// Ranges are [begin, end) of elements.
#pragma once
#include <cstddef>

namespace fg {

// Independent FMA chains per thread: enough to cover FMA latency (4) x ports (2) with room to spare.
constexpr int kFmaChains = 12;

struct probe_table {
  void (*triad)(const float* a, const float* b, float s, float* y, size_t begin, size_t end);
  float (*fma_chains)(float seed, size_t iters);
  float (*canonical_sum)(const float* x, size_t n);
  int lanes;  // floats per vector at this level
};

}  // namespace fg
