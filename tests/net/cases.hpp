// A table of frames, each with the outcome parse_frame must give: every
// outcome appears at least once. Shared by the classification tests and the
// robustness test (which mutates these frames).
#pragma once

#include <string>
#include <vector>

#include "dataplane/net/frame.hpp"
#include "tests/net/builder.hpp"

namespace dns64d::test::net {

using dns64d::net::LocalAddrs;
using dns64d::net::Outcome;

struct Case {
  std::string name;
  Bytes frame;
  Outcome want;
  LocalAddrs local = local_addrs();
};

inline V6 v6_with_last(std::uint8_t a, std::uint8_t b, std::uint8_t c) {
  V6 v = our6;
  v[13] = a;
  v[14] = b;
  v[15] = c;
  return v;
}

inline Bytes ns_body(const V6& target, const Bytes& options = {}) {
  Bytes b(20 + options.size(), 0);
  copy_in(b, 4, target.data(), 16);
  copy_in(b, 20, options.data(), options.size());
  return b;
}
inline Bytes slla_option(const Mac& m) { return {1, 1, m[0], m[1], m[2], m[3], m[4], m[5]}; }
inline Mac multicast_mac(const V6& group) {
  return {0x33, 0x33, group[12], group[13], group[14], group[15]};
}

// Neighbor solicitation for `target`, to the target's solicited-node group
// (or `dst` when given), hop limit 255.
inline Bytes ns_frame(const V6& target, const V6& src = peer6, const Bytes& options = {},
                      const V6* dst = nullptr, std::uint8_t hop = 255) {
  const V6 group = dns64d::net::solicited_node(target);
  const V6 to = dst ? *dst : group;
  const Mac mac = dst ? our_mac : multicast_mac(group);
  return eth(
      mac, peer_mac, 0x86dd,
      ipv6(src, to, 58, icmp(135, 0, ns_body(target, options)), V6Opts().with_hop_limit(hop)));
}

inline Bytes with(Bytes f, std::size_t at, std::uint8_t v) {
  f[at] = v;
  return f;
}

inline std::vector<Case> cases() {
  std::vector<Case> c;
  const Bytes q = dns_query_payload();
  const auto v4frame = [](const V4& src, const V4& dst, std::uint8_t proto, const Bytes& l4,
                          const V4Opts& o = {}) {
    return eth(our_mac, peer_mac, 0x0800, ipv4(src, dst, proto, l4, o));
  };
  const auto v6frame = [](const V6& src, const V6& dst, std::uint8_t next, const Bytes& l4,
                          const V6Opts& o = {}) {
    return eth(our_mac, peer_mac, 0x86dd, ipv6(src, dst, next, l4, o));
  };
  LocalAddrs exc = local_addrs();
  exc.exception_path = true;
  LocalAddrs frag_drop = local_addrs();
  frag_drop.fragments = dns64d::net::FragmentPolicy::drop;
  LocalAddrs two6 = local_addrs();
  two6.add_v6(v6_with_last(0x11, 0x22, 0x33));

  c.push_back({"udp4", udp4_query(), Outcome::dns_query});
  c.push_back({"udp4 one vlan", udp4_query(q, {}, {0x8100}), Outcome::dns_query});
  c.push_back({"udp4 qinq", udp4_query(q, {}, {0x88a8, 0x8100}), Outcome::dns_query});
  c.push_back({"udp4 options", udp4_query(q, V4Opts().with_options({7, 7, 4, 0, 0, 0, 0, 0})),
               Outcome::dns_query});
  c.push_back({"udp4 padded", udp4_query({1, 2, 3}, {}, {}, 60), Outcome::dns_query});
  c.push_back(
      {"udp4 to second address", v4frame(peer4, our4b, 17, udp(1000, 53, q)), Outcome::dns_query});
  c.push_back({"udp4 no checksum",
               v4frame(peer4, our4, 17, udp(1000, 53, q), V4Opts().no_l4_checksum()),
               Outcome::dns_query});
  c.push_back({"udp6", udp6_query(), Outcome::dns_query});
  c.push_back({"udp6 qinq padded", udp6_query({9}, {}, {0x88a8, 0x8100}, 90), Outcome::dns_query});
  c.push_back({"arp request",
               eth(broadcast_mac, peer_mac, 0x0806, arp(1, peer_mac, peer4, {}, our4)),
               Outcome::arp_request});
  c.push_back({"arp unicast request",
               eth(our_mac, peer_mac, 0x0806, arp(1, peer_mac, peer4, {}, our4b), {}, 60),
               Outcome::arp_request});
  c.push_back({"arp probe",
               eth(broadcast_mac, peer_mac, 0x0806, arp(1, peer_mac, {0, 0, 0, 0}, {}, our4)),
               Outcome::arp_request});
  c.push_back({"ns multicast", ns_frame(our6, peer6, slla_option(peer_mac)), Outcome::nd_solicit});
  c.push_back({"ns unicast", ns_frame(our6, peer6, {}, &our6), Outcome::nd_solicit});
  c.push_back({"ns dad", ns_frame(our6, V6{}), Outcome::nd_solicit});
  c.push_back({"icmp4 echo", v4frame(peer4, our4, 1, icmp(8, 0, echo_body(1, 2, {1, 2, 3}))),
               Outcome::icmp4_echo});
  c.push_back({"icmp6 echo", v6frame(peer6, our6, 58, icmp(128, 0, echo_body(1, 2, {1, 2, 3}))),
               Outcome::icmp6_echo});

  c.push_back({"ipv4 more fragments", udp4_query(q, V4Opts().with_frag(0x2000)),
               Outcome::exc_ipv4_fragment});
  c.push_back({"ipv4 fragment offset", v4frame(peer4, our4, 17, q, V4Opts().with_frag(0x0010)),
               Outcome::exc_ipv4_fragment});
  c.push_back({"ipv4 fragment dropped", udp4_query(q, V4Opts().with_frag(0x2000)),
               Outcome::drop_fragment, frag_drop});
  c.push_back(
      {"ipv6 fragment", v6frame(peer6, our6, 44, Bytes(16, 0)), Outcome::exc_ipv6_fragment});
  c.push_back({"ipv6 fragment dropped", v6frame(peer6, our6, 44, Bytes(16, 0)),
               Outcome::drop_fragment, frag_drop});
  c.push_back(
      {"ipv6 hop-by-hop", v6frame(peer6, our6, 0, Bytes(8, 0)), Outcome::exc_ipv6_ext_header});
  c.push_back(
      {"ipv6 routing", v6frame(peer6, our6, 43, Bytes(8, 0)), Outcome::exc_ipv6_ext_header});
  c.push_back({"ipv6 destination options", v6frame(peer6, our6, 60, Bytes(8, 0)),
               Outcome::exc_ipv6_ext_header});
  c.push_back({"tcp4 dns", v4frame(peer4, our4, 6, tcp(1000, 53)), Outcome::exc_tcp_dns});
  c.push_back({"tcp6 dns", v6frame(peer6, our6, 6, tcp(1000, 53)), Outcome::exc_tcp_dns});
  c.push_back({"exc udp other port", v4frame(peer4, our4, 17, udp(1000, 123, q)),
               Outcome::exc_other_to_us, exc});
  c.push_back({"exc tcp other port", v6frame(peer6, our6, 6, tcp(1000, 22)),
               Outcome::exc_other_to_us, exc});
  c.push_back({"exc icmp timestamp", v4frame(peer4, our4, 1, icmp(13, 0, Bytes(16, 0))),
               Outcome::exc_other_to_us, exc});
  c.push_back({"exc arp reply",
               eth(our_mac, peer_mac, 0x0806, arp(2, peer_mac, peer4, our_mac, our4)),
               Outcome::exc_other_to_us, exc});
  c.push_back({"exc gre", v4frame(peer4, our4, 47, Bytes(8, 0)), Outcome::exc_other_to_us, exc});

  c.push_back({"empty", {}, Outcome::drop_too_short});
  c.push_back({"13 octets", Bytes(13, 0), Outcome::drop_too_short});
  {
    Bytes f = udp4_query(q, {}, {0x8100});
    f.resize(16);
    c.push_back({"cut inside vlan tag", f, Outcome::drop_too_short});
  }
  c.push_back({"cut inside arp", eth(broadcast_mac, peer_mac, 0x0806, Bytes(27, 0)),
               Outcome::drop_too_short});
  c.push_back({"tcp header cut", v4frame(peer4, our4, 6, Bytes(12, 0)), Outcome::drop_too_short});
  c.push_back({"lldp", eth(our_mac, peer_mac, 0x88cc, Bytes(46, 0)), Outcome::drop_bad_ethertype});
  c.push_back(
      {"802.3 length", eth(our_mac, peer_mac, 0x002e, Bytes(46, 0)), Outcome::drop_bad_ethertype});
  c.push_back({"three vlan tags", udp4_query(q, {}, {0x88a8, 0x8100, 0x8100}),
               Outcome::drop_too_many_vlans});
  c.push_back({"ipv4 version 5", with(udp4_query(), 14, 0x55), Outcome::drop_bad_ipv4_header});
  c.push_back({"ipv4 ihl 4", with(udp4_query(), 14, 0x44), Outcome::drop_bad_ipv4_header});
  c.push_back(
      {"ipv4 ihl beyond total", with(udp4_query({}, {}), 14, 0x4f), Outcome::drop_bad_ipv4_header});
  c.push_back({"ipv4 total length beyond frame", udp4_query(q, V4Opts().with_length_delta(1)),
               Outcome::drop_bad_ipv4_header});
  c.push_back(
      {"ipv4 cut", eth(our_mac, peer_mac, 0x0800, Bytes(19, 0x45)), Outcome::drop_bad_ipv4_header});
  c.push_back(
      {"ipv4 checksum", with(udp4_query(), 14 + 10, 0x00), Outcome::drop_bad_ipv4_checksum});
  c.push_back({"ipv6 version", with(udp6_query(), 14, 0x40), Outcome::drop_bad_ipv6_header});
  c.push_back({"ipv6 payload beyond frame", udp6_query(q, V6Opts().with_length_delta(1)),
               Outcome::drop_bad_ipv6_header});
  c.push_back(
      {"ipv6 cut", eth(our_mac, peer_mac, 0x86dd, Bytes(39, 0x60)), Outcome::drop_bad_ipv6_header});
  {
    Bytes u = udp(1000, 53, q);
    put16(u, 4, 7);
    c.push_back({"udp length 7", v4frame(peer4, our4, 17, u), Outcome::drop_bad_udp_length});
    put16(u, 4, static_cast<std::uint16_t>(u.size() + 1));
    c.push_back(
        {"udp length beyond ip", v6frame(peer6, our6, 17, u), Outcome::drop_bad_udp_length});
    c.push_back(
        {"udp header cut", v4frame(peer4, our4, 17, {0, 1, 0, 53}), Outcome::drop_bad_udp_length});
  }
  {
    Bytes f = udp4_query();
    f.back() ^= 1;
    c.push_back({"udp4 checksum", f, Outcome::drop_bad_udp_checksum});
    f = udp6_query();
    f.back() ^= 1;
    c.push_back({"udp6 checksum", f, Outcome::drop_bad_udp_checksum});
    c.push_back({"udp6 zero checksum",
                 v6frame(peer6, our6, 17, udp(1000, 53, q), V6Opts().no_l4_checksum()),
                 Outcome::drop_bad_udp_checksum});
  }
  c.push_back({"icmp4 cut", v4frame(peer4, our4, 1, {8, 0, 0, 0}), Outcome::drop_bad_icmp});
  c.push_back({"icmp4 checksum",
               v4frame(peer4, our4, 1, icmp(8, 0, echo_body(1, 2, {})), V4Opts().no_l4_checksum()),
               Outcome::drop_bad_icmp});
  c.push_back({"icmp6 cut", v6frame(peer6, our6, 58, {128, 0}), Outcome::drop_bad_icmp});
  c.push_back(
      {"icmp6 echo cut", v6frame(peer6, our6, 58, {128, 0, 0, 0, 0}), Outcome::drop_bad_icmp});
  c.push_back(
      {"icmp6 checksum",
       v6frame(peer6, our6, 58, icmp(128, 0, echo_body(1, 2, {})), V6Opts().no_l4_checksum()),
       Outcome::drop_bad_icmp});
  c.push_back({"ns hop limit 64", ns_frame(our6, peer6, {}, nullptr, 64), Outcome::drop_bad_icmp});
  c.push_back({"ns short",
               eth(multicast_mac(dns64d::net::solicited_node(our6)), peer_mac, 0x86dd,
                   ipv6(peer6, dns64d::net::solicited_node(our6), 58, icmp(135, 0, Bytes(12, 0)),
                        V6Opts().with_hop_limit(255))),
               Outcome::drop_bad_icmp});
  c.push_back({"ns option length 0", ns_frame(our6, peer6, {1, 0, 0, 0, 0, 0, 0, 0}),
               Outcome::drop_bad_icmp});
  c.push_back({"ns option past end", ns_frame(our6, peer6, {1, 2, 0, 0, 0, 0, 0, 0}),
               Outcome::drop_bad_icmp});
  c.push_back(
      {"ns dad with slla", ns_frame(our6, V6{}, slla_option(peer_mac)), Outcome::drop_bad_icmp});
  c.push_back({"ns dad to unicast", ns_frame(our6, V6{}, {}, &our6), Outcome::drop_bad_icmp});
  {
    const V6 group = dns64d::net::solicited_node(our6);
    c.push_back(
        {"ns multicast target",
         eth(multicast_mac(group), peer_mac, 0x86dd,
             ipv6(peer6, group, 58, icmp(135, 0, ns_body(group)), V6Opts().with_hop_limit(255))),
         Outcome::drop_bad_icmp});
    Bytes f = ns_frame(our6);
    f[5] ^= 1;
    c.push_back({"ns wrong multicast mac", f, Outcome::drop_not_for_us});
    c.push_back({"udp to solicited-node group",
                 eth(multicast_mac(group), peer_mac, 0x86dd, ipv6(peer6, group, 17, udp(1, 53, q))),
                 Outcome::drop_not_for_us});
    c.push_back({"echo to solicited-node group",
                 eth(multicast_mac(group), peer_mac, 0x86dd,
                     ipv6(peer6, group, 58, icmp(128, 0, echo_body(1, 1, {})))),
                 Outcome::drop_not_for_us});
  }
  c.push_back({"ns target not ours", ns_frame(peer6), Outcome::drop_not_for_us});
  {
    // Group of our6, target another of our addresses.
    const V6 group = dns64d::net::solicited_node(our6);
    c.push_back({"ns group of another address",
                 eth(multicast_mac(group), peer_mac, 0x86dd,
                     ipv6(peer6, group, 58, icmp(135, 0, ns_body(v6_with_last(0x11, 0x22, 0x33))),
                          V6Opts().with_hop_limit(255))),
                 Outcome::drop_not_for_us, two6});
  }
  c.push_back({"other unicast mac",
               eth(peer_mac, peer_mac, 0x0800, ipv4(peer4, our4, 17, udp(1, 53, q))),
               Outcome::drop_not_for_us});
  c.push_back({"ipv4 to broadcast mac",
               eth(broadcast_mac, peer_mac, 0x0800, ipv4(peer4, our4, 17, udp(1, 53, q))),
               Outcome::drop_not_for_us});
  c.push_back({"ipv6 to multicast mac, unicast ip",
               eth(multicast_mac(our6), peer_mac, 0x86dd, ipv6(peer6, our6, 17, udp(1, 53, q))),
               Outcome::drop_not_for_us});
  c.push_back({"ipv4 not our address", v4frame(peer4, {192, 0, 2, 99}, 17, udp(1, 53, q)),
               Outcome::drop_not_for_us});
  c.push_back(
      {"ipv6 not our address", v6frame(peer6, peer6, 17, udp(1, 53, q)), Outcome::drop_not_for_us});
  c.push_back({"arp for someone else",
               eth(broadcast_mac, peer_mac, 0x0806, arp(1, peer_mac, peer4, {}, {192, 0, 2, 99})),
               Outcome::drop_not_for_us});
  c.push_back({"arp to another mac",
               eth(peer_mac, peer_mac, 0x0806, arp(1, peer_mac, peer4, {}, our4)),
               Outcome::drop_not_for_us});
  c.push_back({"multicast source mac", with(udp4_query(), 6, 0x03), Outcome::drop_bad_source});
  c.push_back({"broadcast source mac",
               eth(our_mac, broadcast_mac, 0x0800, ipv4(peer4, our4, 17, udp(1, 53, q))),
               Outcome::drop_bad_source});
  for (const V4 s :
       {V4{0, 0, 0, 0}, V4{255, 255, 255, 255}, V4{224, 0, 0, 1}, V4{127, 0, 0, 1}, our4b}) {
    c.push_back({"ipv4 source " + std::to_string(s[0]) + "." + std::to_string(s[3]),
                 v4frame(s, our4, 17, udp(1, 53, q)), Outcome::drop_bad_source});
  }
  c.push_back(
      {"ipv6 multicast source",
       v6frame({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, our6, 17, udp(1, 53, q)),
       Outcome::drop_bad_source});
  c.push_back({"ipv6 loopback source",
               v6frame({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, our6, 17, udp(1, 53, q)),
               Outcome::drop_bad_source});
  c.push_back(
      {"ipv6 our own source", v6frame(our6, our6, 17, udp(1, 53, q)), Outcome::drop_bad_source});
  c.push_back({"ipv6 unspecified source", v6frame(V6{}, our6, 17, udp(1, 53, q)),
               Outcome::drop_bad_source});
  c.push_back({"icmp6 echo from unspecified",
               v6frame(V6{}, our6, 58, icmp(128, 0, echo_body(1, 1, {}))),
               Outcome::drop_bad_source});
  c.push_back(
      {"arp multicast sender",
       eth(broadcast_mac, peer_mac, 0x0806, arp(1, {0x01, 0, 0x5e, 0, 0, 1}, peer4, {}, our4)),
       Outcome::drop_bad_source});
  c.push_back({"source port zero", v4frame(peer4, our4, 17, udp(0, 53, q)),
               Outcome::drop_source_port_zero});
  {
    // 192.0.2.53/24: a query "from" 192.0.2.255 would be answered to the
    // whole link; so would an echo request.
    LocalAddrs on_link;
    on_link.mac = our_mac;
    on_link.add_v4(our4, 24);
    on_link.add_v6(our6);
    c.push_back({"ipv4 directed broadcast source",
                 v4frame({192, 0, 2, 255}, our4, 17, udp(1, 53, q)), Outcome::drop_broadcast_source,
                 on_link});
    c.push_back({"icmp4 echo from the directed broadcast",
                 v4frame({192, 0, 2, 255}, our4, 1, icmp(8, 0, echo_body(1, 1, {}))),
                 Outcome::drop_broadcast_source, on_link});
    c.push_back({"ipv4 source inside the on-link prefix",
                 v4frame({192, 0, 2, 7}, our4, 17, udp(1, 53, q)), Outcome::dns_query, on_link});
  }
  c.push_back({"ipv6 ipv4-mapped source",
               v6frame({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 1}, our6, 17,
                       udp(1, 53, q)),
               Outcome::drop_mapped_source});
  c.push_back(
      {"ipv6 ipv4-compatible source",
       v6frame({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 198, 51, 100, 1}, our6, 17, udp(1, 53, q)),
       Outcome::drop_mapped_source});
  c.push_back({"arp reply", eth(our_mac, peer_mac, 0x0806, arp(2, peer_mac, peer4, our_mac, our4)),
               Outcome::drop_arp_other});
  c.push_back({"arp other hardware",
               with(eth(broadcast_mac, peer_mac, 0x0806, arp(1, peer_mac, peer4, {}, our4)), 15, 6),
               Outcome::drop_arp_other});
  c.push_back({"gratuitous arp for our address",
               eth(broadcast_mac, peer_mac, 0x0806, arp(1, peer_mac, our4, {}, our4)),
               Outcome::drop_arp_other});
  c.push_back({"icmp4 timestamp", v4frame(peer4, our4, 1, icmp(13, 0, Bytes(16, 0))),
               Outcome::drop_icmp_other});
  c.push_back({"icmp4 echo code 1", v4frame(peer4, our4, 1, icmp(8, 1, echo_body(1, 1, {}))),
               Outcome::drop_icmp_other});
  c.push_back({"icmp6 unreachable", v6frame(peer6, our6, 58, icmp(1, 4, Bytes(44, 0))),
               Outcome::drop_icmp_other});
  c.push_back({"icmp6 advert to us", v6frame(peer6, our6, 58, icmp(136, 0, Bytes(20, 0))),
               Outcome::drop_icmp_other});
  c.push_back({"udp other port", v4frame(peer4, our4, 17, udp(1000, 123, q)),
               Outcome::drop_udp_other_port});
  c.push_back(
      {"tcp other port", v4frame(peer4, our4, 6, tcp(1000, 22)), Outcome::drop_tcp_other_port});
  c.push_back({"gre", v4frame(peer4, our4, 47, Bytes(8, 0)), Outcome::drop_other_protocol});
  c.push_back({"ipv6 no next header", v6frame(peer6, our6, 59, {}), Outcome::drop_other_protocol});
  return c;
}

}  // namespace dns64d::test::net
