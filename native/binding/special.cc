// Special family bindings (argument list: lib/backend/spec/special.ts; kernel spec: kernels/special_api.h):
//   specialLog1p(x, out): out[i] = fround(Math.log1p(x[i])); out may be x.
#include "binding/common.h"
#include "parallel.h"

namespace fg {

static Napi::Value special_log1p(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 x = arg_f32(info, 0, "x"), y = arg_f32(info, 1, "out");
  check_len(env, y, x.n, "out");
  check_same_or_disjoint(env, y, x, "out", "x");
  AddonData& d = addon(info);
  const auto f = d.table->special.log1p;
  // About 20 binary64 operations and a divide per element: threads start on smaller arrays than a copy's.
  parallel_for(x.n, 64, x.n * 8, d.threads, [&](size_t i0, size_t i1) { f(x.p, y.p, i0, i1); });
  return env.Undefined();
}

void register_special(Napi::Env env, Napi::Object exports) { FG_FN(exports, "specialLog1p", special_log1p); }

}  // namespace fg
