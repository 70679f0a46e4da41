// The process group's rendezvous store: a TCP key-value store served by rank 0 (TcpStoreServer) and
// reached by every rank, rank 0 included, through TcpStore, which implements Gloo's
// rendezvous::Store (set / get / wait with a timeout), as PyTorch's TCPStore does for its Gloo backend.
// Debian's Gloo ships FileStore, HashStore and RedisStore but no TCP store.
//
// Wire format (all integers little-endian u32): request = op u8, key length, key bytes, then
//   SET:  value length, value bytes        -> reply u8 1
//   GET:  timeout ms                       -> reply u8 found, then (found) value length, value bytes
//   WAIT: timeout ms                       -> reply u8 found
// GET and WAIT block on the server until the key is set or the timeout passes.
#pragma once

#include <gloo/rendezvous/store.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fgdist {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class TcpStoreServer {
 public:
  // Listens on addr:port (the wildcard address unless addr is a loopback address). Throws StoreError.
  TcpStoreServer(const std::string& addr, int port);
  ~TcpStoreServer();
  TcpStoreServer(const TcpStoreServer&) = delete;
  TcpStoreServer& operator=(const TcpStoreServer&) = delete;

 private:
  void acceptLoop();
  void serve(int fd);

  int listenFd_ = -1;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<char>> data_;
  std::vector<int> clientFds_;
  std::vector<std::thread> clients_;
  std::thread acceptor_;
};

class TcpStore : public gloo::rendezvous::Store {
 public:
  // Connects to addr:port, retrying until `timeout` (rank 0 may not be listening yet). Throws StoreError
  // naming the address, the rank and the last connection error.
  TcpStore(const std::string& addr, int port, std::chrono::milliseconds timeout, int rank);
  ~TcpStore() override;

  void set(const std::string& key, const std::vector<char>& data) override;
  std::vector<char> get(const std::string& key) override;
  void wait(const std::vector<std::string>& keys) override { wait(keys, timeout_); }
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override;

 private:
  void request(const std::vector<char>& msg);
  uint8_t readByte();
  std::string where() const;

  int fd_ = -1;
  std::string addr_;
  int port_;
  std::chrono::milliseconds timeout_;
  int rank_;
  std::mutex mu_;
};

// The local address a socket towards addr:port leaves from (no packet is sent): the address this rank's
// Gloo pairs listen on, so the peers that reach the store can reach it too. Throws StoreError.
std::string localAddressTowards(const std::string& addr, int port);

}  // namespace fgdist
