#include "control/upstream/client.hpp"

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

namespace dns64d::upstream {

struct Client::Query {
  QueryId id = 0;
  std::uint64_t cookie = 0;
  std::vector<std::uint8_t> qname;
  std::vector<std::uint8_t> asked;  // qname as this attempt sent it (its case randomized or not)
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  bool do_bit = false;
  bool cd = false;

  unsigned attempts = 0;
  std::size_t upstream = 0;
  Status last_failure = Status::failed;
  std::uint16_t dns_id = 0;
  int fd = -1;
  std::uint64_t timer = 0;  // the serial of its deadline in timers_

  bool tcp = false;
  bool tcp_connected = false;
  bool tcp_have_length = false;
  std::vector<std::uint8_t> out;  // 2-octet length, then the query
  std::size_t out_done = 0;
  std::vector<std::uint8_t> in;  // 2-octet length, then the answer
  std::size_t in_done = 0;

  Question question() const { return {asked, qtype, qclass}; }
};

const char* to_string(Status status) {
  switch (status) {
    case Status::ok:
      return "ok";
    case Status::timeout:
      return "timeout";
    case Status::failed:
      return "failed";
  }
  return "?";
}

namespace {

constexpr std::size_t random_pool_size = 256;
constexpr int bind_tries = 16;
constexpr int max_events = 64;
// Datagrams read from one socket per poll(), so a flood of junk cannot hold the loop.
constexpr int max_datagrams_per_poll = 64;

void close_fd(int fd) {
  if (fd >= 0) ::close(fd);
}

void read_port_range(std::uint16_t& low, std::uint16_t& high) {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned a = 0, b = 0;
  if (in >> a >> b && a >= 1024 && a < b && b <= 65535) {
    low = static_cast<std::uint16_t>(a);
    high = static_cast<std::uint16_t>(b);
  }
}

Verdict drop_verdict_counter(Counters& c, Verdict v) {
  switch (v) {
    case Verdict::accept:
      break;
    case Verdict::short_packet:
      ++c.drop_short;
      break;
    case Verdict::wrong_id:
      ++c.drop_wrong_id;
      break;
    case Verdict::not_response:
      ++c.drop_not_response;
      break;
    case Verdict::malformed:
      ++c.drop_malformed;
      break;
    case Verdict::wrong_question:
      ++c.drop_wrong_question;
      break;
    case Verdict::case_mismatch:
      ++c.drop_case_mismatch;
      break;
  }
  return v;
}

}  // namespace

Client::Client(Config config) : config_(std::move(config)), rx_buffer_(65536) {
  if (config_.upstreams.empty()) config_.upstreams = parse_resolv_conf(config_.resolv_conf);
  config_.max_attempts = std::max(config_.max_attempts, 1u);
  config_.down_after_timeouts = std::max(config_.down_after_timeouts, 1u);
  for (const auto& ep : config_.upstreams) upstreams_.push_back(UpstreamStats{.endpoint = ep});
  down_until_.assign(upstreams_.size(), Clock::time_point{});
  probe_until_.assign(upstreams_.size(), Clock::time_point{});
  read_port_range(port_low_, port_high_);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

Client::~Client() {
  for (auto& [fd, query] : by_fd_) close_fd(fd);
  close_fd(epoll_fd_);
}

std::uint16_t Client::random16() {
  if (random_pool_.size() < random_pool_size || random_used_ + 2 > random_pool_.size()) {
    random_pool_.resize(random_pool_size);
    std::size_t got = 0;
    while (got < random_pool_.size()) {
      const ssize_t n = getrandom(random_pool_.data() + got, random_pool_.size() - got, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::system_error(errno, std::generic_category(), "getrandom");
      }
      got += static_cast<std::size_t>(n);
    }
    random_used_ = 0;
  }
  const auto v = static_cast<std::uint16_t>((random_pool_[random_used_] << 8) |
                                            random_pool_[random_used_ + 1]);
  random_used_ += 2;
  return v;
}

// Every letter of the (valid) wire name in a random case, one bit of the
// random pool each: what a spoofer must guess besides the ID and the port.
void Client::randomize_case(std::vector<std::uint8_t>& wire) {
  std::uint16_t bits = 0;
  int left = 0;
  for (std::size_t at = 0; at < wire.size() && wire[at] != 0; at += 1u + wire[at]) {
    for (std::size_t i = at + 1; i <= at + wire[at]; ++i) {
      const auto lower = static_cast<std::uint8_t>(wire[i] | 0x20);
      if (lower < 'a' || lower > 'z') continue;
      if (left == 0) {
        bits = random16();
        left = 16;
      }
      wire[i] = (bits & 1) != 0 ? static_cast<std::uint8_t>(lower & ~0x20) : lower;
      bits >>= 1;
      --left;
    }
  }
}

bool Client::upstream_down(std::size_t index, Clock::time_point now) const {
  return index < down_until_.size() && (down_until_[index] > now || probe_until_[index] > now);
}

bool Client::recovering(std::size_t index) const {
  return upstreams_[index].consecutive_timeouts >= config_.down_after_timeouts;
}

std::size_t Client::pick_upstream(std::size_t first, Clock::time_point now) const {
  const std::size_t n = upstreams_.size();
  std::size_t soonest = first % n;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t index = (first + i) % n;
    if (!upstream_down(index, now)) return index;
    if (down_until_[index] < down_until_[soonest]) soonest = index;
  }
  // All are down: rather than fail, ask the one that comes back first.
  return soonest;
}

void Client::note_timeout(std::size_t upstream, Clock::time_point now) {
  ++upstreams_[upstream].timeouts;
  note_failure(upstream, now);
}

// A timeout or an ICMP unreachable: either counts toward taking it out.
void Client::note_failure(std::size_t upstream, Clock::time_point now) {
  auto& stats = upstreams_[upstream];
  ++stats.consecutive_timeouts;
  probe_until_[upstream] = Clock::time_point{};
  if (stats.consecutive_timeouts >= config_.down_after_timeouts) {
    // Past the threshold every timeout (a failed probe) takes it out again.
    if (!upstream_down(upstream, now)) ++stats.marked_down;
    down_until_[upstream] = now + config_.down_for;
  }
}

int Client::open_udp_socket(int family) {
  const int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  // A random source port of our own choosing, so the port is as hard to guess
  // as the ID; the kernel's choice is the fallback when the range is crowded.
  const unsigned span = unsigned{port_high_} - port_low_ + 1;
  for (int attempt = 0; attempt <= bind_tries; ++attempt) {
    const auto port = attempt == bind_tries
                          ? std::uint16_t{0}
                          : static_cast<std::uint16_t>(port_low_ + random16() % span);
    int rc = -1;
    if (family == AF_INET) {
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(port);
      rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    } else {
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_port = htons(port);
      rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    }
    if (rc == 0) {
      // ICMP errors for what this socket sends (port or host unreachable)
      // come back on it although it is not connected, so an upstream that
      // is not there fails over at once instead of at the attempt timeout.
      const int on = 1;
      if (family == AF_INET) {
        (void)::setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
      } else {
        (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on);
      }
      return fd;
    }
    if (errno != EADDRINUSE) break;
  }
  close_fd(fd);
  return -1;
}

// Drains the socket's error queue; true when it holds an ICMP error for a
// datagram we sent to `upstream` saying that nothing is there (port, host
// or network unreachable, or prohibited). The kernel matched the ICMP's
// quoted header to this socket's random port already; the destination it
// names is checked too.
bool Client::unreachable(int fd, const Endpoint& upstream) {
  bool found = false;
  for (int i = 0; i < max_datagrams_per_poll; ++i) {
    sockaddr_storage to{};
    std::array<std::uint8_t, 512> control{};
    std::array<std::uint8_t, 512> payload{};
    iovec iov{payload.data(), payload.size()};
    msghdr msg{};
    msg.msg_name = &to;
    msg.msg_namelen = sizeof to;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    if (::recvmsg(fd, &msg, MSG_ERRQUEUE) < 0) break;
    if (!upstream.same_as(reinterpret_cast<const sockaddr*>(&to), msg.msg_namelen)) continue;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      const bool v4 = c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR;
      const bool v6 = c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR;
      if (!v4 && !v6) continue;
      sock_extended_err e{};
      std::memcpy(&e, CMSG_DATA(c), sizeof e);
      const bool icmp = e.ee_origin == SO_EE_ORIGIN_ICMP || e.ee_origin == SO_EE_ORIGIN_ICMP6;
      const bool gone = e.ee_errno == ECONNREFUSED || e.ee_errno == EHOSTUNREACH ||
                        e.ee_errno == ENETUNREACH || e.ee_errno == EACCES;
      if (icmp && gone) found = true;
    }
  }
  return found;
}

std::optional<QueryId> Client::send(const Request& request) {
  if (upstreams_.empty()) {
    ++counters_.rejected_no_upstream;
    return std::nullopt;
  }
  if (!valid_qname_wire(request.qname_wire)) {
    ++counters_.rejected_bad_request;
    return std::nullopt;
  }
  if (by_fd_.size() >= config_.max_in_flight) {
    ++counters_.rejected_full;
    return std::nullopt;
  }
  auto query = std::make_unique<Query>();
  query->id = next_id_++;
  query->cookie = request.cookie;
  query->qname.assign(request.qname_wire.begin(), request.qname_wire.end());
  query->asked = query->qname;
  query->qtype = request.qtype;
  query->qclass = request.qclass;
  query->do_bit = request.do_bit;
  query->cd = request.cd;
  const QueryId id = query->id;
  start_attempt(std::move(query), Clock::now());
  return id;
}

void Client::start_attempt(std::unique_ptr<Query> query, Clock::time_point now) {
  while (query->attempts < config_.max_attempts) {
    const std::size_t first = query->attempts == 0 ? 0 : query->upstream + 1;
    if (query->attempts > 0) ++counters_.retries;
    ++query->attempts;
    query->upstream = pick_upstream(first, now);
    query->tcp = false;
    auto& stats = upstreams_[query->upstream];
    if (recovering(query->upstream)) {
      probe_until_[query->upstream] = now + config_.attempt_timeout + config_.tcp_timeout;
      ++stats.probes;
    }

    query->dns_id = random16();
    if (config_.randomize_case) randomize_case(query->asked);
    const auto wire = build_query(query->dns_id, query->question(),
                                  {query->do_bit, query->cd, config_.edns_payload});
    const int fd = wire.empty() ? -1 : open_udp_socket(stats.endpoint.family());
    if (fd < 0) {
      ++counters_.send_errors;
      ++stats.errors;
      query->last_failure = Status::failed;
      continue;
    }
    const ssize_t sent =
        ::sendto(fd, wire.data(), wire.size(), 0,
                 reinterpret_cast<const sockaddr*>(&stats.endpoint.addr), stats.endpoint.len);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (sent != static_cast<ssize_t>(wire.size()) ||
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      close_fd(fd);
      ++counters_.send_errors;
      ++stats.errors;
      query->last_failure = Status::failed;
      continue;
    }
    ++counters_.queries_sent;
    ++stats.queries;
    query->fd = fd;
    arm(*query, now + config_.attempt_timeout);
    by_fd_.emplace(fd, std::move(query));
    return;
  }
  const Status status = query->last_failure;
  complete(std::move(query), status, {});
}

void Client::start_tcp(std::unique_ptr<Query> query, Clock::time_point now) {
  auto& stats = upstreams_[query->upstream];
  query->tcp = true;
  query->tcp_connected = false;
  query->tcp_have_length = false;
  query->dns_id = random16();
  if (config_.randomize_case) randomize_case(query->asked);
  const auto wire = build_query(query->dns_id, query->question(),
                                {query->do_bit, query->cd, config_.edns_payload});
  query->out.assign(2, 0);
  query->out[0] = static_cast<std::uint8_t>(wire.size() >> 8);
  query->out[1] = static_cast<std::uint8_t>(wire.size());
  query->out.insert(query->out.end(), wire.begin(), wire.end());
  query->out_done = 0;
  query->in.assign(2, 0);
  query->in_done = 0;

  const int fd = ::socket(stats.endpoint.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  bool ok = fd >= 0 && !wire.empty();
  if (ok) {
    const int rc =
        ::connect(fd, reinterpret_cast<const sockaddr*>(&stats.endpoint.addr), stats.endpoint.len);
    ok = rc == 0 || errno == EINPROGRESS;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.fd = fd;
  if (ok) ok = epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
  if (!ok) {
    close_fd(fd);
    ++counters_.tcp_failures;
    ++stats.errors;
    next_attempt_or_fail(std::move(query), Status::failed, now);
    return;
  }
  ++counters_.tcp_queries_sent;
  ++stats.tcp_queries;
  query->fd = fd;
  arm(*query, now + config_.tcp_timeout);
  by_fd_.emplace(fd, std::move(query));
}

std::unique_ptr<Client::Query> Client::detach(int fd) {
  auto it = by_fd_.find(fd);
  auto query = std::move(it->second);
  by_fd_.erase(it);
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  close_fd(fd);
  query->fd = -1;
  return query;
}

void Client::next_attempt_or_fail(std::unique_ptr<Query> query, Status status,
                                  Clock::time_point now) {
  query->last_failure = status;
  start_attempt(std::move(query), now);
}

void Client::complete(std::unique_ptr<Query> query, Status status,
                      std::vector<std::uint8_t> response) {
  switch (status) {
    case Status::ok:
      ++counters_.completed_ok;
      break;
    case Status::timeout:
      ++counters_.completed_timeout;
      break;
    case Status::failed:
      ++counters_.completed_failed;
      break;
  }
  completed_.push_back(Completion{.id = query->id,
                                  .cookie = query->cookie,
                                  .status = status,
                                  .response = std::move(response),
                                  .upstream = query->upstream,
                                  .attempts = query->attempts,
                                  .via_tcp = query->tcp});
}

void Client::on_udp_readable(int fd, Clock::time_point now) {
  Query& query = *by_fd_.at(fd);
  auto& stats = upstreams_[query.upstream];
  for (int read = 0; read < max_datagrams_per_poll; ++read) {
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    const ssize_t n = ::recvfrom(fd, rx_buffer_.data(), rx_buffer_.size(), 0,
                                 reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || !unreachable(fd, stats.endpoint)) {
        return;  // drained, or an error that is not the upstream's: wait for the timeout
      }
      ++counters_.unreachable;
      ++stats.errors;
      note_failure(query.upstream, now);
      next_attempt_or_fail(detach(fd), Status::failed, now);
      return;
    }
    if (!stats.endpoint.same_as(reinterpret_cast<const sockaddr*>(&from), from_len)) {
      ++counters_.drop_wrong_source;
      continue;
    }
    const Bytes message(rx_buffer_.data(), static_cast<std::size_t>(n));
    // Like a wrong ID, a wrong case is someone else's guess: the attempt
    // keeps waiting for the real answer.
    const Check check =
        check_response(message, query.dns_id, query.question(), config_.randomize_case);
    if (drop_verdict_counter(counters_, check.verdict) != Verdict::accept) continue;

    stats.consecutive_timeouts = 0;
    down_until_[query.upstream] = Clock::time_point{};
    probe_until_[query.upstream] = Clock::time_point{};
    auto owned = detach(fd);
    if (check.truncated) {
      ++counters_.truncated;
      start_tcp(std::move(owned), now);
    } else {
      ++stats.answers;
      complete(std::move(owned), Status::ok, {message.begin(), message.end()});
    }
    return;
  }
  // Level-triggered epoll reports what is left on the next poll().
}

void Client::on_tcp_event(int fd, std::uint32_t events, Clock::time_point now) {
  Query& query = *by_fd_.at(fd);
  auto& stats = upstreams_[query.upstream];
  const auto fail = [&] {
    ++counters_.tcp_failures;
    ++stats.errors;
    next_attempt_or_fail(detach(fd), Status::failed, now);
  };

  if (!query.tcp_connected) {
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) return fail();
    query.tcp_connected = true;
  }
  if (query.out_done < query.out.size() && (events & EPOLLOUT)) {
    const ssize_t n = ::send(fd, query.out.data() + query.out_done,
                             query.out.size() - query.out_done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return fail();
    } else {
      query.out_done += static_cast<std::size_t>(n);
    }
    if (query.out_done == query.out.size()) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
    }
  }
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) return;
  for (;;) {
    const ssize_t n =
        ::recv(fd, query.in.data() + query.in_done, query.in.size() - query.in_done, 0);
    if (n == 0) return fail();  // closed before the whole answer came
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      return fail();
    }
    query.in_done += static_cast<std::size_t>(n);
    if (query.in_done < query.in.size()) continue;
    if (!query.tcp_have_length) {
      const std::size_t length = (std::size_t{query.in[0]} << 8) | query.in[1];
      if (length == 0) return fail();
      query.tcp_have_length = true;
      query.in.resize(2 + length);
      continue;
    }
    const Bytes message(query.in.data() + 2, query.in.size() - 2);
    const Check check =
        check_response(message, query.dns_id, query.question(), config_.randomize_case);
    if (drop_verdict_counter(counters_, check.verdict) != Verdict::accept) return fail();
    ++stats.answers;
    stats.consecutive_timeouts = 0;
    down_until_[query.upstream] = Clock::time_point{};
    probe_until_[query.upstream] = Clock::time_point{};
    std::vector<std::uint8_t> answer(message.begin(), message.end());
    complete(detach(fd), Status::ok, std::move(answer));
    return;
  }
}

void Client::arm(Query& query, Clock::time_point deadline) {
  query.timer = ++timer_serial_;
  timers_.push({deadline, query.fd, query.timer});
}

void Client::expire(Clock::time_point now) {
  while (!timers_.empty() && timers_.top().deadline <= now) {
    const Timer t = timers_.top();
    timers_.pop();
    const auto it = by_fd_.find(t.fd);
    if (it == by_fd_.end() || it->second->timer != t.serial) continue;  // that attempt ended
    auto query = detach(t.fd);
    ++counters_.attempt_timeouts;
    if (query->tcp) ++counters_.tcp_failures;
    note_timeout(query->upstream, now);
    next_attempt_or_fail(std::move(query), Status::timeout, now);
  }
}

std::optional<std::chrono::milliseconds> Client::next_deadline_in() const {
  if (by_fd_.empty() || timers_.empty()) return std::nullopt;
  // Possibly the deadline of an attempt that already ended: then the wait
  // is only shorter than it needed to be.
  const Clock::time_point soonest = timers_.top().deadline;
  const auto now = Clock::now();
  if (soonest <= now) return std::chrono::milliseconds{0};
  // Round up so a wait that ends on the deadline does not wake just before it.
  return std::chrono::ceil<std::chrono::milliseconds>(soonest - now);
}

void Client::poll(int timeout_ms) {
  int wait = std::max(timeout_ms, 0);
  if (const auto due = next_deadline_in()) {
    wait = std::min(wait, static_cast<int>(std::min<std::int64_t>(due->count(), wait)));
  }
  epoll_event events[max_events];
  int n = epoll_wait(epoll_fd_, events, max_events, wait);
  const auto now = Clock::now();
  // Every answer already waiting is read before any deadline is judged: a
  // late turn of the loop must not time out attempts whose answers sit in
  // their sockets (and count them toward taking a healthy upstream out).
  // A full batch may leave more behind; at most 16 batches (1,024 sockets)
  // a turn, so a flood cannot hold the control loop here.
  for (int round = 0; n > 0; ++round) {
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      const auto it = by_fd_.find(fd);
      if (it == by_fd_.end()) continue;
      if (it->second->tcp) {
        on_tcp_event(fd, events[i].events, now);
      } else {
        on_udp_readable(fd, now);
      }
    }
    if (n < max_events || round == 15) break;
    n = epoll_wait(epoll_fd_, events, max_events, 0);
  }
  expire(now);
}

std::vector<Completion> Client::take_completed() {
  std::vector<Completion> out;
  out.swap(completed_);
  return out;
}

void Client::take_completed(std::vector<Completion>& out) {
  for (Completion& c : completed_) out.push_back(std::move(c));
  completed_.clear();
}

}  // namespace dns64d::upstream
