// A waiting client is a record from a preallocated budget: once the
// resolver is built and has run one lookup, taking clients in (new
// lookups, coalesced clients, clients shed over each budget) never touches
// the heap.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "control/resolver.hpp"
#include "tests/support/count_new.hpp"
#include "tests/support/packet.hpp"

namespace dns64d::control {
namespace {

// Starts queries without allocating; answers only what the test asks for.
class CountingTransport final : public upstream::Transport {
 public:
  bool start(const upstream::Request& r) override {
    ++started;
    last_cookie = r.cookie;
    return accept;
  }
  void drive() override {}
  void take_completed(std::vector<upstream::Completion>& out) override {
    if (!answer_last) return;
    answer_last = false;
    upstream::Completion c;
    c.cookie = last_cookie;
    c.status = upstream::Status::ok;
    c.response = response;
    out.push_back(std::move(c));
  }

  bool accept = true;
  bool answer_last = false;
  std::size_t started = 0;
  std::uint64_t last_cookie = 0;
  std::vector<std::uint8_t> response;
};

class CountingRequester final : public Requester {
 public:
  void answer(const ReplyTo&, std::span<const std::uint8_t> reply) override {
    ++(reply.empty() ? empty : answered);
  }
  std::size_t answered = 0, empty = 0;
};

struct Harness {
  explicit Harness(OverLimit over)
      : cache(cache_config(), [this] { return now; }),
        reader(cache.register_reader()),
        resolver(
            transport, cache, reader, requester, [this] { return now; }, config(over)) {
    respond::View v;
    v.name = "default";
    v.prefixes[0] = dns64::well_known_prefix;
    v.prefix_count = 1;
    snap.views.set_default(snap.views.add_view(v));
    client.is_v6 = true;
    client.v6 = *dns64::parse_v6("2001:db8::1");
  }
  static cache::Config cache_config() {
    cache::Config c;
    c.max_entries = 1024;
    c.max_bytes = 1 << 20;
    c.seed = 1;
    return c;
  }
  static ResolverConfig config(OverLimit over) {
    ResolverConfig c;
    c.max_pending = 4;
    c.max_waiters = 2;
    c.max_waiting = 8;
    c.over_limit = over;
    return c;
  }
  // The key a worker would punt for "name A".
  respond::QuestionKey key(const std::string& name, std::uint16_t id) {
    const test::Packet q = test::query(name, dns::type::A, id);
    std::vector<std::uint8_t> buf = q.bytes;
    buf.resize(512);
    respond::QuestionKey k;
    const respond::Result r =
        respond::respond(buf, q.size(), client, {&snap.views, &cache, reader, now, 1232}, &k);
    EXPECT_TRUE(respond::is_punt(r.outcome)) << name;
    return k;
  }

  std::uint64_t now = 1'000'000;
  CountingTransport transport;
  CountingRequester requester;
  cache::Cache cache;
  cache::Reader* reader;
  dataplane::Snapshot snap;
  respond::Client client;
  Resolver resolver;
};

class NoAlloc : public ::testing::TestWithParam<OverLimit> {};

TEST_P(NoAlloc, SubmitNeverAllocatesAfterWarmUp) {
  Harness h(GetParam());
  // Every key first, outside the counted stretch.
  std::vector<respond::QuestionKey> keys;
  for (int i = 0; i < 6; ++i) keys.push_back(h.key("n" + std::to_string(i) + ".example", 7));
  const respond::QuestionKey warm = h.key("warm.example", 1);
  ReplyTo to;

  // Warm-up: one lookup answered from upstream, cached, and the client answered.
  test::Packet m;
  m.header(0, 0x8180, 1, 1, 0, 0).name("warm.example").u16(dns::type::A).u16(1);
  m.name("warm.example").rr_fixed(dns::type::A, 1, 300, test::v4(1, 2, 3, 4));
  h.transport.response = m.bytes;
  const long at_start = test::allocations.load();
  h.resolver.submit(warm, h.client, to, h.snap);
  h.transport.answer_last = true;
  h.resolver.step();
  ASSERT_EQ(h.requester.answered, 1u);
  ASSERT_GT(test::allocations.load(), at_start);  // the counter counts: the completion's copy
  ASSERT_EQ(h.resolver.pending(), 0u);

  const auto shed = [&](ResolverCounter c) { return h.resolver.stats()[c]; };
  const long before = test::allocations.load();
  h.resolver.submit(keys[0], h.client, to, h.snap);  // new lookup
  h.resolver.submit(keys[0], h.client, to, h.snap);  // coalesced
  h.resolver.submit(keys[0], h.client, to, h.snap);  // over max_waiters
  for (int i = 1; i < 4; ++i) {
    h.resolver.submit(keys[i], h.client, to, h.snap);
    if (i < 3) h.resolver.submit(keys[i], h.client, to, h.snap);
  }
  h.resolver.submit(keys[4], h.client, to, h.snap);  // over max_pending
  h.resolver.submit(keys[3], h.client, to, h.snap);  // the eighth waiting client
  h.resolver.submit(keys[5], h.client, to, h.snap);  // over max_waiting
  const long during = test::allocations.load() - before;

  EXPECT_EQ(during, 0);
  EXPECT_EQ(h.resolver.pending(), 4u);
  EXPECT_EQ(h.resolver.waiting(), 8u);
  EXPECT_EQ(shed(ResolverCounter::shed_waiters), 1u);
  EXPECT_EQ(shed(ResolverCounter::shed_pending), 1u);
  EXPECT_EQ(shed(ResolverCounter::shed_waiting), 1u);
  EXPECT_EQ(shed(ResolverCounter::coalesced), 4u);
  EXPECT_EQ(h.transport.started, 5u);  // the warm-up's and four lookups
  if (GetParam() == OverLimit::drop) {
    EXPECT_EQ(h.requester.empty, 3u);
  } else {
    EXPECT_EQ(h.requester.answered, 4u);
  }
}

TEST_P(NoAlloc, ALookupTheTransportRefusesDoesNotAllocate) {
  Harness h(GetParam());
  const respond::QuestionKey k = h.key("refused.example", 2);
  ReplyTo to;
  h.transport.accept = false;
  h.resolver.submit(h.key("warm.example", 1), h.client, to, h.snap);
  h.resolver.step();
  ASSERT_EQ(h.requester.answered, 1u);  // SERVFAIL

  const long before = test::allocations.load();
  h.resolver.submit(k, h.client, to, h.snap);
  EXPECT_EQ(test::allocations.load() - before, 0);
  EXPECT_EQ(h.resolver.pending(), 1u);
  h.resolver.step();
  EXPECT_EQ(h.requester.answered, 2u);
  EXPECT_EQ(h.resolver.pending(), 0u);
}

INSTANTIATE_TEST_SUITE_P(OverLimit, NoAlloc,
                         ::testing::Values(OverLimit::servfail, OverLimit::drop),
                         [](const auto& i) {
                           return std::string(i.param == OverLimit::drop ? "Drop" : "Servfail");
                         });

}  // namespace
}  // namespace dns64d::control
