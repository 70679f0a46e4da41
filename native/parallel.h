// The one place that talks to OpenMP.
//
// Policy: kernels take [begin, end) ranges and never thread themselves; bindings call parallel_for,
// which cuts the range into contiguous chunks on `align` boundaries (e.g. canonical blocks), one per
// thread. Chunking only ever changes which thread runs a piece of work, never the arithmetic, so
// results do not depend on the thread count. Work below kParallelMinWork stays on the calling thread.
#pragma once
#include <cstddef>
#if defined(FG_HAVE_OPENMP)
#include <omp.h>
#endif

namespace fg {

// Below this many elements of work a call runs on the calling thread. Measured with
// bench/threshold.ts (elementwise add, 1 vs 2 threads, medians of interleaved rounds; docs/bench.md):
// 2 threads lose below 16K elements (0.9x at 16384), break even near 23K (1.03-1.16x at 23168) and
// win from there on (1.2-1.3x at 32K, 1.5x at 64K, 1.9x at 128K).
constexpr size_t kParallelMinWork = 24576;

int hardware_threads();
bool have_openmp();

// Runs f(b, e) over [0, n) cut on `align` boundaries into exactly min(nt, units) contiguous chunks,
// one per thread, whatever the amount of work (parallel_for decides nt; the bench's threshold probe
// calls this directly to time 1 vs 2 threads below the threshold).
template <class F>
void parallel_run(size_t n, size_t align, size_t nt, const F& f) {
  if (n == 0) return;
  if (align == 0) align = 1;
  const size_t units = (n + align - 1) / align;
  if (nt > units) nt = units;
#if defined(FG_HAVE_OPENMP)
  if (nt > 1) {
#pragma omp parallel num_threads((int)nt)
    {
      const size_t t = (size_t)omp_get_thread_num(), T = (size_t)omp_get_num_threads();
      const size_t u0 = units * t / T, u1 = units * (t + 1) / T;
      const size_t b = u0 * align, e = u1 * align < n ? u1 * align : n;
      if (b < e) f(b, e);
    }
    return;
  }
#endif
  f(0, n);
}

template <class F>
void parallel_for(size_t n, size_t align, size_t work, int threads, const F& f) {
  size_t nt = threads < 1 ? 1 : (size_t)threads;
  const size_t per_thread_min = kParallelMinWork / 2;
  if (nt > 1 && work / nt < per_thread_min) nt = work / per_thread_min < 1 ? 1 : work / per_thread_min;
  if (work < kParallelMinWork) nt = 1;
  parallel_run(n, align, nt, f);
}

// 2-D variant for work on a rows x cols grid (e.g. the blocks of a matrix product): the grid is cut
// into tr x tc rectangles (edges on align_r / align_c boundaries), about `tiles_per_thread` per thread,
// choosing the cut whose largest rectangle (plus a per-row/column overhead `edge_cost`, e.g. packing)
// is smallest; threads take rectangles dynamically (a thread slowed down by another process simply
// takes fewer). f(r0, r1, c0, c1) runs once per non-empty rectangle. As for parallel_for, the cut and
// the schedule change only which thread computes what, never the arithmetic.
template <class F>
void parallel_for_2d(size_t rows, size_t cols, size_t align_r, size_t align_c, size_t work, int threads, size_t edge_cost,
                     size_t tiles_per_thread, const F& f) {
  if (rows == 0 || cols == 0) return;
  if (align_r == 0) align_r = 1;
  if (align_c == 0) align_c = 1;
  const size_t ur = (rows + align_r - 1) / align_r, uc = (cols + align_c - 1) / align_c;
  size_t nt = threads < 1 ? 1 : (size_t)threads;
  const size_t per_thread_min = kParallelMinWork / 2;
  if (nt > 1 && work / nt < per_thread_min) nt = work / per_thread_min < 1 ? 1 : work / per_thread_min;
#if defined(FG_HAVE_OPENMP)
  if (nt > 1 && work >= kParallelMinWork) {
    const size_t want = nt * (tiles_per_thread < 1 ? 1 : tiles_per_thread);
    size_t best_r = 1, best_c = 1;
    double best = -1;
    for (size_t tr = 1; tr <= want && tr <= ur; ++tr) {
      size_t tc = want / tr;
      if (tc > uc) tc = uc;
      const size_t T = tr * tc;
      const double h = (double)((ur + tr - 1) / tr * align_r), w = (double)((uc + tc - 1) / tc * align_c);
      // rounds of the schedule times the cost of one rectangle
      const double cost = (double)((T + nt - 1) / nt) * (h * w + (double)edge_cost * (h + w));
      if (best < 0 || cost < best) best = cost, best_r = tr, best_c = tc;
    }
    const long T = (long)(best_r * best_c);
    if (T > 1) {
#pragma omp parallel for num_threads((int)(nt < (size_t)T ? nt : (size_t)T)) schedule(dynamic, 1)
      for (long t = 0; t < T; ++t) {
        const size_t i = (size_t)t / best_c, j = (size_t)t % best_c;
        const size_t r0 = ur * i / best_r * align_r, r1e = ur * (i + 1) / best_r * align_r;
        const size_t c0 = uc * j / best_c * align_c, c1e = uc * (j + 1) / best_c * align_c;
        const size_t r1 = r1e < rows ? r1e : rows, c1 = c1e < cols ? c1e : cols;
        if (r0 < r1 && c0 < c1) f(r0, r1, c0, c1);
      }
      return;
    }
  }
#endif
  f(0, rows, 0, cols);
}

}  // namespace fg
