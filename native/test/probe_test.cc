// The probe family at every SIMD level against the scalar table.
#include "test/harness.h"


// fma_chains from its spec: every lane of every accumulator summed, in order (lane count dependent).
static float reference_fma_chains(float seed, size_t iters, int lanes) {
  float acc[kFmaChains];
  for (int k = 0; k < kFmaChains; ++k) acc[k] = seed + (float)k;
  for (size_t it = 0; it < iters; ++it)
    for (int k = 0; k < kFmaChains; ++k) acc[k] = std::fmaf(acc[k], 0.9999999f, 1e-7f);
  float sum = 0.0f;
  for (int k = 0; k < kFmaChains; ++k)
    for (int l = 0; l < lanes; ++l) sum += acc[k];
  return sum;
}

// Probe: triad and canonical_sum against the scalar table; fma_chains against its spec at the level's width.
FG_NATIVE_TEST(test_probe_tables) {
  const KernelTable* s = table_for(SIMD_SCALAR);
  for (size_t n : kSizes) {
    const std::vector<float> a = data(n, 81, -2, 2, 0.05f), b = data(n, 82, -1e3f, 1e3f, 0.05f);
    std::vector<float> want(n, kPoisonWant);
    s->probe.triad(a.data(), b.data(), 0.3f, want.data(), 0, n);
    const float want_sum = s->probe.canonical_sum(b.data(), n);
    for (int l : levels()) {
      const KernelTable* t = table_for(l);
      const std::string ctx = fmt("n=%zu", n);
      std::vector<float> got(n, kPoisonGot);
      t->probe.triad(a.data(), b.data(), 0.3f, got.data(), 0, n);
      expect_same("probe.triad", l, ctx, got, want);
      const float sum = t->probe.canonical_sum(b.data(), n);
      expect_same("probe.canonical_sum", l, ctx, &sum, &want_sum, 1);
    }
  }
  CHECK(s->probe.lanes == 1, "scalar lanes %d", s->probe.lanes);
  const struct { float seed; size_t iters; } kRuns[] = {{0.5f, 0}, {1.0f, 1}, {-3.25f, 1000}, {100.0f, 5000}};
  for (int l : levels()) {
    const KernelTable* t = table_for(l);
    CHECK(t->probe.lanes >= 1 && t->probe.lanes <= 64, "probe.lanes level=%s: %d", simd_name(l), t->probe.lanes);
    for (const auto& r : kRuns) {
      const float got = t->probe.fma_chains(r.seed, r.iters), again = t->probe.fma_chains(r.seed, r.iters);
      const float want = reference_fma_chains(r.seed, r.iters, t->probe.lanes);
      const std::string ctx = fmt("seed=%g iters=%zu lanes=%d", (double)r.seed, r.iters, t->probe.lanes);
      expect_same("probe.fma_chains vs spec", l, ctx, &got, &want, 1);
      expect_same("probe.fma_chains repeated", l, ctx, &again, &got, 1);
    }
  }
}
