// The batch-norm family at every SIMD level against the scalar table, whole and ranged calls.
#include "test/harness.h"


// Batchnorm: stats and gsums over every unit (and split unit ranges), affine and dx over every row.
FG_NATIVE_TEST(test_batchnorm_tables) {
  const KernelTable* s = table_for(SIMD_SCALAR);
  struct Shape { size_t outer, C, inner; };
  static const Shape kShapes[] = {{3, 5, 7}, {3, 5, 1}, {1, 1, 1}, {2, 37, 1}, {2, 3, 17}, {5, 20, 16}, {4100, 3, 1}, {3, 2, 1500}, {4100, 17, 1}};
  for (const Shape& sh : kShapes) {
    const size_t outer = sh.outer, C = sh.C, inner = sh.inner, m = outer * inner, N = m * C, nb = num_blocks(m);
    const size_t units = (inner > 1 ? C : (C + BN_CHUNK - 1) / BN_CHUNK) * nb, rows = inner > 1 ? outer * C : outer;
    const std::vector<size_t> usplit = cuts(units, {1, units / 2}), rsplit = cuts(rows, {1, rows / 2});
    const std::vector<float> mean = data(C, 53, -1, 1, 0), invstd = data(C, 54, 0.5f, 2, 0), scale = data(C, 55, -2, 2, 0),
                             shift = data(C, 56, -1, 1, 0), gc = data(C, 57, 0.5f, 1.5f, 0), c1 = data(C, 58, -0.1f, 0.1f, 0),
                             c2 = data(C, 59, -0.5f, 0.5f, 0);
    for (int v = 0; v < 2; ++v) {
      const float sp = v ? 0.02f : 0.0f;
      const std::vector<float> x = data(N, 51, -3, 3, sp), dy = data(N, 52, -1, 1, sp);
      const std::string ctx = fmt("outer=%zu C=%zu inner=%zu input=%d", outer, C, inner, v);
      // Reductions: p1, p2 for each of stats (r = 0) and gsums (r = 1).
      auto reduce = [&](const KernelTable* t, int r, size_t u0, size_t u1, float* p1, float* p2) {
        if (r) t->batchnorm.gsums(x.data(), dy.data(), mean.data(), invstd.data(), outer, C, inner, u0, u1, p1, p2);
        else t->batchnorm.stats(x.data(), outer, C, inner, u0, u1, p1, p2);
      };
      for (int r = 0; r < 2; ++r) {
        const char* what1 = r ? "batchnorm.gsums p1" : "batchnorm.stats p1";
        const char* what2 = r ? "batchnorm.gsums p2" : "batchnorm.stats p2";
        std::vector<float> w1(nb * C, kPoisonWant), w2(nb * C, kPoisonWant);
        reduce(s, r, 0, units, w1.data(), w2.data());
        for (int l : levels()) {
          std::vector<float> g1(nb * C, kPoisonGot), g2(nb * C, kPoisonGot);
          reduce(table_for(l), r, 0, units, g1.data(), g2.data());
          expect_same(what1, l, ctx, g1, w1);
          expect_same(what2, l, ctx, g2, w2);
          std::fill(g1.begin(), g1.end(), kPoisonGot);
          std::fill(g2.begin(), g2.end(), kPoisonGot);
          for (size_t i = 0; i + 1 < usplit.size(); ++i) reduce(table_for(l), r, usplit[i], usplit[i + 1], g1.data(), g2.data());
          expect_same(what1, l, ctx + " units " + cuts_str(usplit), g1, w1);
          expect_same(what2, l, ctx + " units " + cuts_str(usplit), g2, w2);
        }
      }
      std::vector<float> wy(N, kPoisonWant), wdx(N, kPoisonWant);
      s->batchnorm.affine(x.data(), mean.data(), scale.data(), shift.data(), wy.data(), C, inner, 0, rows);
      s->batchnorm.dx(x.data(), dy.data(), mean.data(), invstd.data(), gc.data(), c1.data(), c2.data(), wdx.data(), C, inner, 0, rows);
      for (int l : levels()) {
        const batchnorm_table& t = table_for(l)->batchnorm;
        std::vector<float> got(N, kPoisonGot);
        t.affine(x.data(), mean.data(), scale.data(), shift.data(), got.data(), C, inner, 0, rows);
        expect_same("batchnorm.affine", l, ctx, got, wy);
        std::fill(got.begin(), got.end(), kPoisonGot);
        for (size_t i = 0; i + 1 < rsplit.size(); ++i) t.affine(x.data(), mean.data(), scale.data(), shift.data(), got.data(), C, inner, rsplit[i], rsplit[i + 1]);
        expect_same("batchnorm.affine", l, ctx + " rows " + cuts_str(rsplit), got, wy);
        got = x;
        t.affine(got.data(), mean.data(), scale.data(), shift.data(), got.data(), C, inner, 0, rows);
        expect_same("batchnorm.affine y = x", l, ctx, got, wy);
        std::fill(got.begin(), got.end(), kPoisonGot);
        t.dx(x.data(), dy.data(), mean.data(), invstd.data(), gc.data(), c1.data(), c2.data(), got.data(), C, inner, 0, rows);
        expect_same("batchnorm.dx", l, ctx, got, wdx);
        std::fill(got.begin(), got.end(), kPoisonGot);
        for (size_t i = 0; i + 1 < rsplit.size(); ++i)
          t.dx(x.data(), dy.data(), mean.data(), invstd.data(), gc.data(), c1.data(), c2.data(), got.data(), C, inner, rsplit[i], rsplit[i + 1]);
        expect_same("batchnorm.dx", l, ctx + " rows " + cuts_str(rsplit), got, wdx);
        got = dy;
        t.dx(x.data(), got.data(), mean.data(), invstd.data(), gc.data(), c1.data(), c2.data(), got.data(), C, inner, 0, rows);
        expect_same("batchnorm.dx dx = dy", l, ctx, got, wdx);
      }
    }
  }
}
