#include "control/upstream/client.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <thread>

#include "tests/upstream/support.hpp"

namespace dns64d::upstream {
namespace {

using namespace std::chrono_literals;
using test::FakeUpstream;
using test::parse;
using test::pump;
using test::Unbound;
using test::wire_name;

std::vector<std::string> a_addresses(const ldns_pkt* pkt) {
  std::vector<std::string> out;
  const ldns_rr_list* answer = ldns_pkt_answer(pkt);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answer, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_A) continue;
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, ldns_rdf_data(ldns_rr_rdf(rr, 0)), text, sizeof text);
    out.emplace_back(text);
  }
  return out;
}

constexpr int big_rrset = 60;  // 60 A records do not fit unbound's 512-octet UDP limit

std::vector<std::string> local_data() {
  std::vector<std::string> rrs = {
      "v4only.example. 300 IN A 192.0.2.33",
      "dual.example. 300 IN A 192.0.2.34",
      "dual.example. 300 IN AAAA 2001:db8::34",
  };
  for (int i = 1; i <= big_rrset; ++i) {
    rrs.push_back("big.example. 300 IN A 198.51.100." + std::to_string(i));
  }
  for (int i = 0; i < 64; ++i) {
    rrs.push_back("h" + std::to_string(i) + ".example. 300 IN A 192.0.2." + std::to_string(i));
  }
  return rrs;
}

class UpstreamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { unbound_ = new Unbound(local_data()); }
  static void TearDownTestSuite() {
    delete unbound_;
    unbound_ = nullptr;
  }

  static Config config_for(std::vector<Endpoint> upstreams) {
    Config config;
    config.upstreams = std::move(upstreams);
    config.attempt_timeout = 300ms;
    config.tcp_timeout = 1000ms;
    return config;
  }

  static Completion ask_one(Client& client, const std::string& name, std::uint16_t qtype,
                            const std::function<void()>& each = {}) {
    const auto qname = wire_name(name);
    const auto id = client.send({.qname_wire = qname, .qtype = qtype, .cookie = 42});
    EXPECT_TRUE(id);
    auto done = pump(client, 1, 5s, each);
    EXPECT_EQ(done.size(), 1u);
    if (done.empty()) return {};
    EXPECT_EQ(done[0].id, *id);
    EXPECT_EQ(done[0].cookie, 42u);
    return done[0];
  }

  // Two queries that the first upstream fails take it out (down_after = 2):
  // the third goes straight to the second upstream.
  static void expect_out_after_two_failures(Client& client) {
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(ask_one(client, "v4only.example.", LDNS_RR_TYPE_A).attempts, 2u);
    }
    EXPECT_TRUE(client.upstream_down(0));
    EXPECT_EQ(client.upstreams()[0].marked_down, 1u);
    const auto skipped = ask_one(client, "v4only.example.", LDNS_RR_TYPE_A);
    EXPECT_EQ(skipped.attempts, 1u);
    EXPECT_EQ(skipped.upstream, 1u);
  }

  static Unbound* unbound_;
};
Unbound* UpstreamTest::unbound_ = nullptr;

TEST_F(UpstreamTest, AnswersA) {
  Client client(config_for({unbound_->endpoint()}));
  const auto done = ask_one(client, "v4only.example.", LDNS_RR_TYPE_A);
  ASSERT_EQ(done.status, Status::ok);
  EXPECT_EQ(done.attempts, 1u);
  EXPECT_FALSE(done.via_tcp);
  auto pkt = parse(done.response);
  ASSERT_TRUE(pkt);
  EXPECT_EQ(ldns_pkt_get_rcode(pkt.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(a_addresses(pkt.get()), std::vector<std::string>{"192.0.2.33"});
  EXPECT_EQ(client.counters().completed_ok, 1u);
  EXPECT_EQ(client.upstreams()[0].answers, 1u);
  EXPECT_EQ(client.in_flight(), 0u);
}

TEST_F(UpstreamTest, AaaaNodata) {
  Client client(config_for({unbound_->endpoint()}));
  const auto done = ask_one(client, "v4only.example.", LDNS_RR_TYPE_AAAA);
  ASSERT_EQ(done.status, Status::ok);
  auto pkt = parse(done.response);
  ASSERT_TRUE(pkt);
  EXPECT_EQ(ldns_pkt_get_rcode(pkt.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(ldns_pkt_ancount(pkt.get()), 0);
  EXPECT_EQ(ldns_pkt_nscount(pkt.get()), 1);  // the SOA, for the negative TTL
}

TEST_F(UpstreamTest, Nxdomain) {
  Client client(config_for({unbound_->endpoint()}));
  const auto done = ask_one(client, "nonexistent.example.", LDNS_RR_TYPE_A);
  ASSERT_EQ(done.status, Status::ok);
  auto pkt = parse(done.response);
  ASSERT_TRUE(pkt);
  EXPECT_EQ(ldns_pkt_get_rcode(pkt.get()), LDNS_RCODE_NXDOMAIN);
}

TEST_F(UpstreamTest, TruncatedAnswerIsRedoneOverTcp) {
  Client client(config_for({unbound_->endpoint()}));
  const auto done = ask_one(client, "big.example.", LDNS_RR_TYPE_A);
  ASSERT_EQ(done.status, Status::ok);
  EXPECT_TRUE(done.via_tcp);
  auto pkt = parse(done.response);
  ASSERT_TRUE(pkt);
  EXPECT_FALSE(ldns_pkt_tc(pkt.get()));
  EXPECT_EQ(a_addresses(pkt.get()).size(), static_cast<std::size_t>(big_rrset));
  EXPECT_EQ(client.counters().truncated, 1u);
  EXPECT_EQ(client.counters().tcp_queries_sent, 1u);
  EXPECT_EQ(client.counters().tcp_failures, 0u);
}

TEST_F(UpstreamTest, ManyQueriesInFlightAtOnce) {
  Client client(config_for({unbound_->endpoint()}));
  std::vector<std::vector<std::uint8_t>> names;
  names.reserve(64);
  for (int i = 0; i < 64; ++i) names.push_back(wire_name("h" + std::to_string(i) + ".example."));
  for (int i = 0; i < 64; ++i) {
    ASSERT_TRUE(client.send({.qname_wire = names[i],
                             .qtype = LDNS_RR_TYPE_A,
                             .cookie = static_cast<std::uint64_t>(i)}));
  }
  EXPECT_EQ(client.in_flight(), 64u);
  const auto done = pump(client, 64);
  ASSERT_EQ(done.size(), 64u);
  for (const auto& c : done) {
    ASSERT_EQ(c.status, Status::ok);
    auto pkt = parse(c.response);
    EXPECT_EQ(a_addresses(pkt.get()),
              std::vector<std::string>{"192.0.2." + std::to_string(c.cookie)});
  }
}

// Answers that arrived while the control loop was busy elsewhere, past
// their attempts' deadlines, are all read before any deadline is judged,
// however many sockets are ready: none times out, the upstream stays up.
TEST_F(UpstreamTest, AnswersWaitingPastTheirDeadlineAreAllTaken) {
  Client client(config_for({unbound_->endpoint()}));
  constexpr std::uint64_t n = 200;
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto qname = wire_name("h" + std::to_string(i % 64) + ".example.");
    ASSERT_TRUE(client.send({.qname_wire = qname, .qtype = LDNS_RR_TYPE_A, .cookie = i}));
  }
  std::this_thread::sleep_for(500ms);  // every answer in, every deadline (300 ms) past
  const auto done = pump(client, n, 5s);
  ASSERT_EQ(done.size(), n);
  std::size_t ok = 0;
  for (const auto& d : done) ok += d.status == Status::ok;
  EXPECT_EQ(ok, n);
  EXPECT_EQ(client.counters().attempt_timeouts, 0u);
  EXPECT_FALSE(client.upstream_down(0));
}

TEST_F(UpstreamTest, MaxInFlightRejectsAndCounts) {
  Config config = config_for({unbound_->endpoint()});
  config.max_in_flight = 2;
  Client client(config);
  const auto name = wire_name("v4only.example.");
  EXPECT_TRUE(client.send({.qname_wire = name, .qtype = LDNS_RR_TYPE_A}));
  EXPECT_TRUE(client.send({.qname_wire = name, .qtype = LDNS_RR_TYPE_A}));
  EXPECT_FALSE(client.send({.qname_wire = name, .qtype = LDNS_RR_TYPE_A}));
  EXPECT_EQ(client.counters().rejected_full, 1u);
  EXPECT_EQ(pump(client, 2).size(), 2u);
  EXPECT_TRUE(client.send({.qname_wire = name, .qtype = LDNS_RR_TYPE_A}));
  EXPECT_EQ(pump(client, 1).size(), 1u);
}

TEST_F(UpstreamTest, RejectsBadNameAndMissingUpstream) {
  Client client(config_for({unbound_->endpoint()}));
  const std::vector<std::uint8_t> bad = {3, 'a', 'b'};
  EXPECT_FALSE(client.send({.qname_wire = bad, .qtype = LDNS_RR_TYPE_A}));
  EXPECT_EQ(client.counters().rejected_bad_request, 1u);

  Config none;
  none.resolv_conf = "/nonexistent/resolv.conf";
  Client empty(none);
  EXPECT_TRUE(empty.upstreams().empty());
  const auto name = wire_name("v4only.example.");
  EXPECT_FALSE(empty.send({.qname_wire = name, .qtype = LDNS_RR_TYPE_A}));
  EXPECT_EQ(empty.counters().rejected_no_upstream, 1u);
}

TEST_F(UpstreamTest, UpstreamsComeFromResolvConfWhenNoneGiven) {
  test::TempDir dir;
  const auto path = (dir.path() / "resolv.conf").string();
  std::ofstream(path) << "nameserver 192.0.2.1\nnameserver 2001:db8::1\n";
  Config config;
  config.resolv_conf = path;
  Client client(config);
  ASSERT_EQ(client.upstreams().size(), 2u);
  EXPECT_EQ(client.upstreams()[0].endpoint.to_string(), "192.0.2.1:53");
  EXPECT_EQ(client.upstreams()[1].endpoint.to_string(), "[2001:db8::1]:53");
}

TEST_F(UpstreamTest, SilentUpstreamTimesOutAndNextUpstreamAnswers) {
  FakeUpstream silent;
  Client client(config_for({silent.endpoint(), unbound_->endpoint()}));
  const auto started = Clock::now();
  const auto done = ask_one(client, "v4only.example.", LDNS_RR_TYPE_A);
  ASSERT_EQ(done.status, Status::ok);
  EXPECT_GE(Clock::now() - started, 300ms);
  EXPECT_EQ(done.attempts, 2u);
  EXPECT_EQ(done.upstream, 1u);
  EXPECT_TRUE(silent.receive());  // it was asked
  EXPECT_EQ(client.counters().attempt_timeouts, 1u);
  EXPECT_EQ(client.counters().retries, 1u);
  EXPECT_EQ(client.upstreams()[0].timeouts, 1u);
  EXPECT_EQ(client.upstreams()[1].answers, 1u);
}

// 127.0.0.1 at a UDP port nobody holds: the kernel answers with ICMP port
// unreachable, as a host does whose resolver is not running.
Endpoint closed_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), len), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len), 0);
  ::close(fd);
  return test::loopback(ntohs(sa.sin_port));
}

TEST_F(UpstreamTest, RefusingUpstreamFailsOverWithoutWaitingForTheTimeout) {
  Config config = config_for({closed_port(), unbound_->endpoint()});
  config.attempt_timeout = 2000ms;
  Client client(config);
  const auto started = Clock::now();
  const auto done = ask_one(client, "v4only.example.", LDNS_RR_TYPE_A);
  ASSERT_EQ(done.status, Status::ok);
  EXPECT_LT(Clock::now() - started, 1000ms);  // well before the attempt timeout
  EXPECT_EQ(done.attempts, 2u);
  EXPECT_EQ(done.upstream, 1u);
  EXPECT_EQ(client.counters().unreachable, 1u);
  EXPECT_EQ(client.counters().attempt_timeouts, 0u);
  EXPECT_EQ(client.upstreams()[0].errors, 1u);
  EXPECT_EQ(client.upstreams()[0].timeouts, 0u);
  EXPECT_EQ(client.upstreams()[1].answers, 1u);
}

TEST_F(UpstreamTest, RefusalsInARowTakeTheUpstreamOut) {
  Config config = config_for({closed_port(), unbound_->endpoint()});
  config.down_after_timeouts = 2;
  config.down_for = 5000ms;
  Client client(config);
  expect_out_after_two_failures(client);
  EXPECT_EQ(client.upstreams()[0].timeouts, 0u);
}

TEST_F(UpstreamTest, AllSilentTimesOutAfterEveryAttempt) {
  FakeUpstream a, b;
  Config config = config_for({a.endpoint(), b.endpoint()});
  config.attempt_timeout = 100ms;
  config.max_attempts = 3;
  Client client(config);
  const auto done = ask_one(client, "v4only.example.", LDNS_RR_TYPE_A);
  EXPECT_EQ(done.status, Status::timeout);
  EXPECT_EQ(done.attempts, 3u);
  EXPECT_TRUE(done.response.empty());
  EXPECT_EQ(client.counters().completed_timeout, 1u);
  EXPECT_EQ(client.upstreams()[0].queries, 2u);  // first and third attempt
  EXPECT_EQ(client.upstreams()[1].queries, 1u);
}

TEST_F(UpstreamTest, ConsecutiveTimeoutsMarkUpstreamDownUntilProbed) {
  FakeUpstream silent;
  Config config = config_for({silent.endpoint(), unbound_->endpoint()});
  config.attempt_timeout = 100ms;
  config.down_after_timeouts = 2;
  config.down_for = 400ms;
  Client client(config);
  expect_out_after_two_failures(client);  // while down, queries skip it
  EXPECT_EQ(client.upstreams()[0].queries, 2u);

  // Once the time is up one query probes it; the others meanwhile go
  // straight to the second upstream. Still silent, it goes down again.
  std::this_thread::sleep_for(450ms);
  EXPECT_FALSE(client.upstream_down(0));
  const auto qname = wire_name("v4only.example.");
  ASSERT_TRUE(client.send({.qname_wire = qname, .qtype = LDNS_RR_TYPE_A, .cookie = 1}));
  EXPECT_TRUE(client.upstream_down(0));  // the probe is out
  ASSERT_TRUE(client.send({.qname_wire = qname, .qtype = LDNS_RR_TYPE_A, .cookie = 2}));
  ASSERT_TRUE(client.send({.qname_wire = qname, .qtype = LDNS_RR_TYPE_A, .cookie = 3}));
  auto done = pump(client, 3, 5s);
  ASSERT_EQ(done.size(), 3u);
  std::sort(done.begin(), done.end(),
            [](const auto& a, const auto& b) { return a.cookie < b.cookie; });
  EXPECT_EQ(done[0].attempts, 2u);  // the probe timed out, then the second upstream
  EXPECT_EQ(done[1].attempts, 1u);
  EXPECT_EQ(done[1].upstream, 1u);
  EXPECT_EQ(done[2].attempts, 1u);
  EXPECT_EQ(client.upstreams()[0].queries, 3u);
  EXPECT_EQ(client.upstreams()[0].probes, 1u);
  EXPECT_TRUE(client.upstream_down(0));
  EXPECT_EQ(client.upstreams()[0].marked_down, 2u);
}

// The fake forwards each query to unbound and returns the real answer, after
// sending whatever `before` makes of it first.
struct Forwarder {
  using Before =
      std::function<void(const FakeUpstream::Received&, const std::vector<std::uint8_t>&)>;
  Forwarder(FakeUpstream& f, Endpoint r, Before b) : fake(f), real(r), before(std::move(b)) {}

  FakeUpstream& fake;
  Endpoint real;
  Before before;
  std::vector<FakeUpstream::Received> seen;

  void operator()() {
    while (auto r = fake.receive()) {
      const auto answer = test::ask_udp(real, r->query);
      if (before) before(*r, answer);
      fake.reply(answer, r->from);
      seen.push_back(std::move(*r));
    }
  }
};

Config fault_config(const FakeUpstream& fake) {
  Config config;
  config.upstreams = {fake.endpoint()};
  config.attempt_timeout = 2000ms;  // the fake's forwarding must not be mistaken for silence
  config.max_attempts = 1;
  return config;
}

TEST_F(UpstreamTest, AnEndedAttemptsDeadlineDoesNotExpireTheNextOnItsSocket) {
  FakeUpstream fake;
  Forwarder forward{fake, unbound_->endpoint(), {}};
  Config config = fault_config(fake);
  config.attempt_timeout = 400ms;
  Client client(config);
  ASSERT_EQ(ask_one(client, "v4only.example.", LDNS_RR_TYPE_A, std::ref(forward)).status,
            Status::ok);
  std::this_thread::sleep_for(200ms);
  // The next attempt most likely gets the same descriptor; the first one's
  // deadline passes 200 ms into it and must not end it.
  const auto sent = Clock::now();
  const auto done = ask_one(client, "dual.example.", LDNS_RR_TYPE_A);  // never answered
  EXPECT_EQ(done.status, Status::timeout);
  EXPECT_GE(Clock::now() - sent, 400ms);
  EXPECT_EQ(client.counters().attempt_timeouts, 1u);
}

TEST_F(UpstreamTest, ManyAttemptsInFlightAllTimeOut) {
  FakeUpstream silent;
  Config config = config_for({silent.endpoint()});
  config.attempt_timeout = 200ms;
  config.max_attempts = 1;
  Client client(config);
  constexpr std::uint64_t n = 500;
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto qname = wire_name("h" + std::to_string(i % 64) + ".example.");
    ASSERT_TRUE(client.send({.qname_wire = qname, .qtype = LDNS_RR_TYPE_A, .cookie = i}));
  }
  const auto done = pump(client, n, 5s);
  ASSERT_EQ(done.size(), n);
  std::set<std::uint64_t> cookies;
  for (const auto& d : done) {
    EXPECT_EQ(d.status, Status::timeout);
    cookies.insert(d.cookie);
  }
  EXPECT_EQ(cookies.size(), n);
  EXPECT_EQ(client.counters().attempt_timeouts, n);
  EXPECT_EQ(client.in_flight(), 0u);
}

TEST_F(UpstreamTest, WrongIdIsDroppedAndRealAnswerAccepted) {
  FakeUpstream fake;
  Forwarder forward{fake, unbound_->endpoint(), [&](const auto& r, auto answer) {
                      answer[1] ^= 0x01;
                      fake.reply(answer, r.from);
                    }};
  Client client(fault_config(fake));
  const auto done = ask_one(client, "v4only.example.", LDNS_RR_TYPE_A, std::ref(forward));
  ASSERT_EQ(done.status, Status::ok);
  EXPECT_EQ(a_addresses(parse(done.response).get()), std::vector<std::string>{"192.0.2.33"});
  EXPECT_EQ(client.counters().drop_wrong_id, 1u);
}

TEST_F(UpstreamTest, WrongQuestionIsDroppedAndRealAnswerAccepted) {
  FakeUpstream fake;
  Forwarder forward{fake, unbound_->endpoint(), [&](const auto& r, auto answer) {
                      // Change one letter of the question name: "v4only" -> "w4only".
                      answer[13] = 'w';
                      fake.reply(answer, r.from);
                      // The same answer claiming another type.
                      auto other_type = r.query;
                      other_type[2] |= 0x80;
                      const std::size_t qtype_at = 12 + wire_name("v4only.example.").size();
                      other_type[qtype_at + 1] = LDNS_RR_TYPE_AAAA;
                      fake.reply(other_type, r.from);
                    }};
  Client client(fault_config(fake));
  const auto done = ask_one(client, "v4only.example.", LDNS_RR_TYPE_A, std::ref(forward));
  ASSERT_EQ(done.status, Status::ok);
  EXPECT_EQ(a_addresses(parse(done.response).get()), std::vector<std::string>{"192.0.2.33"});
  EXPECT_EQ(client.counters().drop_wrong_question, 2u);
}

TEST_F(UpstreamTest, MixedCaseQuestionIsAccepted) {
  FakeUpstream fake;
  Forwarder forward{fake, unbound_->endpoint(), {}};
  Client client(fault_config(fake));
  const auto done = ask_one(client, "V4ONLY.Example.", LDNS_RR_TYPE_A, std::ref(forward));
  ASSERT_EQ(done.status, Status::ok);
  EXPECT_EQ(a_addresses(parse(done.response).get()), std::vector<std::string>{"192.0.2.33"});
}

// 0x20: each query's name goes out with its letters in random case, and
// the answer that echoes that case is taken.
TEST_F(UpstreamTest, RandomizedCaseIsOnTheWireAndItsEchoAccepted) {
  FakeUpstream fake;
  Forwarder forward{fake, unbound_->endpoint(), {}};
  Config config = fault_config(fake);
  config.randomize_case = true;
  Client client(config);
  const auto name = wire_name("v4only.example.");
  constexpr int n = 8;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(client.send(
        {.qname_wire = name, .qtype = LDNS_RR_TYPE_A, .cookie = static_cast<std::uint64_t>(i)}));
  }
  const auto done = pump(client, n, 5s, std::ref(forward));
  ASSERT_EQ(done.size(), static_cast<std::size_t>(n));
  ASSERT_EQ(forward.seen.size(), static_cast<std::size_t>(n));
  // The question's name as it went out or came back (a std::string: GCC 12
  // warns wrongly about a std::set of vectors).
  const std::string lower(name.begin(), name.end());
  const auto qname_of = [&](const std::vector<std::uint8_t>& msg) {
    return std::string(msg.begin() + 12,
                       msg.begin() + 12 + static_cast<std::ptrdiff_t>(name.size()));
  };
  std::set<std::string> asked;
  for (const auto& r : forward.seen) {
    const std::string q = qname_of(r.query);
    std::string folded = q;
    for (char& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(folded, lower);
    asked.insert(q);
  }
  // 12 letters: 8 draws that all come out alike are a 2^-84 chance.
  EXPECT_GT(asked.size(), 1u);
  for (const auto& d : done) {
    ASSERT_EQ(d.status, Status::ok);
    EXPECT_EQ(asked.count(qname_of(d.response)), 1u);  // the case it was asked in
    EXPECT_EQ(a_addresses(parse(d.response).get()), std::vector<std::string>{"192.0.2.33"});
  }
  EXPECT_EQ(client.counters().drop_case_mismatch, 0u);
}

// An answer right in name, ID and port but not in the case asked is a
// guess: dropped and counted, and the attempt waits for the real one.
TEST_F(UpstreamTest, AnswerInAnotherCaseIsDroppedAndRealAnswerAccepted) {
  FakeUpstream fake;
  Forwarder forward{fake, unbound_->endpoint(), [&](const auto& r, auto answer) {
                      answer[13] ^= 0x20;  // the first letter of the question's name
                      fake.reply(answer, r.from);
                    }};
  Config config = fault_config(fake);
  config.randomize_case = true;
  Client client(config);
  const auto done = ask_one(client, "v4only.example.", LDNS_RR_TYPE_A, std::ref(forward));
  ASSERT_EQ(done.status, Status::ok);
  EXPECT_EQ(done.attempts, 1u);
  ASSERT_EQ(forward.seen.size(), 1u);
  EXPECT_EQ(done.response[13], forward.seen[0].query[13]);
  EXPECT_EQ(a_addresses(parse(done.response).get()), std::vector<std::string>{"192.0.2.33"});
  EXPECT_EQ(client.counters().drop_case_mismatch, 1u);
  EXPECT_EQ(client.counters().drop_wrong_question, 0u);
}

// Off (the default), the case is left as the caller gave it and any case
// of the right name is taken.
TEST_F(UpstreamTest, WithoutRandomizedCaseAnyCaseIsAccepted) {
  FakeUpstream fake;
  Forwarder forward{fake, unbound_->endpoint(), [&](const auto& r, auto answer) {
                      answer[13] ^= 0x20;
                      fake.reply(answer, r.from);
                    }};
  Client client(fault_config(fake));
  const auto done = ask_one(client, "v4only.example.", LDNS_RR_TYPE_A, std::ref(forward));
  ASSERT_EQ(done.status, Status::ok);
  ASSERT_EQ(forward.seen.size(), 1u);
  EXPECT_EQ(forward.seen[0].query[13], 'v');
  EXPECT_EQ(done.response[13], 'V');  // the first answer, in the other case
  EXPECT_EQ(client.counters().drop_case_mismatch, 0u);
}

TEST_F(UpstreamTest, AnswerFromWrongPortIsDropped) {
  FakeUpstream fake;
  FakeUpstream elsewhere;  // same address, another port
  Forwarder forward{fake, unbound_->endpoint(),
                    [&](const auto& r, const auto& answer) { elsewhere.reply(answer, r.from); }};
  Client client(fault_config(fake));
  const auto done = ask_one(client, "v4only.example.", LDNS_RR_TYPE_A, std::ref(forward));
  ASSERT_EQ(done.status, Status::ok);
  EXPECT_EQ(client.counters().drop_wrong_source, 1u);
}

TEST_F(UpstreamTest, GarbageIsDroppedAndRealAnswerAccepted) {
  FakeUpstream fake;
  Forwarder forward{fake, unbound_->endpoint(), [&](const auto& r, const auto& answer) {
                      fake.reply({0xde, 0xad}, r.from);  // short
                      std::vector<std::uint8_t> junk(answer.begin(), answer.begin() + 12);
                      junk.resize(200, 0xff);  // right ID and flags, then nonsense
                      fake.reply(junk, r.from);
                      fake.reply(r.query, r.from);  // our own query echoed: QR clear
                    }};
  Client client(fault_config(fake));
  const auto done = ask_one(client, "v4only.example.", LDNS_RR_TYPE_A, std::ref(forward));
  ASSERT_EQ(done.status, Status::ok);
  EXPECT_EQ(a_addresses(parse(done.response).get()), std::vector<std::string>{"192.0.2.33"});
  EXPECT_EQ(client.counters().drop_short, 1u);
  EXPECT_EQ(client.counters().drop_malformed, 1u);
  EXPECT_EQ(client.counters().drop_not_response, 1u);
}

TEST_F(UpstreamTest, QueriesCarryRandomIdsPortsAndEdns) {
  FakeUpstream fake;
  Forwarder forward{fake, unbound_->endpoint(), {}};
  Client client(fault_config(fake));
  const auto name = wire_name("dual.example.");
  constexpr int n = 8;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(client.send({.qname_wire = name,
                             .qtype = LDNS_RR_TYPE_AAAA,
                             .do_bit = i % 2 == 0,
                             .cd = i % 2 == 1,
                             .cookie = static_cast<std::uint64_t>(i)}));
  }
  const auto done = pump(client, n, 5s, std::ref(forward));
  ASSERT_EQ(done.size(), static_cast<std::size_t>(n));
  ASSERT_EQ(forward.seen.size(), static_cast<std::size_t>(n));
  std::set<std::uint16_t> ids, ports;
  int with_do = 0, with_cd = 0;
  for (const auto& r : forward.seen) {
    auto pkt = parse(r.query);
    ASSERT_TRUE(pkt);
    EXPECT_TRUE(ldns_pkt_rd(pkt.get()));
    EXPECT_EQ(ldns_pkt_edns_udp_size(pkt.get()), 1232);
    EXPECT_NE(ldns_pkt_edns_do(pkt.get()), ldns_pkt_cd(pkt.get()));
    with_do += ldns_pkt_edns_do(pkt.get()) ? 1 : 0;
    with_cd += ldns_pkt_cd(pkt.get()) ? 1 : 0;
    ids.insert(ldns_pkt_id(pkt.get()));
    ports.insert(r.from.port());
  }
  EXPECT_EQ(with_do, n / 2);
  EXPECT_EQ(with_cd, n / 2);
  // 8 draws from 65536 IDs (and ~28000 ports) collide rarely; allow one.
  EXPECT_GE(ids.size(), static_cast<std::size_t>(n - 1));
  EXPECT_GE(ports.size(), static_cast<std::size_t>(n - 1));
}

TEST_F(UpstreamTest, Ipv6Upstream) {
  std::unique_ptr<FakeUpstream> fake;
  try {
    fake = std::make_unique<FakeUpstream>(AF_INET6);
  } catch (const std::exception& e) {
    FAIL() << "no IPv6 loopback (::1) to run the fake upstream on: " << e.what();
  }
  Forwarder forward{*fake, unbound_->endpoint(), {}};
  Client client(fault_config(*fake));
  const auto done = ask_one(client, "v4only.example.", LDNS_RR_TYPE_A, std::ref(forward));
  ASSERT_EQ(done.status, Status::ok);
  EXPECT_EQ(a_addresses(parse(done.response).get()), std::vector<std::string>{"192.0.2.33"});
}

TEST_F(UpstreamTest, TcpFailureAfterTruncationRetriesNextUpstream) {
  // The fake says TC=1 but listens on no TCP port: the connect is refused and
  // the query moves on to unbound.
  FakeUpstream fake;
  Forwarder forward{fake, unbound_->endpoint(), [&](const auto& r, auto answer) {
                      answer[2] |= 0x02;
                      fake.reply(answer, r.from);
                    }};
  Client client(config_for({fake.endpoint(), unbound_->endpoint()}));
  const auto done = ask_one(client, "v4only.example.", LDNS_RR_TYPE_A, std::ref(forward));
  ASSERT_EQ(done.status, Status::ok);
  EXPECT_EQ(done.upstream, 1u);
  EXPECT_EQ(done.attempts, 2u);
  EXPECT_FALSE(done.via_tcp);
  EXPECT_EQ(client.counters().truncated, 1u);
  EXPECT_EQ(client.counters().tcp_failures, 1u);
  EXPECT_EQ(client.upstreams()[0].errors, 1u);
}

}  // namespace
}  // namespace dns64d::upstream
