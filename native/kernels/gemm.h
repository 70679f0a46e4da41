// GEMM family, ISA-generic (spec in gemm_api.h). Included inside an ISA namespace.
//
// Goto/BLIS structure: for each NC-wide column block of C, for each span of up to four GEMM_KC-deep k
// blocks, B is packed into NR-column panels (one set per k block, in the workspace), unless it is small
// and row-major (then read in place); for each MC-tall row block, an MR x NR register-tile micro-kernel
// runs over every (MR rows of A, panel of B) pair, once per k block of the span in k order, reading A in
// place (row-major or transposed; a last partial row panel runs shorter tiles, so A is never packed). It
// accumulates the k block from zero with one fma per k (the spec's p_b) and folds it into C with the
// spec's update; a last partial column panel is folded through lane masks (x86) or runs on a zero-padded
// packed panel and folds only its valid part. Threads are the binding's business: it hands each one a
// rectangle of C.

// Register tile per vector width: rows MR, NV vectors of V::N columns (NR = NV * V::N).
//   AVX-512 (16 lanes): 6 x 64 (24 accumulators + 4 B vectors + 1 broadcast of 32 zmm registers;
//     measured against 14 x 32, 12 x 32, 8 x 48 and 4 x 64 on Sapphire Rapids: best or tied everywhere);
//   AVX2 (8 lanes): 6 x 16 (12 + 2 + 1 of 16 ymm); NEON (4 lanes): 6 x 16 (24 + 4 + 1 of 32 q
//   registers; not measured: no arm64 machine here); one lane (scalar): 4 x 4.
template <int N> struct gemm_shape { static constexpr int MR = 6, NV = 2; };
template <> struct gemm_shape<16> { static constexpr int MR = 6, NV = 4; };
template <> struct gemm_shape<8> { static constexpr int MR = 6, NV = 2; };
template <> struct gemm_shape<4> { static constexpr int MR = 6, NV = 4; };
template <> struct gemm_shape<1> { static constexpr int MR = 4, NV = 4; };

// Cache blocks. B is packed GEMM_KSPAN deep (up to 4 of the spec's k blocks) by NC wide, 1 MiB
// (GEMM_B_FLOATS) in all, to stay in L2; A in MC-row blocks (a row-major A is read in place). Each
// register tile of C then takes the folds of every k block of the span in a row, while it is in L1:
// C is streamed through the cache K / GEMM_KSPAN times instead of K / GEMM_KC times. (When a
// transposed A was packed, it took one k block by 1024 columns instead, to pack A less often; it is
// read in place now, and the 4 x 256 span measured 3-6% faster on the dW shapes, one thread on Zen 5.)
// MC = 48 rows: with a 4-block span each row of A brings 4 KiB, and the shorter row block measured
// better at 2048^2 (MC 168: 80.5%, 84: 82.1, 48: 82.9, 24: 83.9) and the same elsewhere (Sapphire Rapids).
// MC is a multiple of every MR (12 and 8 for the narrow tiles); NC is cut to whole panels.
constexpr size_t GEMM_MC = 48;
constexpr size_t GEMM_B_FLOATS = GEMM_KC * 1024;
constexpr size_t GEMM_KSPAN = 4 * GEMM_KC;
// A row-major B of at most this many floats (k x the rectangle's columns: 256 KiB) is read in place
// instead of packed (see gemm_block_tiled): 64^3 measured 2.7 us instead of 3.0, 1024 x 16 x 1024
// 0.23 ms instead of 0.43 (one thread, Zen 5).
constexpr size_t GEMM_DIRECT_B = 65536;

enum GemmFold : int { FOLD_SET = 0, FOLD_BETA = 1, FOLD_ADD = 2 };

// The spec's update of c with a finished k block p: FOLD_SET (block 0, beta == 0): c = alpha * p;
// FOLD_BETA (block 0): c = (beta * c) + (alpha * p); FOLD_ADD (later blocks): c = c + (alpha * p).
// cv is c's value (not read for FOLD_SET).
template <class W>
static inline typename W::R gemm_fold_r(typename W::R p, typename W::R cv, int fold, float alpha, float beta) {
  const typename W::R ap = alpha == 1.0f ? p : W::mul(W::set1(alpha), p);
  if (fold == FOLD_SET) return ap;
  if (fold == FOLD_ADD) return W::add(cv, ap);
  return W::add(beta == 1.0f ? cv : W::mul(W::set1(beta), cv), ap);
}
template <class W>
static inline typename W::R gemm_fold(typename W::R p, const float* c, int fold, float alpha, float beta) {
  return gemm_fold_r<W>(p, fold == FOLD_SET ? W::zero() : W::load(c), fold, alpha, beta);
}

// The first `lanes` lanes of a vector (x86: AVX-512 mask registers, AVX2 vmaskmov): a last partial vector
// of B is loaded in place and its part of C folded in registers, without reading or writing past the
// valid columns. Other ISAs (ok = false) pack the last partial panel and fold its edge through memory.
#if defined(__AVX512F__)
struct gemm_lanes {
  static constexpr bool ok = true;
  __mmask16 m;
  explicit gemm_lanes(size_t lanes) : m((__mmask16)((1u << lanes) - 1u)) {}
  __m512 load(const float* p) const { return _mm512_maskz_loadu_ps(m, p); }
  void store(float* p, __m512 a) const { _mm512_mask_storeu_ps(p, m, a); }
};
#elif defined(__AVX2__)
struct gemm_lanes {
  static constexpr bool ok = true;
  __m256i m;
  explicit gemm_lanes(size_t lanes) : m(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)lanes), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))) {}
  __m256 load(const float* p) const { return _mm256_maskload_ps(p, m); }
  void store(float* p, __m256 a) const { _mm256_maskstore_ps(p, m, a); }
};
#else
struct gemm_lanes {
  static constexpr bool ok = false;
  explicit gemm_lanes(size_t) {}
  Vec::R load(const float* p) const { return Vec::load(p); }  // never called (ok = false)
  void store(float* p, Vec::R a) const { Vec::store(p, a); }
};
#endif

// Out of line, and without gcc's rewriting of short loops into memcpy/memset calls or `rep movs`: the
// few floats of an edge row or a padded panel row paid the call's or the string instruction's start-up
// each time (a 100 x 30 panel's packing took 1.5 us, 0.2 us so; the same in the edge fold).
#if defined(__GNUC__) && !defined(__clang__)
#define FG_NO_LIBCALLS __attribute__((noinline, optimize("no-tree-loop-distribute-patterns")))
#else
#define FG_NO_LIBCALLS __attribute__((noinline))
#endif

// The fold of an edge tile's valid mv x nv part (t: the tile's p, row stride ldt) into C: whole vectors,
// then lane by lane.
template <class V>
FG_NO_LIBCALLS static void gemm_fold_edge(const float* t, size_t ldt, float* c, size_t ldc, size_t mv, size_t nv, int fold,
                                          float alpha, float beta) {
  const size_t nvec = nv / V::N * V::N;
  for (size_t i = 0; i < mv; ++i) {
    float* ci = c + i * ldc;
    for (size_t j = 0; j < nvec; j += V::N) V::store(ci + j, gemm_fold<V>(V::load(t + i * ldt + j), ci + j, fold, alpha, beta));
    for (size_t j = nvec; j < nv; ++j) ci[j] = gemm_fold<Vs>(t[i * ldt + j], ci + j, fold, alpha, beta);
  }
}

// One register tile: p = sum over the k block (fma chain from +0) of a[0..MR)[k] x bp[k][0..NR),
// folded into the valid nv columns of the tile's MR rows of C at c (row stride ldc). a[i][k] is read
// straight from A: ap[i * lda + k] from a row-major A (A_ROWS), ap[k * lda + i] from a transposed one
// (A_COLS). b[k][j] is bp[k * NR + j] in a packed panel, or bp[k * ldb + j] read straight from a row-major
// B (DIRECT_B). MASKED (x86): only the last vector is partial (nv > (NV - 1) * V::N); its B is loaded
// (when DIRECT_B) and its C folded through lane masks. Otherwise a tile with nv < NR folds through memory.
enum GemmA : int { A_ROWS = 1, A_COLS = 2 };
template <class V, int MR, int NV, int AMODE, bool DIRECT_B, bool MASKED>
static inline void gemm_tile(size_t kc, const float* __restrict ap, size_t lda, const float* __restrict bp, size_t ldb,
                             float* c, size_t ldc, size_t nv, int fold, float alpha, float beta) {
  using R = typename V::R;
  constexpr int NR = NV * V::N;
  const gemm_lanes last(MASKED ? nv - (NV - 1) * V::N : V::N);
  // C is read (and written) only after the k loop: start bringing its tile into L1 now, so that a C
  // larger than L2 costs no miss latency at the fold (2048^2: +1-2%).
  for (int i = 0; i < MR; ++i)
    for (size_t j = 0; j < nv; j += 16) __builtin_prefetch(c + i * ldc + j, 1, 3);  // a 64-byte line each
  R acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) acc[i][j] = V::zero();
  // Unrolled 8 deep: the loop's own integer instructions otherwise take issue slots from the FMA ports
  // (measured single-thread at 2048^2: 78% of peak rolled, 80% unrolled 4, 81% unrolled 8).
#pragma GCC unroll 8
  for (size_t k = 0; k < kc; ++k) {
    R b[NV];
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) {
      const float* bj = bp + k * (DIRECT_B ? ldb : (size_t)NR) + j * V::N;
      if constexpr (MASKED && DIRECT_B) b[j] = j == NV - 1 ? last.load(bj) : V::load(bj);
      else b[j] = V::load(bj);
    }
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      const R a = V::set1(AMODE == A_ROWS ? ap[i * lda + k] : ap[k * lda + i]);
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) acc[i][j] = V::fma(a, b[j], acc[i][j]);
    }
  }
  if (MASKED || nv == (size_t)NR) {
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) {
        float* cij = c + i * ldc + j * V::N;
        if constexpr (MASKED) {
          if (j == NV - 1) {
            last.store(cij, gemm_fold_r<V>(acc[i][j], fold == FOLD_SET ? V::zero() : last.load(cij), fold, alpha, beta));
            continue;
          }
        }
        V::store(cij, gemm_fold<V>(acc[i][j], cij, fold, alpha, beta));
      }
    return;
  }
  // Edge tile: through memory, folding only the valid part (whole vectors, then lane by lane). (Kept
  // apart from the full tile's path so that the accumulators are not spilled there.)
  alignas(64) float t[MR * NR];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) V::store(t + i * NR + j * V::N, acc[i][j]);
  gemm_fold_edge<V>(t, NR, c, ldc, MR, nv, fold, alpha, beta);
}

// The tiles of rows [i, i + mv) of one column panel (mv <= MR) for the k block at pc: one MR-row tile, or
// for a last partial row panel, tiles of 8 (at most 2 vectors wide), 4, 2 and 1 rows, all reading A in
// place (nothing is packed and no fma is spent on padding rows).
template <class V, int R, int NV, bool DIRECT_B, bool MASKED>
static inline void gemm_tile_at(const gemm_args& g, size_t i, size_t pc, size_t kc, const float* bt, float* c, size_t nv, int fold) {
  if (g.trans_a)
    gemm_tile<V, R, NV, A_COLS, DIRECT_B, MASKED>(kc, g.a + pc * g.lda + i, g.lda, bt, g.ldb, c, g.ldc, nv, fold, g.alpha, g.beta);
  else
    gemm_tile<V, R, NV, A_ROWS, DIRECT_B, MASKED>(kc, g.a + i * g.lda + pc, g.lda, bt, g.ldb, c, g.ldc, nv, fold, g.alpha, g.beta);
}
template <class V, int MR, int NV, bool DIRECT_B, bool MASKED>
static inline void gemm_rows(const gemm_args& g, size_t i, size_t mv, size_t pc, size_t kc, const float* bt, float* ct,
                             size_t nv, int fold) {
  if (mv == (size_t)MR) return gemm_tile_at<V, MR, NV, DIRECT_B, MASKED>(g, i, pc, kc, bt, ct, nv, fold);
  size_t r = 0;
  if constexpr (MR > 8 && NV <= 2)
    if (mv - r >= 8) gemm_tile_at<V, 8, NV, DIRECT_B, MASKED>(g, i + r, pc, kc, bt, ct + r * g.ldc, nv, fold), r += 8;
  if constexpr (MR > 4)
    if (mv - r >= 4) gemm_tile_at<V, 4, NV, DIRECT_B, MASKED>(g, i + r, pc, kc, bt, ct + r * g.ldc, nv, fold), r += 4;
  if constexpr (MR > 2)
    if (mv - r >= 2) gemm_tile_at<V, 2, NV, DIRECT_B, MASKED>(g, i + r, pc, kc, bt, ct + r * g.ldc, nv, fold), r += 2;
  if (mv > r) gemm_tile_at<V, 1, NV, DIRECT_B, MASKED>(g, i + r, pc, kc, bt, ct + r * g.ldc, nv, fold);
}

// dst[r * ldd + c] = src[r * lds + c] for c < cols, 0 for cols <= c < ldd, over `rows` rows (FG_NO_LIBCALLS).
template <class V>
FG_NO_LIBCALLS static void gemm_copy_padded(const float* __restrict src, size_t lds, size_t rows, size_t cols,
                                            float* __restrict dst, size_t ldd) {
  const size_t cv = cols / V::N * V::N;
  for (size_t r = 0; r < rows; ++r) {
    const float* s = src + r * lds;
    float* d = dst + r * ldd;
    size_t c = 0;
    for (; c < cv; c += V::N) V::store(d + c, V::load(s + c));
    for (; c < cols; ++c) d[c] = s[c];
    for (; c < ldd; ++c) d[c] = 0.0f;
  }
}

// Packs op(B)[k0, k0 + kc) x [j0, j0 + nc) into NR-column panels (bp[p * kc * NR + k * NR + c]);
// columns past nc are zero.
template <class V, int NR>
static void gemm_pack_b(const gemm_args& g, size_t k0, size_t kc, size_t j0, size_t nc, float* __restrict bp) {
  for (size_t p = 0; p < nc; p += NR) {
    const size_t cols = nc - p < (size_t)NR ? nc - p : (size_t)NR;
    float* dst = bp + p * kc;
    if (g.trans_b) {
      // V::N x V::N blocks transposed in registers (AVX-512: 16 x 16, one cache line of each of 16
      // source rows); the rest, 16 k at a time (one cache line of each source row), columns inner, so
      // that the written 16 x NR block stays in L1.
      const float* src = g.b + (j0 + p) * g.ldb + k0;
      const size_t kv = V::N > 1 ? kc / V::N * V::N : 0, cv = V::N > 1 ? cols / V::N * V::N : 0;
      for (size_t kb = 0; kb < kv; kb += V::N)
        for (size_t c = 0; c < cv; c += V::N) V::transpose(src + c * g.ldb + kb, g.ldb, dst + kb * NR + c, NR);
      const auto copy = [&](size_t k_begin, size_t k_end, size_t c_begin) {
        for (size_t kb = k_begin; kb < k_end; kb += 16) {
          const size_t ke = k_end - kb < 16 ? k_end - kb : 16;
          for (size_t c = c_begin; c < cols; ++c) {
            const float* s = src + c * g.ldb + kb;
            float* d = dst + kb * NR + c;
            for (size_t kk = 0; kk < ke; ++kk) d[kk * NR] = s[kk];
          }
        }
      };
      copy(0, kv, cv);
      copy(kv, kc, 0);
      for (size_t k = 0; k < kc; ++k)
        for (size_t c = cols; c < (size_t)NR; ++c) dst[k * NR + c] = 0.0f;
    } else {
      const float* src = g.b + k0 * g.ldb + j0 + p;
      if (cols == (size_t)NR) {
        for (size_t k = 0; k < kc; ++k)
          for (int c = 0; c < NR; c += V::N) V::store(dst + k * NR + c, V::load(src + k * g.ldb + c));
      } else {
        gemm_copy_padded<V>(src, g.ldb, kc, cols, dst, NR);
      }
    }
  }
}

// Epilogue on C[i0, i1) x [j0, j1): c = c + bias[j] (if any), then the activation (if any).
template <class V>
static void gemm_epilogue(const gemm_args& g, size_t i0, size_t i1, size_t j0, size_t j1) {
  for (size_t i = i0; i < i1; ++i) {
    float* row = g.c + i * g.ldc + j0;
    if (g.bias) {
      const float* bias = g.bias + j0;
      each<V>(0, j1 - j0, [&](auto w, size_t j) {
        using W = decltype(w);
        W::store(row + j, W::add(W::load(row + j), W::load(bias + j)));
      });
    }
    if (g.act) g.act(row, row, 0, j1 - j0);
  }
}

// K == 0 or alpha == 0 (A and B are not read): c = beta == 0 ? +0 : beta * c, then the epilogue.
template <class V>
static void gemm_empty_k(const gemm_args& g, size_t m0, size_t m1, size_t n0, size_t n1) {
  for (size_t i = m0; i < m1; ++i) {
    float* row = g.c + i * g.ldc;
    each<V>(n0, n1, [&](auto w, size_t j) {
      using W = decltype(w);
      W::store(row + j, g.beta == 0.0f ? W::zero() : W::mul(W::set1(g.beta), W::load(row + j)));
    });
  }
  gemm_epilogue<V>(g, m0, m1, n0, n1);
}

template <class V, int MR, int NV>
static void gemm_block_tiled(const gemm_args& g, size_t m0, size_t m1, size_t n0, size_t n1, float* ws) {
  constexpr int NR = NV * V::N;
  static_assert(GEMM_MC % MR == 0, "row blocks must hold whole register tiles");
  if (m0 >= m1 || n0 >= n1) return;
  if (g.k == 0 || g.alpha == 0.0f) return gemm_empty_k<V>(g, m0, m1, n0, n1);
  // NC: whole panels within the budget of packed B
  const size_t span = GEMM_KSPAN, NC = GEMM_B_FLOATS / span / NR * NR;
  // Workspace: packed B, GEMM_KC x NC floats per k block of the span (at kb * NC).
  float* bp = ws;
  const bool direct_b = !g.trans_b && g.k * (n1 - n0) <= GEMM_DIRECT_B;
  for (size_t jc = n0; jc < n1; jc += NC) {
    const size_t nc = n1 - jc < NC ? n1 - jc : NC;
    // A last partial panel of nv columns whose padding is only in its last vector: lane masks (x86)
    const size_t rest = nc % NR;
    const bool masked = gemm_lanes::ok && rest > (size_t)(NV - 1) * V::N;
    for (size_t ps = 0; ps < g.k; ps += span) {
      const size_t kspan = g.k - ps < span ? g.k - ps : span;
      const auto depth = [&](size_t kb) { return kspan - kb < GEMM_KC ? kspan - kb : GEMM_KC; };  // of the k block at kb
      // A small row-major B (at most GEMM_DIRECT_B floats: it stays in L1/L2 while every row block of A
      // passes over it) is read in place, as A is; a last partial panel too where lane masks can load it,
      // else that panel is packed.
      const size_t bfull = direct_b ? (masked ? nc : nc / NR * NR) : 0;
      if (bfull < nc)
        for (size_t kb = 0; kb < kspan; kb += GEMM_KC)
          gemm_pack_b<V, NR>(g, ps + kb, depth(kb), jc + bfull, nc - bfull, bp + kb * NC + bfull * depth(kb));
      for (size_t ic = m0; ic < m1; ic += GEMM_MC) {
        const size_t mc = m1 - ic < GEMM_MC ? m1 - ic : GEMM_MC;
        for (size_t jr = 0; jr < nc; jr += NR) {
          const size_t nv = nc - jr < (size_t)NR ? nc - jr : (size_t)NR;
          float* cj = g.c + jc + jr;
          for (size_t ir = 0; ir < mc; ir += MR) {
            const size_t mv = mc - ir < (size_t)MR ? mc - ir : (size_t)MR;
            float* ct = cj + (ic + ir) * g.ldc;
            for (size_t kb = 0; kb < kspan; kb += GEMM_KC) {
              const size_t pc = ps + kb, kc = depth(kb);
              const int fold = pc > 0 ? FOLD_ADD : g.beta == 0.0f ? FOLD_SET : FOLD_BETA;
              if (jr < bfull) {
                const float* bt = g.b + pc * g.ldb + jc + jr;
                if (nv < (size_t)NR) gemm_rows<V, MR, NV, true, gemm_lanes::ok>(g, ic + ir, mv, pc, kc, bt, ct, nv, fold);
                else gemm_rows<V, MR, NV, true, false>(g, ic + ir, mv, pc, kc, bt, ct, nv, fold);
              } else {
                const float* bt = bp + kb * NC + jr * kc;
                if (masked && nv < (size_t)NR) gemm_rows<V, MR, NV, false, gemm_lanes::ok>(g, ic + ir, mv, pc, kc, bt, ct, nv, fold);
                else gemm_rows<V, MR, NV, false, false>(g, ic + ir, mv, pc, kc, bt, ct, nv, fold);
              }
            }
          }
        }
        if (ps + kspan == g.k) gemm_epilogue<V>(g, ic, ic + mc, jc, jc + nc);
      }
    }
  }
}

// Columns that do not fill the wide tile get a tile as wide as they need and taller, so that padding does
// not waste most of each fma: C at most one vector wide (a 10-class head), or a last partial panel of at
// most one vector, runs 12 x 1 vectors; at most two, 12 x 2; at most three, 8 x 3 (24 accumulators each).
// So a 96-wide C runs one 64-wide panel and one 12 x 32 panel (AVX-512) instead of two 64-wide panels,
// half of the second one padding. A last panel padded by at most a quarter keeps the wide tile.
template <class V, int NVMAX>
static void gemm_block_narrow(const gemm_args& g, size_t m0, size_t m1, size_t n0, size_t n1, float* ws) {
  const size_t w = n1 - n0;
  if (NVMAX < 2 || w <= (size_t)V::N) return gemm_block_tiled<V, 12, 1>(g, m0, m1, n0, n1, ws);
  if constexpr (NVMAX >= 2) {
    if (NVMAX < 3 || w <= 2 * (size_t)V::N) return gemm_block_tiled<V, 12, 2>(g, m0, m1, n0, n1, ws);
  }
  if constexpr (NVMAX >= 3) gemm_block_tiled<V, 8, 3>(g, m0, m1, n0, n1, ws);
}

// A last panel of at most GEMM_MVEC_COLS columns past whole vectors, vectorised along M: vector v of column j holds p of
// rows r0 + v * V::N .. (each lane its own fma chain in k order, as everywhere), so a few columns do not
// pay a whole row vector each. b(k, j) is broadcast from B in place (either layout); C is folded element
// by element (the spec's fold, one lane at a time). Rows past `rows` (a last partial group) are computed
// on copies of the last valid row and never folded.
template <class V, int NT, int RV>
static inline void gemm_mvec_fold(const gemm_args& g, typename V::R (&acc)[NT][RV], size_t r0, size_t rows, size_t j0, int fold) {
  constexpr int RN = RV * V::N;
  alignas(64) float t[NT * RN];
#pragma GCC unroll 8
  for (int j = 0; j < NT; ++j)
#pragma GCC unroll 8
    for (int v = 0; v < RV; ++v) V::store(t + j * RN + v * V::N, acc[j][v]);
  for (size_t r = 0; r < rows; ++r) {
    float* c = g.c + (r0 + r) * g.ldc + j0;
    for (int j = 0; j < NT; ++j) c[j] = gemm_fold<Vs>(t[j * RN + r], c + j, fold, g.alpha, g.beta);
  }
}

// b(k, j) of a k block, k-major: bt[k * NT + j] (either layout of B), read by the tiles below.
template <int NT>
FG_NO_LIBCALLS static void gemm_pack_bcols(const gemm_args& g, size_t j0, size_t pc, size_t kc, float* bt) {
  const float* bb = g.b + (g.trans_b ? j0 * g.ldb + pc : pc * g.ldb + j0);
  const size_t bk = g.trans_b ? 1 : g.ldb, bj = g.trans_b ? g.ldb : 1;
  for (size_t k = 0; k < kc; ++k)
    for (int j = 0; j < NT; ++j) bt[k * NT + j] = bb[k * bk + j * bj];
}

// Transposed A: a(k, rows) is a run of A's row k, read in place (the last group through a lane mask).
template <class V, int NT, int RV>
static void gemm_tile_mvec_cols(const gemm_args& g, const float* bt, size_t r0, size_t rows, size_t j0, size_t pc, size_t kc,
                                int fold) {
  using R = typename V::R;
  R acc[NT][RV];
#pragma GCC unroll 8
  for (int j = 0; j < NT; ++j)
#pragma GCC unroll 8
    for (int v = 0; v < RV; ++v) acc[j][v] = V::zero();
  const size_t full_v = rows / V::N;  // whole vectors of valid rows
  const gemm_lanes last(rows % V::N ? rows % V::N : V::N);
  const float* at = g.a + pc * g.lda + r0;
#pragma GCC unroll 4
  for (size_t k = 0; k < kc; ++k) {
    R a[RV];
#pragma GCC unroll 8
    for (int v = 0; v < RV; ++v) {
      const float* ak = at + k * g.lda + v * V::N;
      if ((size_t)v < full_v) a[v] = V::load(ak);
      else if ((size_t)v == full_v && rows % V::N) a[v] = last.load(ak);
      else a[v] = V::zero();
    }
#pragma GCC unroll 8
    for (int j = 0; j < NT; ++j) {
      const R b = V::set1(bt[k * NT + j]);
#pragma GCC unroll 8
      for (int v = 0; v < RV; ++v) acc[j][v] = V::fma(a[v], b, acc[j][v]);
    }
  }
  gemm_mvec_fold<V, NT, RV>(g, acc, r0, rows, j0, fold);
}

// Row-major A: V::N rows x V::N k at a time are loaded (k past kc through a lane mask) and transposed in
// registers (V::transpose_regs), so that vector kk holds a(k + kk, rows of the group): nothing is packed
// or stored, A is read once at the speed of the transposes. RV groups of V::N rows: all whole, or
// (PARTIAL) `rows` rows, the missing rows of the last group repeating the last valid one (computed,
// never folded).
template <class V, int NT, int RV, bool PARTIAL>
static void gemm_tile_mvec_rows(const gemm_args& g, const float* bt, size_t r0, size_t rows, size_t j0, size_t pc, size_t kc,
                                int fold) {
  using R = typename V::R;
  constexpr int N = V::N;
  R acc[NT][RV];
#pragma GCC unroll 8
  for (int j = 0; j < NT; ++j)
#pragma GCC unroll 8
    for (int v = 0; v < RV; ++v) acc[j][v] = V::zero();
  const size_t lda = g.lda;
  const float* ar = g.a + r0 * lda + pc;
  const auto row = [&](int v, int i) {
    if constexpr (PARTIAL) {
      const size_t r = (size_t)v * N + (size_t)i;
      return ar + (r < rows ? r : rows - 1) * lda;
    }
    return ar + ((size_t)v * N + (size_t)i) * lda;
  };
  const size_t kv = kc / N * N;
  for (size_t k = 0; k < kv; k += N) {
#pragma GCC unroll 8
    for (int v = 0; v < RV; ++v) {
      // (opaque to the compiler: so that it neither keeps the broadcasts of b, shared by the groups, nor
      // RV * N row pointers in registers, which spills the transposes)
      const float* bk = bt + k * NT;
      const float* ak = row(v, 0) + k;
      __asm__("" : "+r"(bk), "+r"(ak));
      R a[N];
#pragma GCC unroll 16
      for (int i = 0; i < N; ++i) a[i] = V::load(PARTIAL ? row(v, i) + k : ak + i * lda);
      V::transpose_regs(a);
#pragma GCC unroll 16
      for (int kk = 0; kk < N; ++kk)
#pragma GCC unroll 8
        for (int j = 0; j < NT; ++j) acc[j][v] = V::fma(a[kk], V::set1(bk[kk * NT + j]), acc[j][v]);
    }
  }
  if (kv < kc) {
    // the last kc - kv (< N) k: lanes past kc are loaded as zero, transposed through memory, not used
    const gemm_lanes tail(kc - kv);
    alignas(64) float t[RV][N * N];
#pragma GCC unroll 8
    for (int v = 0; v < RV; ++v) {
      R a[N];
      for (int i = 0; i < N; ++i) a[i] = tail.load(row(v, i) + kv);
      V::transpose_regs(a);
      for (int kk = 0; kk < N; ++kk) V::store(t[v] + kk * N, a[kk]);
    }
    for (size_t kk = 0; kk < kc - kv; ++kk)
#pragma GCC unroll 8
      for (int v = 0; v < RV; ++v)
#pragma GCC unroll 8
        for (int j = 0; j < NT; ++j) acc[j][v] = V::fma(V::load(t[v] + kk * N), V::set1(bt[(kv + kk) * NT + j]), acc[j][v]);
  }
  gemm_mvec_fold<V, NT, RV>(g, acc, r0, rows, j0, fold);
}

template <class V, int NT, int RV>
static void gemm_block_mvec_rv(const gemm_args& g, size_t m0, size_t m1, size_t j0) {
  constexpr size_t RN = RV * V::N;
  alignas(64) float bt[GEMM_KC * NT];
  for (size_t pc = 0; pc < g.k; pc += GEMM_KC) {
    const size_t kc = g.k - pc < GEMM_KC ? g.k - pc : GEMM_KC;
    const int fold = pc > 0 ? FOLD_ADD : g.beta == 0.0f ? FOLD_SET : FOLD_BETA;
    gemm_pack_bcols<NT>(g, j0, pc, kc, bt);
    for (size_t r0 = m0; r0 < m1; r0 += RN) {
      const size_t rows = m1 - r0 < RN ? m1 - r0 : RN;
      if (g.trans_a) {
        gemm_tile_mvec_cols<V, NT, RV>(g, bt, r0, rows, j0, pc, kc, fold);
      } else if (rows == RN) {
        gemm_tile_mvec_rows<V, NT, RV, false>(g, bt, r0, rows, j0, pc, kc, fold);
      } else {
        // a last partial tile: as many groups as it needs (independent fma chains, run side by side)
        const size_t groups = (rows + V::N - 1) / V::N;
        if (groups == 1) gemm_tile_mvec_rows<V, NT, 1, true>(g, bt, r0, rows, j0, pc, kc, fold);
        if constexpr (RV >= 2)
          if (groups == 2) gemm_tile_mvec_rows<V, NT, 2, true>(g, bt, r0, rows, j0, pc, kc, fold);
        if constexpr (RV >= 3)
          if (groups == 3) gemm_tile_mvec_rows<V, NT, 3, true>(g, bt, r0, rows, j0, pc, kc, fold);
        if constexpr (RV >= 4)
          if (groups == 4) gemm_tile_mvec_rows<V, NT, 4, true>(g, bt, r0, rows, j0, pc, kc, fold);
        static_assert(RV <= 4, "a partial tile of up to 4 groups");
      }
    }
  }
}

// RV groups of rows side by side (independent fma chains to hide the fma latency), except a row-major
// A larger than L2: its RV * V::N rows are as many streams through memory, more than the hardware
// prefetchers follow (1024 x 1 x 1024 took 1.9x longer with 4 groups than with 1, one thread on Zen 5),
// so it runs one group (V::N streams) at a time.
constexpr size_t GEMM_MVEC_STREAM = 262144;  // floats of A (1 MiB)
template <class V, int NT>
static void gemm_block_mvec(const gemm_args& g, size_t m0, size_t m1, size_t j0) {
  constexpr int RV = NT <= 2 ? 4 : NT <= 4 ? 2 : 1;
  if (!g.trans_a && (m1 - m0) * g.k > GEMM_MVEC_STREAM) return gemm_block_mvec_rv<V, NT, 1>(g, m0, m1, j0);
  gemm_block_mvec_rv<V, NT, RV>(g, m0, m1, j0);
}

// The last nt (1..GEMM_MVEC_COLS) columns of C[m0, m1): gemm_block_mvec, then the epilogue.
constexpr size_t GEMM_MVEC_COLS = 4;
template <class V>
static void gemm_cols_mvec(const gemm_args& g, size_t m0, size_t m1, size_t j0, size_t nt) {
  if (g.k == 0 || g.alpha == 0.0f) return gemm_empty_k<V>(g, m0, m1, j0, j0 + nt);
  switch (nt) {
    case 1: gemm_block_mvec<V, 1>(g, m0, m1, j0); break;
    case 2: gemm_block_mvec<V, 2>(g, m0, m1, j0); break;
    case 3: gemm_block_mvec<V, 3>(g, m0, m1, j0); break;
    default: gemm_block_mvec<V, 4>(g, m0, m1, j0); break;
  }
  gemm_epilogue<V>(g, m0, m1, j0, j0 + nt);
}

template <class V>
static void gemm_block(const gemm_args& g, size_t m0, size_t m1, size_t n0, size_t n1, float* ws) {
  constexpr int MR = gemm_shape<V::N>::MR, NV = gemm_shape<V::N>::NV, NR = NV * V::N;
  if constexpr (V::N >= 8) {
    // a few columns past whole vectors: along M (see gemm_block_mvec), whatever the layout of A (a
    // row-major A beside wide panels too, since it is transposed in registers: 200x36x200 0.89 -> 0.78,
    // 68^3 1.23 -> 1.12 of OpenBLAS, one thread on Zen 5; with the transposed panel it had cost more)
    const size_t lanes = (n1 - n0) % V::N;
    if (lanes > 0 && lanes <= GEMM_MVEC_COLS && m1 - m0 >= (size_t)V::N) {
      gemm_block<V>(g, m0, m1, n0, n1 - lanes, ws);
      return gemm_cols_mvec<V>(g, m0, m1, n1 - lanes, lanes);
    }
  }
  if constexpr (V::N > 1 && NV > 1) {
    const size_t w = n1 - n0, full = w / NR * NR, rest = w - full;
    // the narrow tiles cover at most NV - 1 vectors (at most 3)
    constexpr int NVMAX = NV - 1 < 3 ? NV - 1 : 3;
    if (rest > 0 && rest <= (size_t)NVMAX * V::N && 4 * rest <= (size_t)3 * NR) {
      if (full > 0) gemm_block_tiled<V, MR, NV>(g, m0, m1, n0, n0 + full, ws);
      return gemm_block_narrow<V, NVMAX>(g, m0, m1, n0 + full, n1, ws);
    }
  }
  gemm_block_tiled<V, MR, NV>(g, m0, m1, n0, n1, ws);
}

template <class V>
static void gemm_fmaf(const float* a, const float* b, const float* c, float* y, size_t begin, size_t end) {
  each<V>(begin, end, [&](auto w, size_t i) {
    using W = decltype(w);
    W::store(y + i, W::fma(W::load(a + i), W::load(b + i), W::load(c + i)));
  });
}

template <class V>
static void fill_gemm(gemm_table& t) {
  constexpr size_t MR = gemm_shape<V::N>::MR, NR = gemm_shape<V::N>::NV * V::N;
  t.mr = MR;
  t.nr = NR;
  t.workspace_floats = GEMM_B_FLOATS;
  t.block = gemm_block<V>;
  t.fmaf = gemm_fmaf<V>;
}
