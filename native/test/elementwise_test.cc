// The elementwise family at every SIMD level against the scalar table, whole and ranged calls.
#include "test/harness.h"


// Every elementwise kernel gives the scalar table's bits at every level (including specials and tails).
FG_NATIVE_TEST(test_elementwise_tables) {
  const KernelTable* s = table_for(SIMD_SCALAR);
  for (size_t n : kSizes) {
    const std::vector<float> a = data(n, 7, -2, 2, 0.05f), b = data(n, 8, -2, 2, 0.05f);
    std::vector<float> want(n), got(n);
    for (int l : levels()) {
      const KernelTable* t = table_for(l);
      auto compare = [&](const char* what) {
        for (size_t i = 0; i < n; ++i)
          if (!same_bits(got[i], want[i])) {
            CHECK(false, "%s n=%zu level=%s first difference at %zu: %a vs %a", what, n, simd_name(l), i, (double)got[i], (double)want[i]);
            return;
          }
        CHECK(true, "%s", what);
      };
      for (int op = 0; op < OP_COUNT; ++op) {
        s->elementwise.vv[op](a.data(), b.data(), want.data(), 0, n);
        t->elementwise.vv[op](a.data(), b.data(), got.data(), 0, n);
        compare("vv");
        s->elementwise.vs[op](a.data(), 0.3f, want.data(), 0, n);
        t->elementwise.vs[op](a.data(), 0.3f, got.data(), 0, n);
        compare("vs");
      }
      want = b;
      got = b;
      s->elementwise.axpy(0.7f, a.data(), want.data(), 0, n);
      t->elementwise.axpy(0.7f, a.data(), got.data(), 0, n);
      compare("axpy");
      s->elementwise.clamp(a.data(), -0.5f, 0.5f, want.data(), 0, n);
      t->elementwise.clamp(a.data(), -0.5f, 0.5f, got.data(), 0, n);
      compare("clamp");
    }
  }
}

// The elementwise kernels test_elementwise_tables leaves out: row, col, fill, copy.
FG_NATIVE_TEST(test_elementwise_rest) {
  const KernelTable* s = table_for(SIMD_SCALAR);
  struct Shape { size_t rows, cols; };
  static const Shape kShapes[] = {{1, 1}, {3, 17}, {5, 100}, {2, 4097}, {33, 15}};
  for (const Shape& sh : kShapes) {
    const size_t R = sh.rows, C = sh.cols;
    const std::vector<float> a = data(R * C, 9, -2, 2, 0.05f), brow = data(C, 10, -2, 2, 0.05f), bcol = data(R, 11, -2, 2, 0.05f);
    const std::vector<size_t> split = cuts(R, {1, R / 2});
    for (int op = 0; op < OP_COUNT; ++op)
      for (int f = 0; f < 2; ++f) {
        const char* what = f ? "elementwise.col" : "elementwise.row";
        const float* b = f ? bcol.data() : brow.data();
        auto fn = [&](const KernelTable* t) { return f ? t->elementwise.col[op] : t->elementwise.row[op]; };
        std::vector<float> want(R * C, kPoisonWant);
        fn(s)(a.data(), b, want.data(), C, 0, R);
        for (int l : levels()) {
          const std::string ctx = fmt("op=%d rows=%zu cols=%zu", op, R, C);
          std::vector<float> got(R * C, kPoisonGot);
          fn(table_for(l))(a.data(), b, got.data(), C, 0, R);
          expect_same(what, l, ctx, got, want);
          std::fill(got.begin(), got.end(), kPoisonGot);
          for (size_t i = 0; i + 1 < split.size(); ++i) fn(table_for(l))(a.data(), b, got.data(), C, split[i], split[i + 1]);
          expect_same(what, l, ctx + " rows " + cuts_str(split), got, want);
        }
      }
  }
  for (size_t n : kSizes) {
    const std::vector<float> x = data(n, 12, -2, 2, 0.05f);
    const size_t b = std::min(n, n / 3 + 1), e = std::max(b, n - n / 5);
    std::vector<float> want(n, kPoisonWant), want_fill(n, kPoisonWant);
    s->elementwise.copy(x.data(), want.data(), 0, n);
    s->elementwise.fill(-0.0f, want_fill.data(), 0, n);
    for (int l : levels()) {
      const KernelTable* t = table_for(l);
      const std::string ctx = fmt("n=%zu", n);
      std::vector<float> got(n, kPoisonGot);
      t->elementwise.copy(x.data(), got.data(), 0, n);
      expect_same("elementwise.copy", l, ctx, got, want);
      got = want;
      std::fill(got.begin() + b, got.begin() + e, kPoisonGot);
      t->elementwise.copy(x.data(), got.data(), b, e);
      expect_same("elementwise.copy", l, ctx + fmt(" range [%zu,%zu)", b, e), got, want);
      std::fill(got.begin(), got.end(), kPoisonGot);
      t->elementwise.fill(-0.0f, got.data(), 0, n);
      expect_same("elementwise.fill", l, ctx, got, want_fill);
    }
  }
}
