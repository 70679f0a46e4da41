// The unary family at every SIMD level against the scalar table, whole and ranged calls.
#include "test/harness.h"


// Unary: every map and backward kernel (whole, in place, an unaligned range), softmax and log_softmax.
FG_NATIVE_TEST(test_unary_tables) {
  const KernelTable* s = table_for(SIMD_SCALAR);
  for (size_t n : kSizes) {
    // Moderate values, exp's clamping range and beyond, and tiny / subnormal ones (log's scaled path).
    const std::vector<float> xs[] = {data(n, 21, -3, 3, 0.05f), data(n, 22, -120, 120, 0.02f), data(n, 23, 0, 2e-38f, 0.1f)};
    const size_t b = std::min(n, n / 3 + 1), e = std::max(b, n - n / 5);
    for (int v = 0; v < 3; ++v) {
      const std::vector<float>& x = xs[v];
      for (int op = 0; op < UN_COUNT; ++op) {
        std::vector<float> want(n, kPoisonWant);
        s->unary.map[op](x.data(), want.data(), 0, n);
        for (int l : levels()) {
          const KernelTable* t = table_for(l);
          const std::string ctx = fmt("op=%s n=%zu input=%d", UnaryOp_names[op], n, v);
          std::vector<float> got(n, kPoisonGot);
          t->unary.map[op](x.data(), got.data(), 0, n);
          expect_same("unary.map", l, ctx, got, want);
          got = x;
          t->unary.map[op](got.data(), got.data(), 0, n);
          expect_same("unary.map in place", l, ctx, got, want);
          got = want;
          std::fill(got.begin() + b, got.begin() + e, kPoisonGot);
          t->unary.map[op](x.data(), got.data(), b, e);
          expect_same("unary.map", l, ctx + fmt(" range [%zu,%zu)", b, e), got, want);
        }
      }
    }
    const std::vector<float> y = data(n, 24, -1.5f, 1.5f, 0.05f), dy = data(n, 25, -2, 2, 0.05f);
    for (int op = 0; op < ACT_COUNT; ++op) {
      std::vector<float> want(n, kPoisonWant);
      s->unary.backward[op](y.data(), dy.data(), want.data(), 0, n);
      for (int l : levels()) {
        const KernelTable* t = table_for(l);
        const std::string ctx = fmt("op=%s n=%zu", ActBackward_names[op], n);
        std::vector<float> got(n, kPoisonGot);
        t->unary.backward[op](y.data(), dy.data(), got.data(), 0, n);
        expect_same("unary.backward", l, ctx, got, want);
        got = dy;
        t->unary.backward[op](y.data(), got.data(), got.data(), 0, n);
        expect_same("unary.backward dx = dy", l, ctx, got, want);
        got = y;
        t->unary.backward[op](got.data(), dy.data(), got.data(), 0, n);
        expect_same("unary.backward dx = y", l, ctx, got, want);
        got = want;
        std::fill(got.begin() + b, got.begin() + e, kPoisonGot);
        t->unary.backward[op](y.data(), dy.data(), got.data(), b, e);
        expect_same("unary.backward", l, ctx + fmt(" range [%zu,%zu)", b, e), got, want);
      }
    }
  }
  static const size_t kCols[] = {1, 15, 16, 17, 100, 4097};
  const size_t rows = 8;
  const float inf = __builtin_inff(), nan = __builtin_nanf("");
  for (size_t cols : kCols) {
    std::vector<float> x = data(rows * cols, 31, -30, 30, 0);
    auto put = [&](size_t r, const std::vector<float>& v) { std::copy(v.begin(), v.end(), x.begin() + r * cols); };
    put(1, data(cols, 32, -5, 5, 0.3f));                      // specials
    put(2, std::vector<float>(cols, -inf));                    // max -inf: every exp(x - m) is NaN
    put(3, std::vector<float>(cols, nan));                     // a row of NaNs
    x[4 * cols + cols / 2] = inf;                              // one +inf
    put(5, data(cols, 33, -1e30f, 1e30f, 0));                 // huge spread
    put(6, data(cols, 34, -1e-40f, 1e-40f, 0));               // subnormals
    x[7 * cols + cols - 1] = nan;                              // one NaN, last
    const std::vector<size_t> split = cuts(rows, {1, 5});
    for (int f = 0; f < 2; ++f) {
      const char* what = f ? "unary.log_softmax" : "unary.softmax";
      auto fn = [&](const KernelTable* t) { return f ? t->unary.log_softmax : t->unary.softmax; };
      std::vector<float> want(rows * cols, kPoisonWant);
      fn(s)(x.data(), want.data(), cols, 0, rows);
      for (int l : levels()) {
        const std::string ctx = fmt("rows=%zu cols=%zu", rows, cols);
        std::vector<float> got(rows * cols, kPoisonGot);
        fn(table_for(l))(x.data(), got.data(), cols, 0, rows);
        expect_same(what, l, ctx, got, want);
        got = x;
        fn(table_for(l))(got.data(), got.data(), cols, 0, rows);
        expect_same(what, l, ctx + " in place", got, want);
        std::fill(got.begin(), got.end(), kPoisonGot);
        for (size_t i = 0; i + 1 < split.size(); ++i) fn(table_for(l))(x.data(), got.data(), cols, split[i], split[i + 1]);
        expect_same(what, l, ctx + " rows " + cuts_str(split), got, want);
      }
    }
  }
}
