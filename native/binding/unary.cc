// Unary family bindings. JS names: unaryMap, unaryBackward, softmax, logSoftmax.
#include "binding/common.h"
#include "parallel.h"

namespace fg {

// Work weight of one element, in units of "streaming one float" (parallel.h kParallelMinWork):
// the polynomial kernels cost several times a copy, so they start threads on smaller arrays.
static size_t unary_cost(int op) { return op == UN_EXP || op == UN_LOG || op == UN_SIGMOID || op == UN_TANH ? 8 : 1; }

// unaryMap(op, x, y): y[i] = op(x[i]); y may be x.
static Napi::Value unary_map(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int op = arg_int(info, 0, "op", 0, UN_COUNT - 1);
  F32 x = arg_f32(info, 1, "x"), y = arg_f32(info, 2, "out");
  check_len(env, y, x.n, "out");
  check_same_or_disjoint(env, y, x, "out", "x");
  AddonData& d = addon(info);
  const auto f = d.table->unary.map[op];
  parallel_for(x.n, 64, x.n * unary_cost(op), d.threads, [&](size_t i0, size_t i1) { f(x.p, y.p, i0, i1); });
  return env.Undefined();
}

// unaryBackward(op, y, dy, dx): dx from the forward output y and the upstream gradient dy.
static Napi::Value unary_backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int op = arg_int(info, 0, "op", 0, ACT_COUNT - 1);
  F32 y = arg_f32(info, 1, "y"), dy = arg_f32(info, 2, "dy"), dx = arg_f32(info, 3, "out");
  check_len(env, dy, y.n, "dy");
  check_len(env, dx, y.n, "out");
  check_same_or_disjoint(env, dx, y, "out", "y");
  check_same_or_disjoint(env, dx, dy, "out", "dy");
  AddonData& d = addon(info);
  const auto f = d.table->unary.backward[op];
  parallel_for(y.n, 64, y.n, d.threads, [&](size_t i0, size_t i1) { f(y.p, dy.p, dx.p, i0, i1); });
  return env.Undefined();
}

using RowKernel = void (*)(const float*, float*, size_t, size_t, size_t);

// softmax / logSoftmax (x, y, rows, cols): one row per task, threads split rows.
static Napi::Value row_softmax(const Napi::CallbackInfo& info, RowKernel f) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x"), y = arg_f32(info, 1, "out");
  const size_t rows = arg_size(info, 2, "rows"), cols = arg_size(info, 3, "cols");
  if (cols && rows > SIZE_MAX / 4 / cols) throw_range(env, "Expected rows * cols to fit in memory");
  const size_t n = rows * cols;
  check_len(env, x, n, "x");
  check_len(env, y, n, "out");
  check_same_or_disjoint(env, y, x, "out", "x");
  if (n == 0) return env.Undefined();
  AddonData& d = addon(info);
  parallel_for(rows, 1, n * 8, d.threads, [&](size_t r0, size_t r1) { f(x.p, y.p, cols, r0, r1); });
  return env.Undefined();
}

static Napi::Value softmax(const Napi::CallbackInfo& info) { return row_softmax(info, addon(info).table->unary.softmax); }
static Napi::Value log_softmax(const Napi::CallbackInfo& info) { return row_softmax(info, addon(info).table->unary.log_softmax); }

void register_unary(Napi::Env env, Napi::Object exports) {
  FG_FN(exports, "unaryMap", unary_map);
  FG_FN(exports, "unaryBackward", unary_backward);
  FG_FN(exports, "softmax", softmax);
  FG_FN(exports, "logSoftmax", log_softmax);
}

}  // namespace fg
