// The control plane's upstream client: asks recursive resolvers over
// non-blocking UDP (TCP when the answer is truncated), driven by poll() from
// the control loop. No threads, no blocking calls; answers are collected in a
// completion queue the caller drains.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/upstream/counters.hpp"
#include "control/upstream/endpoint.hpp"
#include "control/upstream/message.hpp"

namespace dns64d::upstream {

using Clock = std::chrono::steady_clock;
using QueryId = std::uint64_t;

struct Config {
  std::vector<Endpoint> upstreams;  // in order of preference; empty: read resolv_conf
  std::string resolv_conf = "/etc/resolv.conf";
  std::chrono::milliseconds attempt_timeout{800};
  std::chrono::milliseconds tcp_timeout{1500};
  unsigned max_attempts = 3;  // the first try and the retries, each on the next upstream
  std::size_t max_in_flight = 1024;
  unsigned down_after_timeouts = 3;           // consecutive timeouts that take an upstream out
  std::chrono::milliseconds down_for{10000};  // then one query probes it again
  std::uint16_t edns_payload = 1232;
  // 0x20: each attempt asks with the name's letters in random case, and an
  // answer must echo that case exactly; one that does not is taken for a
  // spoof and dropped. Off by default: a few upstreams do not echo the case.
  bool randomize_case = false;
};

struct Request {
  Bytes qname_wire;
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 1;
  bool do_bit = false;
  bool cd = false;
  std::uint64_t cookie = 0;  // the caller's, handed back in the completion
};

enum class Status : std::uint8_t {
  ok,       // response holds the upstream's answer, whatever its rcode
  timeout,  // every attempt timed out; the caller answers SERVFAIL
  failed,   // attempts failed otherwise (no socket, TCP broken); SERVFAIL too
};

struct Completion {
  QueryId id = 0;
  std::uint64_t cookie = 0;
  Status status = Status::failed;
  std::vector<std::uint8_t> response;  // raw wire answer when ok
  std::size_t upstream = 0;            // index of the upstream that answered or was last tried
  unsigned attempts = 0;
  bool via_tcp = false;
};

const char* to_string(Status status);

// How the resolver reaches upstream servers, as an interface: Client below
// (non-blocking sockets) in the daemon, scripted exchanges in tests.
class Transport {
 public:
  virtual ~Transport() = default;
  // Starts a query; false when it cannot (full, no upstream): then no
  // completion for it ever follows.
  virtual bool start(const Request& request) = 0;
  // Does what is ready without blocking: reads answers, expires attempts.
  virtual void drive() = 0;
  // Moves the completions gathered so far to the end of `out`.
  virtual void take_completed(std::vector<Completion>& out) = 0;
};

class Client final : public Transport {
 public:
  explicit Client(Config config);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Starts a query. nullopt when it cannot (full, bad name, no upstream):
  // counted, and no completion will follow.
  std::optional<QueryId> send(const Request& request);

  // Waits at most timeout_ms (0: just look) for socket events, handles them
  // and expires attempts whose time is up.
  void poll(int timeout_ms);
  std::vector<Completion> take_completed();

  bool start(const Request& request) override { return send(request).has_value(); }
  void drive() override { poll(0); }
  void take_completed(std::vector<Completion>& out) override;

  // An epoll descriptor that is readable when poll() has work; for callers
  // that wait on several things at once. Timeouts still need poll() calls.
  int event_fd() const { return epoll_fd_; }
  // Time until the earliest attempt deadline (zero if one has passed), if any.
  std::optional<std::chrono::milliseconds> next_deadline_in() const;

  std::size_t in_flight() const { return by_fd_.size(); }
  const Counters& counters() const { return counters_; }
  std::span<const UpstreamStats> upstreams() const { return upstreams_; }
  bool upstream_down(std::size_t index, Clock::time_point now = Clock::now()) const;

 private:
  struct Query;
  void start_attempt(std::unique_ptr<Query> query, Clock::time_point now);
  void start_tcp(std::unique_ptr<Query> query, Clock::time_point now);
  void on_udp_readable(int fd, Clock::time_point now);
  void on_tcp_event(int fd, std::uint32_t events, Clock::time_point now);
  void next_attempt_or_fail(std::unique_ptr<Query> query, Status status, Clock::time_point now);
  void complete(std::unique_ptr<Query> query, Status status, std::vector<std::uint8_t> response);
  void expire(Clock::time_point now);
  std::unique_ptr<Query> detach(int fd);
  std::size_t pick_upstream(std::size_t first, Clock::time_point now) const;
  void note_timeout(std::size_t upstream, Clock::time_point now);
  void note_failure(std::size_t upstream, Clock::time_point now);
  static bool unreachable(int fd, const Endpoint& upstream);
  int open_udp_socket(int family);
  std::uint16_t random16();
  void randomize_case(std::vector<std::uint8_t>& wire);

  Config config_;
  int epoll_fd_ = -1;
  QueryId next_id_ = 1;
  std::vector<UpstreamStats> upstreams_;
  std::vector<Clock::time_point> down_until_;
  // A recovering upstream (its time out is over, its last queries timed out)
  // takes one query at a time, the probe: the others skip it until the
  // probe is answered, times out, or (if it failed otherwise) its time is up.
  std::vector<Clock::time_point> probe_until_;
  bool recovering(std::size_t index) const;
  std::unordered_map<int, std::unique_ptr<Query>> by_fd_;
  // Attempt deadlines, soonest first. An entry whose attempt ended (its fd
  // gone, or reused by a later attempt with another serial) is skipped when
  // it comes up: ending an attempt costs nothing here, and a poll looks at
  // the due entries only, not at every query in flight.
  struct Timer {
    Clock::time_point deadline;
    int fd;
    std::uint64_t serial;
    bool operator>(const Timer& o) const { return deadline > o.deadline; }
  };
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::uint64_t timer_serial_ = 0;
  void arm(Query& query, Clock::time_point deadline);
  std::vector<Completion> completed_;
  std::vector<std::uint8_t> rx_buffer_;
  std::vector<std::uint8_t> random_pool_;
  std::size_t random_used_ = 0;
  std::uint16_t port_low_ = 32768, port_high_ = 60999;
  Counters counters_;
};

}  // namespace dns64d::upstream
