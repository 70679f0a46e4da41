// SIMD level, threads and build facts, per addon instance.
#include <thread>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include "binding/common.h"
#include "parallel.h"

namespace fg {

int hardware_threads() {
#if defined(FG_HAVE_OPENMP)
  int n = omp_get_num_procs();
#else
  int n = (int)std::thread::hardware_concurrency();
#endif
  return n > 0 ? n : 1;
}

bool have_openmp() {
#if defined(FG_HAVE_OPENMP)
  return true;
#else
  return false;
#endif
}

static Napi::Value simd_level(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), simd_name(addon(info).simd));
}

// setSimdLevel(name): forces a level for this instance, clamped to what the CPU has; returns the level set.
static Napi::Value set_simd_level(const Napi::CallbackInfo& info) {
  Napi::Value v = info.Length() ? info[0] : info.Env().Undefined();
  if (!v.IsString()) throw_type(info.Env(), "a SIMD level name ('scalar' | 'avx2' | 'avx512' | 'neon' | 'auto')", "level", v);
  std::string name = v.As<Napi::String>().Utf8Value();
  if (name != "auto" && simd_from_name(name) < 0)
    throw Napi::RangeError::New(info.Env(), "Expected one of 'scalar', 'avx2', 'avx512', 'neon', 'auto' for level but received '" + name + "'");
  AddonData& d = addon(info);
  std::string note;
  int level = name == "auto" ? choose_simd("auto", &note) : choose_simd(name, &note);
  d.simd = level;
  d.table = table_for(level);
  d.simd_note = note;
  return Napi::String::New(info.Env(), simd_name(level));
}

static Napi::Value available_simd_levels(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env());
  uint32_t k = 0;
  for (int l = 0; l < SIMD_LEVELS; ++l)
    if (simd_available(l)) out.Set(k++, Napi::String::New(info.Env(), simd_name(l)));
  return out;
}

static Napi::Value set_num_threads(const Napi::CallbackInfo& info) {
  addon(info).threads = arg_int(info, 0, "n", 1, 1024);
  return info.Env().Undefined();
}

static Napi::Value get_num_threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), addon(info).threads);
}

static Napi::Value build_info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("openmp", Napi::Boolean::New(env, have_openmp()));
  o.Set("hardwareThreads", Napi::Number::New(env, hardware_threads()));
  o.Set("simd", Napi::String::New(env, simd_name(addon(info).simd)));
  o.Set("simdNote", Napi::String::New(env, addon(info).simd_note));
  o.Set("threads", Napi::Number::New(env, addon(info).threads));
  o.Set("parallelMinWork", Napi::Number::New(env, (double)kParallelMinWork));
  o.Set("blockSize", Napi::Number::New(env, (double)FG_BLOCK));
  return o;
}

// The allocator side of fresh tensor storage (docs/memory.md). V8 frees an ArrayBuffer's memory with
// free() when it collects the array; glibc hands blocks over 128 KB (mmap) and a free heap top over
// 128 KB (trim) back to the kernel, so the next array of that size is new pages. mallocTune(mb) keeps
// blocks up to 32 MB in the heap and up to `mb` megabytes of free heap top, so memory a collected
// tensor held is reused warm. Returns 1 when applied; 0 elsewhere (not glibc), where it does nothing.
static Napi::Value malloc_tune(const Napi::CallbackInfo& info) {
  int mb = arg_int(info, 0, "megabytes", 1, 2047);  // mallopt takes an int of bytes
  bool done = false;
#if defined(__GLIBC__)
  done = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) == 1 && mallopt(M_TRIM_THRESHOLD, mb * 1024 * 1024) == 1;
#else
  (void)mb;
#endif
  return Napi::Number::New(info.Env(), done ? 1 : 0);
}

// mallocRelease(): gives the heap's free pages back to the kernel (fg.emptyCache()).
static Napi::Value malloc_release(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
  return info.Env().Undefined();
}

// mallocFreeBytes(): bytes free inside the malloc heap of the main arena (what mallocTune keeps warm), -1
// where it is not known.
static Napi::Value malloc_free_bytes(const Napi::CallbackInfo& info) {
  double v = -1;
#if defined(__GLIBC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  struct mallinfo mi = mallinfo();  // mallinfo2 needs glibc 2.33; the prebuilt binaries target 2.31
#pragma GCC diagnostic pop
  v = (double)(unsigned)mi.fordblks;
#endif
  return Napi::Number::New(info.Env(), v);
}

void register_system(Napi::Env env, Napi::Object exports) {
  FG_FN(exports, "simdLevel", simd_level);
  FG_FN(exports, "setSimdLevel", set_simd_level);
  FG_FN(exports, "availableSimdLevels", available_simd_levels);
  FG_FN(exports, "setNumThreads", set_num_threads);
  FG_FN(exports, "getNumThreads", get_num_threads);
  FG_FN(exports, "buildInfo", build_info);
  FG_FN(exports, "mallocTune", malloc_tune);
  FG_FN(exports, "mallocRelease", malloc_release);
  FG_FN(exports, "mallocFreeBytes", malloc_free_bytes);
}

}  // namespace fg
