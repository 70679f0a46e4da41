// Promise-returning variants of long kernels: the work runs on the libuv thread pool (and from there
// fans out over OpenMP as usual), so the event loop stays free.
//
// Contract (docs/reliability.md): the typed arrays handed to an async call are referenced until its
// Promise settles; callers must not read, write, transfer or detach them before then. Detaching is
// detected when the work finishes (the Promise then rejects); concurrent writes cannot be detected.
#pragma once
#include <napi.h>
#include <exception>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace fg {

template <class Work>
class KernelWorker final : public Napi::AsyncWorker {
 public:
  KernelWorker(Napi::Env env, Work work, const std::vector<Napi::Value>& keep)
      : Napi::AsyncWorker(env, "fastgrad:kernel"), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)) {
    for (const Napi::Value& v : keep) {
      if (!v.IsTypedArray()) continue;
      arrays_.push_back(Napi::Persistent(v.As<Napi::Object>()));
      // Only buffers live now are watched: one detached already (an unused extra argument; the
      // checks refuse detached arrays the work uses) holds no memory and is not a late detachment.
      Napi::Object buf = v.As<Napi::TypedArray>().ArrayBuffer().As<Napi::Object>();
      bool detached = false;
      if (napi_is_detached_arraybuffer(env, buf, &detached) == napi_ok && !detached) buffers_.push_back(Napi::Persistent(buf));
    }
  }

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (const std::bad_alloc&) {
      error_ = "fastgrad: out of memory allocating a native workspace";
      oom_ = true;
    } catch (const std::exception& e) {
      error_ = std::string("fastgrad native error: ") + e.what();
    } catch (...) {
      error_ = "fastgrad native error: unknown exception";
    }
  }

  // Replaces AsyncWorker's completion (which lets a Napi::Error escape, and so std::terminate the
  // process, when the environment is being torn down: worker.terminate() while the work runs).
  // Settles the Promise if JavaScript can still run; otherwise nothing can observe it. Always frees.
  void OnWorkComplete(Napi::Env env, napi_status status) override {
    napi_handle_scope scope;
    if (status != napi_cancelled && napi_open_handle_scope(env, &scope) == napi_ok) {
      try {
        settle(env);
      } catch (...) {
        // The environment is terminating: the Promise can no longer be settled or observed.
      }
      napi_close_handle_scope(env, scope);
    }
    Destroy();
  }

 private:
  void settle(Napi::Env env) {
    if (!error_.empty()) {
      const Napi::Error e = oom_ ? Napi::RangeError::New(env, error_) : Napi::Error::New(env, error_);
      deferred_.Reject(e.Value());
      return;
    }
    for (auto& b : buffers_) {
      bool detached = false;
      if (napi_is_detached_arraybuffer(env, b.Value(), &detached) == napi_ok && detached) {
        deferred_.Reject(Napi::Error::New(env, "fastgrad: an array passed to an async kernel was detached before its Promise settled; its result is undefined").Value());
        return;
      }
    }
    deferred_.Resolve(env.Undefined());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Work work_;
  std::vector<Napi::ObjectReference> arrays_;
  std::vector<Napi::ObjectReference> buffers_;
  std::string error_;
  bool oom_ = false;
};

// Queues `work` (a callable with no arguments that captures raw pointers and sizes by value) and
// returns its Promise. `keep` lists the JS arrays the work reads or writes (other values are ignored).
template <class Work>
Napi::Value run_async(Napi::Env env, Work work, const std::vector<Napi::Value>& keep) {
  auto* w = new KernelWorker<Work>(env, std::move(work), keep);  // deleted by N-API after OnOK/OnError
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

// Every argument of the call (run_async keeps the typed arrays among them).
inline std::vector<Napi::Value> call_args(const Napi::CallbackInfo& info) {
  std::vector<Napi::Value> v;
  v.reserve(info.Length());
  for (size_t i = 0; i < info.Length(); ++i) v.push_back(info[i]);
  return v;
}

// Registers `name` (sync: validate, then run the job) and `name`Async (validate, then queue the job).
// `Job` is a function `auto job(const Napi::CallbackInfo&)` that validates every argument and returns
// a callable capturing raw pointers and sizes by value: the one piece of work both entry points run.
template <class JobFn, JobFn* Job>
Napi::Value run_sync_job(const Napi::CallbackInfo& info) {
  Job(info)();
  return info.Env().Undefined();
}
template <class JobFn, JobFn* Job>
Napi::Value run_async_job(const Napi::CallbackInfo& info) {
  return run_async(info.Env(), Job(info), call_args(info));
}

#define FG_JOB_FNS(exports, name, job)                                     \
  do {                                                                     \
    FG_FN(exports, name, (::fg::run_sync_job<decltype(job), job>));        \
    FG_FN(exports, name "Async", (::fg::run_async_job<decltype(job), job>)); \
  } while (0)

}  // namespace fg
