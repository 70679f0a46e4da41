// The GEMM family at every SIMD level against the scalar table, whole calls and sub-rectangles of C.
#include "test/harness.h"


// A 64-byte aligned packing workspace of `floats` floats (gemm_table::workspace_floats).
struct Workspace {
  float* p;
  explicit Workspace(size_t floats) : p(static_cast<float*>(std::aligned_alloc(64, ((floats ? floats : 1) * sizeof(float) + 63) / 64 * 64))) {}
  ~Workspace() { std::free(p); }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
};

// GEMM: block() over the whole of C for every shape, transposition, (alpha, beta), bias and activation;
// then over a grid of sub-rectangles (aligned to the level's register tile, and not): the same bits.
FG_NATIVE_TEST(test_gemm_tables) {
  const KernelTable* s = table_for(SIMD_SCALAR);
  struct Shape { size_t m, n, k; };
  static const Shape kShapes[] = {{1, 1, 1},    {7, 13, 5},    {13, 3, 1030}, {37, 8, 513},   {25, 17, 70},
                                  {50, 30, 300}, {64, 64, 64}, {97, 145, 300}, {257, 129, 511}};
  static const float kAlphaBeta[][2] = {{1, 0}, {0.75f, 1}, {-1.5f, 0.3f}, {0, 2}};
  static const int kActs[] = {UN_RELU, UN_SIGMOID, UN_TANH};
  std::unique_ptr<Workspace> ws[SIMD_LEVELS];
  for (int l : levels()) {
    ws[l].reset(new Workspace(table_for(l)->gemm.workspace_floats));
    CHECK(ws[l]->p != nullptr, "gemm workspace of %zu floats for %s", table_for(l)->gemm.workspace_floats, simd_name(l));
    if (!ws[l]->p) return;
  }
  int variant = 0;
  for (const Shape& sh : kShapes) {
    const size_t m = sh.m, n = sh.n, k = sh.k;
    const float sp = k <= 5 ? 0.05f : 0.0f;  // NaN/Inf operands only where they cannot flood all of C
    const std::vector<float> a = data(m * k, 41, -1, 1, sp), b = data(k * n, 42, -1, 1, sp), c0 = data(m * n, 43, -2, 2, 0.02f),
                             bias = data(n, 44, -1, 1, 0);
    for (int tr = 0; tr < 4; ++tr) {
      const bool ta = tr & 1, tb = tr & 2;
      for (int abi = 0; abi < 4; ++abi)
        for (int with_bias = 0; with_bias < 2; ++with_bias)
          for (int with_act = 0; with_act < 2; ++with_act) {
            const float* ab = kAlphaBeta[abi];
            const int act = kActs[variant++ % 3];
            gemm_args g{m, n, k, a.data(), ta ? m : k, ta, b.data(), tb ? k : n, tb, nullptr, n, ab[0], ab[1],
                        with_bias ? bias.data() : nullptr, nullptr};
            const std::string ctx = fmt("m=%zu n=%zu k=%zu ta=%d tb=%d alpha=%g beta=%g bias=%d act=%s", m, n, k, (int)ta, (int)tb,
                                        (double)ab[0], (double)ab[1], with_bias, with_act ? UnaryOp_names[act] : "none");
            std::vector<float> want = c0;
            g.c = want.data();
            g.act = with_act ? s->unary.map[act] : nullptr;
            s->gemm.block(g, 0, m, 0, n, ws[SIMD_SCALAR]->p);
            for (int l : levels()) {
              const KernelTable* t = table_for(l);
              g.act = with_act ? t->unary.map[act] : nullptr;
              std::vector<float> whole = c0;
              if (l == SIMD_SCALAR) {
                whole = want;  // the scalar level's whole-C call is the reference itself
              } else {
                g.c = whole.data();
                t->gemm.block(g, 0, m, 0, n, ws[l]->p);
                expect_same("gemm.block", l, ctx, whole, want);
              }
              // Pieces: a grid aligned to the level's register tile (as the binding cuts) or an unaligned
              // one, alternating so that each transposition, (alpha, beta), bias and activation meets both.
              const size_t mr = t->gemm.mr, nr = t->gemm.nr;
              const bool aligned = (tr + abi + with_bias + with_act) % 2 == 0;
              const std::vector<size_t> rc = aligned ? cuts(m, {mr * std::max<size_t>(1, m / 2 / mr)}) : cuts(m, {5, 2 * m / 3 + 1});
              const std::vector<size_t> cc = aligned ? cuts(n, {nr * std::max<size_t>(1, n / 2 / nr)}) : cuts(n, {7, 2 * n / 3 + 1});
              std::vector<float> got = c0;
              g.c = got.data();
              for (size_t i = 0; i + 1 < rc.size(); ++i)
                for (size_t j = 0; j + 1 < cc.size(); ++j) t->gemm.block(g, rc[i], rc[i + 1], cc[j], cc[j + 1], ws[l]->p);
              expect_same("gemm.block pieces vs whole", l, ctx + " rows " + cuts_str(rc) + " cols " + cuts_str(cc), got, whole);
            }
          }
    }
  }
  // fmaf: one rounding, so every level (and the C library) agrees.
  for (size_t n : kSizes) {
    const std::vector<float> ins[][3] = {{data(n, 45, -2, 2, 0.05f), data(n, 46, -2, 2, 0.05f), data(n, 47, -2, 2, 0.05f)},
                                         {data(n, 48, -1e20f, 1e20f, 0.05f), data(n, 49, -1e20f, 1e20f, 0), data(n, 50, -3e38f, 3e38f, 0.05f)},
                                         {data(n, 51, -1e-20f, 1e-20f, 0), data(n, 52, -1e-19f, 1e-19f, 0), data(n, 53, -1e-38f, 1e-38f, 0.05f)}};
    for (int v = 0; v < 3; ++v) {
      const std::vector<float>&a = ins[v][0], &b = ins[v][1], &c = ins[v][2];
      std::vector<float> want(n, kPoisonWant), libm(n);
      s->gemm.fmaf(a.data(), b.data(), c.data(), want.data(), 0, n);
      for (size_t i = 0; i < n; ++i) libm[i] = std::fmaf(a[i], b[i], c[i]);
      const std::string ctx = fmt("n=%zu input=%d", n, v);
      expect_same("gemm.fmaf vs std::fmaf", SIMD_SCALAR, ctx, want, libm);
      for (int l : levels()) {
        std::vector<float> got(n, kPoisonGot);
        table_for(l)->gemm.fmaf(a.data(), b.data(), c.data(), got.data(), 0, n);
        expect_same("gemm.fmaf", l, ctx, got, want);
      }
    }
  }
}
