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

}  // namespace fg
