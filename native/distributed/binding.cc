// fastgrad_gloo.node: the N-API binding of the Gloo process group, built only when Gloo is found
// (binding.gyp's fastgrad_gloo target, scripts/has-gloo.cjs); lib/distributed/native.ts loads it.
//
// JS surface: new Group(); group.connect(rank, worldSize, masterAddr, masterPort, timeoutMs, ifname),
// group.allReduce(f32, op), group.broadcast(f32, root), group.allGather(inF32, outF32), group.barrier():
// each returns a Promise; group.destroy() is synchronous.
//
// As torch's ProcessGroupGloo, a connected group owns one communication thread and a queue: a collective
// is queued at once, in call order, and the thread runs the queue one collective after the other, so
// collectives issued back to back (DDP's buckets during backward) follow each other without waiting for
// the JavaScript thread, which only hears of each completion (a thread-safe function settles its
// Promise). The thread-safe function is referenced only while collectives are queued, so an idle group
// does not keep the process alive. After a failed collective the thread closes the group's connections
// (so its peers fail at once instead of at their timeout), fails the collectives queued behind it, and
// the group refuses further ones.
#include <napi.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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

// One queued collective. Created and settled on the JavaScript thread; the communication thread only
// runs fn and writes error.
struct Op {
  std::function<void(fgdist::ProcessGroup&)> fn;
  std::string error;  // empty: fn succeeded
  Napi::Promise::Deferred deferred;
  std::vector<Napi::ObjectReference> keep;  // the group and the buffers, alive until the Promise settles
  explicit Op(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

// What the JavaScript thread and the communication thread share (under mu).
struct Queue {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Op*> ops;
  bool stop = false;
  bool closing = false;  // the thread-safe function is finalized (environment teardown): no more completions
  std::string broken;    // the first failure, "" while the group is usable
};

class Group : public Napi::ObjectWrap<Group> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Group",
                       {InstanceMethod<&Group::Connect>("connect"), InstanceMethod<&Group::AllReduce>("allReduce"),
                        InstanceMethod<&Group::Broadcast>("broadcast"), InstanceMethod<&Group::AllGather>("allGather"),
                        InstanceMethod<&Group::Barrier>("barrier"), InstanceMethod<&Group::Destroy>("destroy")});
  }

  explicit Group(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Group>(info) {}
  ~Group() override { Stop(true); }

  // On the JavaScript thread, once connected: the queue, its thread and the thread-safe function.
  void Start(Napi::Env env, std::shared_ptr<fgdist::ProcessGroup> g);

  std::shared_ptr<fgdist::ProcessGroup> pg;
  bool connecting = false;

 private:
  Napi::Value Connect(const Napi::CallbackInfo& info);
  Napi::Value AllReduce(const Napi::CallbackInfo& info);
  Napi::Value Broadcast(const Napi::CallbackInfo& info);
  Napi::Value AllGather(const Napi::CallbackInfo& info);
  Napi::Value Barrier(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);
  Napi::Value Run(const Napi::CallbackInfo& info, std::function<void(fgdist::ProcessGroup&)> fn,
                  std::vector<Napi::Value> keep);
  static void Loop(std::shared_ptr<Queue> q, std::shared_ptr<fgdist::ProcessGroup> g, Napi::ThreadSafeFunction done);
  static void Settle(Napi::Env env, Napi::Function, Op* op);
  // Ends the thread (after the collective it is running; with abort, that one is cut short by closing the
  // connections) and releases the thread-safe function.
  void Stop(bool abort);

  std::shared_ptr<Queue> q_;
  std::thread thread_;
  Napi::ThreadSafeFunction done_;
  size_t inFlight_ = 0;  // queued or running, not yet settled (JavaScript thread only)
};

void Group::Start(Napi::Env env, std::shared_ptr<fgdist::ProcessGroup> g) {
  pg = std::move(g);
  q_ = std::make_shared<Queue>();
  // The finalizer runs on the JavaScript thread when the function is released, or at environment teardown
  // (possibly before this object's destructor): from then on the thread must not call it.
  auto* hold = new std::shared_ptr<Queue>(q_);
  done_ = Napi::ThreadSafeFunction::New(
      env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "fastgrad.distributed", 0, 1,
      [](Napi::Env, std::shared_ptr<Queue>* h) {
        {
          std::lock_guard<std::mutex> lk((*h)->mu);
          (*h)->closing = true;
        }
        delete h;
      },
      hold);
  done_.Unref(env);
  thread_ = std::thread(Loop, q_, pg, done_);
}

void Group::Loop(std::shared_ptr<Queue> q, std::shared_ptr<fgdist::ProcessGroup> g, Napi::ThreadSafeFunction done) {
  for (;;) {
    Op* op;
    std::string broken;
    {
      std::unique_lock<std::mutex> lk(q->mu);
      q->cv.wait(lk, [&] { return q->stop || !q->ops.empty(); });
      if (q->stop) return;
      op = q->ops.front();
      q->ops.pop_front();
      broken = q->broken;
    }
    if (!broken.empty()) {
      op->error = "the process group failed earlier and is closed: " + broken;
    } else {
      try {
        op->fn(*g);
      } catch (const std::exception& e) {
        op->error = e.what();
      } catch (...) {
        op->error = "unknown error in Gloo";
      }
      if (!op->error.empty()) {
        g->abort();
        std::lock_guard<std::mutex> lk(q->mu);
        q->broken = op->error;
      }
    }
    std::lock_guard<std::mutex> lk(q->mu);
    if (!q->closing) done.NonBlockingCall(op, Settle);
  }
}

void Group::Settle(Napi::Env env, Napi::Function, Op* op) {
  Group* group = Group::Unwrap(op->keep[0].Value());
  if (--group->inFlight_ == 0) group->done_.Unref(env);
  if (op->error.empty()) {
    op->deferred.Resolve(env.Undefined());
  } else {
    op->deferred.Reject(Napi::Error::New(env, op->error).Value());
  }
  delete op;
}

void Group::Stop(bool abort) {
  if (!thread_.joinable()) return;
  bool release;
  {
    std::lock_guard<std::mutex> lk(q_->mu);
    q_->stop = true;
    release = !q_->closing;
  }
  q_->cv.notify_one();
  if (abort && inFlight_ > 0 && pg) pg->abort();
  thread_.join();
  if (release) done_.Release();
}

Napi::Value Group::Run(const Napi::CallbackInfo& info, std::function<void(fgdist::ProcessGroup&)> fn,
                       std::vector<Napi::Value> keep) {
  Napi::Env env = info.Env();
  if (!pg) throw Napi::Error::New(env, "the process group is not initialized (or was destroyed)");
  {
    std::lock_guard<std::mutex> lk(q_->mu);
    if (!q_->broken.empty()) throw Napi::Error::New(env, "the process group failed earlier and is closed: " + q_->broken);
  }
  auto* op = new Op(env);
  op->fn = std::move(fn);
  op->keep.push_back(Napi::Persistent(Value()));
  for (auto& v : keep) op->keep.push_back(Napi::Persistent(v.As<Napi::Object>()));
  Napi::Promise p = op->deferred.Promise();
  if (inFlight_++ == 0) done_.Ref(env);
  {
    std::lock_guard<std::mutex> lk(q_->mu);
    q_->ops.push_back(op);
  }
  q_->cv.notify_one();
  return p;
}

Napi::Value Group::Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (pg || connecting) throw Napi::Error::New(env, "the process group is already initialized");
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
      group->connecting = false;
      group->Start(Env(), made);
      deferred.Resolve(Env().Undefined());
    }
    void OnError(const Napi::Error& e) override {
      group->connecting = false;
      deferred.Reject(e.Value());
    }
    Napi::Promise::Deferred deferred;
    Group* group;
    fgdist::GroupOptions opts;
    std::shared_ptr<fgdist::ProcessGroup> made;
    Napi::ObjectReference self;
  };
  auto* w = new ConnectWorker(env, this, o);
  connecting = true;
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
  if (inFlight_ > 0) throw Napi::Error::New(info.Env(), "destroy: a collective of this process group is still running");
  Stop(false);
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
