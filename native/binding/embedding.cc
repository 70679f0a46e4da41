// Embedding binding (argument list: lib/backend/spec/embedding.ts; kernel spec: kernels/embedding_api.h):
//   embeddingBackward(dy, idx, n, D, paddingIdx, dw)
// dy holds idx.length rows of D, dw n rows of D; every index must lie in [0, n) (checked before anything
// is written); dw overlaps neither input. Threads own column ranges of dw.
#include <string>
#include "binding/common.h"
#include "parallel.h"

namespace fg {

static Napi::Value embedding_backward_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 dy = arg_f32(info, 0, "dy");
  I32 idx = arg_i32(info, 1, "idx");
  const size_t n = arg_size(info, 2, "n"), D = arg_size(info, 3, "D");
  const int32_t pad = (int32_t)arg_int(info, 4, "paddingIdx", -1, 2147483647);
  F32 dw = arg_f32(info, 5, "dw");
  if (D == 0) throw_range(env, "Expected at least 1 for D but received number 0");
  if (n > (SIZE_MAX / 8) / D || idx.n > (SIZE_MAX / 8) / D) throw_range(env, "Expected n * D and idx.length * D to fit in memory");
  check_len(env, dy, idx.n * D, "dy");
  check_len(env, dw, n * D, "dw");
  check_disjoint(env, dw, dy, "dw", "dy");
  check_disjoint(env, dw, region(idx), "dw", "idx");
  for (size_t i = 0; i < idx.n; ++i)
    if (idx.p[i] < 0 || (size_t)idx.p[i] >= n)
      throw_range(env, "Expected idx values in [0, n) = [0, " + std::to_string(n) + ") but received " + std::to_string(idx.p[i]) + " at " + std::to_string(i));
  AddonData& d = addon(info);
  const auto k = d.table->embedding.backward;
  parallel_for(D, 16, (n + idx.n) * D, d.threads, [&](size_t j0, size_t j1) { k(dy.p, idx.p, idx.n, n, D, pad, dw.p, j0, j1); });
  return env.Undefined();
}

void register_embedding(Napi::Env env, Napi::Object exports) { FG_FN(exports, "embeddingBackward", embedding_backward_fn); }

}  // namespace fg
