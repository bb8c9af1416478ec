// Mutated and truncated frames: the parser must stay inside the span (run
// under ASan, each frame sits in an allocation of exactly its size), report
// offsets inside the frame, and every reply it leads to must carry valid
// checksums.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>

#include "dataplane/net/reply.hpp"
#include "tests/net/builder.hpp"
#include "tests/net/cases.hpp"

namespace dns64d::test::net {
namespace {

using dns64d::net::FrameInfo;

void check_reply(const Bytes& frame, const FrameInfo& info, Outcome o, const LocalAddrs& local) {
  // Exactly the frame's size of capacity for most, more for ND.
  const std::size_t cap = frame.size() + (o == Outcome::nd_solicit ? 8 : 0);
  std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[cap]);
  std::copy(frame.begin(), frame.end(), buf.get());
  const std::span<std::uint8_t> span(buf.get(), cap);
  std::size_t len = 0;
  switch (o) {
    case Outcome::dns_query:
      len = dns64d::net::make_udp_reply(span, info, info.payload_length);
      break;
    case Outcome::arp_request:
      len = dns64d::net::make_arp_reply(span, info, local);
      break;
    case Outcome::nd_solicit:
      len = dns64d::net::make_nd_advert(span, info, local);
      break;
    case Outcome::icmp4_echo:
    case Outcome::icmp6_echo:
      len = dns64d::net::make_echo_reply(span, info);
      break;
    default:
      return;
  }
  ASSERT_GT(len, 0u);
  ASSERT_LE(len, cap);
  const Bytes r(buf.get(), buf.get() + len);
  const std::size_t l3 = info.l3_offset;
  if (info.ip_version == 4) {
    ASSERT_TRUE(ipv4_header_ok(r, l3));
    const std::size_t l4_len = get16(r, l3 + 2) - 20u;
    ASSERT_EQ(len, l3 + 20 + l4_len);
    EXPECT_TRUE(l4_ok_v4(r, l3, l3 + 20, l4_len, o == Outcome::dns_query));
  } else if (info.ip_version == 6) {
    const std::size_t l4_len = get16(r, l3 + 4);
    ASSERT_EQ(len, l3 + 40 + l4_len);
    EXPECT_TRUE(l4_ok_v6(r, l3, l3 + 40, l4_len));
  }
}

void run_one(const Bytes& frame, const LocalAddrs& local) {
  // An allocation of exactly the frame's size, so ASan sees any overread.
  std::unique_ptr<std::uint8_t[]> exact(new std::uint8_t[std::max<std::size_t>(frame.size(), 1)]);
  std::copy(frame.begin(), frame.end(), exact.get());
  FrameInfo info;
  const Outcome o = dns64d::net::parse_frame({exact.get(), frame.size()}, local, info);
  ASSERT_LT(static_cast<std::size_t>(o), dns64d::net::outcome_count);
  if (!dns64d::net::is_answered(o)) return;
  ASSERT_LE(info.l3_offset, frame.size());
  if (info.ip_version != 0) {
    ASSERT_LE(std::size_t{info.l4_offset} + info.l4_length, frame.size());
    ASSERT_LE(std::size_t{info.payload_offset} + info.payload_length, frame.size());
  }
  check_reply(frame, info, o, local);
}

TEST(Robustness, TruncationsOfEveryCase) {
  for (const Case& c : cases()) {
    for (std::size_t n = 0; n <= c.frame.size(); ++n) {
      run_one(Bytes(c.frame.data(), c.frame.data() + n), c.local);
    }
  }
}

TEST(Robustness, RandomMutations) {
  std::mt19937 rng(2024);
  const auto all = cases();
  std::size_t answered = 0;
  for (int round = 0; round < 200; ++round) {
    for (const Case& c : all) {
      if (c.frame.empty()) continue;
      Bytes f = c.frame;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < flips; ++i) {
        // Headers are where the decisions are: mutate mostly there.
        const std::size_t at = rng() % std::min<std::size_t>(f.size(), rng() % 2 ? 80 : f.size());
        f[at] = static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() : f[at] ^ (1u << (rng() % 8)));
      }
      if (rng() % 4 == 0) f.resize(rng() % (f.size() + 1));
      run_one(f, c.local);
      FrameInfo info;
      answered += dns64d::net::is_answered(dns64d::net::parse_frame(f, c.local, info));
    }
  }
  EXPECT_GT(answered, 0u);
}

// parse_frame takes a straight-line path for the common DNS query; it must
// agree with the general parser on the outcome and on every field.
bool same_info(const FrameInfo& a, const FrameInfo& b) {
  return a.l3_offset == b.l3_offset && a.l4_offset == b.l4_offset && a.l4_length == b.l4_length &&
         a.payload_offset == b.payload_offset && a.payload_length == b.payload_length &&
         a.ethertype == b.ethertype && a.vlan_tci[0] == b.vlan_tci[0] &&
         a.vlan_tci[1] == b.vlan_tci[1] && a.src_port == b.src_port && a.dst_port == b.dst_port &&
         a.vlan_count == b.vlan_count && a.ip_version == b.ip_version && a.protocol == b.protocol &&
         a.ttl == b.ttl && a.local_index == b.local_index && a.dad == b.dad &&
         a.src_ip == b.src_ip && a.dst_ip == b.dst_ip;
}

// Returns whether the frame was a DNS query.
bool agrees_with_general(const Bytes& frame, const LocalAddrs& local, dns64d::net::RxChecksum rx) {
  std::unique_ptr<std::uint8_t[]> exact(new std::uint8_t[std::max<std::size_t>(frame.size(), 1)]);
  std::copy(frame.begin(), frame.end(), exact.get());
  const std::span<const std::uint8_t> span(exact.get(), frame.size());
  FrameInfo fast;
  FrameInfo general;
  // Stale contents must not leak into either result.
  std::memset(static_cast<void*>(&fast), 0xa5, sizeof fast);
  std::memset(static_cast<void*>(&general), 0x5a, sizeof general);
  const Outcome o = dns64d::net::parse_frame(span, local, fast, rx);
  const Outcome want = dns64d::net::detail::parse_frame_general(span, local, general, rx);
  EXPECT_EQ(o, want);
  EXPECT_TRUE(same_info(fast, general));
  return want == Outcome::dns_query;
}

TEST(Robustness, CommonPathAgreesWithGeneralParser) {
  std::mt19937 rng(77);
  const auto all = cases();
  std::size_t queries = 0;
  for (int round = 0; round < 300; ++round) {
    for (const Case& c : all) {
      Bytes f = c.frame;
      if (round > 0 && !f.empty()) {
        const int flips = 1 + static_cast<int>(rng() % 3);
        for (int i = 0; i < flips; ++i) {
          const std::size_t at = rng() % std::min<std::size_t>(f.size(), rng() % 2 ? 64 : f.size());
          f[at] = static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() : f[at] ^ (1u << (rng() % 8)));
        }
        if (rng() % 4 == 0) f.resize(rng() % (f.size() + 1));
      }
      LocalAddrs local = c.local;
      if (round % 5 == 1) local.any_unicast_mac = true;
      if (round % 7 == 2) local.exception_path = true;
      const dns64d::net::RxChecksum rx{round % 3 == 1, round % 4 == 1};
      queries += agrees_with_general(f, local, rx);
    }
  }
  EXPECT_GT(queries, 300u);
}

}  // namespace
}  // namespace dns64d::test::net
