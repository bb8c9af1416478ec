// DNS over TCP (RFC 1035 §4.2.2, RFC 7766) for the control plane: listening
// sockets on the responder's addresses (the kernel sees them on the
// exception-path interface), connections with pipelined, length-prefixed
// messages, answers in any order. Non-blocking, one epoll set, polled from
// the control loop: no thread of its own. No DPDK.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/counter.hpp"

namespace dns64d::control {

struct TcpConfig {
  std::size_t max_connections = 512;
  std::uint32_t idle_timeout_ms = 10000;  // RFC 7766 §6.2.3: seconds, not minutes
  std::size_t max_outstanding = 32;       // queries of one connection awaiting answers
  std::size_t max_output = 256 * 1024;    // unsent octets before a connection is cut
  int send_buffer = 0;  // SO_SNDBUF of each connection; 0: the kernel's, which grows on demand
};

#define DNS64D_TCP_COUNTERS(X)                                                          \
  X(accepted, "connections accepted")                                                   \
  X(refused_full, "connections closed at once: max_connections reached")                \
  X(queries, "queries read")                                                            \
  X(answers, "answers written")                                                         \
  X(unanswered, "queries the answerer chose to send nothing for")                       \
  X(late_answers, "answers for a connection that was gone by then")                     \
  X(closed_idle, "connections closed: no whole message, nothing owed, idle_timeout_ms") \
  X(closed_stalled, "connections closed: answers unsent, the peer not reading")         \
  X(closed_by_peer, "connections the peer closed")                                      \
  X(closed_error, "connections closed: socket errors, bad lengths, output overflow")    \
  X(paused_reading, "times reading waited: max_outstanding reached")

struct TcpStats {
  DNS64D_TCP_COUNTERS(DNS64D_COUNTER_FIELD)
  template <class F>
  void for_each(F&& f) const {
    DNS64D_TCP_COUNTERS(DNS64D_COUNTER_VISIT)
  }
};

// Who sent a query: the address family and the address in network order.
struct TcpPeer {
  bool is_v6 = false;
  std::array<std::uint8_t, 16> addr{};  // IPv4 in the first four octets
  std::uint16_t port = 0;
};

class TcpServer {
 public:
  // Called for every complete message: the connection's id, the peer, the
  // message without its length prefix. The answer comes later through
  // answer(), or at once from inside the call.
  using OnQuery =
      std::function<void(std::uint64_t conn, const TcpPeer& peer, std::span<const std::uint8_t>)>;

  explicit TcpServer(TcpConfig config = {});
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  // Listens on one address and port. The address need not be up yet
  // (IP_FREEBIND): the exception interface may come up after us. Returns an
  // empty string or why it failed.
  std::string listen(const sockaddr* addr, socklen_t len);
  std::size_t listeners() const { return listeners_.size(); }

  // Accepts, reads, writes and expires without waiting; returns the events
  // handled.
  unsigned poll(std::uint64_t now_ms, const OnQuery& on_query);

  // The answer to one query of `conn` (without length prefix); an empty
  // message means the query gets none. Returns false when the connection
  // is gone.
  bool answer(std::uint64_t conn, std::span<const std::uint8_t> message);

  const TcpStats& stats() const { return stats_; }
  std::size_t connections() const { return conns_.size(); }
  // Octets held for output over every connection, sent ones not yet
  // dropped included: what the peers' pace costs in memory.
  std::size_t output_held() const;
  // Of those, the octets not sent yet.
  std::size_t output_unsent() const;

 private:
  struct Conn {
    int fd = -1;
    TcpPeer peer;
    std::vector<std::uint8_t> in;   // octets read, not yet a whole message
    std::vector<std::uint8_t> out;  // octets to write
    std::size_t out_sent = 0;
    std::size_t outstanding = 0;      // queries handed out, answers not back
    std::uint64_t last_active = 0;    // a whole message taken or an answer queued
    std::uint64_t last_progress = 0;  // output last moved (or began to wait)
    bool peer_closed = false;
    bool broken = false;  // write failed or output overflowed: close
    bool want_write = false;
    bool reading = true;
  };

  void accept_from(int listen_fd, std::uint64_t now_ms);
  // Returns false when the connection must close.
  bool read_from(std::uint64_t id, Conn& c, std::uint64_t now_ms, const OnQuery& on_query);
  // Hands on the whole messages in c.in (up to max_outstanding); false when
  // the connection must close.
  bool take_messages(std::uint64_t id, Conn& c, std::uint64_t now_ms, const OnQuery& on_query);
  bool write_to(Conn& c);
  // Whether c.in holds a whole message (not yet handed on).
  static bool has_message(const Conn& c);
  void update_events(std::uint64_t id, Conn& c);
  void close_conn(std::uint64_t id);

  TcpConfig config_;
  TcpStats stats_;
  int epoll_fd_ = -1;
  std::vector<int> listeners_;
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, Conn> conns_;
  std::uint64_t now_ms_ = 0;
  std::uint64_t last_sweep_ = 0;
  bool sweep_due_ = false;
};

}  // namespace dns64d::control
