#include "dataplane/net/reply.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/net/builder.hpp"
#include "tests/net/cases.hpp"

namespace dns64d::test::net {
namespace {

using dns64d::net::FrameInfo;
using dns64d::net::parse_frame;

constexpr std::size_t capacity = 2048;

struct Parsed {
  Bytes buf;  // the frame, then spare capacity
  FrameInfo info;
  Outcome outcome;
};

Parsed parse(const Bytes& frame, const LocalAddrs& local = local_addrs()) {
  Parsed p{frame, {}, Outcome::drop_too_short};
  p.outcome = parse_frame({frame.data(), frame.size()}, local, p.info);
  p.buf.resize(capacity, 0xee);
  return p;
}

Bytes mac_at(const Bytes& f, std::size_t at) { return {f.data() + at, f.data() + at + 6}; }
Bytes bytes_at(const Bytes& f, std::size_t at, std::size_t n) {
  return {f.data() + at, f.data() + at + n};
}
Bytes of(const Mac& m) { return {m.begin(), m.end()}; }
template <std::size_t N>
Bytes of(const std::array<std::uint8_t, N>& a) {
  return {a.begin(), a.end()};
}

// A reply of `len` octets with recognisable content.
Bytes dns_reply(std::size_t len) {
  Bytes r(len);
  for (std::size_t i = 0; i < len; ++i) r[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return r;
}

void expect_udp4_reply(const Bytes& f, std::size_t len, std::size_t l3, const Bytes& dns,
                       bool full_checksum = true) {
  ASSERT_EQ(len, l3 + 28 + dns.size());
  EXPECT_EQ(mac_at(f, 0), of(peer_mac));
  EXPECT_EQ(mac_at(f, 6), of(our_mac));
  EXPECT_EQ(f[l3], 0x45);
  EXPECT_EQ(get16(f, l3 + 2), 28 + dns.size());
  EXPECT_EQ(get16(f, l3 + 6), 0x4000);
  EXPECT_EQ(f[l3 + 8], 64);
  EXPECT_EQ(f[l3 + 9], 17);
  EXPECT_EQ(bytes_at(f, l3 + 12, 4), of(our4));
  EXPECT_EQ(bytes_at(f, l3 + 16, 4), of(peer4));
  EXPECT_TRUE(ipv4_header_ok(f, l3));
  const std::size_t u = l3 + 20;
  EXPECT_EQ(get16(f, u), 53);
  EXPECT_EQ(get16(f, u + 2), 40000);
  EXPECT_EQ(get16(f, u + 4), 8 + dns.size());
  if (full_checksum) {
    EXPECT_NE(get16(f, u + 6), 0);
    EXPECT_TRUE(l4_ok_v4(f, l3, u, 8 + dns.size()));
  }
  EXPECT_EQ(bytes_at(f, u + 8, dns.size()), dns);
}

// `first4`: version, traffic class and flow label as they should leave.
void expect_udp6_reply(const Bytes& f, std::size_t len, std::size_t l3, const Bytes& dns,
                       const Bytes& first4 = {0x60, 0x01, 0x23, 0x45}) {
  ASSERT_EQ(len, l3 + 48 + dns.size());
  EXPECT_EQ(mac_at(f, 0), of(peer_mac));
  EXPECT_EQ(mac_at(f, 6), of(our_mac));
  EXPECT_EQ(bytes_at(f, l3, 4), first4);
  EXPECT_EQ(get16(f, l3 + 4), 8 + dns.size());
  EXPECT_EQ(f[l3 + 6], 17);
  EXPECT_EQ(f[l3 + 7], 64);
  EXPECT_EQ(bytes_at(f, l3 + 8, 16), of(our6));
  EXPECT_EQ(bytes_at(f, l3 + 24, 16), of(peer6));
  const std::size_t u = l3 + 40;
  EXPECT_EQ(get16(f, u), 53);
  EXPECT_EQ(get16(f, u + 2), 40000);
  EXPECT_EQ(get16(f, u + 4), 8 + dns.size());
  EXPECT_NE(get16(f, u + 6), 0);
  EXPECT_TRUE(l4_ok_v6(f, l3, u, 8 + dns.size()));
  EXPECT_EQ(bytes_at(f, u + 8, dns.size()), dns);
}

std::size_t answer(Parsed& p, const Bytes& dns, bool offload = false) {
  std::copy(dns.begin(), dns.end(), p.buf.begin() + p.info.payload_offset);
  return dns64d::net::make_udp_reply(p.buf, p.info, dns.size(), offload);
}

TEST(UdpReply, Ipv4) {
  for (const std::size_t n : {12u, 13u, 100u, 512u, 1232u}) {
    Parsed p = parse(udp4_query());
    ASSERT_EQ(p.outcome, Outcome::dns_query);
    const Bytes dns = dns_reply(n);
    expect_udp4_reply(p.buf, answer(p, dns), 14, dns);
  }
}

TEST(UdpReply, Ipv4VlansKept) {
  Parsed p = parse(udp4_query(dns_query_payload(), {}, {0x88a8, 0x8100}));
  ASSERT_EQ(p.outcome, Outcome::dns_query);
  const Bytes dns = dns_reply(77);
  expect_udp4_reply(p.buf, answer(p, dns), 22, dns);
  EXPECT_EQ(bytes_at(p.buf, 12, 10), (Bytes{0x88, 0xa8, 0, 0x64, 0x81, 0x00, 0, 0xc8, 0x08, 0x00}));
}

TEST(UdpReply, Ipv4OptionsAreDropped) {
  Parsed p = parse(
      udp4_query(dns_query_payload(), V4Opts().with_options({1, 1, 1, 1, 7, 3, 4, 0}), {0x8100}));
  ASSERT_EQ(p.outcome, Outcome::dns_query);
  const Bytes dns = dns_reply(300);
  expect_udp4_reply(p.buf, answer(p, dns), 18, dns);
}

TEST(UdpReply, Ipv4KeepsDscpClearsEcn) {
  Bytes f = udp4_query();
  f[15] = 0xbb;  // DSCP 46, ECN 3
  f[24] = f[25] = 0;
  put16(f, 24, static_cast<std::uint16_t>(~ref_fold(ref_add(f.data() + 14, 20))));
  Parsed p = parse(f);
  ASSERT_EQ(p.outcome, Outcome::dns_query);
  const Bytes dns = dns_reply(40);
  expect_udp4_reply(p.buf, answer(p, dns), 14, dns);
  EXPECT_EQ(p.buf[15], 0xb8);
}

TEST(UdpReply, Ipv6KeepsDscpAndFlowLabelClearsEcn) {
  Bytes f = udp6_query();
  f[14] = 0x6b;  // traffic class 0xb3: DSCP 44, ECN 3 (CE); flow label 0x12345
  f[15] = 0x31;
  Parsed p = parse(f);
  ASSERT_EQ(p.outcome, Outcome::dns_query);
  const Bytes dns = dns_reply(40);
  expect_udp6_reply(p.buf, answer(p, dns), 14, dns, {0x6b, 0x01, 0x23, 0x45});
}

TEST(UdpReply, Ipv6) {
  for (const std::size_t n : {12u, 13u, 1232u, 4096u}) {
    Parsed p = parse(udp6_query(dns_query_payload(), {}, {0x8100}, 100));
    ASSERT_EQ(p.outcome, Outcome::dns_query);
    p.buf.resize(8192);
    const Bytes dns = dns_reply(n);
    expect_udp6_reply(p.buf, answer(p, dns), 18, dns);
  }
}

TEST(UdpReply, OffloadLeavesPseudoHeaderSum) {
  Parsed p = parse(udp4_query());
  const Bytes dns = dns_reply(50);
  const std::size_t len = answer(p, dns, true);
  expect_udp4_reply(p.buf, len, 14, dns, false);
  const std::size_t u = 34;
  EXPECT_EQ(get16(p.buf, u + 6), ref_fold(ref_pseudo4(our4.data(), peer4.data(), 17, 58)));
  // What the NIC finishes: the complement of the sum over the datagram with
  // the pseudo-header sum in the field.
  const std::uint16_t nic = static_cast<std::uint16_t>(~ref_fold(ref_add(&p.buf[u], 58)));
  put16(p.buf, u + 6, nic);
  EXPECT_TRUE(l4_ok_v4(p.buf, 14, u, 58));

  Parsed q = parse(udp6_query());
  answer(q, dns, true);
  EXPECT_EQ(get16(q.buf, 54 + 6), ref_fold(ref_pseudo6(our6.data(), peer6.data(), 17, 58)));
}

TEST(UdpReply, RoundTripsThroughTheParserAsThePeer) {
  LocalAddrs peer;
  peer.mac = peer_mac;
  peer.add_v4(peer4);
  peer.add_v6(peer6);
  peer.clear_ports();
  peer.add_port(40000);
  for (const Bytes& f : {udp4_query(), udp6_query()}) {
    Parsed p = parse(f);
    const Bytes dns = dns_reply(99);
    const std::size_t len = answer(p, dns);
    FrameInfo back;
    ASSERT_EQ(parse_frame({p.buf.data(), len}, peer, back), Outcome::dns_query);
    EXPECT_EQ(back.src_port, 53);
    EXPECT_EQ(back.payload_length, 99);
  }
}

TEST(UdpReply, RefusesWhatDoesNotFit) {
  Parsed p = parse(udp4_query());
  const std::size_t off = p.info.payload_offset;
  EXPECT_EQ(dns64d::net::make_udp_reply({p.buf.data(), off + 99}, p.info, 100), 0u);
  EXPECT_EQ(dns64d::net::make_udp_reply(p.buf, p.info, 70000), 0u);
  FrameInfo arp_info;
  EXPECT_EQ(dns64d::net::make_udp_reply(p.buf, arp_info, 10), 0u);
  EXPECT_EQ(dns64d::net::make_udp_reply({p.buf.data(), off + 100}, p.info, 100), off + 100);
}

TEST(ArpReply, Fields) {
  for (const auto& tpids :
       {std::initializer_list<std::uint16_t>{}, std::initializer_list<std::uint16_t>{0x8100}}) {
    Parsed p =
        parse(eth(broadcast_mac, peer_mac, 0x0806, arp(1, peer_mac, peer4, {}, our4b), tpids, 60));
    ASSERT_EQ(p.outcome, Outcome::arp_request);
    const std::size_t l3 = p.info.l3_offset;
    EXPECT_EQ(dns64d::net::make_arp_reply(p.buf, p.info, local_addrs()), 60u);
    const Bytes& f = p.buf;
    EXPECT_EQ(mac_at(f, 0), of(peer_mac));
    EXPECT_EQ(mac_at(f, 6), of(our_mac));
    EXPECT_EQ(get16(f, l3 - 2), 0x0806);
    EXPECT_EQ(bytes_at(f, l3, 6), (Bytes{0, 1, 8, 0, 6, 4}));
    EXPECT_EQ(get16(f, l3 + 6), 2);
    EXPECT_EQ(mac_at(f, l3 + 8), of(our_mac));
    EXPECT_EQ(bytes_at(f, l3 + 14, 4), of(our4b));
    EXPECT_EQ(mac_at(f, l3 + 18), of(peer_mac));
    EXPECT_EQ(bytes_at(f, l3 + 24, 4), of(peer4));
    EXPECT_TRUE(std::all_of(f.begin() + l3 + 28, f.begin() + 60, [](auto b) { return b == 0; }));
  }
}

TEST(ArpReply, UnpaddedWithoutCapacityAndProbe) {
  const Bytes f = eth(broadcast_mac, peer_mac, 0x0806, arp(1, peer_mac, {0, 0, 0, 0}, {}, our4));
  FrameInfo info;
  ASSERT_EQ(parse_frame({f.data(), f.size()}, local_addrs(), info), Outcome::arp_request);
  Bytes buf = f;
  EXPECT_EQ(dns64d::net::make_arp_reply(buf, info, local_addrs()), 42u);
  EXPECT_EQ(bytes_at(buf, 38, 4), (Bytes{0, 0, 0, 0}));
  EXPECT_EQ(dns64d::net::make_arp_reply({buf.data(), 41}, info, local_addrs()), 0u);
}

void expect_advert(const Parsed& p, std::size_t len, bool dad) {
  const Bytes& f = p.buf;
  const std::size_t l3 = p.info.l3_offset;
  const std::size_t m = l3 + 40;
  ASSERT_EQ(len, m + 32);
  const V6 all_nodes{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(mac_at(f, 0), dad ? (Bytes{0x33, 0x33, 0, 0, 0, 1}) : of(peer_mac));
  EXPECT_EQ(mac_at(f, 6), of(our_mac));
  EXPECT_EQ(f[l3] >> 4, 6);
  EXPECT_EQ(get16(f, l3 + 4), 32);
  EXPECT_EQ(f[l3 + 6], 58);
  EXPECT_EQ(f[l3 + 7], 255);
  EXPECT_EQ(bytes_at(f, l3 + 8, 16), of(our6));
  EXPECT_EQ(bytes_at(f, l3 + 24, 16), dad ? of(all_nodes) : of(peer6));
  EXPECT_EQ(f[m], 136);
  EXPECT_EQ(f[m + 1], 0);
  EXPECT_EQ(bytes_at(f, m + 4, 4), (Bytes{static_cast<std::uint8_t>(dad ? 0x20 : 0x60), 0, 0, 0}));
  EXPECT_EQ(bytes_at(f, m + 8, 16), of(our6));
  EXPECT_EQ(bytes_at(f, m + 24, 2), (Bytes{2, 1}));
  EXPECT_EQ(mac_at(f, m + 26), of(our_mac));
  EXPECT_TRUE(l4_ok_v6(f, l3, m, 32));
}

TEST(NeighborAdvert, ToSolicitedNodeGroup) {
  Parsed p = parse(ns_frame(our6, peer6, slla_option(peer_mac)));
  ASSERT_EQ(p.outcome, Outcome::nd_solicit);
  expect_advert(p, dns64d::net::make_nd_advert(p.buf, p.info, local_addrs()), false);
}

TEST(NeighborAdvert, UnicastSolicitWithoutOptionsNeedsCapacity) {
  const Bytes f = ns_frame(our6, peer6, {}, &our6);
  Parsed p = parse(f);
  ASSERT_EQ(p.outcome, Outcome::nd_solicit);
  Bytes exact = f;
  EXPECT_EQ(dns64d::net::make_nd_advert(exact, p.info, local_addrs()), 0u);
  expect_advert(p, dns64d::net::make_nd_advert(p.buf, p.info, local_addrs()), false);
}

TEST(NeighborAdvert, DuplicateAddressDetectionIsDefended) {
  Parsed p = parse(eth(multicast_mac(dns64d::net::solicited_node(our6)), peer_mac, 0x86dd,
                       ipv6(V6{}, dns64d::net::solicited_node(our6), 58,
                            icmp(135, 0, ns_body(our6)), V6Opts().with_hop_limit(255)),
                       {0x8100}));
  ASSERT_EQ(p.outcome, Outcome::nd_solicit);
  ASSERT_TRUE(p.info.dad);
  expect_advert(p, dns64d::net::make_nd_advert(p.buf, p.info, local_addrs()), true);
}

TEST(EchoReply, Ipv4) {
  for (const Bytes& data : {Bytes{}, Bytes{1, 2, 3}, Bytes(56, 0x42)}) {
    Parsed p = parse(eth(our_mac, peer_mac, 0x0800,
                         ipv4(peer4, our4, 1, icmp(8, 0, echo_body(0xbeef, 7, data)))));
    ASSERT_EQ(p.outcome, Outcome::icmp4_echo);
    const std::size_t len = dns64d::net::make_echo_reply(p.buf, p.info);
    ASSERT_EQ(len, 14 + 20 + 8 + data.size());
    EXPECT_EQ(mac_at(p.buf, 0), of(peer_mac));
    EXPECT_EQ(bytes_at(p.buf, 26, 4), of(our4));
    EXPECT_EQ(bytes_at(p.buf, 30, 4), of(peer4));
    EXPECT_EQ(p.buf[22], 64);
    EXPECT_EQ(get16(p.buf, 16), 28 + data.size());
    EXPECT_TRUE(ipv4_header_ok(p.buf, 14));
    EXPECT_EQ(p.buf[34], 0);
    EXPECT_EQ(get16(p.buf, 38), 0xbeef);
    EXPECT_EQ(get16(p.buf, 40), 7);
    EXPECT_EQ(bytes_at(p.buf, 42, data.size()), data);
    EXPECT_TRUE(l4_ok_v4(p.buf, 14, 34, 8 + data.size(), false));
  }
}

TEST(EchoReply, Ipv4AllZeroReplyAndOptions) {
  // Identifier 0, sequence 0, no data: every covered octet of the reply is
  // zero, the one case RFC 1624 eqn. 3 gets wrong.
  Parsed p = parse(eth(
      our_mac, peer_mac, 0x0800,
      ipv4(peer4, our4, 1, icmp(8, 0, echo_body(0, 0, {})), V4Opts().with_options(Bytes(4, 1)))));
  ASSERT_EQ(p.outcome, Outcome::icmp4_echo);
  ASSERT_EQ(dns64d::net::make_echo_reply(p.buf, p.info), 42u);
  EXPECT_EQ(get16(p.buf, 36), 0xffff);
  EXPECT_TRUE(l4_ok_v4(p.buf, 14, 34, 8, false));
  EXPECT_TRUE(ipv4_header_ok(p.buf, 14));
  EXPECT_EQ(p.buf[14], 0x45);
}

TEST(EchoReply, Ipv6) {
  for (const Bytes& data : {Bytes{}, Bytes{9}, Bytes(1000, 0x17)}) {
    Parsed p =
        parse(eth(our_mac, peer_mac, 0x86dd,
                  ipv6(peer6, our6, 58, icmp(128, 0, echo_body(0x0102, 0x0304, data))), {0x8100}));
    ASSERT_EQ(p.outcome, Outcome::icmp6_echo);
    const std::size_t len = dns64d::net::make_echo_reply(p.buf, p.info);
    ASSERT_EQ(len, 18 + 40 + 8 + data.size());
    EXPECT_EQ(mac_at(p.buf, 0), of(peer_mac));
    EXPECT_EQ(bytes_at(p.buf, 18 + 8, 16), of(our6));
    EXPECT_EQ(bytes_at(p.buf, 18 + 24, 16), of(peer6));
    EXPECT_EQ(p.buf[18 + 7], 64);
    EXPECT_EQ(p.buf[58], 129);
    EXPECT_EQ(get16(p.buf, 62), 0x0102);
    EXPECT_EQ(bytes_at(p.buf, 66, data.size()), data);
    EXPECT_TRUE(l4_ok_v6(p.buf, 18, 58, 8 + data.size()));
  }
}

TEST(EchoReply, RefusesOtherFrames) {
  Parsed p = parse(udp4_query());
  EXPECT_EQ(dns64d::net::make_echo_reply(p.buf, p.info), 0u);
  FrameInfo none;
  EXPECT_EQ(dns64d::net::make_echo_reply(p.buf, none), 0u);
  EXPECT_EQ(dns64d::net::make_nd_advert(p.buf, none, local_addrs()), 0u);
  EXPECT_EQ(dns64d::net::make_arp_reply(p.buf, none, local_addrs()), 0u);
}

}  // namespace
}  // namespace dns64d::test::net
