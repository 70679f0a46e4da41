// The TCP rendezvous store (see store.h for the protocol).
#include "store.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fgdist {
namespace {

enum Op : uint8_t { kSet = 1, kGet = 2, kWait = 3 };

// Keys and values are small (addresses, host names); anything larger is a protocol error.
constexpr uint32_t kMaxField = 1u << 24;

std::string errnoText(int e) { return std::string(std::strerror(e)); }

bool sendAll(int fd, const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    ssize_t k = ::send(fd, c, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    c += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

bool recvAll(int fd, void* p, size_t n) {
  char* c = static_cast<char*>(p);
  while (n > 0) {
    ssize_t k = ::recv(fd, c, n, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    c += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

void putU32(std::vector<char>& out, uint32_t v) {
  for (int i = 0; i < 4; i++) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool readU32(int fd, uint32_t& v) {
  unsigned char b[4];
  if (!recvAll(fd, b, 4)) return false;
  v = uint32_t(b[0]) | (uint32_t(b[1]) << 8) | (uint32_t(b[2]) << 16) | (uint32_t(b[3]) << 24);
  return true;
}

bool readField(int fd, std::vector<char>& out) {
  uint32_t n;
  if (!readU32(fd, n) || n > kMaxField) return false;
  out.resize(n);
  return n == 0 || recvAll(fd, out.data(), n);
}

struct AddrInfo {
  addrinfo* head = nullptr;
  ~AddrInfo() {
    if (head) freeaddrinfo(head);
  }
};

// Resolves addr:port for a stream socket; throws StoreError naming what failed.
void resolve(const std::string& addr, int port, int flags, int socktype, AddrInfo& out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  hints.ai_flags = flags;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(addr.empty() ? nullptr : addr.c_str(), service.c_str(), &hints, &out.head);
  if (rc != 0) throw StoreError("cannot resolve the master address " + addr + ": " + gai_strerror(rc));
}

bool isLoopback(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    return (ntohl(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr) >> 24) == 127;
  }
  if (sa->sa_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(&a);
  }
  return false;
}

}  // namespace

// ---- server ----------------------------------------------------------------------------------------

TcpStoreServer::TcpStoreServer(const std::string& addr, int port) {
  AddrInfo master;
  resolve(addr, port, 0, SOCK_STREAM, master);
  // A loopback master address is served on loopback only; any other on every interface (the address
  // may name this machine through an interface other than the one it resolves to here).
  const bool loopback = isLoopback(master.head->ai_addr);
  AddrInfo bindTo;
  if (loopback) {
    resolve(addr, port, 0, SOCK_STREAM, bindTo);
  } else {
    resolve("", port, AI_PASSIVE, SOCK_STREAM, bindTo);
  }
  int lastErr = 0;
  for (addrinfo* ai = bindTo.head; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      lastErr = errno;
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 1024) == 0) {
      listenFd_ = fd;
      break;
    }
    lastErr = errno;
    ::close(fd);
  }
  if (listenFd_ < 0) {
    throw StoreError("rank 0 cannot serve the process group's store on " + addr + ":" + std::to_string(port) +
                     ": " + errnoText(lastErr));
  }
  acceptor_ = std::thread([this] { acceptLoop(); });
}

TcpStoreServer::~TcpStoreServer() {
  stopping_ = true;
  ::shutdown(listenFd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : clientFds_) ::shutdown(fd, SHUT_RDWR);
  }
  cv_.notify_all();
  for (auto& t : clients_) t.join();
  for (int fd : clientFds_) ::close(fd);
  ::close(listenFd_);
}

void TcpStoreServer::acceptLoop() {
  while (!stopping_) {
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // shut down
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    clientFds_.push_back(fd);
    clients_.emplace_back([this, fd] { serve(fd); });
  }
}

void TcpStoreServer::serve(int fd) {
  for (;;) {
    uint8_t op;
    std::vector<char> keyBytes;
    if (!recvAll(fd, &op, 1) || !readField(fd, keyBytes)) return;
    std::string key(keyBytes.begin(), keyBytes.end());
    std::vector<char> reply;
    if (op == kSet) {
      std::vector<char> value;
      if (!readField(fd, value)) return;
      {
        std::lock_guard<std::mutex> lock(mu_);
        data_[key] = std::move(value);
      }
      cv_.notify_all();
      reply.push_back(1);
    } else if (op == kGet || op == kWait) {
      uint32_t ms;
      if (!readU32(fd, ms)) return;
      std::unique_lock<std::mutex> lock(mu_);
      bool found = cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_ || data_.count(key) > 0; });
      found = found && !stopping_;
      reply.push_back(found ? 1 : 0);
      if (found && op == kGet) {
        const std::vector<char>& v = data_[key];
        putU32(reply, static_cast<uint32_t>(v.size()));
        reply.insert(reply.end(), v.begin(), v.end());
      }
    } else {
      return;  // unknown request: drop the connection
    }
    if (!sendAll(fd, reply.data(), reply.size())) return;
  }
}

// ---- client ----------------------------------------------------------------------------------------

TcpStore::TcpStore(const std::string& addr, int port, std::chrono::milliseconds timeout, int rank)
    : addr_(addr), port_(port), timeout_(timeout), rank_(rank) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string lastErr = "no address";
  for (;;) {
    AddrInfo ai;
    resolve(addr, port, 0, SOCK_STREAM, ai);
    for (addrinfo* p = ai.head; p != nullptr; p = p->ai_next) {
      int fd = ::socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
      if (fd < 0) {
        lastErr = errnoText(errno);
        continue;
      }
      if (::connect(fd, p->ai_addr, p->ai_addrlen) == 0) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        fd_ = fd;
        return;
      }
      lastErr = errnoText(errno);
      ::close(fd);
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw StoreError("rank " + std::to_string(rank) + " could not reach the process group's store at " + where() +
                   " within " + std::to_string(timeout.count()) + " ms (last error: " + lastErr +
                   "); is rank 0 running, and are MASTER_ADDR and MASTER_PORT the same on every rank?");
}

TcpStore::~TcpStore() {
  if (fd_ >= 0) ::close(fd_);
}

std::string TcpStore::where() const { return addr_ + ":" + std::to_string(port_); }

void TcpStore::request(const std::vector<char>& msg) {
  if (!sendAll(fd_, msg.data(), msg.size())) {
    throw StoreError("rank " + std::to_string(rank_) + " lost the connection to the store at " + where() +
                     " (did rank 0 exit?)");
  }
}

uint8_t TcpStore::readByte() {
  uint8_t b;
  if (!recvAll(fd_, &b, 1)) {
    throw StoreError("rank " + std::to_string(rank_) + " lost the connection to the store at " + where() +
                     " (did rank 0 exit?)");
  }
  return b;
}

static std::vector<char> header(uint8_t op, const std::string& key) {
  std::vector<char> msg;
  msg.push_back(static_cast<char>(op));
  putU32(msg, static_cast<uint32_t>(key.size()));
  msg.insert(msg.end(), key.begin(), key.end());
  return msg;
}

void TcpStore::set(const std::string& key, const std::vector<char>& data) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<char> msg = header(kSet, key);
  putU32(msg, static_cast<uint32_t>(data.size()));
  msg.insert(msg.end(), data.begin(), data.end());
  request(msg);
  readByte();
}

std::vector<char> TcpStore::get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<char> msg = header(kGet, key);
  putU32(msg, static_cast<uint32_t>(timeout_.count()));
  request(msg);
  if (readByte() == 0) {
    throw StoreError("rank " + std::to_string(rank_) + " timed out after " + std::to_string(timeout_.count()) +
                     " ms waiting for key '" + key + "' in the store at " + where() +
                     " (not every rank of the group has started)");
  }
  std::vector<char> value;
  if (!readField(fd_, value)) {
    throw StoreError("rank " + std::to_string(rank_) + " lost the connection to the store at " + where());
  }
  return value;
}

void TcpStore::wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const std::string& key : keys) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    std::vector<char> msg = header(kWait, key);
    putU32(msg, static_cast<uint32_t>(std::max<int64_t>(0, left.count())));
    request(msg);
    if (readByte() == 0) {
      throw StoreError("rank " + std::to_string(rank_) + " timed out after " + std::to_string(timeout.count()) +
                       " ms waiting for key '" + key + "' in the store at " + where() +
                       " (not every rank of the group has started)");
    }
  }
}

std::string localAddressTowards(const std::string& addr, int port) {
  AddrInfo ai;
  resolve(addr, port, 0, SOCK_DGRAM, ai);
  int fd = ::socket(ai.head->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw StoreError("socket(): " + errnoText(errno));
  if (::connect(fd, ai.head->ai_addr, ai.head->ai_addrlen) != 0) {
    int e = errno;
    ::close(fd);
    throw StoreError("no route to the master address " + addr + ": " + errnoText(e));
  }
  sockaddr_storage local{};
  socklen_t len = sizeof(local);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  ::close(fd);
  char host[NI_MAXHOST];
  int rc = getnameinfo(reinterpret_cast<sockaddr*>(&local), len, host, sizeof(host), nullptr, 0, NI_NUMERICHOST);
  if (rc != 0) throw StoreError(std::string("getnameinfo: ") + gai_strerror(rc));
  return host;
}

}  // namespace fgdist
