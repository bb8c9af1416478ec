// Test helpers: a real unbound on loopback, a fake upstream the test drives
// by hand, and small DNS utilities built on ldns.
#pragma once

#include <ldns/ldns.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "control/upstream/client.hpp"

namespace dns64d::upstream::test {

inline std::vector<std::uint8_t> wire_name(const std::string& dotted) {
  std::vector<std::uint8_t> out;
  std::size_t start = 0;
  while (start < dotted.size()) {
    auto dot = dotted.find('.', start);
    if (dot == std::string::npos) dot = dotted.size();
    out.push_back(static_cast<std::uint8_t>(dot - start));
    out.insert(out.end(), dotted.begin() + static_cast<std::ptrdiff_t>(start),
               dotted.begin() + static_cast<std::ptrdiff_t>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using Pkt = std::unique_ptr<ldns_pkt, PktFree>;

inline Pkt parse(const std::vector<std::uint8_t>& wire) {
  ldns_pkt* p = nullptr;
  if (ldns_wire2pkt(&p, wire.data(), wire.size()) != LDNS_STATUS_OK) return nullptr;
  return Pkt(p);
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "dns64d-upstream-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A port free for both UDP and TCP on 127.0.0.1 right now.
inline std::uint16_t free_port() {
  for (int tries = 0; tries < 50; ++tries) {
    const int u = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (::bind(u, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        ::getsockname(u, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
      ::close(u);
      continue;
    }
    const int t = ::socket(AF_INET, SOCK_STREAM, 0);
    const bool tcp_free = ::bind(t, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    ::close(t);
    ::close(u);
    if (tcp_free) return ntohs(sa.sin_port);
  }
  throw std::runtime_error("no free port");
}

inline Endpoint loopback(std::uint16_t port) { return *parse_endpoint("127.0.0.1", port); }

// One blocking query over UDP with a receive timeout; empty on timeout.
inline std::vector<std::uint8_t> ask_udp(const Endpoint& to, const std::vector<std::uint8_t>& q,
                                         int timeout_ms = 300) {
  const int fd = ::socket(to.family(), SOCK_DGRAM, 0);
  timeval tv{.tv_sec = timeout_ms / 1000, .tv_usec = suseconds_t{timeout_ms % 1000} * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::sendto(fd, q.data(), q.size(), 0, reinterpret_cast<const sockaddr*>(&to.addr), to.len);
  std::vector<std::uint8_t> buf(65536);
  const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
  ::close(fd);
  buf.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return buf;
}

// unbound in the foreground on 127.0.0.1, answering only from local data.
class Unbound {
 public:
  explicit Unbound(const std::vector<std::string>& local_data, const std::string& extra = "") {
    port_ = free_port();
    const auto conf = dir_.path() / "unbound.conf";
    std::ofstream out(conf);
    out << "server:\n"
        << "  interface: 127.0.0.1\n"
        << "  port: " << port_ << "\n"
        << "  do-daemonize: no\n"
        << "  chroot: \"\"\n"
        << "  username: \"\"\n"
        << "  directory: \"" << dir_.path().string() << "\"\n"
        << "  pidfile: \"" << (dir_.path() / "unbound.pid").string() << "\"\n"
        << "  use-syslog: no\n"
        << "  logfile: \"\"\n"
        << "  verbosity: 0\n"
        << "  num-threads: 1\n"
        << "  do-ip6: no\n"
        << "  so-reuseport: no\n"
        << "  access-control: 127.0.0.0/8 allow\n"
        << "  module-config: \"iterator\"\n"
        << "  max-udp-size: 512\n"
        << "  local-zone: \"example.\" static\n"
        << "  local-data: \"example. 300 IN SOA ns.example. admin.example. 1 3600 600 86400 60\"\n";
    for (const auto& rr : local_data) out << "  local-data: \"" << rr << "\"\n";
    out << extra << "remote-control:\n  control-enable: no\n";
    out.close();

    const std::string log = (dir_.path() / "unbound.log").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      std::freopen(log.c_str(), "w", stdout);
      std::freopen(log.c_str(), "a", stderr);
      ::execl("/usr/sbin/unbound", "unbound", "-d", "-c", conf.c_str(),
              static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    if (pid_ < 0) throw std::runtime_error("fork");
    wait_ready();
  }
  ~Unbound() { stop(); }
  Unbound(const Unbound&) = delete;
  Unbound& operator=(const Unbound&) = delete;

  Endpoint endpoint() const { return loopback(port_); }
  std::uint16_t port() const { return port_; }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  void wait_ready() {
    const auto probe = build_query(1, {wire_name("example."), LDNS_RR_TYPE_SOA, 1}, {});
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("unbound exited; see its log");
      }
      if (!ask_udp(endpoint(), probe, 100).empty()) return;
    }
    stop();
    throw std::runtime_error("unbound did not answer within 5 s");
  }

  TempDir dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// A UDP socket on loopback that the test reads and answers from by hand.
class FakeUpstream {
 public:
  explicit FakeUpstream(int family = AF_INET) {
    fd_ = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    ep_ = *parse_endpoint(family == AF_INET ? "127.0.0.1" : "::1", 0);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&ep_.addr), ep_.len) != 0) {
      throw std::runtime_error("bind fake upstream");
    }
    ep_.len = sizeof ep_.addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ep_.addr), &ep_.len);
  }
  ~FakeUpstream() { ::close(fd_); }
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  const Endpoint& endpoint() const { return ep_; }

  struct Received {
    std::vector<std::uint8_t> query;
    Endpoint from;
  };
  std::optional<Received> receive() {
    Received r;
    r.query.resize(65536);
    r.from.len = sizeof r.from.addr;
    const ssize_t n = ::recvfrom(fd_, r.query.data(), r.query.size(), 0,
                                 reinterpret_cast<sockaddr*>(&r.from.addr), &r.from.len);
    if (n < 0) return std::nullopt;
    r.query.resize(static_cast<std::size_t>(n));
    return r;
  }
  void reply(const std::vector<std::uint8_t>& bytes, const Endpoint& to) const {
    ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to.addr),
             to.len);
  }

 private:
  int fd_ = -1;
  Endpoint ep_;
};

// Polls the client until `count` completions came or `limit` passed; `each`
// runs between polls (the fake upstream's turn).
inline std::vector<Completion> pump(Client& client, std::size_t count,
                                    std::chrono::milliseconds limit = std::chrono::seconds(5),
                                    const std::function<void()>& each = {}) {
  std::vector<Completion> done;
  const auto until = Clock::now() + limit;
  while (done.size() < count && Clock::now() < until) {
    client.poll(5);
    if (each) each();
    for (auto& c : client.take_completed()) done.push_back(std::move(c));
  }
  return done;
}

}  // namespace dns64d::upstream::test
