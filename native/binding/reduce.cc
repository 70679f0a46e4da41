// Reduction family bindings. JS names: reduceAll, reduceAxis, reduceNormList.
// Full reductions: threads own whole canonical blocks (parallel_for over block indices), block values
// are combined in index order on the calling thread, so no result depends on the thread count.
#include <algorithm>
#include <cmath>
#include <vector>
#include "binding/common.h"
#include "parallel.h"

namespace fg {

namespace {

// Per-call scratch for block values: on the stack up to kLocal blocks (n <= 256 Ki elements), else heap.
template <class T>
struct Scratch {
  static constexpr size_t kLocal = 64;
  T local[kLocal];
  std::vector<T> heap;
  T* get(size_t n) {
    if (n <= kLocal) return local;
    heap.resize(n);
    return heap.data();
  }
};

// The fold of `kind` over x[0..n) in the canonical order.
float fold(const AddonData& d, int kind, const float* x, size_t n, float m) {
  const reduce_table& t = d.table->reduce;
  const size_t nb = num_blocks(n);
  Scratch<float> scratch;
  float* s = scratch.get(nb);
  parallel_for(nb, 1, n, d.threads, [&](size_t b0, size_t b1) { t.blocks(kind, x, n, m, b0, b1, s); });
  return t.combine(kind, s, nb);
}

size_t argmax_all(const AddonData& d, const float* x, size_t n) {
  const reduce_table& t = d.table->reduce;
  const size_t nb = num_blocks(n);
  Scratch<float> sv;
  Scratch<size_t> sk;
  float* v = sv.get(nb);
  size_t* k = sk.get(nb);
  parallel_for(nb, 1, n, d.threads, [&](size_t b0, size_t b1) { t.argmax_blocks(x, n, b0, b1, v, k); });
  return t.combine_argmax(v, k, nb);
}

// op over the whole of x[0..n) (n >= 1 for max/argmax); argmax returns the exact index.
double reduce_full(const AddonData& d, int op, const float* x, size_t n, float divisor) {
  switch (op) {
    case RED_SUM: return fold(d, RK_SUM, x, n, 0.0f);
    case RED_MEAN: return fold(d, RK_SUM, x, n, 0.0f) / (float)n;
    case RED_SUMSQ: return fold(d, RK_SUMSQ, x, n, 0.0f);
    case RED_NORM: return std::sqrt(fold(d, RK_SUMSQ, x, n, 0.0f));
    case RED_VAR: {
      const float m = fold(d, RK_SUM, x, n, 0.0f) / (float)n;
      return fold(d, RK_SQDEV, x, n, m) / divisor;
    }
    case RED_MAX: return fold(d, RK_MAX, x, n, 0.0f);
    default: return (double)argmax_all(d, x, n);
  }
}

const char* op_name(int op) { return ReduceOp_names[op]; }

bool needs_nonempty(int op) { return op == RED_MAX || op == RED_ARGMAX; }

// Element i of a JS array as a Float32Array view, with the checks of arg_f32 (raw N-API: one
// typedarray_info call per element keeps a list of hundreds of small tensors cheap).
F32 element_f32(Napi::Env env, napi_value v, uint32_t i) {
  bool is_ta = false;
  napi_typedarray_type type = napi_int8_array;
  size_t len = 0;
  void* data = nullptr;
  napi_value buffer = nullptr;
  bool detached = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, &len, &data, &buffer, nullptr) != napi_ok || type != napi_float32_array)
    throw_type(env, "Float32Array", ("xs[" + std::to_string(i) + "]").c_str(), Napi::Value(env, v));
  if (napi_is_detached_arraybuffer(env, buffer, &detached) == napi_ok && detached)
    throw Napi::TypeError::New(env, "Expected a Float32Array with a live buffer for xs[" + std::to_string(i) +
                                        "] but received one whose ArrayBuffer is detached");
  return F32{len ? (float*)data : nullptr, len};
}

}  // namespace

// reduceAll(op, x, divisor) -> number: op over all of x (argmax: the index). divisor: variance only.
static Napi::Value reduce_all(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int op = arg_int(info, 0, "op", 0, RED_OP_COUNT - 1);
  F32 x = arg_f32(info, 1, "x");
  const float divisor = (float)arg_number(info, 2, "divisor");
  if (needs_nonempty(op) && x.n == 0)
    throw_range(env, std::string("Expected a non-empty Float32Array for x of ") + op_name(op) + " but received length 0");
  return Napi::Number::New(env, reduce_full(addon(info), op, x.p, x.n, divisor));
}

// reduceAxis(op, x, rows, cols, axis, divisor, out): axis 0 reduces each column into out[cols],
// axis 1 each row into out[rows]. out must not overlap x.
static Napi::Value reduce_axis(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int op = arg_int(info, 0, "op", 0, RED_OP_COUNT - 1);
  F32 x = arg_f32(info, 1, "x");
  const size_t rows = arg_size(info, 2, "rows"), cols = arg_size(info, 3, "cols");
  const int axis = arg_int(info, 4, "axis", 0, 1);
  const float divisor = (float)arg_number(info, 5, "divisor");
  F32 out = arg_f32(info, 6, "out");
  if (cols && rows > SIZE_MAX / 4 / cols) throw_range(env, "Expected rows * cols to fit in memory");
  check_len(env, x, rows * cols, "x");
  check_len(env, out, axis == 0 ? cols : rows, "out");
  check_disjoint(env, out, x, "out", "x");
  const size_t len = axis == 0 ? rows : cols;  // length of each reduced sequence
  if (needs_nonempty(op) && len == 0)
    throw_range(env, std::string("Expected a non-empty dimension ") + std::to_string(axis) + " for x of " + op_name(op) + " but received length 0");
  AddonData& d = addon(info);
  const reduce_table& t = d.table->reduce;
  const size_t n = rows * cols;
  if (axis == 1) {
    if (rows < (size_t)d.threads && cols >= 2 * FG_BLOCK) {
      // Few long rows: each row as a block-parallel full reduction (same canonical order).
      for (size_t r = 0; r < rows; ++r) out.p[r] = (float)reduce_full(d, op, x.p + r * cols, cols, divisor);
    } else {
      parallel_for(rows, 1, n, d.threads, [&](size_t r0, size_t r1) { t.rows(op, x.p, cols, divisor, r0, r1, out.p); });
    }
  } else if (cols == 1 && rows > 0) {
    out.p[0] = (float)reduce_full(d, op, x.p, rows, divisor);  // one contiguous column
  } else {
    parallel_for(cols, 16, n, d.threads, [&](size_t c0, size_t c1) { t.cols(op, x.p, rows, cols, divisor, c0, c1, out.p); });
  }
  return env.Undefined();
}

// reduceNormList(xs) -> number: sqrt of the sum, in list order, of each array's canonical sum of squares.
// All arrays' blocks form one parallel loop, so a list of hundreds of tensors costs one call and one team.
static Napi::Value reduce_norm_list(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value v = info.Length() ? info[0] : env.Undefined();
  if (!v.IsArray()) throw_type(env, "an Array of Float32Arrays", "xs", v);
  Napi::Array arr = v.As<Napi::Array>();
  const uint32_t count = arr.Length();
  // Read every element first (a getter may run JS and detach an earlier one), failing fast on a
  // non-typed-array (e.g. a hole of a huge sparse array); only then check them all and take pointers.
  std::vector<napi_value> vals;
  vals.reserve(std::min<uint32_t>(count, 4096));
  for (uint32_t i = 0; i < count; ++i) {
    napi_value e = nullptr;
    bool is_ta = false;
    if (napi_get_element(env, arr, i, &e) != napi_ok) throw Napi::Error::New(env);
    if (napi_is_typedarray(env, e, &is_ta) != napi_ok || !is_ta) element_f32(env, e, i);  // throws the TypeError
    vals.push_back(e);
  }
  std::vector<F32> xs(count);
  std::vector<size_t> first(count + 1, 0);  // first[a]: index of array a's first block in the joint list
  size_t total_n = 0;
  for (uint32_t i = 0; i < count; ++i) {
    xs[i] = element_f32(env, vals[i], i);
    first[i + 1] = first[i] + num_blocks(xs[i].n);
    total_n += xs[i].n;
  }
  AddonData& d = addon(info);
  const reduce_table& t = d.table->reduce;
  const size_t nb = first[count];
  Scratch<float> scratch;
  float* s = scratch.get(nb);
  parallel_for(nb, 1, total_n, d.threads, [&](size_t b0, size_t b1) {
    size_t a = (size_t)(std::upper_bound(first.begin(), first.end(), b0) - first.begin()) - 1;
    for (size_t b = b0; b < b1; ++a) {
      const size_t end = std::min(first[a + 1], b1);
      if (end > b) t.blocks(RK_SUMSQ, xs[a].p, xs[a].n, 0.0f, b - first[a], end - first[a], s + first[a]);
      b = std::max(b, end);
    }
  });
  float total = 0.0f;
  for (uint32_t a = 0; a < count; ++a) total = total + t.combine(RK_SUMSQ, s + first[a], first[a + 1] - first[a]);
  return Napi::Number::New(env, std::sqrt(total));
}

void register_reduce(Napi::Env env, Napi::Object exports) {
  FG_FN(exports, "reduceAll", reduce_all);
  FG_FN(exports, "reduceAxis", reduce_axis);
  FG_FN(exports, "reduceNormList", reduce_norm_list);
}

}  // namespace fg
