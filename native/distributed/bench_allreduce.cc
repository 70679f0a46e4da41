// The C++ anchor of bench/suites/distributed.ts: allReduce (sum) of <floats> float32s through the same
// ProcessGroup (same Gloo library, same ring algorithm and reduction) that fastgrad_gloo.node binds,
// without Node. Usage: fastgrad_gloo_bench <rank> <worldSize> <masterAddr> <masterPort> <floats> <iters>
// Rank 0 prints the seconds of each timed iteration (after one warm-up), comma-separated, on one line.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "process_group.h"

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s <rank> <worldSize> <masterAddr> <masterPort> <floats> <iters>\n", argv[0]);
    return 2;
  }
  try {
    fgdist::GroupOptions o;
    o.rank = std::atoi(argv[1]);
    o.worldSize = std::atoi(argv[2]);
    o.masterAddr = argv[3];
    o.masterPort = std::atoi(argv[4]);
    const size_t n = std::strtoull(argv[5], nullptr, 10);
    const int iters = std::atoi(argv[6]);
    fgdist::ProcessGroup pg(o);
    std::vector<float> buf(n, 1.0f);
    pg.allReduce(buf.data(), n, fgdist::ReduceOp::kSum);  // warm-up
    std::string line;
    for (int i = 0; i < iters; i++) {
      pg.barrier();
      auto t0 = std::chrono::steady_clock::now();
      pg.allReduce(buf.data(), n, fgdist::ReduceOp::kSum);
      std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
      line += (i ? "," : "") + std::to_string(dt.count());
    }
    if (o.rank == 0) std::printf("%s\n", line.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fastgrad_gloo_bench rank %s: %s\n", argv[1], e.what());
    return 1;
  }
}
