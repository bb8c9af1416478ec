#include "dataplane/net/reply.hpp"

#include <cstring>

#include "dataplane/net/checksum.hpp"
#include "dataplane/net/wire.hpp"

namespace dns64d::net {

namespace {

void swap_bytes(std::uint8_t* a, std::uint8_t* b, std::size_t n) {
  std::uint8_t t[16];
  std::memcpy(t, a, n);
  std::memcpy(a, b, n);
  std::memcpy(b, t, n);
}

void swap_macs(std::uint8_t* f) { swap_bytes(f, f + 6, 6); }

// Whether `info` describes an IP packet whose L4 part of `l4_len` octets
// lies inside `frame` at the places the rewrites below expect.
bool ip_layout_ok(std::span<std::uint8_t> frame, const FrameInfo& info, std::size_t l4_len) {
  if (info.l3_offset < eth_header) return false;
  if (info.ip_version == 4) {
    if (info.l4_offset < info.l3_offset + ipv4_header || info.l4_offset > info.l3_offset + 60 ||
        ipv4_header + l4_len > 0xffff) {
      return false;
    }
  } else if (info.ip_version == 6) {
    if (info.l4_offset != info.l3_offset + ipv6_header || l4_len > 0xffff) return false;
  } else {
    return false;
  }
  return info.l4_offset + l4_len <= frame.size();
}

// Writes a fresh 20-octet IPv4 header for the reply in place of the query's,
// moving the L4 part left over any options; returns the new L4 offset and
// the sum of the two addresses in `addr_sum`. The header checksum is summed
// from the values, not re-read from the octets just stored (a store-to-load
// forwarding stall per header otherwise).
std::size_t rewrite_ipv4(std::uint8_t* f, const FrameInfo& info, std::size_t l4_len,
                         std::uint8_t protocol, std::uint16_t& addr_sum) {
  std::uint8_t* ip = f + info.l3_offset;
  checksum::Accumulator addrs;
  addrs.add(ip + 12, 8);
  addr_sum = addrs.value();
  const std::size_t ihl = info.l4_offset - info.l3_offset;
  if (ihl > ipv4_header) std::memmove(ip + ipv4_header, ip + ihl, l4_len);
  swap_bytes(ip + 12, ip + 16, 4);
  const auto tos = static_cast<std::uint8_t>(ip[1] & 0xfc);  // keep DSCP, clear ECN
  const auto total = static_cast<std::uint16_t>(ipv4_header + l4_len);
  const std::uint16_t ttl_proto = static_cast<std::uint16_t>(reply_ttl << 8 | protocol);
  ip[0] = 0x45;
  ip[1] = tos;
  store16(ip + 2, total);
  store16(ip + 4, 0);       // ID: meaningless in an atomic datagram (RFC 6864 §4.1)
  store16(ip + 6, 0x4000);  // DF, offset 0
  store16(ip + 8, ttl_proto);
  const std::uint32_t header_sum =
      std::uint32_t{0x4500u | tos} + total + 0x4000u + ttl_proto + addr_sum;
  store16(ip + 10, checksum::finish(header_sum));
  return info.l3_offset + ipv4_header;
}

void rewrite_ipv6(std::uint8_t* f, const FrameInfo& info, std::size_t l4_len) {
  std::uint8_t* ip = f + info.l3_offset;
  swap_bytes(ip + 8, ip + 24, 16);
  ip[1] &= 0xcf;  // the traffic class's two low bits: ECN, which we do not speak (RFC 3168)
  store16(ip + 4, static_cast<std::uint16_t>(l4_len));
  ip[7] = reply_ttl;
}

// Swaps the two 16-bit halves of the 4 octets at `p` (the UDP ports).
void swap_ports(std::uint8_t* p) {
  std::uint32_t w;
  std::memcpy(&w, p, 4);
  w = w << 16 | w >> 16;
  std::memcpy(p, &w, 4);
}

}  // namespace

std::size_t make_udp_reply(std::span<std::uint8_t> frame, const FrameInfo& info,
                           std::size_t dns_len, bool offload_l4) {
  const std::size_t udp_len = udp_header + dns_len;
  if (!ip_layout_ok(frame, info, udp_len) || info.payload_offset != info.l4_offset + udp_header) {
    return 0;
  }
  std::uint8_t* f = frame.data();
  std::uint8_t* ip = f + info.l3_offset;
  std::uint8_t* u = f + info.l4_offset;
  const auto ulen = static_cast<std::uint16_t>(udp_len);
  const bool v4 = info.ip_version == 4;
  // The UDP checksum is summed in one pass over the query's octets, before
  // any of them is rewritten: swapping addresses and ports keeps their sums,
  // and the query's length and checksum words are taken back out (RFC 1624).
  // Over IPv6 the addresses run straight into the UDP header.
  checksum::Accumulator l4;
  if (!offload_l4) {
    if (v4) {
      l4.add(u, udp_len);
    } else {
      l4.add(ip + 8, 32 + udp_len);
    }
    l4.subtract32(u + 4);
    l4.add16(ulen);
  }
  swap_macs(f);
  std::size_t l4_offset = info.l4_offset;
  std::uint16_t addr_sum = 0;
  if (v4) {
    l4_offset = rewrite_ipv4(f, info, udp_len, proto::udp, addr_sum);
    u = f + l4_offset;
  } else {
    if (offload_l4) {
      checksum::Accumulator addrs;
      addrs.add(ip + 8, 32);
      addr_sum = addrs.value();
    }
    rewrite_ipv6(f, info, udp_len);
    ip[6] = proto::udp;
  }
  swap_ports(u);
  store16(u + 4, ulen);
  std::uint16_t c;
  if (offload_l4) {
    // What rte_ipv4_phdr_cksum / rte_ipv6_phdr_cksum return: the folded,
    // uncomplemented pseudo-header sum.
    c = checksum::fold(std::uint32_t{addr_sum} + proto::udp + ulen);
  } else {
    if (v4) l4.add16(addr_sum);
    l4.add16(proto::udp);
    l4.add16(ulen);
    c = checksum::udp_finish(l4.value());
  }
  store16(u + 6, c);
  return l4_offset + udp_len;
}

std::size_t make_arp_reply(std::span<std::uint8_t> frame, const FrameInfo& info,
                           const LocalAddrs& local) {
  if (info.ethertype != ethertype::arp || info.l3_offset < eth_header ||
      info.l3_offset + arp_size > frame.size()) {
    return 0;
  }
  std::uint8_t* f = frame.data();
  std::uint8_t* a = f + info.l3_offset;
  std::uint8_t sha[6];
  std::uint8_t spa[4];
  std::memcpy(sha, a + 8, 6);
  std::memcpy(spa, a + 14, 4);
  // RFC 826: the reply goes to the requester's hardware address.
  std::memcpy(f, sha, 6);
  std::memcpy(f + 6, local.mac.data(), 6);
  store16(a + 6, 2);
  std::memcpy(a + 14, a + 24, 4);  // sender protocol address: the one asked for
  std::memcpy(a + 8, local.mac.data(), 6);
  std::memcpy(a + 18, sha, 6);
  std::memcpy(a + 24, spa, 4);
  std::size_t len = info.l3_offset + arp_size;
  if (len < min_frame && frame.size() >= min_frame) {
    std::memset(f + len, 0, min_frame - len);
    len = min_frame;
  }
  return len;
}

std::size_t make_nd_advert(std::span<std::uint8_t> frame, const FrameInfo& info,
                           const LocalAddrs& local) {
  if (info.ip_version != 6 || !ip_layout_ok(frame, info, nd_na_size)) return 0;
  std::uint8_t* f = frame.data();
  std::uint8_t* ip = f + info.l3_offset;
  std::uint8_t* m = f + info.l4_offset;
  static constexpr std::uint8_t all_nodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
                                                 0,    0,    0, 0, 0, 0, 0, 1};
  static constexpr std::uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
  if (info.dad) {
    std::memcpy(f, all_nodes_mac, 6);
    std::memcpy(ip + 24, all_nodes, 16);
  } else {
    std::memcpy(f, f + 6, 6);
    std::memcpy(ip + 24, ip + 8, 16);
  }
  std::memcpy(f + 6, local.mac.data(), 6);
  store32(ip, 0x60000000u);
  store16(ip + 4, nd_na_size);
  ip[6] = proto::icmpv6;
  ip[7] = nd_hop_limit;
  std::memcpy(ip + 8, m + 8, 16);  // from the target address itself
  m[0] = icmp6::neighbor_advert;
  m[1] = 0;
  store16(m + 2, 0);
  m[4] = info.dad ? 0x20 : 0x60;  // R=0, S unless DAD, O
  m[5] = m[6] = m[7] = 0;
  m[24] = icmp6::opt_target_lla;
  m[25] = 1;  // in units of 8 octets
  std::memcpy(m + 26, local.mac.data(), 6);
  const std::uint16_t pseudo = checksum::pseudo_v6(ip + 8, ip + 24, nd_na_size, proto::icmpv6);
  store16(m + 2, checksum::finish(checksum::sum({m, nd_na_size}, pseudo)));
  return info.l4_offset + nd_na_size;
}

std::size_t make_echo_reply(std::span<std::uint8_t> frame, const FrameInfo& info) {
  const std::size_t len = info.l4_length;
  if (len < icmp_echo_header || !ip_layout_ok(frame, info, len)) return 0;
  std::uint8_t* f = frame.data();
  std::uint8_t* m = f + info.l4_offset;
  const bool v4 = info.ip_version == 4;
  const std::uint8_t request = v4 ? icmp4::echo_request : icmp6::echo_request;
  const std::uint8_t reply = v4 ? icmp4::echo_reply : icmp6::echo_reply;
  if (m[0] != request) return 0;
  const auto word = [&](std::uint8_t type) { return static_cast<std::uint16_t>(type << 8 | m[1]); };
  std::uint16_t c = checksum::update16(load16(m + 2), word(request), word(reply));
  m[0] = reply;
  swap_macs(f);
  std::size_t l4 = info.l4_offset;
  if (v4) {
    std::uint16_t addr_sum;
    l4 = rewrite_ipv4(f, info, len, proto::icmp, addr_sum);
    m = f + l4;
    // RFC 1624 eqn. 3 yields 0x0000 where the true value is 0xffff when all
    // covered octets are zero; recompute then (only an empty v4 echo hits it).
    if (c == 0) {
      store16(m + 2, 0);
      c = checksum::finish(checksum::sum({m, len}));
    }
  } else {
    // Swapping source and destination leaves the pseudo-header sum unchanged,
    // and type 129 is never all zero.
    rewrite_ipv6(f, info, len);
  }
  store16(m + 2, c);
  return l4 + len;
}

}  // namespace dns64d::net
