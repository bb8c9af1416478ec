#include "control/tcp_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dns64d::control {

namespace {

// epoll data of a listening socket: the top bit set, the fd below. Connection
// ids count from 1 and never reach the top bit.
constexpr std::uint64_t listener_tag = 1ull << 63;

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

TcpPeer peer_of(const sockaddr_storage& ss) {
  TcpPeer p;
  if (ss.ss_family == AF_INET6) {
    const auto& s6 = reinterpret_cast<const sockaddr_in6&>(ss);
    p.is_v6 = true;
    std::memcpy(p.addr.data(), &s6.sin6_addr, 16);
    p.port = ntohs(s6.sin6_port);
  } else {
    const auto& s4 = reinterpret_cast<const sockaddr_in&>(ss);
    std::memcpy(p.addr.data(), &s4.sin_addr, 4);
    p.port = ntohs(s4.sin_port);
  }
  return p;
}

}  // namespace

TcpServer::TcpServer(TcpConfig config) : config_(config) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
}

TcpServer::~TcpServer() {
  for (auto& [id, c] : conns_) ::close(c.fd);
  for (int fd : listeners_) ::close(fd);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

std::string TcpServer::listen(const sockaddr* addr, socklen_t len) {
  if (epoll_fd_ < 0) return errno_text("epoll_create1");
  const int fd = ::socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_text("socket");
  const int one = 1;
  (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // The address lives on the exception interface, which may be configured
  // (or still be in IPv6 duplicate address detection) after we bind.
  (void)setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
  if (addr->sa_family == AF_INET6)
    (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd, addr, len) != 0 || ::listen(fd, 256) != 0) {
    const std::string e = errno_text("bind/listen");
    ::close(fd);
    return e;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = listener_tag | static_cast<std::uint64_t>(fd);
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    const std::string e = errno_text("epoll_ctl");
    ::close(fd);
    return e;
  }
  listeners_.push_back(fd);
  return {};
}

void TcpServer::accept_from(int listen_fd, std::uint64_t now_ms) {
  for (;;) {
    sockaddr_storage ss{};
    socklen_t sl = sizeof ss;
    const int fd =
        accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or an error of one embryonic connection
    if (conns_.size() >= config_.max_connections) {
      ++stats_.refused_full;
      ::close(fd);
      continue;
    }
    // Each answer is one whole write: Nagle would only delay pipelined ones.
    const int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (config_.send_buffer > 0) {
      (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &config_.send_buffer, sizeof config_.send_buffer);
    }
    const std::uint64_t id = next_id_++;
    Conn& c = conns_[id];
    c.fd = fd;
    c.peer = peer_of(ss);
    c.last_active = now_ms;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = id;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      ++stats_.closed_error;
      ::close(fd);
      conns_.erase(id);
      continue;
    }
    ++stats_.accepted;
  }
}

bool TcpServer::read_from(std::uint64_t id, Conn& c, std::uint64_t now_ms,
                          const OnQuery& on_query) {
  std::array<std::uint8_t, 16384> chunk;
  for (;;) {
    const ssize_t n = ::read(c.fd, chunk.data(), chunk.size());
    if (n > 0) {
      // Not activity yet: a peer dripping a message an octet at a time
      // must still complete one within the idle timeout.
      c.in.insert(c.in.end(), chunk.begin(), chunk.begin() + n);
      // A message is at most 65535 octets: a buffer beyond one message and
      // its prefix means the peer does not wait for answers; stop taking.
      if (c.in.size() > 65537 + chunk.size()) break;
      continue;
    }
    if (n == 0) {
      c.peer_closed = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    ++stats_.closed_error;
    return false;
  }
  return take_messages(id, c, now_ms, on_query);
}

bool TcpServer::has_message(const Conn& c) {
  return c.in.size() >= 2 && c.in.size() >= 2 + (static_cast<std::size_t>(c.in[0]) << 8 | c.in[1]);
}

bool TcpServer::take_messages(std::uint64_t id, Conn& c, std::uint64_t now_ms,
                              const OnQuery& on_query) {
  std::size_t used = 0;
  while (c.in.size() - used >= 2 && c.outstanding < config_.max_outstanding) {
    const std::size_t len = static_cast<std::size_t>(c.in[used]) << 8 | c.in[used + 1];
    if (len < 12) {  // not even a DNS header: nothing sensible follows
      ++stats_.closed_error;
      return false;
    }
    if (c.in.size() - used < 2 + len) break;
    ++c.outstanding;
    ++stats_.queries;
    c.last_active = now_ms;
    // on_query may call answer() for this connection; `c` stays valid, since
    // answer() never adds or removes connections.
    on_query(id, c.peer, std::span<const std::uint8_t>(c.in.data() + used + 2, len));
    used += 2 + len;
  }
  c.in.erase(c.in.begin(), c.in.begin() + static_cast<std::ptrdiff_t>(used));
  const bool pause = c.outstanding >= config_.max_outstanding;
  if (pause && c.reading) ++stats_.paused_reading;
  c.reading = !pause && !c.peer_closed;
  // After the peer's FIN, whole messages still buffered (beyond
  // max_outstanding) are handed on as answers come back; only then close.
  if (c.peer_closed && c.outstanding == 0 && c.out.size() == c.out_sent && !has_message(c)) {
    ++stats_.closed_by_peer;
    return false;
  }
  return true;
}

bool TcpServer::write_to(Conn& c) {
  while (c.out_sent < c.out.size()) {
    const ssize_t n =
        ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_sent += static_cast<std::size_t>(n);
      c.last_progress = now_ms_;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // What was sent goes once it is half the buffer, so a peer that
      // reads slowly but steadily never makes the buffer grow past twice
      // what it owes (max_output bounds that).
      if (c.out_sent * 2 >= c.out.size()) {
        c.out.erase(c.out.begin(), c.out.begin() + static_cast<std::ptrdiff_t>(c.out_sent));
        c.out_sent = 0;
      }
      c.want_write = true;
      return true;
    }
    return false;
  }
  c.out.clear();
  c.out_sent = 0;
  c.want_write = false;
  return true;
}

void TcpServer::update_events(std::uint64_t id, Conn& c) {
  epoll_event ev{};
  ev.events = (c.reading ? EPOLLIN | EPOLLRDHUP : 0u) | (c.want_write ? EPOLLOUT : 0u);
  ev.data.u64 = id;
  (void)epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void TcpServer::close_conn(std::uint64_t id) {
  const auto it = conns_.find(id);
  if (it == conns_.end()) return;
  (void)epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second.fd, nullptr);
  ::close(it->second.fd);
  conns_.erase(it);
}

bool TcpServer::answer(std::uint64_t conn, std::span<const std::uint8_t> message) {
  const auto it = conns_.find(conn);
  if (it == conns_.end()) {
    ++stats_.late_answers;
    return false;
  }
  Conn& c = it->second;
  if (c.outstanding > 0) --c.outstanding;
  if (message.empty() || message.size() > 65535) {
    ++stats_.unanswered;
  } else {
    if (c.out.size() == c.out_sent) c.last_progress = now_ms_;  // output begins to wait now
    c.out.push_back(static_cast<std::uint8_t>(message.size() >> 8));
    c.out.push_back(static_cast<std::uint8_t>(message.size()));
    c.out.insert(c.out.end(), message.begin(), message.end());
    ++stats_.answers;
  }
  c.last_active = now_ms_;
  // Written now where the socket takes it; poll() closes what must close
  // (never answer(): it may run inside on_query, on this connection).
  if (c.out.size() - c.out_sent > config_.max_output || !write_to(c)) c.broken = true;
  sweep_due_ = true;
  return true;
}

unsigned TcpServer::poll(std::uint64_t now_ms, const OnQuery& on_query) {
  now_ms_ = now_ms;
  if (epoll_fd_ < 0) return 0;
  std::array<epoll_event, 64> events;
  const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 0);
  for (int i = 0; i < n; ++i) {
    const std::uint64_t tag = events[i].data.u64;
    if (tag & listener_tag) {
      accept_from(static_cast<int>(tag & ~listener_tag), now_ms);
      continue;
    }
    const auto it = conns_.find(tag);
    if (it == conns_.end()) continue;
    Conn& c = it->second;
    bool keep = true;
    if (events[i].events & (EPOLLERR | EPOLLHUP)) {
      ++stats_.closed_error;
      keep = false;
    }
    if (keep && (events[i].events & (EPOLLIN | EPOLLRDHUP)))
      keep = read_from(tag, c, now_ms, on_query);
    if (keep && c.want_write) keep = write_to(c);
    if (!keep) {
      close_conn(tag);
      continue;
    }
    update_events(tag, c);
  }
  // Connections that finished, broke, or fell idle; and paused readers whose
  // answers came back. Looked at when answers came, and ten times a second.
  if (!sweep_due_ && now_ms - last_sweep_ < 100) return static_cast<unsigned>(n < 0 ? 0 : n);
  sweep_due_ = false;
  last_sweep_ = now_ms;
  std::vector<std::uint64_t> done;
  for (auto& [id, c] : conns_) {
    const bool drained = c.outstanding == 0 && c.out.size() == c.out_sent;
    const bool unsent = c.out.size() > c.out_sent;
    if (c.broken) {
      ++stats_.closed_error;
      done.push_back(id);
    } else if (!c.reading && c.outstanding < config_.max_outstanding &&
               (has_message(c) || !c.peer_closed)) {
      // Answers came back: the messages already read go first (after the
      // peer's FIN too), then the socket again.
      if (!take_messages(id, c, now_ms, on_query)) {
        done.push_back(id);
        continue;
      }
      update_events(id, c);
    } else if (c.peer_closed && drained) {
      ++stats_.closed_by_peer;
      done.push_back(id);
    } else if (drained && now_ms - c.last_active > config_.idle_timeout_ms) {
      ++stats_.closed_idle;
      done.push_back(id);
    } else if (unsent && now_ms - c.last_progress > config_.idle_timeout_ms) {
      // Owed answers the peer has not taken for a whole idle timeout: it
      // holds a connection (and its buffer) without reading.
      ++stats_.closed_stalled;
      done.push_back(id);
    } else if (c.want_write) {
      update_events(id, c);
    }
  }
  for (std::uint64_t id : done) close_conn(id);
  return static_cast<unsigned>(n < 0 ? 0 : n) + static_cast<unsigned>(done.size());
}

std::size_t TcpServer::output_unsent() const {
  std::size_t n = 0;
  for (const auto& [id, c] : conns_) n += c.out.size() - c.out_sent;
  return n;
}

std::size_t TcpServer::output_held() const {
  std::size_t n = 0;
  for (const auto& [id, c] : conns_) n += c.out.size();
  return n;
}

}  // namespace dns64d::control
