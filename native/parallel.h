// The one place for threading.
//
// Policy: kernels take [begin, end) ranges and never thread themselves; bindings call parallel_for,
// which cuts the range into contiguous chunks on `align` boundaries (e.g. canonical blocks). Chunking
// only ever changes which thread runs a piece of work, never the arithmetic, so results do not depend
// on the thread count, on the number of chunks or on which thread takes which chunk. Work below
// kParallelMinWork stays on the calling thread.
//
// Scheduler (docs/bench.md "Threading under load"): a call's chunks go to a job that the calling thread
// and up to nt - 1 pool threads take chunks from, first come first served; the call returns as soon as
// every chunk is done. A pool thread that the OS has descheduled (another process has its core) simply
// takes no chunk: the caller never waits for a thread to arrive, only for chunks already taken. An
// OpenMP parallel region instead ends in a barrier that every team thread must reach, so a 2-thread
// region waits out the descheduled thread's time slice (milliseconds) even when its share of the work is
// small. Pool threads spin kSpinMicros after a job (back-to-back calls find them awake), then sleep on a
// condition variable. One job at a time: a call made while another is running (another thread's call,
// or a kernel called from inside a chunk) runs its chunks on its own thread, which gives the same bits.
//
// The OpenMP team (the previous scheduler: one static chunk per thread, a join barrier) stays
// selectable for the bench's same-run comparison (set_scheduler, JS probeSetScheduler). The pool needs
// no OpenMP, but a build without it is the documented one-thread fallback binary and stays on one thread.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <mutex>
#include <thread>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif
#if defined(FG_HAVE_OPENMP)
#include <omp.h>
#endif

namespace fg {

// Below this many elements of work a call runs on the calling thread. Measured with
// bench/threshold.ts (elementwise add, 1 vs 2 threads, medians of interleaved rounds; docs/bench.md):
// 2 threads lose below 16K elements (0.9x at 16384), break even near 23K (1.03-1.16x at 23168) and
// win from there on (1.2-1.3x at 32K, 1.5x at 64K, 1.9x at 128K).
constexpr size_t kParallelMinWork = 24576;
// A job has nt * k chunks, k = work / (nt * kChunkMinWork) clamped to [1, kChunksPerThread]: enough
// chunks that a thread slowed down by another process leaves its share to the others, none so small
// that taking it (one atomic compare-exchange) costs anything.
constexpr size_t kChunkMinWork = 8192;
constexpr size_t kChunksPerThread = 8;
// How long a pool thread spins for the next job before it sleeps.
constexpr int kSpinMicros = 100;
// Pool threads at most (a call asks for at most kMaxThreads threads, the caller included).
constexpr size_t kMaxThreads = 256;

int hardware_threads();
bool have_openmp();

enum class Scheduler { pool, openmp_team };

namespace detail {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(_M_X64)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

using chunk_fn = void (*)(const void* ctx, size_t chunk);

enum class Fault : int { none = 0, bad_alloc, exception, unknown };

// The job word: generation (24 bits) | free worker seats (8) | next chunk (16) | chunk count (16).
// Workers join a job by taking a seat and take chunks by advancing `next`, both by compare-exchange on
// the whole word, so a thread that read an older generation can take nothing from a newer job.
struct Word {
  static uint64_t pack(uint64_t gen, uint64_t seats, uint64_t next, uint64_t count) {
    return (gen & 0xFFFFFF) << 40 | seats << 32 | next << 16 | count;
  }
  static uint32_t gen(uint64_t w) { return (uint32_t)(w >> 40); }
  static uint32_t seats(uint64_t w) { return (uint32_t)(w >> 32) & 0xFF; }
  static uint32_t next(uint64_t w) { return (uint32_t)(w >> 16) & 0xFFFF; }
  static uint32_t count(uint64_t w) { return (uint32_t)w & 0xFFFF; }
};
constexpr size_t kMaxChunks = 0xFFFF;

class Pool {
 public:
  static Pool& get() {
    static Pool* p = new Pool();  // never destroyed: detached workers may still sleep on it at exit
    return *p;
  }

  Scheduler scheduler() const { return scheduler_.load(std::memory_order_relaxed); }
  void set_scheduler(Scheduler s) { scheduler_.store(s, std::memory_order_relaxed); }

  // Runs fn(ctx, c) for every c in [0, chunks) on up to nt threads (the caller included).
  void run(size_t chunks, size_t nt, chunk_fn fn, const void* ctx) {
    if (nt > kMaxThreads) nt = kMaxThreads;
    if (chunks > kMaxChunks) chunks = kMaxChunks;  // callers cap chunks far below this
    bool idle = false;
    if (nt < 2 || chunks < 2 || !busy_.compare_exchange_strong(idle, true, std::memory_order_acquire)) {
      for (size_t c = 0; c < chunks; ++c) fn(ctx, c);
      return;
    }
    if (!ensure_workers(nt - 1)) {
      busy_.store(false, std::memory_order_release);
      for (size_t c = 0; c < chunks; ++c) fn(ctx, c);
      return;
    }
    fn_.store(fn, std::memory_order_relaxed);
    ctx_.store(ctx, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    fault_.store(0, std::memory_order_relaxed);
    const uint32_t gen = (Word::gen(word_.load(std::memory_order_relaxed)) + 1) & 0xFFFFFF;
    word_.store(Word::pack(gen, nt - 1, 0, chunks), std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lk(mu_);
      cv_.notify_all();
    }
    take_chunks(gen);
    // Wait for the chunks other threads took (never for a thread that took none).
    for (int spins = 0; done_.load(std::memory_order_acquire) != chunks; ++spins) {
      if (spins < 4096) cpu_relax();
      else std::this_thread::yield();  // the thread holding a chunk may share this core
    }
    const Fault fault = static_cast<Fault>(fault_.load(std::memory_order_acquire));
    const std::string what = fault == Fault::exception ? std::string(fault_what_) : std::string();
    busy_.store(false, std::memory_order_release);
    switch (fault) {
      case Fault::none: return;
      case Fault::bad_alloc: throw std::bad_alloc();
      case Fault::exception: throw std::runtime_error(what);
      case Fault::unknown: throw std::runtime_error("an unknown exception in a parallel chunk");
    }
  }

 private:
  Pool() = default;

  // Takes chunks of generation `gen` until none is left; returns how many it ran.
  void take_chunks(uint32_t gen) {
    const chunk_fn fn = fn_.load(std::memory_order_relaxed);
    const void* ctx = ctx_.load(std::memory_order_relaxed);
    uint64_t w = word_.load(std::memory_order_acquire);
    for (;;) {
      if (Word::gen(w) != gen || Word::next(w) >= Word::count(w)) return;
      if (!word_.compare_exchange_weak(w, w + (1u << 16), std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      try {
        fn(ctx, Word::next(w));
      } catch (const std::bad_alloc&) {
        record(Fault::bad_alloc, nullptr);
      } catch (const std::exception& e) {
        record(Fault::exception, e.what());
      } catch (...) {
        record(Fault::unknown, nullptr);
      }
      done_.fetch_add(1, std::memory_order_release);
      w = word_.load(std::memory_order_acquire);
    }
  }

  // The first fault of a job wins; the caller reads it after every chunk is done (done_ is released after this).
  void record(Fault f, const char* what) {
    int none = 0;
    if (!fault_.compare_exchange_strong(none, static_cast<int>(f), std::memory_order_acq_rel)) return;
    size_t i = 0;
    for (; what && what[i] && i + 1 < sizeof fault_what_; ++i) fault_what_[i] = what[i];
    fault_what_[i] = '\0';
  }

  bool ensure_workers(size_t n) {
    if (started_.load(std::memory_order_acquire) >= n) return true;
    std::lock_guard<std::mutex> lk(spawn_mu_);
    try {
      for (size_t k = started_.load(std::memory_order_relaxed); k < n; ++k) {
        std::thread(&Pool::worker, this).detach();
        started_.store(k + 1, std::memory_order_release);
      }
    } catch (...) {
      return false;  // no thread could be started: the call runs on its own thread
    }
    return true;
  }

  void worker() {
    uint32_t seen = Word::gen(word_.load(std::memory_order_acquire));
    for (;;) {
      uint64_t w = wait_for_job(seen);
      seen = Word::gen(w);
      // take a seat (at most nt - 1 workers join a job), then chunks
      for (;;) {
        if (Word::gen(w) != seen || Word::seats(w) == 0 || Word::next(w) >= Word::count(w)) break;
        if (word_.compare_exchange_weak(w, w - (1ull << 32), std::memory_order_acq_rel, std::memory_order_acquire)) {
          take_chunks(seen);
          break;
        }
      }
    }
  }

  // Spins kSpinMicros, then sleeps, until the job word's generation is not `seen`.
  uint64_t wait_for_job(uint32_t seen) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0;; ++i) {
      const uint64_t w = word_.load(std::memory_order_acquire);
      if (Word::gen(w) != seen) return w;
      cpu_relax();
      if ((i & 63) == 63 && std::chrono::steady_clock::now() - t0 > std::chrono::microseconds(kSpinMicros)) break;
    }
    std::unique_lock<std::mutex> lk(mu_);
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    uint64_t w;
    // A timed wait on the system clock, re-checked every 100 ms (a notify wakes it at once): the untimed
    // condition_variable::wait(unique_lock&) is an out-of-line symbol of GCC 12's libstdc++
    // (GLIBCXX_3.4.30) and a steady-clock wait calls pthread_cond_clockwait (GLIBC_2.34), both newer
    // than what the prebuilt binaries may require (scripts/prebuild.cjs); this one is inline over
    // pthread_cond_timedwait.
    while (Word::gen(w = word_.load(std::memory_order_seq_cst)) == seen) {
      cv_.wait_until(lk, std::chrono::system_clock::now() + std::chrono::milliseconds(100));
    }
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
    return w;
  }

  std::atomic<Scheduler> scheduler_{Scheduler::pool};
  std::atomic<bool> busy_{false};
  std::atomic<uint64_t> word_{0};
  std::atomic<chunk_fn> fn_{nullptr};
  std::atomic<const void*> ctx_{nullptr};
  std::atomic<size_t> done_{0};
  // A chunk's exception, carried to the caller as its kind and message (std::exception_ptr's inline
  // reference counting needs CXXABI_1.3.13, newer than the prebuilt binaries may require).
  std::atomic<int> fault_{0};
  char fault_what_[256] = {};
  std::mutex mu_, spawn_mu_;
  std::condition_variable cv_;
  std::atomic<int> sleepers_{0};
  std::atomic<size_t> started_{0};
};

// Chunk c of `chunks` over [0, n) on `align` boundaries (units = ceil(n / align)).
inline void chunk_range(size_t n, size_t align, size_t units, size_t chunks, size_t c, size_t& b, size_t& e) {
  const size_t u0 = units * c / chunks, u1 = units * (c + 1) / chunks;
  b = u0 * align;
  e = u1 * align < n ? u1 * align : n;
}

}  // namespace detail

inline Scheduler scheduler() { return detail::Pool::get().scheduler(); }
inline void set_scheduler(Scheduler s) { detail::Pool::get().set_scheduler(s); }

// Runs f(b, e) over [0, n) cut on `align` boundaries into min(chunks, units) contiguous chunks on up to
// nt threads, whatever the amount of work (parallel_for decides nt and chunks; the bench's threshold probe
// calls this directly to time 1 vs 2 threads below the threshold).
template <class F>
void parallel_chunks(size_t n, size_t align, size_t nt, size_t chunks, const F& f) {
  if (n == 0) return;
  if (align == 0) align = 1;
  const size_t units = (n + align - 1) / align;
  if (nt < 1) nt = 1;
#if !defined(FG_HAVE_OPENMP)
  nt = 1;  // a build without OpenMP is the one-thread fallback binary (README "Threads", docs/build.md)
#endif
  if (chunks < nt) chunks = nt;
  if (chunks > detail::kMaxChunks) chunks = detail::kMaxChunks;
  if (chunks > units) chunks = units;
  if (nt > chunks) nt = chunks;
  if (nt < 2) {
    f(0, n);
    return;
  }
#if defined(FG_HAVE_OPENMP)
  if (scheduler() == Scheduler::openmp_team) {
#pragma omp parallel num_threads((int)nt)
    {
      const size_t t = (size_t)omp_get_thread_num(), T = (size_t)omp_get_num_threads();
      size_t b, e;
      detail::chunk_range(n, align, units, T, t, b, e);
      if (b < e) f(b, e);
    }
    return;
  }
#endif
  struct Ctx {
    const F* f;
    size_t n, align, units, chunks;
  } ctx{&f, n, align, units, chunks};
  detail::Pool::get().run(chunks, nt, [](const void* p, size_t c) {
    const Ctx& x = *static_cast<const Ctx*>(p);
    size_t b, e;
    detail::chunk_range(x.n, x.align, x.units, x.chunks, c, b, e);
    if (b < e) (*x.f)(b, e);
  }, &ctx);
}

// One chunk per thread.
template <class F>
void parallel_run(size_t n, size_t align, size_t nt, const F& f) {
  parallel_chunks(n, align, nt, nt, f);
}

template <class F>
void parallel_for(size_t n, size_t align, size_t work, int threads, const F& f) {
  size_t nt = threads < 1 ? 1 : (size_t)threads;
  const size_t per_thread_min = kParallelMinWork / 2;
  if (nt > 1 && work / nt < per_thread_min) nt = work / per_thread_min < 1 ? 1 : work / per_thread_min;
  if (work < kParallelMinWork) nt = 1;
  size_t k = nt > 1 ? work / (nt * kChunkMinWork) : 1;
  k = k < 1 ? 1 : k > kChunksPerThread ? kChunksPerThread : k;
  parallel_chunks(n, align, nt, nt * k, f);
}

// 2-D variant for work on a rows x cols grid (e.g. the blocks of a matrix product): the grid is cut
// into tr x tc rectangles (edges on align_r / align_c boundaries), about `tiles_per_thread` per thread,
// choosing the cut whose largest rectangle (plus a per-row/column overhead `edge_cost`, e.g. packing)
// is smallest; threads take rectangles as they come free (a thread slowed down by another process simply
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
#if !defined(FG_HAVE_OPENMP)
  nt = 1;  // the one-thread fallback binary, as in parallel_chunks
#endif
  const size_t per_thread_min = kParallelMinWork / 2;
  if (nt > 1 && work / nt < per_thread_min) nt = work / per_thread_min < 1 ? 1 : work / per_thread_min;
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
    const size_t T = best_r * best_c < detail::kMaxChunks ? best_r * best_c : 1;
    if (T > 1) {
      auto tile = [&](size_t t) {
        const size_t i = t / best_c, j = t % best_c;
        const size_t r0 = ur * i / best_r * align_r, r1e = ur * (i + 1) / best_r * align_r;
        const size_t c0 = uc * j / best_c * align_c, c1e = uc * (j + 1) / best_c * align_c;
        const size_t r1 = r1e < rows ? r1e : rows, c1 = c1e < cols ? c1e : cols;
        if (r0 < r1 && c0 < c1) f(r0, r1, c0, c1);
      };
      const size_t team = nt < T ? nt : T;
#if defined(FG_HAVE_OPENMP)
      if (scheduler() == Scheduler::openmp_team) {
#pragma omp parallel for num_threads((int)team) schedule(dynamic, 1)
        for (long t = 0; t < (long)T; ++t) tile((size_t)t);
        return;
      }
#endif
      detail::Pool::get().run(T, team, [](const void* p, size_t t) { (*static_cast<const decltype(tile)*>(p))(t); }, &tile);
      return;
    }
  }
  f(0, rows, 0, cols);
}

}  // namespace fg
