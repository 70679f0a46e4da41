// The Gloo process group (see process_group.h for the determinism argument).
#include "process_group.h"

#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/rendezvous/context.h>
#include <gloo/transport/tcp/device.h>

#include <cmath>
#include <limits>

namespace fgdist {
namespace {

// Elementwise reductions, out[i] = a[i] (+) b[i], out may alias a or b. Each is commutative to the bit
// (IEEE addition is; max/min below are written so), so which operand is local and which received does
// not matter, only the ring order does. NaN propagates as the canonical quiet NaN (as torch's max/min
// propagate NaN); max(-0, +0) = +0 and min(-0, +0) = -0 whatever the order.
void sumF32(void* out, const void* a, const void* b, size_t n) {
  float* o = static_cast<float*>(out);
  const float* x = static_cast<const float*>(a);
  const float* y = static_cast<const float*>(b);
  for (size_t i = 0; i < n; i++) o[i] = x[i] + y[i];
}

inline float maxOf(float a, float b) {
  if (a != a || b != b) return std::numeric_limits<float>::quiet_NaN();
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

inline float minOf(float a, float b) {
  if (a != a || b != b) return std::numeric_limits<float>::quiet_NaN();
  if (a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

void maxF32(void* out, const void* a, const void* b, size_t n) {
  float* o = static_cast<float*>(out);
  const float* x = static_cast<const float*>(a);
  const float* y = static_cast<const float*>(b);
  for (size_t i = 0; i < n; i++) o[i] = maxOf(x[i], y[i]);
}

void minF32(void* out, const void* a, const void* b, size_t n) {
  float* o = static_cast<float*>(out);
  const float* x = static_cast<const float*>(a);
  const float* y = static_cast<const float*>(b);
  for (size_t i = 0; i < n; i++) o[i] = minOf(x[i], y[i]);
}

}  // namespace

ProcessGroup::ProcessGroup(const GroupOptions& opts) : rank_(opts.rank), size_(opts.worldSize) {
  if (rank_ == 0) server_ = std::make_unique<TcpStoreServer>(opts.masterAddr, opts.masterPort);
  store_ = std::make_unique<TcpStore>(opts.masterAddr, opts.masterPort, opts.timeout, rank_);
  gloo::transport::tcp::attr attr;
  if (!opts.ifname.empty()) {
    attr.iface = opts.ifname;
  } else {
    attr.hostname = localAddressTowards(opts.masterAddr, opts.masterPort);
  }
  device_ = gloo::transport::tcp::CreateDevice(attr);
  auto context = std::make_shared<gloo::rendezvous::Context>(rank_, size_);
  context->setTimeout(opts.timeout);
  context->connectFullMesh(*store_, device_);
  context_ = context;
  // Past this barrier every rank has finished its rendezvous: the store is no longer needed, so rank 0
  // stops serving it (a later rank 0 failure then shows as a Gloo connection error, like any other rank's).
  barrier();
  store_.reset();
  server_.reset();
}

ProcessGroup::~ProcessGroup() {
  context_.reset();
  device_.reset();
  store_.reset();
  server_.reset();
}

void ProcessGroup::allReduce(float* data, size_t n, ReduceOp op) {
  if (n == 0) return;
  if (size_ > 1) {
    gloo::AllreduceOptions o(context_);
    o.setAlgorithm(gloo::AllreduceOptions::Algorithm::RING);
    o.setOutput(data, n);
    o.setTag(nextTag());
    o.setReduceFunction(op == ReduceOp::kMax ? maxF32 : op == ReduceOp::kMin ? minF32 : sumF32);
    gloo::allreduce(o);
  }
  if (op == ReduceOp::kMean) {
    const float p = static_cast<float>(size_);
    for (size_t i = 0; i < n; i++) data[i] = data[i] / p;
  }
}

void ProcessGroup::broadcast(float* data, size_t n, int root) {
  if (n == 0 || size_ == 1) return;
  gloo::BroadcastOptions o(context_);
  o.setOutput(data, n);
  o.setRoot(root);
  o.setTag(nextTag());
  gloo::broadcast(o);
}

void ProcessGroup::allGather(const float* in, float* out, size_t n) {
  if (n == 0) return;  // Gloo 0.5's allgather divides by the buffer size
  if (size_ == 1) {
    std::copy(in, in + n, out);
    return;
  }
  gloo::AllgatherOptions o(context_);
  o.setInput(const_cast<float*>(in), n);
  o.setOutput(out, n * static_cast<size_t>(size_));
  o.setTag(nextTag());
  gloo::allgather(o);
}

void ProcessGroup::barrier() {
  if (size_ == 1) return;
  gloo::BarrierOptions o(context_);
  o.setTag(nextTag());
  gloo::barrier(o);
}

void ProcessGroup::abort() {
  if (context_) context_->closeConnections();
}

}  // namespace fgdist
