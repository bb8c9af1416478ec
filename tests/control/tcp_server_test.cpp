// TcpServer over real loopback sockets: pipelined and split messages,
// answers out of order and after the query's callback, connection bounds,
// idle and peer close, bad lengths, half-close with queries waiting,
// clients that stop reading or read slowly.
#include "control/tcp_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace dns64d::control {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A DNS-shaped message of `len` octets whose first two carry `tag`.
Bytes message(std::uint16_t tag, std::size_t len = 20) {
  Bytes m(len, 0xab);
  m[0] = static_cast<std::uint8_t>(tag >> 8);
  m[1] = static_cast<std::uint8_t>(tag);
  return m;
}

Bytes framed(const Bytes& m) {
  // Built by resize and copy: GCC 12 at -O3 sees a false bounds error in
  // insert() after a two-element initializer list.
  Bytes f(m.size() + 2);
  f[0] = static_cast<std::uint8_t>(m.size() >> 8);
  f[1] = static_cast<std::uint8_t>(m.size());
  std::copy(m.begin(), m.end(), f.begin() + 2);
  return f;
}

// `count` framed messages tagged first, first + 1, ..., in one buffer.
Bytes pipelined(std::uint16_t first, int count) {
  Bytes wire;
  for (int i = 0; i < count; ++i) {
    const Bytes f = framed(message(static_cast<std::uint16_t>(first + i)));
    wire.insert(wire.end(), f.begin(), f.end());
  }
  return wire;
}

class TcpServerTest : public ::testing::Test {
 protected:
  void start(TcpConfig c = {}) {
    server = std::make_unique<TcpServer>(c);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    // Find a free port by binding a throwaway socket first.
    const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    socklen_t sl = sizeof sa;
    ASSERT_EQ(::getsockname(probe, reinterpret_cast<sockaddr*>(&sa), &sl), 0);
    ::close(probe);
    addr = sa;
    ASSERT_EQ(server->listen(reinterpret_cast<sockaddr*>(&sa), sizeof sa), "");
  }

  // `rcvbuf` > 0: a small receive buffer, so the server's writes back up.
  int connect_client(int rcvbuf = 0) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) {
      (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
      // Queries go out at once, not behind ACKs that a backed-up server
      // only sends on its delayed-ACK timer (the tests' clock is faster).
      const int one = 1;
      (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    EXPECT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    return fd;
  }

  // A server taking two queries of a connection at a time, and a client
  // that has sent `count` at once (tagged 1, 2, ...).
  int two_outstanding_and_a_client_that_sent(int count) {
    TcpConfig c;
    c.max_outstanding = 2;
    start(c);
    const int fd = connect_client();
    const Bytes wire = pipelined(1, count);
    EXPECT_EQ(::write(fd, wire.data(), wire.size()), static_cast<ssize_t>(wire.size()));
    return fd;
  }

  // Polls the server until `done` holds or a second passes.
  template <class Done>
  bool pump(Done done, const TcpServer::OnQuery& on_query) {
    for (int i = 0; i < 1000; ++i) {
      now += 1;
      server->poll(now, on_query);
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }

  // Reads one framed message from a blocking client socket (1 s limit).
  static bool read_answer(int fd, Bytes& out) {
    pollfd p{fd, POLLIN, 0};
    Bytes buf;
    std::uint8_t chunk[4096];
    for (;;) {
      if (buf.size() >= 2) {
        const std::size_t len = static_cast<std::size_t>(buf[0]) << 8 | buf[1];
        if (buf.size() >= 2 + len) {
          out.assign(buf.begin() + 2, buf.begin() + 2 + static_cast<std::ptrdiff_t>(len));
          return true;
        }
      }
      if (::poll(&p, 1, 1000) != 1) return false;
      // One octet at a time after the prefix would be slow; peek-free: read
      // only what this message still needs.
      std::size_t want = 2;
      if (buf.size() >= 2) want = 2 + (static_cast<std::size_t>(buf[0]) << 8 | buf[1]);
      const ssize_t n = ::read(fd, chunk, std::min(sizeof chunk, want - buf.size()));
      if (n <= 0) return false;
      buf.insert(buf.end(), chunk, chunk + n);
    }
  }

  std::unique_ptr<TcpServer> server;
  sockaddr_in addr{};
  std::uint64_t now = 1000;
};

TEST_F(TcpServerTest, PipelinedQueriesAnsweredOutOfOrder) {
  start();
  const int fd = connect_client();
  // Three messages in one write, the third split across two writes.
  Bytes wire = framed(message(1));
  const Bytes two = framed(message(2, 300));
  wire.insert(wire.end(), two.begin(), two.end());
  const Bytes three = framed(message(3));
  wire.insert(wire.end(), three.begin(), three.begin() + 5);
  ASSERT_EQ(::write(fd, wire.data(), wire.size()), static_cast<ssize_t>(wire.size()));

  std::vector<std::pair<std::uint64_t, Bytes>> got;
  auto on_query = [&](std::uint64_t conn, const TcpPeer& peer, std::span<const std::uint8_t> m) {
    EXPECT_FALSE(peer.is_v6);
    EXPECT_EQ(peer.addr[0], 127);
    got.emplace_back(conn, Bytes(m.begin(), m.end()));
  };
  ASSERT_TRUE(pump([&] { return got.size() == 2; }, on_query));
  EXPECT_EQ(got[0].second, message(1));
  EXPECT_EQ(got[1].second, message(2, 300));
  ASSERT_EQ(::write(fd, three.data() + 5, three.size() - 5),
            static_cast<ssize_t>(three.size() - 5));
  ASSERT_TRUE(pump([&] { return got.size() == 3; }, on_query));
  EXPECT_EQ(got[2].second, message(3));

  // Answers in another order than the queries (RFC 7766 §6.2.1.1).
  EXPECT_TRUE(server->answer(got[2].first, message(33)));
  EXPECT_TRUE(server->answer(got[0].first, message(11)));
  EXPECT_TRUE(server->answer(got[1].first, message(22, 1000)));
  Bytes a;
  ASSERT_TRUE(read_answer(fd, a));
  EXPECT_EQ(a, message(33));
  ASSERT_TRUE(read_answer(fd, a));
  EXPECT_EQ(a, message(11));
  ASSERT_TRUE(read_answer(fd, a));
  EXPECT_EQ(a, message(22, 1000));
  EXPECT_EQ(server->stats().queries, 3u);
  EXPECT_EQ(server->stats().answers, 3u);
  ::close(fd);
}

TEST_F(TcpServerTest, AnswerFromInsideTheCallback) {
  start();
  const int fd = connect_client();
  const Bytes q = framed(message(7));
  ASSERT_EQ(::write(fd, q.data(), q.size()), static_cast<ssize_t>(q.size()));
  bool asked = false;
  ASSERT_TRUE(pump([&] { return asked; },
                   [&](std::uint64_t conn, const TcpPeer&, std::span<const std::uint8_t> m) {
                     asked = true;
                     Bytes r(m.begin(), m.end());
                     r[2] = 0x80;
                     server->answer(conn, r);
                   }));
  Bytes a;
  ASSERT_TRUE(read_answer(fd, a));
  EXPECT_EQ(a[0], 0);
  EXPECT_EQ(a[1], 7);
  EXPECT_EQ(a[2], 0x80);
  ::close(fd);
}

TEST_F(TcpServerTest, PeerCloseWaitsForOutstandingAnswersThenCloses) {
  start();
  const int fd = connect_client();
  const Bytes q = framed(message(9));
  ASSERT_EQ(::write(fd, q.data(), q.size()), static_cast<ssize_t>(q.size()));
  ::shutdown(fd, SHUT_WR);  // the client is done sending, still reading
  std::uint64_t conn = 0;
  ASSERT_TRUE(pump([&] { return conn != 0; }, [&](std::uint64_t c, const TcpPeer&,
                                                  std::span<const std::uint8_t>) { conn = c; }));
  // Its answer still arrives, and then the server closes.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  server->poll(++now, [](auto, const auto&, auto) {});
  EXPECT_EQ(server->connections(), 1u);
  EXPECT_TRUE(server->answer(conn, message(99)));
  Bytes a;
  ASSERT_TRUE(read_answer(fd, a));
  EXPECT_EQ(a, message(99));
  ASSERT_TRUE(pump([&] { return server->connections() == 0; }, [](auto, const auto&, auto) {}));
  EXPECT_EQ(server->stats().closed_by_peer, 1u);
  // A late answer to a gone connection is counted, not sent.
  EXPECT_FALSE(server->answer(conn, message(100)));
  EXPECT_EQ(server->stats().late_answers, 1u);
  ::close(fd);
}

TEST_F(TcpServerTest, IdleConnectionsCloseAfterTheTimeout) {
  TcpConfig c;
  c.idle_timeout_ms = 50;
  start(c);
  const int fd = connect_client();
  ASSERT_TRUE(pump([&] { return server->connections() == 1; }, [](auto, const auto&, auto) {}));
  now += 200;
  ASSERT_TRUE(pump([&] { return server->connections() == 0; }, [](auto, const auto&, auto) {}));
  EXPECT_EQ(server->stats().closed_idle, 1u);
  char b;
  EXPECT_EQ(::read(fd, &b, 1), 0);  // the client sees the close
  ::close(fd);
}

TEST_F(TcpServerTest, ConnectionsBeyondTheBoundAreClosedAtOnce) {
  TcpConfig c;
  c.max_connections = 2;
  start(c);
  const int a = connect_client(), b = connect_client(), third = connect_client();
  ASSERT_TRUE(pump([&] { return server->stats().accepted + server->stats().refused_full == 3; },
                   [](auto, const auto&, auto) {}));
  EXPECT_EQ(server->stats().accepted, 2u);
  EXPECT_EQ(server->stats().refused_full, 1u);
  EXPECT_EQ(server->connections(), 2u);
  char buf;
  pollfd p{third, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 1000), 1);
  EXPECT_LE(::read(third, &buf, 1), 0);
  ::close(a);
  ::close(b);
  ::close(third);
}

TEST_F(TcpServerTest, ALengthBelowAHeaderClosesTheConnection) {
  start();
  const int fd = connect_client();
  const std::uint8_t bad[] = {0, 3, 1, 2, 3};
  ASSERT_EQ(::write(fd, bad, sizeof bad), 5);
  int queries = 0;
  ASSERT_TRUE(pump([&] { return server->stats().closed_error == 1; },
                   [&](auto, const auto&, auto) { ++queries; }));
  EXPECT_EQ(queries, 0);
  EXPECT_EQ(server->connections(), 0u);
  ::close(fd);
}

TEST_F(TcpServerTest, ReadingPausesAtMaxOutstanding) {
  const int fd = two_outstanding_and_a_client_that_sent(4);
  std::vector<std::uint64_t> conns;
  auto on_query = [&](std::uint64_t conn, const TcpPeer&, std::span<const std::uint8_t>) {
    conns.push_back(conn);
  };
  ASSERT_TRUE(pump([&] { return conns.size() == 2; }, on_query));
  for (int i = 0; i < 20; ++i) server->poll(++now, on_query);
  EXPECT_EQ(conns.size(), 2u);  // the other two wait for answers
  server->answer(conns[0], message(50));
  server->answer(conns[1], message(51));
  ASSERT_TRUE(pump([&] { return conns.size() == 4; }, on_query));
  EXPECT_GE(server->stats().paused_reading, 1u);
  ::close(fd);
}

// RFC 7766 §6.2.1: a client may send its queries and half-close. Those
// beyond max_outstanding wait in the buffer; they are still handed on as
// answers come back, and the connection closes after the last answer.
TEST_F(TcpServerTest, AfterTheClientsFinEveryBufferedQueryIsAnswered) {
  const int fd = two_outstanding_and_a_client_that_sent(5);
  ::shutdown(fd, SHUT_WR);
  std::vector<std::pair<std::uint64_t, std::uint16_t>> waiting;
  int asked = 0;
  auto on_query = [&](std::uint64_t conn, const TcpPeer&, std::span<const std::uint8_t> m) {
    ++asked;
    waiting.emplace_back(conn, static_cast<std::uint16_t>(m[0] << 8 | m[1]));
  };
  // Answered one at a time, a little after each query.
  ASSERT_TRUE(pump(
      [&] {
        if (!waiting.empty()) {
          server->answer(waiting.front().first, message(waiting.front().second));
          waiting.erase(waiting.begin());
        }
        return asked == 5 && waiting.empty() && server->connections() == 0;
      },
      on_query));
  EXPECT_EQ(server->stats().answers, 5u);
  EXPECT_EQ(server->stats().closed_by_peer, 1u);
  for (std::uint16_t i = 1; i <= 5; ++i) {
    Bytes a;
    ASSERT_TRUE(read_answer(fd, a));
    EXPECT_EQ(a, message(i));
  }
  ::close(fd);
}

// Answers of `answer_len` octets to everything; sends batches of five
// queries without reading until the server holds output it cannot send.
class BackloggedTest : public TcpServerTest {
 protected:
  static constexpr std::size_t answer_len = 30000;
  void answer_everything() {
    on_query = [this](std::uint64_t conn, const TcpPeer&, std::span<const std::uint8_t>) {
      server->answer(conn, message(1, answer_len));
    };
  }
  void ask(int fd, int n) {
    const Bytes wire = pipelined(0, n);
    ASSERT_EQ(::send(fd, wire.data(), wire.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(wire.size()));
  }
  // True once answers wait in the server (the kernel's buffers are full).
  bool back_up(int fd) {
    for (int batch = 0; batch < 2000; ++batch) {
      ask(fd, 5);
      for (int i = 0; i < 5; ++i) server->poll(++now, on_query);
      if (server->output_held() > 0) return true;
    }
    return false;
  }
  TcpServer::OnQuery on_query;
};

// A client that asks and then stops reading holds answers the server cannot
// send: after an idle timeout without progress the connection is closed,
// or such clients would hold every connection slot.
TEST_F(BackloggedTest, AClientThatStopsReadingIsClosed) {
  TcpConfig c;
  c.idle_timeout_ms = 100;
  c.max_output = 64u << 20;  // not what is tested here
  start(c);
  answer_everything();
  const int fd = connect_client(4096);
  ASSERT_TRUE(back_up(fd));
  ASSERT_EQ(server->connections(), 1u);
  now += 1000;
  ASSERT_TRUE(pump([&] { return server->connections() == 0; }, on_query));
  EXPECT_EQ(server->stats().closed_stalled, 1u);
  ::close(fd);
}

// A client that reads, but always a little behind, never lets the output
// drain completely: what was sent must still leave the buffer, or it grows
// by every answer ever sent on the connection.
TEST_F(BackloggedTest, OutputAlreadySentIsDroppedWhileMoreWaits) {
  TcpConfig c;
  c.max_output = 64u << 20;  // what is owed stays small; what was sent must not pile up
  c.send_buffer = 16384;     // a kernel buffer that stays full, not one that grows
  start(c);
  answer_everything();
  const int fd = connect_client(4096);
  ASSERT_TRUE(back_up(fd));
  ASSERT_EQ(::fcntl(fd, F_SETFL, O_NONBLOCK), 0);
  // Then the client reads a little at a time and asks whenever fewer than
  // two answers wait unsent: the sockets stay full and the server's output
  // never drains completely.
  std::size_t most = 0;
  const std::uint64_t answers_before = server->stats().answers;
  std::uint8_t buf[4096];
  for (int round = 0; round < 20000 && server->connections() == 1; ++round) {
    (void)::read(fd, buf, sizeof buf);
    if (server->output_unsent() < 2 * answer_len) ask(fd, 1);
    server->poll(++now, on_query);
    most = std::max(most, server->output_held());
  }
  EXPECT_EQ(server->connections(), 1u);
  // Far more went through than the buffer may hold.
  EXPECT_GT((server->stats().answers - answers_before) * answer_len, 8u * 1024 * 1024);
  EXPECT_LT(most, 1024u * 1024u) << "held " << most;
  ::close(fd);
}

}  // namespace
}  // namespace dns64d::control
