#include "dataplane/dns/name.hpp"

#include <gtest/gtest.h>

#include "tests/support/packet.hpp"

namespace dns64d::dns {
namespace {

TEST(Name, TextRoundTrip) {
  Name n;
  ASSERT_TRUE(from_text("www.example.com.", n));
  EXPECT_EQ(n.size, 17);
  EXPECT_EQ(n.labels, 3);
  EXPECT_EQ(to_text(n.bytes()), "www.example.com");
  ASSERT_TRUE(from_text(".", n));
  EXPECT_EQ(n.size, 1);
  EXPECT_EQ(to_text(n.bytes()), ".");
}

TEST(Name, FromTextRefusesBadNames) {
  Name n;
  EXPECT_FALSE(from_text("a..b", n));
  EXPECT_FALSE(from_text(std::string(64, 'a'), n));
  EXPECT_TRUE(from_text(std::string(63, 'a'), n));
}

TEST(Name, EscapesOddOctets) {
  const std::vector<std::uint8_t> w{3, 'a', '.', 1, 0};
  EXPECT_EQ(to_text(w), "a\\.\\001");
}

TEST(Name, CaseInsensitiveEquality) {
  EXPECT_TRUE(names_equal(test::wire("WWW.Example.COM"), test::wire("www.example.com")));
  EXPECT_FALSE(names_equal(test::wire("www.example.com"), test::wire("www.example.net")));
}

TEST(Name, SubdomainOnLabelBoundaries) {
  EXPECT_TRUE(is_subdomain(test::wire("a.b.example.com"), test::wire("example.COM")));
  EXPECT_TRUE(is_subdomain(test::wire("example.com"), test::wire("example.com")));
  EXPECT_FALSE(is_subdomain(test::wire("xexample.com"), test::wire("example.com")));
  EXPECT_FALSE(is_subdomain(test::wire("com"), test::wire("example.com")));
  EXPECT_TRUE(is_subdomain(test::wire("anything"), test::wire(".")));
}

}  // namespace
}  // namespace dns64d::dns
