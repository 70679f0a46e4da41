// fastgrad_gloo.node: the N-API binding of the Gloo process group, built only when Gloo is found
// (binding.gyp's fastgrad_gloo target, scripts/has-gloo.cjs); lib/distributed/native.ts loads it.
//
// JS surface: new Group(); group.connect(rank, worldSize, masterAddr, masterPort, timeoutMs, ifname),
// group.allReduce(f32, op), group.broadcast(f32, root), group.allGather(inF32, outF32), group.barrier():
// each returns a Promise and runs on libuv's thread pool; group.destroy() is synchronous. A group runs one
// operation at a time (lib/distributed queues them in call order); a second one while one is in flight is
// refused. After a failed operation the group closes its connections (so its peers fail at once instead
// of at their timeout) and refuses further operations.
#include <napi.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gloo/config.h>

#include "process_group.h"

namespace {

// Argument checks of the binding itself (lib/distributed validates first, with the public messages): a bad
// value from JavaScript throws here rather than reaching Gloo.
Napi::TypedArrayOf<float> f32(const Napi::Value& v, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(v.Env(), std::string("Expected a Float32Array for ") + name);
  }
  return v.As<Napi::TypedArrayOf<float>>();
}

int32_t int32(const Napi::Value& v, const char* name, int32_t lo, int32_t hi) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string("Expected a number for ") + name);
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || d != static_cast<double>(static_cast<int32_t>(d))) {
    throw Napi::RangeError::New(v.Env(), std::string("Expected an integer in [") + std::to_string(lo) + ", " +
                                             std::to_string(hi) + "] for " + name);
  }
  return static_cast<int32_t>(d);
}

std::string str(const Napi::Value& v, const char* name) {
  if (!v.IsString()) throw Napi::TypeError::New(v.Env(), std::string("Expected a string for ") + name);
  return v.As<Napi::String>().Utf8Value();
}

class Group : public Napi::ObjectWrap<Group> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Group",
                       {InstanceMethod<&Group::Connect>("connect"), InstanceMethod<&Group::AllReduce>("allReduce"),
                        InstanceMethod<&Group::Broadcast>("broadcast"), InstanceMethod<&Group::AllGather>("allGather"),
                        InstanceMethod<&Group::Barrier>("barrier"), InstanceMethod<&Group::Destroy>("destroy")});
  }

  explicit Group(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Group>(info) {}

  std::shared_ptr<fgdist::ProcessGroup> pg;
  std::string broken;  // why the group refuses operations ("" while usable)
  bool busy = false;

 private:
  Napi::Value Connect(const Napi::CallbackInfo& info);
  Napi::Value AllReduce(const Napi::CallbackInfo& info);
  Napi::Value Broadcast(const Napi::CallbackInfo& info);
  Napi::Value AllGather(const Napi::CallbackInfo& info);
  Napi::Value Barrier(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);
  Napi::Value Run(const Napi::CallbackInfo& info, std::function<void(fgdist::ProcessGroup&)> fn,
                  std::vector<Napi::Value> keep);
};

// One operation off the JavaScript thread. Keeps the group object and the buffers alive until it settles.
class OpWorker : public Napi::AsyncWorker {
 public:
  OpWorker(Napi::Env env, Group* group, std::function<void()> fn, std::vector<Napi::Value> keep)
      : Napi::AsyncWorker(env, "fastgrad.distributed"), deferred_(Napi::Promise::Deferred::New(env)), group_(group),
        fn_(std::move(fn)) {
    self_ = Napi::Persistent(group->Value());
    for (auto& v : keep) keep_.push_back(Napi::Persistent(v.As<Napi::Object>()));
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      fn_();
    } catch (const std::exception& e) {
      SetError(e.what());
    } catch (...) {
      SetError("unknown error in Gloo");
    }
  }
  void OnOK() override {
    group_->busy = false;
    deferred_.Resolve(Env().Undefined());
  }
  void OnError(const Napi::Error& e) override {
    group_->busy = false;
    group_->broken = e.Message();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Group* group_;
  std::function<void()> fn_;
  Napi::ObjectReference self_;
  std::vector<Napi::ObjectReference> keep_;
};

Napi::Value Group::Run(const Napi::CallbackInfo& info, std::function<void(fgdist::ProcessGroup&)> fn,
                       std::vector<Napi::Value> keep) {
  Napi::Env env = info.Env();
  if (!pg) throw Napi::Error::New(env, "the process group is not initialized (or was destroyed)");
  if (!broken.empty()) throw Napi::Error::New(env, "the process group failed earlier and is closed: " + broken);
  if (busy) throw Napi::Error::New(env, "another collective of this process group is still running");
  std::shared_ptr<fgdist::ProcessGroup> g = pg;
  auto* w = new OpWorker(env, this, [g, fn] {
    try {
      fn(*g);
    } catch (...) {
      g->abort();
      throw;
    }
  }, std::move(keep));
  busy = true;
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value Group::Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (pg || busy) throw Napi::Error::New(env, "the process group is already initialized");
  fgdist::GroupOptions o;
  o.worldSize = int32(info[1], "worldSize", 1, 65536);
  o.rank = int32(info[0], "rank", 0, o.worldSize - 1);
  o.masterAddr = str(info[2], "masterAddr");
  o.masterPort = int32(info[3], "masterPort", 1, 65535);
  o.timeout = std::chrono::milliseconds(int32(info[4], "timeoutMs", 1, INT32_MAX));
  o.ifname = str(info[5], "ifname");
  class ConnectWorker : public Napi::AsyncWorker {
   public:
    ConnectWorker(Napi::Env env, Group* g, fgdist::GroupOptions o)
        : Napi::AsyncWorker(env, "fastgrad.distributed.connect"), deferred(Napi::Promise::Deferred::New(env)),
          group(g), opts(std::move(o)) {
      self = Napi::Persistent(g->Value());
    }
    void Execute() override {
      try {
        made = std::make_shared<fgdist::ProcessGroup>(opts);
      } catch (const std::exception& e) {
        SetError(e.what());
      }
    }
    void OnOK() override {
      group->busy = false;
      group->pg = made;
      deferred.Resolve(Env().Undefined());
    }
    void OnError(const Napi::Error& e) override {
      group->busy = false;
      deferred.Reject(e.Value());
    }
    Napi::Promise::Deferred deferred;
    Group* group;
    fgdist::GroupOptions opts;
    std::shared_ptr<fgdist::ProcessGroup> made;
    Napi::ObjectReference self;
  };
  auto* w = new ConnectWorker(env, this, o);
  busy = true;
  Napi::Promise p = w->deferred.Promise();
  w->Queue();
  return p;
}

Napi::Value Group::AllReduce(const Napi::CallbackInfo& info) {
  auto buf = f32(info[0], "buf");
  const std::string op = str(info[1], "op");
  if (op != "sum" && op != "mean" && op != "max" && op != "min") {
    throw Napi::RangeError::New(info.Env(), "Expected one of 'sum', 'mean', 'max', 'min' for op");
  }
  fgdist::ReduceOp r = op == "mean" ? fgdist::ReduceOp::kMean
                       : op == "max" ? fgdist::ReduceOp::kMax
                       : op == "min" ? fgdist::ReduceOp::kMin
                                     : fgdist::ReduceOp::kSum;
  float* data = buf.Data();
  size_t n = buf.ElementLength();
  return Run(info, [data, n, r](fgdist::ProcessGroup& g) { g.allReduce(data, n, r); }, {buf});
}

Napi::Value Group::Broadcast(const Napi::CallbackInfo& info) {
  auto buf = f32(info[0], "buf");
  int root = int32(info[1], "src", 0, pg ? pg->worldSize() - 1 : 0);
  float* data = buf.Data();
  size_t n = buf.ElementLength();
  return Run(info, [data, n, root](fgdist::ProcessGroup& g) { g.broadcast(data, n, root); }, {buf});
}

Napi::Value Group::AllGather(const Napi::CallbackInfo& info) {
  auto in = f32(info[0], "input");
  auto out = f32(info[1], "output");
  if (pg && out.ElementLength() != in.ElementLength() * static_cast<size_t>(pg->worldSize())) {
    throw Napi::RangeError::New(info.Env(), "allGather: the output must hold worldSize times the input");
  }
  const float* src = in.Data();
  float* dst = out.Data();
  size_t n = in.ElementLength();
  return Run(info, [src, dst, n](fgdist::ProcessGroup& g) { g.allGather(src, dst, n); }, {in, out});
}

Napi::Value Group::Barrier(const Napi::CallbackInfo& info) {
  return Run(info, [](fgdist::ProcessGroup& g) { g.barrier(); }, {});
}

Napi::Value Group::Destroy(const Napi::CallbackInfo& info) {
  if (busy) throw Napi::Error::New(info.Env(), "destroy: a collective of this process group is still running");
  pg.reset();
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Group", Group::Define(env));
  exports.Set("glooVersion", Napi::String::New(env, std::to_string(GLOO_VERSION_MAJOR) + "." +
                                                        std::to_string(GLOO_VERSION_MINOR) + "." +
                                                        std::to_string(GLOO_VERSION_PATCH)));
  return exports;
}

}  // namespace

NODE_API_MODULE(fastgrad_gloo, Init)
