// Elementwise family bindings. JS names: ewBinary, ewScalar, ewAxpy, ewFill, ewCopy, ewClamp.
#include "binding/common.h"
#include "parallel.h"

namespace fg {

// ewBinary(op, a, b, y, rows, cols, mode): y = a op b with b full (rows*cols), scalar (1), row (cols) or col (rows).
static Napi::Value ew_binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int op = arg_int(info, 0, "op", 0, OP_COUNT - 1);
  F32 a = arg_f32(info, 1, "a"), b = arg_f32(info, 2, "b"), y = arg_f32(info, 3, "out");
  const size_t rows = arg_size(info, 4, "rows"), cols = arg_size(info, 5, "cols");
  const int mode = arg_int(info, 6, "mode", 0, BC_COUNT - 1);
  if (cols && rows > SIZE_MAX / 4 / cols) throw_range(env, "Expected rows * cols to fit in memory");
  const size_t n = rows * cols;
  check_len(env, a, n, "a");
  check_len(env, y, n, "out");
  check_same_or_disjoint(env, y, a, "out", "a");
  const size_t blen = mode == BC_FULL ? n : mode == BC_SCALAR ? 1 : mode == BC_ROW ? cols : rows;
  check_len(env, b, blen, "b");
  if (mode == BC_FULL) check_same_or_disjoint(env, y, b, "out", "b");
  else check_disjoint(env, y, b, "out", "b");
  if (n == 0) return env.Undefined();  // also when rows is huge and cols is 0: no loop over empty rows
  AddonData& d = addon(info);
  const elementwise_table& t = d.table->elementwise;
  switch (mode) {
    case BC_FULL:
      parallel_for(n, 64, n, d.threads, [&](size_t i0, size_t i1) { t.vv[op](a.p, b.p, y.p, i0, i1); });
      break;
    case BC_SCALAR: {
      const float s = b.p[0];
      parallel_for(n, 64, n, d.threads, [&](size_t i0, size_t i1) { t.vs[op](a.p, s, y.p, i0, i1); });
      break;
    }
    case BC_ROW:
      parallel_for(rows, 1, n, d.threads, [&](size_t r0, size_t r1) { t.row[op](a.p, b.p, y.p, cols, r0, r1); });
      break;
    default:
      parallel_for(rows, 1, n, d.threads, [&](size_t r0, size_t r1) { t.col[op](a.p, b.p, y.p, cols, r0, r1); });
      break;
  }
  return env.Undefined();
}

// ewScalar(op, a, s, y): y = a op s.
static Napi::Value ew_scalar(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int op = arg_int(info, 0, "op", 0, OP_COUNT - 1);
  F32 a = arg_f32(info, 1, "a");
  const float s = (float)arg_number(info, 2, "scalar");
  F32 y = arg_f32(info, 3, "out");
  check_len(env, y, a.n, "out");
  check_same_or_disjoint(env, y, a, "out", "a");
  AddonData& d = addon(info);
  parallel_for(a.n, 64, a.n, d.threads, [&](size_t i0, size_t i1) { d.table->elementwise.vs[op](a.p, s, y.p, i0, i1); });
  return env.Undefined();
}

// ewAxpy(alpha, x, y): y = y + alpha * x.
static Napi::Value ew_axpy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const float alpha = (float)arg_number(info, 0, "alpha");
  F32 x = arg_f32(info, 1, "x"), y = arg_f32(info, 2, "y");
  check_len(env, y, x.n, "y");
  check_same_or_disjoint(env, y, x, "y", "x");
  AddonData& d = addon(info);
  parallel_for(x.n, 64, x.n, d.threads, [&](size_t i0, size_t i1) { d.table->elementwise.axpy(alpha, x.p, y.p, i0, i1); });
  return env.Undefined();
}

// ewFill(value, y).
static Napi::Value ew_fill(const Napi::CallbackInfo& info) {
  const float v = (float)arg_number(info, 0, "value");
  F32 y = arg_f32(info, 1, "out");
  AddonData& d = addon(info);
  parallel_for(y.n, 64, y.n, d.threads, [&](size_t i0, size_t i1) { d.table->elementwise.fill(v, y.p, i0, i1); });
  return info.Env().Undefined();
}

// ewCopy(x, y).
static Napi::Value ew_copy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x"), y = arg_f32(info, 1, "out");
  check_len(env, y, x.n, "out");
  check_same_or_disjoint(env, y, x, "out", "x");
  AddonData& d = addon(info);
  parallel_for(x.n, 64, x.n, d.threads, [&](size_t i0, size_t i1) { d.table->elementwise.copy(x.p, y.p, i0, i1); });
  return env.Undefined();
}

// ewClamp(x, lo, hi, y).
static Napi::Value ew_clamp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x");
  const float lo = (float)arg_number(info, 1, "min"), hi = (float)arg_number(info, 2, "max");
  F32 y = arg_f32(info, 3, "out");
  check_len(env, y, x.n, "out");
  check_same_or_disjoint(env, y, x, "out", "x");
  AddonData& d = addon(info);
  parallel_for(x.n, 64, x.n, d.threads, [&](size_t i0, size_t i1) { d.table->elementwise.clamp(x.p, lo, hi, y.p, i0, i1); });
  return env.Undefined();
}

void register_elementwise(Napi::Env env, Napi::Object exports) {
  FG_FN(exports, "ewBinary", ew_binary);
  FG_FN(exports, "ewScalar", ew_scalar);
  FG_FN(exports, "ewAxpy", ew_axpy);
  FG_FN(exports, "ewFill", ew_fill);
  FG_FN(exports, "ewCopy", ew_copy);
  FG_FN(exports, "ewClamp", ew_clamp);
}

}  // namespace fg
