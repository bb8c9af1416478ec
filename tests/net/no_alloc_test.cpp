// parse_frame and the reply builders must never touch the heap: this binary
// counts every call to operator new while they run.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "dataplane/net/reply.hpp"
#include "tests/net/cases.hpp"
#include "tests/support/count_new.hpp"

using dns64d::test::allocations;

namespace dns64d::test::net {
namespace {

TEST(NoAllocation, ParseAndReply) {
  const std::vector<Case> all = cases();
  std::vector<Bytes> buffers;
  buffers.reserve(all.size());
  for (const Case& c : all) {
    Bytes b = c.frame;
    b.resize(2048);
    buffers.push_back(std::move(b));
  }
  const long before = allocations.load();
  std::size_t replies = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    dns64d::net::FrameInfo info;
    const auto o =
        dns64d::net::parse_frame({buffers[i].data(), all[i].frame.size()}, all[i].local, info);
    const std::span<std::uint8_t> buf(buffers[i]);
    switch (o) {
      case Outcome::dns_query:
        replies += dns64d::net::make_udp_reply(buf, info, info.payload_length) > 0;
        break;
      case Outcome::arp_request:
        replies += dns64d::net::make_arp_reply(buf, info, all[i].local) > 0;
        break;
      case Outcome::nd_solicit:
        replies += dns64d::net::make_nd_advert(buf, info, all[i].local) > 0;
        break;
      case Outcome::icmp4_echo:
      case Outcome::icmp6_echo:
        replies += dns64d::net::make_echo_reply(buf, info) > 0;
        break;
      default:
        break;
    }
  }
  EXPECT_EQ(allocations.load() - before, 0);
  EXPECT_GE(replies, 17u);
}

}  // namespace
}  // namespace dns64d::test::net
