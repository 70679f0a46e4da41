// Elementwise family bindings. JS names: ewBinary, ewScalar, ewAxpy, ewFill, ewCopy, ewClamp, ewBroadcast, ewStridedCopy.
#include <limits>
#include <string>

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

// The first four broadcast ops are the binary ops of the table (vv, vs) under the same codes.
static_assert((int)BOP_ADD == (int)OP_ADD && (int)BOP_SUB == (int)OP_SUB && (int)BOP_MUL == (int)OP_MUL && (int)BOP_DIV == (int)OP_DIV && OP_COUNT == 4,
              "broadcast op codes");

// maximum/minimum as torch (and lib/backend/js/broadcast.ts): NaN if either is NaN; a tie keeps x.
static inline float bop(int op, float x, float y) {
  switch (op) {
    case BOP_ADD: return x + y;
    case BOP_SUB: return x - y;
    case BOP_MUL: return x * y;
    case BOP_DIV: return x / y;
    case BOP_MAX: return (x != x || y != y) ? std::numeric_limits<float>::quiet_NaN() : (y > x ? y : x);
    default: return (x != x || y != y) ? std::numeric_limits<float>::quiet_NaN() : (y < x ? y : x);
  }
}

// ewBroadcast(op, a, b, y, geometry): y[i] = a[ia(i)] op b[ib(i)] over y's row-major shape;
// geometry = Int32Array [rank, shape[rank], strides of a[rank], strides of b[rank]] (element strides,
// 0 on broadcast dims). Rows of the last dim are cut across threads; a row whose operands are both
// contiguous (or b one value) runs the family's vv (vs) kernel, the others one binary32 op per element.
static Napi::Value ew_broadcast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int op = arg_int(info, 0, "op", 0, BOP_COUNT - 1);
  F32 a = arg_f32(info, 1, "a"), b = arg_f32(info, 2, "b"), y = arg_f32(info, 3, "out");
  const I32 gi = arg_i32(info, 4, "geometry");
  const size_t glen = gi.n;
  const int32_t* g = gi.p;
  if (glen == 0 || g[0] < 0 || g[0] > 16 || glen != 1 + 3 * (size_t)g[0])
    throw_range(env, "Expected geometry = [rank (0..16), shape[rank], strides of a[rank], strides of b[rank]] but received an Int32Array of length " + std::to_string(glen));
  const size_t r = (size_t)g[0];
  size_t shape[16], sa[16], sb[16], n = 1, amax = 0, bmax = 0;
  for (size_t d = 0; d < r; ++d) {
    if (g[1 + d] < 0 || g[1 + r + d] < 0 || g[1 + 2 * r + d] < 0)
      throw_range(env, "Expected non-negative sizes and strides in geometry but received a negative value at dim " + std::to_string(d));
    shape[d] = (size_t)g[1 + d];
    sa[d] = (size_t)g[1 + r + d];
    sb[d] = (size_t)g[1 + 2 * r + d];
    if (shape[d] && n > SIZE_MAX / 4 / shape[d]) throw_range(env, "Expected the broadcast shape to fit in memory");
    n *= shape[d];
  }
  check_len(env, y, n, "out");
  if (n == 0) return env.Undefined();
  for (size_t d = 0; d < r; ++d) {
    amax += (shape[d] - 1) * sa[d];
    bmax += (shape[d] - 1) * sb[d];
  }
  if (amax >= a.n) throw_range(env, "Expected a to hold every element the strides in geometry reach (" + std::to_string(amax + 1) + ") but received length " + std::to_string(a.n));
  if (bmax >= b.n) throw_range(env, "Expected b to hold every element the strides in geometry reach (" + std::to_string(bmax + 1) + ") but received length " + std::to_string(b.n));
  // an operand laid out exactly as out (row-major, no broadcast) may be out itself; any other must not overlap it
  auto identity = [&](const size_t* s) {
    size_t acc = 1;
    for (size_t d = r; d-- > 0;) {
      if (shape[d] != 1 && s[d] != acc) return false;
      acc *= shape[d];
    }
    return true;
  };
  if (identity(sa) && a.n == n) check_same_or_disjoint(env, y, a, "out", "a");
  else check_disjoint(env, y, a, "out", "a");
  if (identity(sb) && b.n == n) check_same_or_disjoint(env, y, b, "out", "b");
  else check_disjoint(env, y, b, "out", "b");
  const size_t last = r ? shape[r - 1] : 1, la = r ? sa[r - 1] : 0, lb = r ? sb[r - 1] : 0, rows = n / last;
  AddonData& dd = addon(info);
  const elementwise_table& t = dd.table->elementwise;
  parallel_for(rows, 1, n, dd.threads, [&](size_t r0, size_t r1) {
    // the offsets of row r0 (mixed radix over the dims before the last)
    size_t idx[16] = {0}, ia = 0, ib = 0, q = r0;
    for (size_t d = r - (r ? 1 : 0); d-- > 0;) {
      idx[d] = q % shape[d];
      q /= shape[d];
      ia += idx[d] * sa[d];
      ib += idx[d] * sb[d];
    }
    for (size_t row = r0; row < r1; ++row) {
      float* yo = y.p + row * last;
      const float *ap = a.p + ia, *bp = b.p + ib;
      if (op < OP_COUNT && la == 1 && lb == 1) t.vv[op](ap, bp, yo, 0, last);
      else if (op < OP_COUNT && la == 1 && lb == 0) t.vs[op](ap, bp[0], yo, 0, last);
      else
        for (size_t i = 0; i < last; ++i) yo[i] = bop(op, ap[i * la], bp[i * lb]);
      for (size_t d = r - (r ? 1 : 0); d-- > 0;) {
        ia += sa[d];
        ib += sb[d];
        if (++idx[d] < shape[d]) break;
        ia -= sa[d] * shape[d];
        ib -= sb[d] * shape[d];
        idx[d] = 0;
      }
    }
  });
  return env.Undefined();
}

// ewStridedCopy(x, y, geometry): y (row-major over shape) = x read from element offset x0 with per-dim
// element strides (0 for repeats); geometry = Int32Array [rank, x0, shape[rank], strides[rank]]. Rows
// of the last dim are cut across threads; a contiguous row is the family's copy kernel.
static Napi::Value ew_strided_copy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x"), y = arg_f32(info, 1, "out");
  const I32 gi = arg_i32(info, 2, "geometry");
  const size_t glen = gi.n;
  const int32_t* g = gi.p;
  if (glen < 2 || g[0] < 0 || g[0] > 16 || glen != 2 + 2 * (size_t)g[0])
    throw_range(env, "Expected geometry = [rank (0..16), x0, shape[rank], strides[rank]] but received an Int32Array of length " + std::to_string(glen));
  const size_t r = (size_t)g[0];
  if (g[1] < 0) throw_range(env, "Expected a non-negative offset x0 in geometry but received " + std::to_string(g[1]));
  const size_t x0 = (size_t)g[1];
  size_t shape[16], sx[16], n = 1, xmax = x0;
  for (size_t d = 0; d < r; ++d) {
    if (g[2 + d] < 0 || g[2 + r + d] < 0)
      throw_range(env, "Expected non-negative sizes and strides in geometry but received a negative value at dim " + std::to_string(d));
    shape[d] = (size_t)g[2 + d];
    sx[d] = (size_t)g[2 + r + d];
    if (shape[d] && n > SIZE_MAX / 4 / shape[d]) throw_range(env, "Expected the shape to fit in memory");
    n *= shape[d];
  }
  check_len(env, y, n, "out");
  if (n == 0) return env.Undefined();
  for (size_t d = 0; d < r; ++d) xmax += (shape[d] - 1) * sx[d];
  if (xmax >= x.n) throw_range(env, "Expected x to hold every element the offset and strides in geometry reach (" + std::to_string(xmax + 1) + ") but received length " + std::to_string(x.n));
  check_disjoint(env, y, x, "out", "x");
  const size_t last = r ? shape[r - 1] : 1, ls = r ? sx[r - 1] : 0, rows = n / last;
  AddonData& dd = addon(info);
  const elementwise_table& t = dd.table->elementwise;
  parallel_for(rows, 1, n, dd.threads, [&](size_t r0, size_t r1) {
    size_t idx[16] = {0}, ix = x0, q = r0;
    for (size_t d = r - (r ? 1 : 0); d-- > 0;) {
      idx[d] = q % shape[d];
      q /= shape[d];
      ix += idx[d] * sx[d];
    }
    for (size_t row = r0; row < r1; ++row) {
      float* yo = y.p + row * last;
      const float* xp = x.p + ix;
      if (ls == 1) t.copy(xp, yo, 0, last);
      else
        for (size_t i = 0; i < last; ++i) yo[i] = xp[i * ls];
      for (size_t d = r - (r ? 1 : 0); d-- > 0;) {
        ix += sx[d];
        if (++idx[d] < shape[d]) break;
        ix -= sx[d] * shape[d];
        idx[d] = 0;
      }
    }
  });
  return env.Undefined();
}

void register_elementwise(Napi::Env env, Napi::Object exports) {
  FG_FN(exports, "ewBinary", ew_binary);
  FG_FN(exports, "ewScalar", ew_scalar);
  FG_FN(exports, "ewAxpy", ew_axpy);
  FG_FN(exports, "ewFill", ew_fill);
  FG_FN(exports, "ewCopy", ew_copy);
  FG_FN(exports, "ewClamp", ew_clamp);
  FG_FN(exports, "ewBroadcast", ew_broadcast);
  FG_FN(exports, "ewStridedCopy", ew_strided_copy);
}

}  // namespace fg
