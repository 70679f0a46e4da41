// Context-aware module registration: every instance (main thread, each worker_thread) gets its own
// AddonData; the kernel tables are immutable and shared.
#include <cstdlib>
#include <string>
#include "binding/common.h"
#include "parallel.h"

namespace fg {
// One register_<f>(env, exports) per family with a binding file (native/contract.h, generated).
#define FG_BINDING(f) void register_##f(Napi::Env env, Napi::Object exports);
FG_BINDING_FAMILIES(FG_BINDING)
#undef FG_BINDING
}  // namespace fg

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* d = new fg::AddonData();
  d->simd = fg::choose_simd("", &d->simd_note);
  d->table = fg::table_for(d->simd);
  d->threads = fg::hardware_threads();
  if (const char* t = std::getenv("FASTGRAD_NUM_THREADS")) {
    int n = std::atoi(t);
    if (n >= 1 && n <= 1024) d->threads = n;
  }
  env.SetInstanceData<fg::AddonData>(d);  // deleted by N-API when the instance is torn down
#define FG_BINDING(f) fg::register_##f(env, exports);
  FG_BINDING_FAMILIES(FG_BINDING)
#undef FG_BINDING
  return exports;
}

NODE_API_MODULE(fastgrad, Init)
