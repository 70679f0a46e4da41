// GEMM family bindings. JS names: gemm, gemmAsync, fmaf.
#include <atomic>
#include <cstdlib>
#include "binding/async.h"
#include "binding/common.h"
#include "parallel.h"

namespace fg {

// The packing workspace of one thread (a ThreadBuffer, binding/common.h).
static thread_local ThreadBuffer tl_workspace;

// Cost of packing one row of A or one column of B of a thread's rectangle, in multiply-adds per k
// (the unit of the partition's area term): a packed element costs about 20-45 multiply-adds of the
// AVX-512 micro-kernel (measured: 0.2-0.5 ns vs ~0.01 ns), so thin rectangles lose.
constexpr size_t kGemmEdgeCost = 40;
// Rectangles of C per thread. Each rectangle packs its own panels, so more rectangles cost packing:
// measured at 2 threads on the autoencoder shapes, 1 per thread gave 312 GFLOP/s over the 24 GEMMs,
// 2 gave 253 and 4 gave 266 (4 evens out a thread slowed by another process, but costs ~15% of CPU
// time on a quiet machine).
constexpr size_t kGemmTilesPerThread = 1;
// Multiply-adds worth one element of parallel.h's work unit. With 128 (and kParallelMinWork = 24576),
// a second thread starts from about 3.1M multiply-adds (just above 128^3; ~17 us on one AVX-512
// core): below that the fork/join (and, on a busy machine, waiting for the second thread to be
// scheduled) costs more than it can save.
constexpr double kGemmFmasPerElement = 128;

// The epilogue activations are the unary family's kernels: the same math as fg.ops.relu/sigmoid/tanh.
static gemm_row_fn activation_kernel(const KernelTable& t, int act) {
  switch (act) {
    case GEMM_ACT_RELU: return t.unary.map[UN_RELU];
    case GEMM_ACT_SIGMOID: return t.unary.map[UN_SIGMOID];
    case GEMM_ACT_TANH: return t.unary.map[UN_TANH];
    default: return nullptr;
  }
}

float* gemm_thread_workspace(size_t floats) noexcept { return tl_workspace.get(floats); }

void gemm_run(const gemm_table& t, const gemm_args& g, int threads) {
  if (g.m == 0 || g.n == 0) return;
  // The calling thread's workspace first: running out of memory then throws before C is touched.
  if (!tl_workspace.get(t.workspace_floats)) throw std::bad_alloc();
  std::atomic<bool> out_of_memory{false};
  // Work in parallel.h's units (elements streamed once): kGemmFmasPerElement multiply-adds each.
  const double units = (double)g.m * (double)g.n * (double)g.k / kGemmFmasPerElement;
  const size_t work = (size_t)(units < 1e18 ? units : 1e18);
  parallel_for_2d(g.m, g.n, t.mr, t.nr, work, threads, kGemmEdgeCost, kGemmTilesPerThread, [&](size_t r0, size_t r1, size_t c0, size_t c1) {
    float* ws = tl_workspace.get(t.workspace_floats);
    if (!ws) {
      out_of_memory.store(true);
      return;
    }
    t.block(g, r0, r1, c0, c1, ws);
  });
  // Another thread could not get its workspace: its rectangle of C is unwritten, so the call fails.
  if (out_of_memory.load()) throw std::bad_alloc();
}

static size_t checked_product(Napi::Env env, size_t a, size_t b, const char* what) {
  if (a && b > SIZE_MAX / 4 / a) throw_range(env, std::string("Expected ") + what + " to fit in memory");
  return a * b;
}

// gemm(a, b, c, m, n, k, transA, transB, alpha, beta, bias | null, activation):
// c (m x n) = alpha * op(a) * op(b) + beta * c, then c += bias (row of n), then the activation
// (0 none, 1 relu). op(a) is m x k (a stored k x m when transA), op(b) is k x n (b stored n x k when transB).
// A job (binding/async.h): validates on the calling thread and returns the work, run at once by gemm
// and on the libuv thread pool by gemmAsync (same arguments, Promise<void>).
static auto gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 a = arg_f32(info, 0, "a"), b = arg_f32(info, 1, "b"), c = arg_f32(info, 2, "c");
  const size_t m = arg_size(info, 3, "m"), n = arg_size(info, 4, "n"), k = arg_size(info, 5, "k");
  const bool trans_a = arg_bool(info, 6, "transA"), trans_b = arg_bool(info, 7, "transB");
  const float alpha = (float)arg_number(info, 8, "alpha"), beta = (float)arg_number(info, 9, "beta");
  const bool has_bias = info.Length() > 10 && !info[10].IsNull() && !info[10].IsUndefined();
  F32 bias{nullptr, 0};
  if (has_bias) bias = arg_f32(info, 10, "bias");
  const int act = arg_int(info, 11, "activation", 0, GEMM_ACT_COUNT - 1);
  check_len(env, a, checked_product(env, m, k, "m * k"), "a");
  check_len(env, b, checked_product(env, k, n, "k * n"), "b");
  check_len(env, c, checked_product(env, m, n, "m * n"), "c");
  if (has_bias) check_len(env, bias, n, "bias");
  check_disjoint(env, c, a, "c", "a");
  check_disjoint(env, c, b, "c", "b");
  if (has_bias) check_disjoint(env, c, bias, "c", "bias");
  AddonData& d = addon(info);
  const gemm_table* tp = &d.table->gemm;
  const int threads = d.threads;
  const gemm_args g{m, n, k, a.p, trans_a ? m : k, trans_a, b.p, trans_b ? k : n, trans_b, c.p, n,
                    alpha, beta, has_bias ? bias.p : nullptr, activation_kernel(*d.table, act)};
  return [g, tp, threads]() { gemm_run(*tp, g, threads); };
}

// fmaf(a, b, c, out): out = fma(a, b, c) elementwise, one rounding (the reference for the TypeScript emulation).
static Napi::Value fmaf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 a = arg_f32(info, 0, "a"), b = arg_f32(info, 1, "b"), c = arg_f32(info, 2, "c"), y = arg_f32(info, 3, "out");
  check_len(env, b, a.n, "b");
  check_len(env, c, a.n, "c");
  check_len(env, y, a.n, "out");
  check_same_or_disjoint(env, y, a, "out", "a");
  check_same_or_disjoint(env, y, b, "out", "b");
  check_same_or_disjoint(env, y, c, "out", "c");
  addon(info).table->gemm.fmaf(a.p, b.p, c.p, y.p, 0, a.n);
  return env.Undefined();
}

void register_gemm(Napi::Env env, Napi::Object exports) {
  FG_JOB_FNS(exports, "gemm", gemm);
  FG_FN(exports, "fmaf", fmaf);
}

}  // namespace fg
