// The reduction family at every SIMD level against the scalar table, whole and ranged calls.
#include "test/harness.h"


// Reduce: blocks of every kind, combine, argmax_blocks + combine_argmax, rows and cols of every op.
FG_NATIVE_TEST(test_reduce_tables) {
  const KernelTable* s = table_for(SIMD_SCALAR);
  static const char* const kKinds[] = {"sum", "sumsq", "sqdev", "max"};
  static const size_t kN[] = {1, 7, 16, 17, 4095, 4096, 4097, 5 * FG_BLOCK + 3, 16 * FG_BLOCK};
  for (size_t n : kN) {
    std::vector<float> ties = data(n, 73, 0, 4, 0);  // few distinct values, +0 and -0 among them
    for (size_t i = 0; i < n; ++i) ties[i] = (float)(int)ties[i] == 0.0f ? (i & 1 ? -0.0f : 0.0f) : (float)(int)ties[i];
    const std::vector<float> inputs[] = {data(n, 71, -2, 2, 0), data(n, 72, -1e3f, 1e3f, 0.01f), ties, std::vector<float>(n, -__builtin_inff())};
    const size_t nb = num_blocks(n);
    const std::vector<size_t> split = cuts(nb, {1, nb / 2});
    for (int v = 0; v < 4; ++v) {
      const std::vector<float>& x = inputs[v];
      const float mean = s->probe.canonical_sum(x.data(), n) / (float)n;  // the binary32 mean, as RED_VAR passes it
      for (int kind = 0; kind < 4; ++kind) {
        const float m = kind == RK_SQDEV ? mean : 0.0f;
        std::vector<float> want(nb, kPoisonWant);
        s->reduce.blocks(kind, x.data(), n, m, 0, nb, want.data());
        const float want_c = s->reduce.combine(kind, want.data(), nb);
        for (int l : levels()) {
          const KernelTable* t = table_for(l);
          const std::string ctx = fmt("kind=%s n=%zu input=%d", kKinds[kind], n, v);
          std::vector<float> got(nb, kPoisonGot);
          t->reduce.blocks(kind, x.data(), n, m, 0, nb, got.data());
          expect_same("reduce.blocks", l, ctx, got, want);
          std::fill(got.begin(), got.end(), kPoisonGot);
          for (size_t i = 0; i + 1 < split.size(); ++i) t->reduce.blocks(kind, x.data(), n, m, split[i], split[i + 1], got.data());
          expect_same("reduce.blocks", l, ctx + " blocks " + cuts_str(split), got, want);
          const float c = t->reduce.combine(kind, want.data(), nb);
          expect_same("reduce.combine", l, ctx, &c, &want_c, 1);
        }
      }
      std::vector<float> want_v(nb, kPoisonWant);
      std::vector<size_t> want_k(nb, 12345);
      s->reduce.argmax_blocks(x.data(), n, 0, nb, want_v.data(), want_k.data());
      const size_t want_i = s->reduce.combine_argmax(want_v.data(), want_k.data(), nb);
      for (int l : levels()) {
        const KernelTable* t = table_for(l);
        const std::string ctx = fmt("n=%zu input=%d", n, v);
        for (int piecewise = 0; piecewise < 2; ++piecewise) {
          std::vector<float> got_v(nb, kPoisonGot);
          std::vector<size_t> got_k(nb, 54321);
          if (piecewise)
            for (size_t i = 0; i + 1 < split.size(); ++i) t->reduce.argmax_blocks(x.data(), n, split[i], split[i + 1], got_v.data(), got_k.data());
          else t->reduce.argmax_blocks(x.data(), n, 0, nb, got_v.data(), got_k.data());
          const std::string c2 = piecewise ? ctx + " blocks " + cuts_str(split) : ctx;
          expect_same("reduce.argmax_blocks value", l, c2, got_v.data(), want_v.data(), nb);
          expect_equal("reduce.argmax_blocks index", l, c2, got_k.data(), want_k.data(), nb);
        }
        const size_t i = t->reduce.combine_argmax(want_v.data(), want_k.data(), nb);
        expect_equal("reduce.combine_argmax", l, ctx, &i, &want_i, 1);
      }
    }
  }
  struct Shape { size_t rows, cols; };
  static const Shape kShapes[] = {{1, 1}, {7, 17}, {3, 100}, {70, 300}, {2, 4097}, {4100, 5}, {3, 2100}, {1, 33}, {33, 1}};
  static const char* const kOps[RED_OP_COUNT] = {"sum", "mean", "sumsq", "norm", "max", "argmax", "var"};
  for (const Shape& sh : kShapes) {
    const size_t R = sh.rows, C = sh.cols;
    const std::vector<float> inputs[] = {data(R * C, 74, -2, 2, 0), data(R * C, 75, -1e3f, 1e3f, 0.002f)};
    const std::vector<size_t> rsplit = cuts(R, {1, R / 2}), csplit = cuts(C, {3, C / 2 + 1});
    for (int v = 0; v < 2; ++v) {
      const std::vector<float>& x = inputs[v];
      for (int op = 0; op < RED_OP_COUNT; ++op) {
        const float div_rows = (float)(C > 1 ? C - 1 : 0), div_cols = (float)(R > 1 ? R - 1 : 0);
        std::vector<float> want_r(R, kPoisonWant), want_c(C, kPoisonWant);
        s->reduce.rows(op, x.data(), C, div_rows, 0, R, want_r.data());
        s->reduce.cols(op, x.data(), R, C, div_cols, 0, C, want_c.data());
        for (int l : levels()) {
          const KernelTable* t = table_for(l);
          const std::string ctx = fmt("op=%s rows=%zu cols=%zu input=%d", kOps[op], R, C, v);
          std::vector<float> got(R, kPoisonGot);
          t->reduce.rows(op, x.data(), C, div_rows, 0, R, got.data());
          expect_same("reduce.rows", l, ctx, got, want_r);
          std::fill(got.begin(), got.end(), kPoisonGot);
          for (size_t i = 0; i + 1 < rsplit.size(); ++i) t->reduce.rows(op, x.data(), C, div_rows, rsplit[i], rsplit[i + 1], got.data());
          expect_same("reduce.rows", l, ctx + " rows " + cuts_str(rsplit), got, want_r);
          got.assign(C, kPoisonGot);
          t->reduce.cols(op, x.data(), R, C, div_cols, 0, C, got.data());
          expect_same("reduce.cols", l, ctx, got, want_c);
          std::fill(got.begin(), got.end(), kPoisonGot);
          for (size_t i = 0; i + 1 < csplit.size(); ++i) t->reduce.cols(op, x.data(), R, C, div_cols, csplit[i], csplit[i + 1], got.data());
          expect_same("reduce.cols", l, ctx + " cols " + cuts_str(csplit), got, want_c);
        }
      }
    }
  }
}
