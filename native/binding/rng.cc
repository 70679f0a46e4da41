// RNG family bindings. JS names: rngUniform, rngNormal, rngBlock (spec in kernels/rng_api.h).
#include <string>
#include "binding/common.h"
#include "parallel.h"

namespace fg {

// Philox costs about as much per element as streaming ~16 floats once: weight the threading threshold.
static constexpr size_t kRngWorkPerElement = 16;

static uint32_t arg_u32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const size_t v = arg_size(info, i, name);
  if (v > 0xffffffffu)
    throw_range(info.Env(), std::string("Expected an integer in [0, 4294967295] for ") + name + " but received " + describe(info[i]));
  return (uint32_t)v;
}

using FillFn = void (*)(uint32_t, uint32_t, uint64_t, float, float, float*, size_t, size_t);

// (k0, k1, ctrLo, ctrHi, p, q, out): the shared argument list of rngUniform and rngNormal.
static Napi::Value rng_fill(const Napi::CallbackInfo& info, bool normal) {
  const uint32_t k0 = arg_u32(info, 0, "key0"), k1 = arg_u32(info, 1, "key1");
  const uint32_t lo = arg_u32(info, 2, "counterLo"), hi = arg_u32(info, 3, "counterHi");
  const float p = (float)arg_number(info, 4, normal ? "mean" : "low");
  const float q = (float)arg_number(info, 5, normal ? "std" : "scale");
  F32 y = arg_f32(info, 6, "out");
  AddonData& d = addon(info);
  const FillFn f = normal ? d.table->rng.normal : d.table->rng.uniform;
  const uint64_t start = ((uint64_t)hi << 32) | lo;
  const size_t work = y.n > SIZE_MAX / kRngWorkPerElement ? SIZE_MAX : y.n * kRngWorkPerElement;
  parallel_for(y.n, 4, work, d.threads, [&](size_t i0, size_t i1) { f(k0, k1, start, p, q, y.p, i0, i1); });
  return info.Env().Undefined();
}

static Napi::Value rng_uniform(const Napi::CallbackInfo& info) { return rng_fill(info, false); }
static Napi::Value rng_normal(const Napi::CallbackInfo& info) { return rng_fill(info, true); }

// rngBlock(c0, c1, c2, c3, k0, k1): the four output words of one Philox4x32-10 block, as an Array.
static Napi::Value rng_block(const Napi::CallbackInfo& info) {
  const uint32_t ctr[4] = {arg_u32(info, 0, "counter0"), arg_u32(info, 1, "counter1"), arg_u32(info, 2, "counter2"),
                           arg_u32(info, 3, "counter3")};
  const uint32_t key[2] = {arg_u32(info, 4, "key0"), arg_u32(info, 5, "key1")};
  uint32_t out[4];
  kt(info).rng.block(ctr, key, out);
  Napi::Array a = Napi::Array::New(info.Env(), 4);
  for (uint32_t i = 0; i < 4; ++i) a.Set(i, Napi::Number::New(info.Env(), out[i]));
  return a;
}

void register_rng(Napi::Env env, Napi::Object exports) {
  FG_FN(exports, "rngUniform", rng_uniform);
  FG_FN(exports, "rngNormal", rng_normal);
  FG_FN(exports, "rngBlock", rng_block);
}

}  // namespace fg
