#include "control/upstream/endpoint.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/upstream/support.hpp"

namespace dns64d::upstream {
namespace {

TEST(Endpoint, ParsesIpv4WithAndWithoutPort) {
  auto plain = parse_endpoint("192.0.2.1");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->family(), AF_INET);
  EXPECT_EQ(plain->to_string(), "192.0.2.1:53");
  auto ported = parse_endpoint("192.0.2.1:5353");
  ASSERT_TRUE(ported);
  EXPECT_EQ(ported->port(), 5353);
}

TEST(Endpoint, ParsesIpv6BareAndBracketed) {
  auto bare = parse_endpoint("2001:db8::1");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->family(), AF_INET6);
  EXPECT_EQ(bare->to_string(), "[2001:db8::1]:53");
  auto bracketed = parse_endpoint("[2001:db8::1]:5300");
  ASSERT_TRUE(bracketed);
  EXPECT_EQ(bracketed->to_string(), "[2001:db8::1]:5300");
  EXPECT_TRUE(parse_endpoint("[::1]"));
}

TEST(Endpoint, RejectsNamesAndBadPorts) {
  EXPECT_FALSE(parse_endpoint(""));
  EXPECT_FALSE(parse_endpoint("dns.example"));
  EXPECT_FALSE(parse_endpoint("192.0.2.1:0"));
  EXPECT_FALSE(parse_endpoint("192.0.2.1:65536"));
  EXPECT_FALSE(parse_endpoint("192.0.2.1:53x"));
  EXPECT_FALSE(parse_endpoint("[2001:db8::1"));
  EXPECT_FALSE(parse_endpoint("[2001:db8::1]53"));
  EXPECT_FALSE(parse_endpoint("300.0.2.1"));
}

TEST(Endpoint, SameAsComparesAddressAndPort) {
  const auto a = *parse_endpoint("127.0.0.1:5300");
  EXPECT_TRUE(a.same_as(reinterpret_cast<const sockaddr*>(&a.addr), a.len));
  const auto other_port = *parse_endpoint("127.0.0.1:5301");
  EXPECT_FALSE(a.same_as(reinterpret_cast<const sockaddr*>(&other_port.addr), other_port.len));
  const auto other_addr = *parse_endpoint("127.0.0.2:5300");
  EXPECT_FALSE(a.same_as(reinterpret_cast<const sockaddr*>(&other_addr.addr), other_addr.len));
  const auto v6 = *parse_endpoint("[::1]:5300");
  EXPECT_FALSE(a.same_as(reinterpret_cast<const sockaddr*>(&v6.addr), v6.len));
  EXPECT_TRUE(v6.same_as(reinterpret_cast<const sockaddr*>(&v6.addr), v6.len));
}

TEST(ResolvConf, ReadsNameserversInOrder) {
  test::TempDir dir;
  const auto path = (dir.path() / "resolv.conf").string();
  std::ofstream(path) << "# generated\n"
                         "search example.net\n"
                         "nameserver 192.0.2.53\n"
                         "nameserver   2001:db8::53   # v6\n"
                         "; nameserver 192.0.2.99\n"
                         "nameserver not-an-address\n"
                         "nameserver\n"
                         "nameserver fe80::1%lo\n"
                         "options edns0 trust-ad\n"
                         "\tnameserver 198.51.100.7\n";
  const auto servers = parse_resolv_conf(path);
  ASSERT_EQ(servers.size(), 4u);
  EXPECT_EQ(servers[0].to_string(), "192.0.2.53:53");
  EXPECT_EQ(servers[1].to_string(), "[2001:db8::53]:53");
  EXPECT_EQ(servers[2].family(), AF_INET6);
  EXPECT_EQ(servers[3].to_string(), "198.51.100.7:53");
}

TEST(ResolvConf, MissingFileIsEmpty) {
  EXPECT_TRUE(parse_resolv_conf("/nonexistent/resolv.conf").empty());
}

}  // namespace
}  // namespace dns64d::upstream
