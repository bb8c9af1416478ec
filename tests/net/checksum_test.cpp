#include "dataplane/net/checksum.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "tests/net/builder.hpp"

namespace dns64d::net::checksum {
namespace {

using test::net::ref_add;
using test::net::ref_fold;

TEST(Checksum, Rfc1071Example) {
  // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
  const std::uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(sum(data), 0xddf2);
  EXPECT_EQ(finish(sum(data)), 0x220d);
}

TEST(Checksum, KnownIpv4Header) {
  std::uint8_t h[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                      0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_TRUE(verify(h));
  EXPECT_EQ(sum(h), 0xffff);
  h[10] = h[11] = 0;
  EXPECT_EQ(finish(sum(h)), 0xb861);
  h[11] = 0x01;
  EXPECT_FALSE(verify(h));
}

TEST(Checksum, MatchesReferenceForEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::vector<std::uint8_t> buf(300);
  for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
  for (std::size_t start = 0; start < 8; ++start) {
    for (std::size_t len = 0; len + start <= buf.size(); ++len) {
      const std::uint16_t want = ref_fold(ref_add(buf.data() + start, len));
      ASSERT_EQ(sum({buf.data() + start, len}), want) << start << " " << len;
      ASSERT_EQ(sum({buf.data() + start, len}, 0x1234), ref_fold(std::uint32_t{want} + 0x1234));
    }
  }
}

TEST(Checksum, AllOnesAndZeros) {
  const std::vector<std::uint8_t> ones(1500, 0xff);
  EXPECT_EQ(sum(ones), 0xffff);
  const std::vector<std::uint8_t> zeros(64, 0);
  EXPECT_EQ(sum(zeros), 0);
  EXPECT_EQ(finish(sum(zeros)), 0xffff);
  // 64 KiB of 0xffff words plus carries must still fold correctly.
  const std::vector<std::uint8_t> big(65535, 0xfe);
  EXPECT_EQ(sum(big), ref_fold(ref_add(big.data(), big.size())));
}

// The fold the RFC describes, one 16-bit carry at a time.
std::uint16_t slow_fold(std::uint64_t v) {
  while (v > 0xffff) v = (v & 0xffff) + (v >> 16);
  return static_cast<std::uint16_t>(v);
}

TEST(Checksum, FoldMatchesTheRfcFold) {
  const std::uint64_t edges[] = {0,
                                 1,
                                 0xffff,
                                 0x10000,
                                 0x1fffe,
                                 0xffffffff,
                                 0x100000000,
                                 0xffff0000ffff0000,
                                 ~0ull,
                                 ~0ull - 1,
                                 0x8000800080008000};
  for (const std::uint64_t v : edges) EXPECT_EQ(fold(v), slow_fold(v)) << v;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t v = rng() >> (rng() % 64);
    ASSERT_EQ(fold(v), slow_fold(v)) << v;
  }
}

TEST(Checksum, AccumulatorRunsConcatenate) {
  // Runs added one after another (each ending evenly) sum as one run, with
  // values and taken-back words on top.
  std::mt19937 rng(9);
  std::vector<std::uint8_t> buf(600);
  for (int round = 0; round < 3000; ++round) {
    for (auto& b : buf) b = static_cast<std::uint8_t>(rng() % 8 == 0 ? 0xff : rng());
    const std::size_t a = 2 * (rng() % 150);
    const std::size_t b = rng() % (buf.size() - a);
    Accumulator acc;
    acc.add(buf.data(), a);
    acc.add(buf.data() + a, b);
    acc.add16(0x1234);
    ASSERT_EQ(acc.value(), ref_fold(ref_add(buf.data(), a + b) + 0x1234)) << a << " " << b;
    if (a >= 4) {
      // Taking 4 octets back out leaves the sum without them (as ones'
      // complement values: zero and 0xffff are the same here).
      acc.subtract32(buf.data());
      const std::uint16_t want = ref_fold(ref_add(buf.data() + 4, a - 4 + b) + 0x1234);
      ASSERT_EQ(acc.value() % 0xffff, want % 0xffff) << a << " " << b;
    }
  }
}

TEST(Checksum, AccumulatorSurvivesLongRunsOfOnes) {
  // Every 64-bit add carries out: the end-around carry must not be lost.
  const std::vector<std::uint8_t> ones(4096, 0xff);
  Accumulator acc;
  acc.add(ones.data(), ones.size());
  acc.add16(0xffff);
  acc.add(ones.data(), 7);
  EXPECT_EQ(acc.value(),
            ref_fold(ref_add(ones.data(), ones.size()) + 0xffff + ref_add(ones.data(), 7)));
}

TEST(Checksum, UdpZeroIsSentAsAllOnes) {
  EXPECT_EQ(udp_finish(0xffff), 0xffff);
  EXPECT_EQ(udp_finish(0x1234), static_cast<std::uint16_t>(~0x1234));
}

TEST(Checksum, PseudoHeaders) {
  const std::uint8_t s4[] = {192, 0, 2, 1};
  const std::uint8_t d4[] = {198, 51, 100, 200};
  EXPECT_EQ(pseudo_v4(s4, d4, 17, 1234), ref_fold(test::net::ref_pseudo4(s4, d4, 17, 1234)));
  const auto s6 = test::net::our6;
  const auto d6 = test::net::peer6;
  EXPECT_EQ(pseudo_v6(s6.data(), d6.data(), 70000, 58),
            ref_fold(test::net::ref_pseudo6(s6.data(), d6.data(), 58, 70000)));
  EXPECT_EQ(pseudo_v6(s6.data(), d6.data(), 32, 58), pseudo_v6(d6.data(), s6.data(), 32, 58));
}

TEST(Checksum, Rfc1624Example) {
  // RFC 1624 §4: HC = 0xdd2f, m = 0x5555, m' = 0x3285 gives 0x0000.
  EXPECT_EQ(update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}

TEST(Checksum, IncrementalMatchesRecomputation) {
  std::mt19937 rng(11);
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::uint8_t> data(2 * (2 + rng() % 40));
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    const std::uint16_t before = finish(sum(data));
    const std::size_t at = 2 * (rng() % (data.size() / 2 - 1));
    const std::uint16_t old16 = test::net::get16(data, at);
    const std::uint32_t old32 = std::uint32_t{old16} << 16 | test::net::get16(data, at + 2);
    const auto new32 = static_cast<std::uint32_t>(rng());
    std::vector<std::uint8_t> changed = data;
    test::net::put16(changed, at, static_cast<std::uint16_t>(new32 >> 16));
    EXPECT_EQ(update16(before, old16, static_cast<std::uint16_t>(new32 >> 16)),
              finish(sum(changed)));
    test::net::put16(changed, at + 2, static_cast<std::uint16_t>(new32));
    EXPECT_EQ(update32(before, old32, new32), finish(sum(changed)));
  }
}

}  // namespace
}  // namespace dns64d::net::checksum
