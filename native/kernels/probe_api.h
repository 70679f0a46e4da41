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
//   omp_sgd_momentum, omp_adam: the optimizer anchors of the bench (bench/suites/load.ts). Plain C loops
//     threaded with a bare `#pragma omp parallel for` (static schedule, `threads` threads) and vectorised
//     by the compiler at this level's flags: what a user would write by hand. They do the optimizer
//     kernels' binary32 operations (optim_api.h, SGD with MOMENTUM after the first step, ADAM with no
//     flags) on [0, n); the only place outside parallel.h that threads, on purpose (it is the yardstick
//     that parallel.h's overhead is measured against).
//       sgd:  b = (b * mom) + (damp1 * g); p = p - (lr * b)
//       adam: m = (m * b1) + (c1 * g); v = (v * b2) + ((c2 * g) * g); p = p - (step * (m / ((sqrt(v) / sbc2) + eps)))
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
  void (*omp_sgd_momentum)(float* p, const float* g, float* b, size_t n, float lr, float mom, float damp1, int threads);
  void (*omp_adam)(float* p, const float* g, float* m, float* v, size_t n, const float* h, int threads);
  int lanes;  // floats per vector at this level
};

}  // namespace fg
