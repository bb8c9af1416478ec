// The response rate limiter: token arithmetic, the per-worker share, slip
// cadence, prefix masking, collisions, the events, and no allocation.
#include "dataplane/rrl/rrl.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/count_new.hpp"

namespace dns64d::rrl {
namespace {

using V4 = std::array<std::uint8_t, 4>;
using V6 = std::array<std::uint8_t, 16>;

V4 v4(const char* text) {
  V4 a{};
  EXPECT_EQ(inet_pton(AF_INET, text, a.data()), 1) << text;
  return a;
}
V6 v6(const char* text) {
  V6 a{};
  EXPECT_EQ(inet_pton(AF_INET6, text, a.data()), 1) << text;
  return a;
}

Settings settings(std::uint32_t rate, std::uint32_t window, std::uint32_t slip = 2) {
  Settings s;
  s.enabled = true;
  s.responses_per_second = rate;
  s.window = window;
  s.slip = slip;
  s.table_size = 1024;
  return s;
}

// Replies allowed for `client` at `now` until the first one that is not.
unsigned allowed_until_limited(Limiter& l, const V4& client, std::uint64_t now) {
  unsigned n = 0;
  while (l.decide_v4(client, now) == Decision::allow) ++n;
  return n;
}

std::vector<std::string> drain(Limiter& l) {
  std::vector<std::string> out;
  Event e;
  while (l.events().pop(e)) out.push_back(describe(e));
  return out;
}

TEST(Rrl, AQuietPrefixHasTheWindowAsItsBurstAndThenTheRate) {
  Limiter l(settings(20, 5), 1);
  const V4 c = v4("198.51.100.7");
  EXPECT_EQ(allowed_until_limited(l, c, 1000), 100u);  // 20/s for 5 s
  // 20 a second is one every 50 ms, never earlier.
  EXPECT_NE(l.decide_v4(c, 1049), Decision::allow);
  EXPECT_EQ(l.decide_v4(c, 1050), Decision::allow);
  EXPECT_NE(l.decide_v4(c, 1050), Decision::allow);
  EXPECT_EQ(allowed_until_limited(l, c, 2050), 20u);
}

TEST(Rrl, EachWorkerHasItsShareOfTheRate) {
  Limiter l(settings(20, 5), 4);
  const V4 c = v4("198.51.100.7");
  EXPECT_EQ(allowed_until_limited(l, c, 0), 25u);  // 100 over 4 workers
  EXPECT_NE(l.decide_v4(c, 199), Decision::allow);
  EXPECT_EQ(l.decide_v4(c, 200), Decision::allow);  // 5 a second each
  EXPECT_EQ(allowed_until_limited(l, c, 1200), 5u);
}

TEST(Rrl, AShareThatDoesNotDivideEvenlyIsExactOverTime) {
  // 20 over 3 workers: 6 2/3 a second each, a burst of 33 1/3.
  Limiter l(settings(20, 5), 3);
  const V4 c = v4("198.51.100.7");
  EXPECT_EQ(allowed_until_limited(l, c, 0), 33u);
  // Three seconds later: exactly 20 more, the third of a reply left over.
  EXPECT_EQ(allowed_until_limited(l, c, 3000), 20u);
  EXPECT_EQ(allowed_until_limited(l, c, 6000), 20u);
}

TEST(Rrl, AWorkerShareBelowOneReplyStillAllowsOne) {
  Limiter l(settings(1, 1), 8);
  EXPECT_EQ(allowed_until_limited(l, v4("192.0.2.1"), 0), 1u);
}

TEST(Rrl, EveryNthLimitedReplySlips) {
  for (const std::uint32_t slip : {0u, 1u, 2u, 3u}) {
    Limiter l(settings(1, 1, slip), 1);
    const V4 c = v4("203.0.113.9");
    EXPECT_EQ(l.decide_v4(c, 0), Decision::allow);
    for (unsigned i = 1; i <= 12; ++i) {
      const Decision want = slip != 0 && i % slip == 0 ? Decision::slip : Decision::drop;
      EXPECT_EQ(l.decide_v4(c, 0), want) << "slip " << slip << ", limited reply " << i;
    }
  }
}

TEST(Rrl, Ipv4ClientsShareTheirSlash24) {
  Limiter l(settings(1, 2), 1);
  EXPECT_EQ(allowed_until_limited(l, v4("198.51.100.1"), 0), 2u);
  EXPECT_NE(l.decide_v4(v4("198.51.100.254"), 0), Decision::allow);
  EXPECT_EQ(l.decide_v4(v4("198.51.101.1"), 0), Decision::allow);
  EXPECT_EQ(drain(l), std::vector<std::string>{"198.51.100.0/24 limited"});
}

TEST(Rrl, Ipv6ClientsShareTheirSlash56) {
  Limiter l(settings(1, 2), 1);
  unsigned n = 0;
  while (l.decide_v6(v6("2001:db8:1:200::1"), 0) == Decision::allow) ++n;
  EXPECT_EQ(n, 2u);
  EXPECT_NE(l.decide_v6(v6("2001:db8:1:2ff:ffff::9"), 0), Decision::allow);
  EXPECT_EQ(l.decide_v6(v6("2001:db8:1:300::1"), 0), Decision::allow);
  // An IPv4 prefix with the same leading bits is another bucket.
  EXPECT_EQ(l.decide_v4(v4("32.1.13.184"), 0), Decision::allow);
  EXPECT_EQ(drain(l), std::vector<std::string>{"2001:db8:1:200::/56 limited"});
}

TEST(Rrl, PrefixLengthsAreConfigurable) {
  Settings s = settings(1, 1);
  s.ipv4_prefix = 32;
  s.ipv6_prefix = 64;
  Limiter l(s, 1);
  EXPECT_EQ(l.decide_v4(v4("198.51.100.1"), 0), Decision::allow);
  EXPECT_EQ(l.decide_v4(v4("198.51.100.2"), 0), Decision::allow);
  EXPECT_NE(l.decide_v4(v4("198.51.100.2"), 0), Decision::allow);
  EXPECT_EQ(l.decide_v6(v6("2001:db8:0:1::1"), 0), Decision::allow);
  EXPECT_NE(l.decide_v6(v6("2001:db8:0:1:ffff::1"), 0), Decision::allow);
  EXPECT_EQ(drain(l),
            (std::vector<std::string>{"198.51.100.2/32 limited", "2001:db8:0:1::/64 limited"}));
}

TEST(Rrl, APrefixStopsBeingLimitedWhenSeenWithAFullBucket) {
  Limiter l(settings(10, 1), 1);
  const V4 c = v4("198.51.100.7");
  EXPECT_EQ(allowed_until_limited(l, c, 0), 10u);
  EXPECT_EQ(drain(l), std::vector<std::string>{"198.51.100.0/24 limited"});
  // Half refilled: still limiting (no event), though it answers again.
  EXPECT_EQ(l.decide_v4(c, 500), Decision::allow);
  EXPECT_TRUE(drain(l).empty());
  EXPECT_EQ(l.decide_v4(c, 1600), Decision::allow);
  EXPECT_EQ(drain(l), std::vector<std::string>{"198.51.100.0/24 no longer limited"});
}

TEST(Rrl, ACollisionGivesTheSlotToTheNewerPrefixWithAFullBucket) {
  Settings s = settings(1, 2);
  s.table_size = 1;  // every prefix collides
  Limiter l(s, 1);
  const V4 a = v4("198.51.100.7"), b = v4("203.0.113.7");
  EXPECT_EQ(allowed_until_limited(l, a, 0), 2u);
  EXPECT_EQ(allowed_until_limited(l, b, 0), 2u);
  EXPECT_EQ(allowed_until_limited(l, a, 0), 2u);  // forgotten when b took the slot
  EXPECT_EQ(drain(l), (std::vector<std::string>{
                          "198.51.100.0/24 limited", "198.51.100.0/24 no longer limited",
                          "203.0.113.0/24 limited", "203.0.113.0/24 no longer limited",
                          "198.51.100.0/24 limited"}));
}

TEST(Rrl, TheTableIsAPowerOfTwo) {
  Settings s = settings(1, 1);
  s.table_size = 1000;
  EXPECT_EQ(Limiter(s, 1).table_size(), 1024u);
}

TEST(Rrl, AFullEventRingCountsWhatItLoses) {
  Settings s = settings(1, 1);
  s.ipv4_prefix = 32;
  s.table_size = 1u << 16;
  Limiter l(s, 1);
  for (unsigned i = 0; i < EventRing::capacity + 10; ++i) {
    const V4 c{10, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
    (void)l.decide_v4(c, 0);
    (void)l.decide_v4(c, 0);
  }
  // Distinct /32s over a 64 Ki table may share a slot; most events are kept.
  EXPECT_EQ(drain(l).size(), EventRing::capacity);
  EXPECT_GE(l.events().lost(), 1u);
  EXPECT_TRUE(drain(l).empty());
}

TEST(Rrl, DecisionsNeverAllocate) {
  Limiter l(settings(1000, 1), 2);
  const long before = dns64d::test::allocations.load();
  unsigned allowed = 0;
  for (std::uint32_t i = 0; i < 100000; ++i) {
    const V4 c{198, 51, static_cast<std::uint8_t>(i % 7), 1};
    V6 c6{0x20, 0x01, 0x0d, 0xb8};
    c6[6] = static_cast<std::uint8_t>(i % 5);
    allowed += l.decide_v4(c, i / 10) == Decision::allow;
    allowed += l.decide_v6(c6, i / 10) == Decision::allow;
  }
  EXPECT_EQ(dns64d::test::allocations.load(), before);
  EXPECT_GT(allowed, 0u);
}

// A reply: header, example.com/A, one A record, an OPT record.
std::vector<std::uint8_t> reply() {
  std::vector<std::uint8_t> m = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 1};
  const std::uint8_t q[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
  m.insert(m.end(), std::begin(q), std::end(q));
  const std::uint8_t a[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0, 0, 4, 192, 0, 2, 1};
  m.insert(m.end(), std::begin(a), std::end(a));
  const std::uint8_t opt[] = {0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0};
  m.insert(m.end(), std::begin(opt), std::end(opt));
  return m;
}

TEST(RrlSlip, KeepsTheQuestionAndSetsTc) {
  std::vector<std::uint8_t> m = reply();
  const std::size_t n = make_slip(m, m.size());
  EXPECT_EQ(n, 12u + 13u + 4u + 11u);  // the question and the OPT
  EXPECT_EQ(m[0], 0x12);
  EXPECT_EQ(m[1], 0x34);
  EXPECT_EQ(m[2], 0x83);  // QR, RD and now TC
  EXPECT_EQ(m[3], 0x80);
  const std::vector<std::uint8_t> counts(m.begin() + 4, m.begin() + 12);
  EXPECT_EQ(counts, (std::vector<std::uint8_t>{0, 1, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(m[12], 7);
  EXPECT_EQ(m[12 + 13 + 3], 1);  // class IN
  // RFC 6891 §7: the OPT stays, extended rcode and all.
  const std::vector<std::uint8_t> opt(m.begin() + 29, m.begin() + 40);
  EXPECT_EQ(opt, (std::vector<std::uint8_t>{0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0}));
}

// Our replies' OPT carries a COOKIE (and the control plane's an EDE): the
// slip keeps it whole, so a limited client still learns its server cookie.
TEST(RrlSlip, TheOptKeepsItsOptions) {
  std::vector<std::uint8_t> m = reply();
  m.resize(m.size() - 11);
  std::vector<std::uint8_t> opt = {0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 34};
  const std::vector<std::uint8_t> cookie = {0, 10, 0, 24};
  opt.insert(opt.end(), cookie.begin(), cookie.end());
  for (int i = 0; i < 24; ++i) opt.push_back(static_cast<std::uint8_t>(i));
  const std::vector<std::uint8_t> ede = {0, 15, 0, 2, 0, 22};
  opt.insert(opt.end(), ede.begin(), ede.end());
  m.insert(m.end(), opt.begin(), opt.end());
  const std::size_t n = make_slip(m, m.size());
  ASSERT_EQ(n, 12u + 17u + opt.size());
  EXPECT_EQ(std::vector<std::uint8_t>(m.begin() + 29, m.begin() + static_cast<long>(n)), opt);
  EXPECT_EQ(m[7], 0);   // no answer
  EXPECT_EQ(m[11], 1);  // the OPT
}

TEST(RrlSlip, AReplyWithoutAQuestionKeepsTheHeaderOnly) {
  // A FORMERR may have no question: the header and the OPT.
  std::vector<std::uint8_t> m = {0x12, 0x34, 0x81, 0x81, 0, 0, 0, 0, 0, 0, 0, 1,
                                 0,    0,    41,   4,    0xd0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(make_slip(m, m.size()), 12u + 11u);
  EXPECT_EQ(m[11], 1);
  std::vector<std::uint8_t> cut = reply();
  EXPECT_EQ(make_slip(cut, 20), 12u);  // the question runs past the end
  EXPECT_EQ(cut[5], 0);
  EXPECT_EQ(cut[2] & 0x02, 0x02);
  std::vector<std::uint8_t> tiny(8, 0);
  EXPECT_EQ(make_slip(tiny, tiny.size()), 8u);
}

}  // namespace
}  // namespace dns64d::rrl
