#include <gtest/gtest.h>

#include "dataplane/cache/key.hpp"
#include "tests/cache/test_util.hpp"

namespace dns64d::cache {
namespace {

using test::wire;

TEST(CacheName, FoldLowersAsciiOnlyAndKeepsLengths) {
  const auto in = wire("WwW.ExAmPlE.CoM");
  uint8_t out[kMaxNameLen];
  ASSERT_TRUE(fold_wire_name(in, out));
  EXPECT_EQ(std::vector<uint8_t>(out, out + in.size()), wire("www.example.com"));
}

TEST(CacheName, FoldRejectsMalformed) {
  uint8_t out[kMaxNameLen];
  const std::vector<uint8_t> no_root = {3, 'c', 'o', 'm'};
  const std::vector<uint8_t> overrun = {5, 'c', 'o', 'm', 0};
  const std::vector<uint8_t> pointer = {0xc0, 0x0c};
  const std::vector<uint8_t> trailing = {0, 0};
  EXPECT_FALSE(fold_wire_name(no_root, out));
  EXPECT_FALSE(fold_wire_name(overrun, out));
  EXPECT_FALSE(fold_wire_name(pointer, out));
  EXPECT_FALSE(fold_wire_name(trailing, out));
  EXPECT_FALSE(fold_wire_name({}, out));
  std::vector<uint8_t> long_label(1, 64);
  long_label.resize(66, 'a');
  long_label.back() = 0;
  EXPECT_FALSE(fold_wire_name(long_label, out));
  EXPECT_TRUE(fold_wire_name(wire(""), out));
}

TEST(CacheName, UnderMatchesOnLabelBoundaryOnly) {
  EXPECT_TRUE(name_is_under(wire("example.com"), wire("example.com")));
  EXPECT_TRUE(name_is_under(wire("a.b.example.com"), wire("example.com")));
  EXPECT_FALSE(name_is_under(wire("xexample.com"), wire("example.com")));
  EXPECT_FALSE(name_is_under(wire("example.org"), wire("example.com")));
  EXPECT_FALSE(name_is_under(wire("com"), wire("example.com")));
  EXPECT_TRUE(name_is_under(wire("anything.at.all"), wire("")));
}

TEST(CacheName, SameOctetsSeesADifferenceAtEveryPositionOfEveryLength) {
  // Exactly n octets each, so ASan sees any read past either name.
  for (size_t n = 0; n <= kMaxNameLen; ++n) {
    std::vector<uint8_t> a(n), b(n);
    for (size_t i = 0; i < n; ++i) a[i] = b[i] = static_cast<uint8_t>(i * 7 + 1);
    ASSERT_TRUE(detail::same_octets(a.data(), b.data(), n)) << n;
    for (size_t k = 0; k < n; ++k) {
      b[k] ^= 0x20;
      ASSERT_FALSE(detail::same_octets(a.data(), b.data(), n)) << n << " " << k;
      b[k] = a[k];
    }
  }
}

TEST(CacheHash, SeededAndSensitiveToEveryPart) {
  const auto name = wire("www.example.com");
  const HashSeed a = HashSeed::from(1), b = HashSeed::from(2);
  const Key k{name, 28, 1};
  EXPECT_EQ(hash_key(k, a), hash_key(k, a));
  EXPECT_NE(hash_key(k, a), hash_key(k, b));
  EXPECT_NE(hash_key(k, a), hash_key(Key{name, 1, 1}, a));
  EXPECT_NE(hash_key(k, a), hash_key(Key{name, 28, 3}, a));
  const auto other = wire("www.example.net");
  EXPECT_NE(hash_key(k, a), hash_key(Key{other, 28, 1}, a));
  // Every length from 1 to 255 reads in bounds (ASan checks) and differs.
  std::vector<uint64_t> seen;
  for (size_t n = 1; n <= kMaxNameLen; ++n) {
    std::vector<uint8_t> bytes(n, 'a');
    seen.push_back(hash_key(Key{bytes, 1, 1}, a));
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
}

}  // namespace
}  // namespace dns64d::cache
