#include "dataplane/net/frame.hpp"

#include <gtest/gtest.h>

#include <set>

#include "tests/net/builder.hpp"
#include "tests/net/cases.hpp"

namespace dns64d::test::net {
namespace {

using dns64d::net::FrameInfo;
using dns64d::net::map_v4;
using dns64d::net::parse_frame;
using dns64d::net::RxChecksum;

Outcome parse(const Bytes& f, FrameInfo& info, const LocalAddrs& local = local_addrs(),
              RxChecksum rx = {}) {
  return parse_frame({f.data(), f.size()}, local, info, rx);
}

TEST(ParseFrame, Table) {
  for (const Case& c : cases()) {
    FrameInfo info;
    EXPECT_EQ(to_string(parse(c.frame, info, c.local)), to_string(c.want)) << c.name;
  }
}

TEST(ParseFrame, TableReachesEveryOutcome) {
  std::set<Outcome> seen;
  for (const Case& c : cases()) seen.insert(c.want);
  for (std::size_t i = 0; i < dns64d::net::outcome_count; ++i) {
    EXPECT_TRUE(seen.count(static_cast<Outcome>(i))) << to_string(static_cast<Outcome>(i));
  }
}

TEST(ParseFrame, Udp4Fields) {
  const Bytes q = dns_query_payload();
  FrameInfo info;
  ASSERT_EQ(parse(udp4_query(q), info), Outcome::dns_query);
  EXPECT_EQ(info.vlan_count, 0);
  EXPECT_EQ(info.ethertype, 0x0800);
  EXPECT_EQ(info.l3_offset, 14);
  EXPECT_EQ(info.l4_offset, 34);
  EXPECT_EQ(info.l4_length, 8 + q.size());
  EXPECT_EQ(info.payload_offset, 42);
  EXPECT_EQ(info.payload_length, q.size());
  EXPECT_EQ(info.ip_version, 4);
  EXPECT_EQ(info.protocol, 17);
  EXPECT_EQ(info.ttl, 64);
  EXPECT_EQ(info.src_port, 40000);
  EXPECT_EQ(info.dst_port, 53);
  EXPECT_EQ(info.src_ip, map_v4(peer4.data()));
  EXPECT_EQ(info.dst_ip, map_v4(our4.data()));
  EXPECT_EQ(dns64d::net::v4_of(info.src_ip), peer4);
  EXPECT_EQ(info.local_index, 0);
}

TEST(ParseFrame, VlanTagsShiftOffsets) {
  const Bytes q = dns_query_payload();
  FrameInfo info;
  ASSERT_EQ(parse(udp4_query(q, {}, {0x8100}), info), Outcome::dns_query);
  EXPECT_EQ(info.vlan_count, 1);
  EXPECT_EQ(info.vlan_tci[0], 0x64);
  EXPECT_EQ(info.l3_offset, 18);
  EXPECT_EQ(info.payload_offset, 46);
  ASSERT_EQ(parse(udp6_query(q, {}, {0x88a8, 0x8100}), info), Outcome::dns_query);
  EXPECT_EQ(info.vlan_count, 2);
  EXPECT_EQ(info.vlan_tci[0], 0x64);
  EXPECT_EQ(info.vlan_tci[1], 0xc8);
  EXPECT_EQ(info.ethertype, 0x86dd);
  EXPECT_EQ(info.l3_offset, 22);
  EXPECT_EQ(info.l4_offset, 62);
  EXPECT_EQ(info.payload_offset, 70);
  EXPECT_EQ(info.payload_length, q.size());
  EXPECT_EQ(info.ip_version, 6);
  EXPECT_EQ(info.src_ip, peer6);
  EXPECT_EQ(info.dst_ip, our6);
}

TEST(ParseFrame, Ipv4OptionsMoveL4) {
  FrameInfo info;
  ASSERT_EQ(parse(udp4_query(dns_query_payload(), V4Opts().with_options(Bytes(12, 1))), info),
            Outcome::dns_query);
  EXPECT_EQ(info.l4_offset, 14 + 32);
  EXPECT_EQ(info.payload_offset, 14 + 40);
}

TEST(ParseFrame, EthernetPaddingIsNotPayload) {
  Bytes f = udp4_query({0xaa, 0xbb, 0xcc, 0xdd}, {}, {}, 64);
  for (std::size_t i = 46; i < f.size(); ++i) f[i] = 0x5a;  // garbage padding
  FrameInfo info;
  ASSERT_EQ(parse(f, info), Outcome::dns_query);
  EXPECT_EQ(info.payload_length, 4);
  EXPECT_EQ(info.l4_length, 12);
  f = udp6_query({0xaa}, {}, {0x8100}, 128);
  f.back() = 0xff;
  ASSERT_EQ(parse(f, info), Outcome::dns_query);
  EXPECT_EQ(info.payload_length, 1);
}

TEST(ParseFrame, UdpShorterThanIpPayload) {
  // IP-level padding after the UDP datagram (checksum off so it does not
  // have to cover the padding).
  Bytes u = udp(1000, 53, {1, 2, 3, 4, 9, 9, 9});
  put16(u, 4, 12);
  FrameInfo info;
  ASSERT_EQ(
      parse(eth(our_mac, peer_mac, 0x0800, ipv4(peer4, our4, 17, u, V4Opts().no_l4_checksum())),
            info),
      Outcome::dns_query);
  EXPECT_EQ(info.l4_length, 15);
  EXPECT_EQ(info.payload_length, 4);
}

// A datagram shorter than its IP payload, with the checksum its sender
// computes (RFC 768, RFC 8200 §8.1): over the UDP length's octets, with the
// UDP length in the pseudo-header, not the IP payload's.
TEST(ParseFrame, UdpChecksumCoversTheUdpLengthNotThePadding) {
  const Bytes payload{1, 2, 3, 4};
  Bytes u4 = udp(1000, 53, payload);
  const std::uint32_t ph4 = ref_pseudo4(peer4.data(), our4.data(), 17, u4.size());
  put16(u4, 6, static_cast<std::uint16_t>(~ref_fold(ref_add(u4.data(), u4.size(), ph4))));
  Bytes padded4 = u4;
  padded4.insert(padded4.end(), {0xee, 0xee, 0xee});
  FrameInfo info;
  const Bytes f4 =
      eth(our_mac, peer_mac, 0x0800, ipv4(peer4, our4, 17, padded4, V4Opts().no_l4_checksum()));
  ASSERT_EQ(parse(f4, info), Outcome::dns_query);
  EXPECT_EQ(info.payload_length, 4);

  Bytes u6 = udp(1000, 53, payload);
  const std::uint32_t ph6 = ref_pseudo6(peer6.data(), our6.data(), 17, u6.size());
  put16(u6, 6, static_cast<std::uint16_t>(~ref_fold(ref_add(u6.data(), u6.size(), ph6))));
  Bytes padded6 = u6;
  padded6.insert(padded6.end(), {0xee, 0xee, 0xee});
  const Bytes f6 =
      eth(our_mac, peer_mac, 0x86dd, ipv6(peer6, our6, 17, padded6, V6Opts().no_l4_checksum()));
  ASSERT_EQ(parse(f6, info), Outcome::dns_query);
  EXPECT_EQ(info.payload_length, 4);

  // A checksum over the padding and the IP payload's length is wrong.
  Bytes wrong = padded4;
  put16(wrong, 6, 0);
  const std::uint32_t phw = ref_pseudo4(peer4.data(), our4.data(), 17, wrong.size());
  put16(wrong, 6, static_cast<std::uint16_t>(~ref_fold(ref_add(wrong.data(), wrong.size(), phw))));
  const Bytes fw =
      eth(our_mac, peer_mac, 0x0800, ipv4(peer4, our4, 17, wrong, V4Opts().no_l4_checksum()));
  EXPECT_EQ(parse(fw, info), Outcome::drop_bad_udp_checksum);
}

TEST(ParseFrame, SecondAddressIndex) {
  FrameInfo info;
  const Bytes f = eth(our_mac, peer_mac, 0x0800, ipv4(peer4, our4b, 17, udp(1, 53, {})));
  ASSERT_EQ(parse(f, info), Outcome::dns_query);
  EXPECT_EQ(info.local_index, 1);
}

TEST(ParseFrame, DnsPorts) {
  LocalAddrs l = local_addrs();
  l.clear_ports();
  EXPECT_TRUE(l.add_port(5353));
  EXPECT_TRUE(l.add_port(5353));
  EXPECT_EQ(l.n_ports, 1);
  FrameInfo info;
  const auto to = [](std::uint16_t port) {
    return eth(our_mac, peer_mac, 0x0800, ipv4(peer4, our4, 17, udp(1000, port, {1})));
  };
  EXPECT_EQ(parse(to(5353), info, l), Outcome::dns_query);
  EXPECT_EQ(parse(to(53), info, l), Outcome::drop_udp_other_port);
  EXPECT_TRUE(l.add_port(53));
  EXPECT_TRUE(l.add_port(54));
  EXPECT_TRUE(l.add_port(55));
  EXPECT_FALSE(l.add_port(56));
  EXPECT_EQ(parse(to(53), info, l), Outcome::dns_query);
  EXPECT_EQ(parse(to(55), info, l), Outcome::dns_query);
}

TEST(ParseFrame, AddressTablesAreBounded) {
  LocalAddrs l;
  for (std::size_t i = 0; i < LocalAddrs::max_v4; ++i) {
    EXPECT_TRUE(l.add_v4({10, 0, 0, static_cast<std::uint8_t>(i)}));
  }
  EXPECT_FALSE(l.add_v4(our4));
  for (std::size_t i = 0; i < LocalAddrs::max_v6; ++i) EXPECT_TRUE(l.add_v6(our6));
  EXPECT_FALSE(l.add_v6(our6));
}

TEST(ParseFrame, HardwareVerifiedChecksumsAreTrusted) {
  Bytes f = udp4_query();
  f[14 + 10] ^= 0xff;
  f.back() ^= 1;
  FrameInfo info;
  EXPECT_EQ(parse(f, info), Outcome::drop_bad_ipv4_checksum);
  EXPECT_EQ(parse(f, info, local_addrs(), RxChecksum{true, false}), Outcome::drop_bad_udp_checksum);
  EXPECT_EQ(parse(f, info, local_addrs(), RxChecksum{true, true}), Outcome::dns_query);
}

TEST(ParseFrame, AnyUnicastMac) {
  LocalAddrs l = local_addrs();
  l.any_unicast_mac = true;
  const Bytes f = eth(peer_mac, peer_mac, 0x0800, ipv4(peer4, our4, 17, udp(1, 53, {1})));
  FrameInfo info;
  EXPECT_EQ(parse(f, info), Outcome::drop_not_for_us);
  EXPECT_EQ(parse(f, info, l), Outcome::dns_query);
  const Bytes b = eth(broadcast_mac, peer_mac, 0x0800, ipv4(peer4, our4, 17, udp(1, 53, {1})));
  EXPECT_EQ(parse(b, info, l), Outcome::drop_not_for_us);
}

TEST(ParseFrame, ArpFields) {
  FrameInfo info;
  ASSERT_EQ(parse(eth(broadcast_mac, peer_mac, 0x0806, arp(1, peer_mac, peer4, {}, our4b)), info),
            Outcome::arp_request);
  EXPECT_EQ(info.l3_offset, 14);
  EXPECT_EQ(info.ethertype, 0x0806);
  EXPECT_EQ(info.local_index, 1);
  EXPECT_EQ(info.src_ip, map_v4(peer4.data()));
  EXPECT_EQ(info.dst_ip, map_v4(our4b.data()));
}

TEST(ParseFrame, SolicitFields) {
  FrameInfo info;
  ASSERT_EQ(parse(ns_frame(our6, peer6, slla_option(peer_mac)), info), Outcome::nd_solicit);
  EXPECT_FALSE(info.dad);
  EXPECT_EQ(info.ttl, 255);
  EXPECT_EQ(info.dst_ip, dns64d::net::solicited_node(our6));
  ASSERT_EQ(parse(ns_frame(our6, V6{}), info), Outcome::nd_solicit);
  EXPECT_TRUE(info.dad);
}

TEST(ParseFrame, SolicitedNodeGroup) {
  const V6 g = dns64d::net::solicited_node(our6);
  const V6 want{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0xab, 0xcd, 0x53};
  EXPECT_EQ(g, want);
}

}  // namespace
}  // namespace dns64d::test::net
