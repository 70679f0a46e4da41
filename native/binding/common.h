// N-API glue shared by every binding file: per-instance data, argument checks, the exception policy.
//
// Exception policy (one, declared in binding.gyp and CMakeLists.txt): C++ exceptions on
// (NAPI_CPP_EXCEPTIONS). Argument errors throw Napi::TypeError / Napi::RangeError with the message
// template "Expected <what> for <name> but received <value>"; anything else thrown inside a binding
// (bad_alloc, std::exception) is turned into a JavaScript RangeError/Error by FG_FN, never a crash.
#pragma once
#include <napi.h>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include "dispatch.h"

namespace fg {

// Everything mutable lives here, one per addon instance (main thread and each worker_thread).
struct AddonData {
  int simd = SIMD_SCALAR;
  const KernelTable* table = nullptr;
  std::string simd_note;
  int threads = 1;
};

// A buffer owned by one thread: allocated on first use (64-byte aligned), grown if a larger one is ever
// needed, reused by every later call on that thread, freed when the thread exits. OpenMP threads persist
// between parallel regions, so steady-state calls allocate nothing. Declare it static thread_local.
struct ThreadBuffer {
  float* p = nullptr;
  size_t n = 0;
  ThreadBuffer() = default;
  ThreadBuffer(const ThreadBuffer&) = delete;
  ThreadBuffer& operator=(const ThreadBuffer&) = delete;
  ~ThreadBuffer() { std::free(p); }
  // nullptr if the allocation fails (never throws: this runs inside parallel regions).
  float* get(size_t floats) noexcept {
    if (n >= floats) return p;
    std::free(p);
    p = nullptr;
    n = 0;
    const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
    p = static_cast<float*>(std::aligned_alloc(64, bytes ? bytes : 64));
    if (p) n = floats;
    return p;
  }
};

// The GEMM (binding/gemm.cc): the calling thread's packing workspace (at least `floats`, or nullptr when
// out of memory), and C = the spec's result computed on up to `threads` threads (throws std::bad_alloc
// when a workspace cannot be had; C is then not fully written).
float* gemm_thread_workspace(size_t floats) noexcept;
void gemm_run(const gemm_table& t, const gemm_args& g, int threads);

inline AddonData& addon(const Napi::CallbackInfo& info) { return *info.Env().GetInstanceData<AddonData>(); }
inline const KernelTable& kt(const Napi::CallbackInfo& info) { return *addon(info).table; }

struct F32 {
  float* p;
  size_t n;
};

// An Int32Array argument (indices); region() views its bytes as an F32 for the overlap checks.
struct I32 {
  int32_t* p;
  size_t n;
};
inline F32 region(const I32& a) { return F32{reinterpret_cast<float*>(a.p), a.n}; }

std::string describe(const Napi::Value& v);
[[noreturn]] void throw_type(Napi::Env env, const std::string& what, const char* name, const Napi::Value& v);
[[noreturn]] void throw_range(Napi::Env env, const std::string& msg);

F32 arg_f32(const Napi::CallbackInfo& info, size_t i, const char* name);
I32 arg_i32(const Napi::CallbackInfo& info, size_t i, const char* name);
// v as a typed array of `type` (`what`: its name for messages), with one N-API call on the good path
// (a typed array over a detached buffer reports length 0, so only empty arrays need the detach probe);
// `name()` builds the argument's name for a message only. as_f32: a Float32Array.
[[noreturn]] void throw_not_typed(napi_env env, napi_value v, const char* what, const std::string& name);
void check_not_detached(napi_env env, napi_value typed_array, const char* what, const std::string& name);
template <class T, class Name>
T* as_typed(napi_env env, napi_value v, napi_typedarray_type want, const char* what, const Name& name, size_t& len) {
  napi_typedarray_type type = napi_int8_array;
  void* data = nullptr;
  len = 0;
  // napi_get_typedarray_info answers napi_invalid_arg for any value that is not a typed array, so it is
  // the type test too: one N-API call per argument
  if (napi_get_typedarray_info(env, v, &type, &len, &data, nullptr, nullptr) != napi_ok || type != want)
    throw_not_typed(env, v, what, name());
  if (len == 0) check_not_detached(env, v, what, name());
  return len ? static_cast<T*>(data) : nullptr;
}
template <class Name>
F32 as_f32(napi_env env, napi_value v, const Name& name) {
  size_t n = 0;
  float* p = as_typed<float>(env, v, napi_float32_array, "Float32Array", name, n);
  return F32{p, n};
}
double arg_number(const Napi::CallbackInfo& info, size_t i, const char* name);
size_t arg_size(const Napi::CallbackInfo& info, size_t i, const char* name);   // integer >= 0, < 2^53
int arg_int(const Napi::CallbackInfo& info, size_t i, const char* name, int lo, int hi);
bool arg_bool(const Napi::CallbackInfo& info, size_t i, const char* name);
void check_len(Napi::Env env, const F32& a, size_t n, const char* name);
// Output may be the same buffer as an input (in place) but must not partly overlap it.
void check_same_or_disjoint(Napi::Env env, const F32& out, const F32& in, const char* out_name, const char* in_name);
// Output must not overlap the input at all.
void check_disjoint(Napi::Env env, const F32& out, const F32& in, const char* out_name, const char* in_name);

using BindingFn = Napi::Value (*)(const Napi::CallbackInfo&);

template <BindingFn F>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(info.Env(), "fastgrad: out of memory allocating a native workspace");
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("fastgrad native error: ") + e.what());
  }
}

#define FG_FN(exports, name, fn) \
  (exports).Set(name, Napi::Function::New((exports).Env(), ::fg::guarded<fn>, name))

}  // namespace fg
