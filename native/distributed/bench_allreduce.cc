// The C++ anchor of bench/suites/distributed.ts: allReduce (sum) of <floats> float32s through the same
// ProcessGroup (same Gloo library, same ring algorithm and reduction) that fastgrad_gloo.node binds,
// without Node. Usage: fastgrad_gloo_bench <rank> <worldSize> <masterAddr> <masterPort> <floats>
// It connects, runs one untimed all-reduce, then reads commands from stdin, one per line: K > 0 runs a
// barrier and then K all-reduces back to back on the same buffer, timing each one (from the end of the
// previous one); rank 0 prints the K seconds on one line, comma-separated. 0 or the end of stdin exits.
// The Node worker of the bench follows the same protocol, so both sides time the same thing and the
// bench can alternate short batches of both groups while both stay connected.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "process_group.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s <rank> <worldSize> <masterAddr> <masterPort> <floats>\n", argv[0]);
    return 2;
  }
  try {
    fgdist::GroupOptions o;
    o.rank = std::atoi(argv[1]);
    o.worldSize = std::atoi(argv[2]);
    o.masterAddr = argv[3];
    o.masterPort = std::atoi(argv[4]);
    const size_t n = std::strtoull(argv[5], nullptr, 10);
    fgdist::ProcessGroup pg(o);
    std::vector<float> buf(n, 0.0f);  // zeros: the sums stay exact and normal however many calls run
    pg.allReduce(buf.data(), n, fgdist::ReduceOp::kSum);  // warm-up
    long k;
    while (std::cin >> k && k > 0) {
      pg.barrier();
      std::string line;
      auto t0 = std::chrono::steady_clock::now();
      for (long i = 0; i < k; i++) {
        pg.allReduce(buf.data(), n, fgdist::ReduceOp::kSum);
        auto t1 = std::chrono::steady_clock::now();
        line += (i ? "," : "") + std::to_string(std::chrono::duration<double>(t1 - t0).count());
        t0 = t1;
      }
      if (o.rank == 0) {
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fastgrad_gloo_bench rank %s: %s\n", argv[1], e.what());
    return 1;
  }
}
