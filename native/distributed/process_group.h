// A Gloo process group: rendezvous through the TCP store (store.h), a full mesh of Gloo TCP pairs, and
// the collectives fastgrad exposes on float32 buffers. Every call blocks; the N-API layer (binding.cc)
// runs them on its communication thread, one at a time and in the order they were issued, so every rank
// issues the same sequence of collectives (and tags).
//
// Determinism: allReduce uses Gloo's ring algorithm (gloo::allreduce with RING): the buffer is cut into
// P chunks (P = world size) of segments; chunk c is reduced along the ring only, ending on rank c, as
//   x_c (+) (x_{c+1} (+) (... (+) (x_{c+P-2} (+) x_{c+P-1})))      (indices mod P)
// and then copied (not recomputed) to every other rank by the ring allgather. The order depends on the
// world size, the element's index and the buffer length only, so the result is bit-identical on every
// rank and from run to run. (Gloo's older AllreduceRing class reduces in a different order on each rank,
// and halving-doubling depends on the power-of-two blocks; neither is used.) docs/distributed.md states
// the chunk layout; test/distributed.test.ts recomputes it in TypeScript and compares bits.
#pragma once

#include <gloo/context.h>
#include <gloo/transport/device.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "store.h"

namespace fgdist {

enum class ReduceOp { kSum, kMean, kMax, kMin };

struct GroupOptions {
  int rank = 0;
  int worldSize = 1;
  std::string masterAddr = "127.0.0.1";
  int masterPort = 29500;
  std::chrono::milliseconds timeout{30000};
  std::string ifname;  // network interface for the Gloo pairs; empty: the one that reaches masterAddr
};

class ProcessGroup {
 public:
  // Rank 0 serves the store; every rank connects to it and to every other rank. Throws on failure.
  explicit ProcessGroup(const GroupOptions& opts);
  ~ProcessGroup();

  int rank() const { return rank_; }
  int worldSize() const { return size_; }

  void allReduce(float* data, size_t n, ReduceOp op);
  void broadcast(float* data, size_t n, int root);
  // out holds worldSize * n floats: rank r's n floats at out + r * n.
  void allGather(const float* in, float* out, size_t n);
  void barrier();
  // Closes every connection so that peers blocked on this rank fail at once rather than at the timeout.
  void abort();

 private:
  uint32_t nextTag() { return tag_++; }

  int rank_;
  int size_;
  uint32_t tag_ = 0;
  std::unique_ptr<TcpStoreServer> server_;  // rank 0 only
  std::unique_ptr<TcpStore> store_;
  std::shared_ptr<gloo::transport::Device> device_;
  std::shared_ptr<gloo::Context> context_;
};

}  // namespace fgdist
