#include "dataplane/net/frame.hpp"

#include <cstring>

#include "dataplane/net/checksum.hpp"
#include "dataplane/net/wire.hpp"

namespace dns64d::net {

bool LocalAddrs::add_port(std::uint16_t port) {
  for (std::size_t i = 0; i < n_ports; ++i) {
    if (dns_ports[i] == port) return true;
  }
  if (n_ports == max_ports) return false;
  dns_ports[n_ports++] = port;
  return true;
}

namespace {

enum class DstMac : std::uint8_t { ours, broadcast, multicast, other };

DstMac classify_dst(const std::uint8_t* d, const LocalAddrs& local) {
  if (std::memcmp(d, local.mac.data(), 6) == 0) return DstMac::ours;
  if (d[0] & 1) {
    static constexpr std::uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    return std::memcmp(d, bcast, 6) == 0 ? DstMac::broadcast : DstMac::multicast;
  }
  return local.any_unicast_mac ? DstMac::ours : DstMac::other;
}

// Addresses compared as whole words (memcmp of 16 octets is a libc call).
std::uint32_t word32(const std::uint8_t* a) {
  std::uint32_t w;
  std::memcpy(&w, a, 4);
  return w;
}

std::uint64_t word64(const std::uint8_t* a) {
  std::uint64_t w;
  std::memcpy(&w, a, 8);
  return w;
}

int find_v4(const LocalAddrs& local, const std::uint8_t* a) {
  const std::uint32_t w = word32(a);
  for (std::size_t i = 0; i < local.n_v4; ++i) {
    if (word32(local.v4[i].data()) == w) return static_cast<int>(i);
  }
  return -1;
}

int find_v6(const LocalAddrs& local, const std::uint8_t* a) {
  const std::uint64_t hi = word64(a);
  const std::uint64_t lo = word64(a + 8);
  for (std::size_t i = 0; i < local.n_v6; ++i) {
    const std::uint8_t* l = local.v6[i].data();
    if (((word64(l) ^ hi) | (word64(l + 8) ^ lo)) == 0) return static_cast<int>(i);
  }
  return -1;
}

bool is_dns_port(const LocalAddrs& local, std::uint16_t port) {
  for (std::size_t i = 0; i < local.n_ports; ++i) {
    if (local.dns_ports[i] == port) return true;
  }
  return false;
}

// 0/8 ("this network"), 127/8 (loopback), 224/4 multicast and 240/4
// including the limited broadcast never send to us.
bool bad_v4_source(const std::uint8_t* a) { return a[0] == 0 || a[0] == 127 || a[0] >= 224; }

bool is_unspecified_v6(const std::uint8_t* a) { return (word64(a) | word64(a + 8)) == 0; }

// ::/96 (IPv4-compatible, RFC 4291 §2.5.5.1; :: and ::1 among them) and
// ::ffff:0:0/96 (IPv4-mapped): never a sender on the wire, and a reply could
// be turned into IPv4 by a stack that maps them.
bool v4_embedded_v6(const std::uint8_t* a) {
  static constexpr std::uint8_t mapped[4] = {0, 0, 0xff, 0xff};
  const std::uint32_t w = word32(a + 8);
  return word64(a) == 0 && (w == 0 || w == word32(mapped));
}

int find_v4_broadcast(const LocalAddrs& local, const std::uint8_t* a) {
  const std::uint32_t w = word32(a);
  for (std::size_t i = 0; i < local.n_v4_broadcast; ++i) {
    if (word32(local.v4_broadcast[i].data()) == w) return static_cast<int>(i);
  }
  return -1;
}

bool is_loopback_v6(const std::uint8_t* a) {
  static constexpr std::uint8_t one[8] = {0, 0, 0, 0, 0, 0, 0, 1};
  return (word64(a) | (word64(a + 8) ^ word64(one))) == 0;
}

bool is_solicited_node_group(const std::uint8_t* a) {
  static constexpr std::uint8_t prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
  return std::memcmp(a, prefix, 13) == 0;
}

// Our address whose solicited-node group `group` is, or -1.
int find_solicited(const LocalAddrs& local, const std::uint8_t* group) {
  for (std::size_t i = 0; i < local.n_v6; ++i) {
    if (std::memcmp(local.v6[i].data() + 13, group + 13, 3) == 0) return static_cast<int>(i);
  }
  return -1;
}

// Something addressed to us that the fast path does not handle.
Outcome other(const LocalAddrs& local, Outcome drop) {
  return local.exception_path ? Outcome::exc_other_to_us : drop;
}

Outcome fragment(const LocalAddrs& local, Outcome punt) {
  return local.fragments == FragmentPolicy::punt ? punt : Outcome::drop_fragment;
}

// The pseudo-header and the datagram of `ulen` octets at `u`, summed in one
// pass where the addresses run into the UDP header (IPv6 always, IPv4
// without options). The pseudo-header's length is the UDP length (RFC 768,
// RFC 8200 §8.1), not the IP payload's, which may hold padding after it.
[[gnu::always_inline]] inline bool udp_checksum_ok(const std::uint8_t* ip, const std::uint8_t* u,
                                                   std::size_t ulen, bool v6) {
  const std::uint8_t* addrs = ip + (v6 ? 8 : 12);
  const std::uint8_t* addrs_end = ip + (v6 ? ipv6_header : ipv4_header);
  checksum::Accumulator a;
  if (addrs_end == u) {
    a.add(addrs, static_cast<std::size_t>(u - addrs) + ulen);
  } else {
    a.add(addrs, 8);
    a.add(u, ulen);
  }
  a.add16(proto::udp);
  a.add16(static_cast<std::uint16_t>(ulen));
  return a.value() == 0xffff;
}

// The straight-line path for the common DNS query below: `info` is written
// as facts become known (fewer values live at once); when it gives up, the
// general parser clears `info` and starts over.

// The UDP part, right after a header without options or extensions.
[[gnu::always_inline]] inline bool common_udp(const std::uint8_t* ip, std::size_t l3_length,
                                              std::size_t l4_length, const LocalAddrs& local,
                                              FrameInfo& info, RxChecksum rx) {
  const bool v6 = l3_length == ipv6_header;
  const std::uint8_t* u = ip + l3_length;
  const std::size_t ulen = load16(u + 4);
  const std::uint16_t src_port = load16(u);
  const std::uint16_t dst_port = load16(u + 2);
  if (ulen < udp_header || ulen > l4_length || src_port == 0 || !is_dns_port(local, dst_port)) {
    return false;
  }
  if (load16(u + 6) == 0) {
    if (v6) return false;
  } else if (!rx.l4_good && !udp_checksum_ok(ip, u, ulen, v6)) {
    return false;
  }
  const std::size_t l4_offset = info.l3_offset + l3_length;
  info.l4_offset = static_cast<std::uint16_t>(l4_offset);
  info.l4_length = static_cast<std::uint16_t>(l4_length);
  info.payload_offset = static_cast<std::uint16_t>(l4_offset + udp_header);
  info.payload_length = static_cast<std::uint16_t>(ulen - udp_header);
  info.src_port = src_port;
  info.dst_port = dst_port;
  return true;
}

bool common_udp6(const std::uint8_t* ip, std::size_t avail, const LocalAddrs& local,
                 FrameInfo& info, RxChecksum rx) {
  const std::size_t plen = load16(ip + 4);
  if (avail < ipv6_header + udp_header || (ip[0] >> 4) != 6 || ip[6] != proto::udp ||
      ipv6_header + plen > avail || plen < udp_header) {
    return false;
  }
  const std::uint8_t* src = ip + 8;
  // Multicast, ::/96 (:: and ::1 among them) and ::ffff:0:0/96 never send to us.
  if (src[0] == 0xff || v4_embedded_v6(src)) return false;
  const int idx = find_v6(local, ip + 24);
  if (idx < 0 || find_v6(local, src) >= 0) return false;
  info.local_index = static_cast<std::uint8_t>(idx);
  info.ip_version = 6;
  info.ttl = ip[7];
  std::memcpy(info.src_ip.data(), src, 16);
  std::memcpy(info.dst_ip.data(), ip + 24, 16);
  return common_udp(ip, ipv6_header, plen, local, info, rx);
}

bool common_udp4(const std::uint8_t* ip, std::size_t avail, const LocalAddrs& local,
                 FrameInfo& info, RxChecksum rx) {
  // At least 24 octets are there, so the header can be read; total bounds
  // the rest.
  const std::size_t total = load16(ip + 2);
  if (ip[0] != 0x45 || ip[9] != proto::udp || total < ipv4_header + udp_header || total > avail ||
      (load16(ip + 6) & 0x3fff) != 0) {
    return false;
  }
  if (!rx.ip_good) {
    checksum::Accumulator header;
    header.add(ip, ipv4_header);
    if (header.value() != 0xffff) return false;
  }
  const int idx = find_v4(local, ip + 16);
  if (idx < 0 || bad_v4_source(ip + 12) || find_v4(local, ip + 12) >= 0 ||
      find_v4_broadcast(local, ip + 12) >= 0) {
    return false;
  }
  info.local_index = static_cast<std::uint8_t>(idx);
  info.ip_version = 4;
  info.ttl = ip[8];
  info.src_ip = map_v4(ip + 12);
  info.dst_ip = map_v4(ip + 16);
  return common_udp(ip, ipv4_header, total - ipv4_header, local, info, rx);
}

// The common case: an IPv6 or option-less IPv4 UDP datagram, untagged or
// with one tag, from a unicast peer to exactly our MAC, one of our addresses
// and a DNS port. Returns true only where the general parser would answer
// dns_query with the same `info`; anything else goes to it, which names the
// reason.
bool parse_common_query(const std::uint8_t* p, std::size_t n, const LocalAddrs& local,
                        FrameInfo& info, RxChecksum rx) {
  if (n < eth_header + ipv4_header + udp_header || (p[6] & 1) ||
      word32(p) != word32(local.mac.data()) || load16(p + 4) != load16(local.mac.data() + 4)) {
    return false;
  }
  static_assert(sizeof(FrameInfo) == 58, "a new FrameInfo field must be set here too");
  std::size_t off = eth_header;
  std::uint16_t type = load16(p + 12);
  info.vlan_tci[0] = 0;
  info.vlan_tci[1] = 0;
  info.vlan_count = 0;
  if (type == ethertype::vlan || type == ethertype::qinq) [[unlikely]] {
    info.vlan_tci[0] = load16(p + 14);
    info.vlan_count = 1;
    type = load16(p + 16);
    off += vlan_tag;
  }
  info.l3_offset = static_cast<std::uint16_t>(off);
  info.ethertype = type;
  info.protocol = proto::udp;
  info.dad = false;
  if (type == ethertype::ipv6) return common_udp6(p + off, n - off, local, info, rx);
  if (type == ethertype::ipv4) return common_udp4(p + off, n - off, local, info, rx);
  return false;
}

class Parser {
 public:
  Parser(std::span<const std::uint8_t> frame, const LocalAddrs& local, FrameInfo& info,
         RxChecksum rx)
      : p_(frame.data()), n_(frame.size()), local_(local), info_(info), rx_(rx) {}

  Outcome run() {
    if (n_ < eth_header) return Outcome::drop_too_short;
    if (p_[6] & 1) return Outcome::drop_bad_source;
    std::size_t off = 12;
    std::uint16_t type = load16(p_ + off);
    while (type == ethertype::vlan || type == ethertype::qinq) {
      if (info_.vlan_count == 2) return Outcome::drop_too_many_vlans;
      if (n_ < off + vlan_tag + 2) return Outcome::drop_too_short;
      info_.vlan_tci[info_.vlan_count++] = load16(p_ + off + 2);
      off += vlan_tag;
      type = load16(p_ + off);
    }
    off += 2;
    info_.l3_offset = static_cast<std::uint16_t>(off);
    info_.ethertype = type;
    const DstMac dst = classify_dst(p_, local_);
    switch (type) {
      case ethertype::ipv4:
        return ipv4(dst);
      case ethertype::ipv6:
        return ipv6(dst);
      case ethertype::arp:
        return arp(dst);
      default:
        return Outcome::drop_bad_ethertype;
    }
  }

 private:
  Outcome arp(DstMac dst) {
    if (dst != DstMac::ours && dst != DstMac::broadcast) return Outcome::drop_not_for_us;
    const std::size_t off = info_.l3_offset;
    if (n_ - off < arp_size) return Outcome::drop_too_short;
    const std::uint8_t* a = p_ + off;
    if (load16(a) != 1 || load16(a + 2) != ethertype::ipv4 || a[4] != 6 || a[5] != 4) {
      return Outcome::drop_arp_other;
    }
    const std::uint8_t* sha = a + 8;
    const std::uint8_t* spa = a + 14;
    const std::uint8_t* tpa = a + 24;
    // 0.0.0.0 is an RFC 5227 probe, which the owner answers.
    if ((sha[0] & 1) || spa[0] == 127 || spa[0] >= 224) return Outcome::drop_bad_source;
    const int idx = find_v4(local_, tpa);
    if (idx < 0) return Outcome::drop_not_for_us;
    info_.local_index = static_cast<std::uint8_t>(idx);
    info_.src_ip = map_v4(spa);
    info_.dst_ip = map_v4(tpa);
    if (load16(a + 6) != 1) return other(local_, Outcome::drop_arp_other);
    // Someone announcing our address as theirs: not a question to answer.
    if (std::memcmp(spa, tpa, 4) == 0) return Outcome::drop_arp_other;
    return Outcome::arp_request;
  }

  Outcome ipv4(DstMac dst) {
    if (dst != DstMac::ours) return Outcome::drop_not_for_us;
    const std::size_t off = info_.l3_offset;
    const std::size_t avail = n_ - off;
    if (avail < ipv4_header) return Outcome::drop_bad_ipv4_header;
    const std::uint8_t* ip = p_ + off;
    const std::size_t ihl = std::size_t{ip[0] & 0x0fu} * 4;
    const std::size_t total = load16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < ipv4_header || total < ihl || total > avail) {
      return Outcome::drop_bad_ipv4_header;
    }
    if (!rx_.ip_good) {
      checksum::Accumulator header;
      header.add(ip, ihl);
      if (header.value() != 0xffff) return Outcome::drop_bad_ipv4_checksum;
    }
    const std::uint8_t* src = ip + 12;
    const std::uint8_t* dst_ip = ip + 16;
    if (bad_v4_source(src) || find_v4(local_, src) >= 0) return Outcome::drop_bad_source;
    if (find_v4_broadcast(local_, src) >= 0) return Outcome::drop_broadcast_source;
    const int idx = find_v4(local_, dst_ip);
    if (idx < 0) return Outcome::drop_not_for_us;
    info_.local_index = static_cast<std::uint8_t>(idx);
    info_.ip_version = 4;
    info_.ttl = ip[8];
    info_.protocol = ip[9];
    info_.src_ip = map_v4(src);
    info_.dst_ip = map_v4(dst_ip);
    info_.l4_offset = static_cast<std::uint16_t>(off + ihl);
    info_.l4_length = static_cast<std::uint16_t>(total - ihl);
    // MF or a nonzero offset.
    if (load16(ip + 6) & 0x3fff) return fragment(local_, Outcome::exc_ipv4_fragment);
    switch (info_.protocol) {
      case proto::udp:
        return udp(false);
      case proto::tcp:
        return tcp();
      case proto::icmp:
        return icmpv4();
      default:
        return other(local_, Outcome::drop_other_protocol);
    }
  }

  Outcome ipv6(DstMac dst) {
    const std::size_t off = info_.l3_offset;
    const std::size_t avail = n_ - off;
    if (avail < ipv6_header) return Outcome::drop_bad_ipv6_header;
    const std::uint8_t* ip = p_ + off;
    const std::size_t plen = load16(ip + 4);
    if ((ip[0] >> 4) != 6 || ipv6_header + plen > avail) return Outcome::drop_bad_ipv6_header;
    const std::uint8_t* src = ip + 8;
    const std::uint8_t* dst_ip = ip + 24;
    if (src[0] == 0xff || is_loopback_v6(src) || find_v6(local_, src) >= 0) {
      return Outcome::drop_bad_source;
    }
    // :: stays: duplicate address detection sends from it (checked below).
    if (v4_embedded_v6(src) && !is_unspecified_v6(src)) return Outcome::drop_mapped_source;
    bool multicast = false;
    int idx = find_v6(local_, dst_ip);
    if (idx >= 0) {
      if (dst != DstMac::ours) return Outcome::drop_not_for_us;
    } else if (is_solicited_node_group(dst_ip) && (idx = find_solicited(local_, dst_ip)) >= 0) {
      // RFC 2464 §7: 33:33 and the group's last four octets, or our unicast MAC.
      const bool mapped =
          p_[0] == 0x33 && p_[1] == 0x33 && std::memcmp(p_ + 2, dst_ip + 12, 4) == 0;
      if (!mapped && dst != DstMac::ours) return Outcome::drop_not_for_us;
      multicast = true;
    } else {
      return Outcome::drop_not_for_us;
    }
    info_.local_index = static_cast<std::uint8_t>(idx);
    info_.ip_version = 6;
    info_.ttl = ip[7];
    info_.protocol = ip[6];
    std::memcpy(info_.src_ip.data(), src, 16);
    std::memcpy(info_.dst_ip.data(), dst_ip, 16);
    info_.l4_offset = static_cast<std::uint16_t>(off + ipv6_header);
    info_.l4_length = static_cast<std::uint16_t>(plen);
    const bool unspecified = is_unspecified_v6(src);
    if (info_.protocol == proto::icmpv6) return icmpv6(multicast, unspecified);
    // Only neighbor solicitations are ours on the solicited-node group, and
    // only they may come from :: (duplicate address detection).
    if (multicast) return Outcome::drop_not_for_us;
    if (unspecified) return Outcome::drop_bad_source;
    switch (info_.protocol) {
      case proto::udp:
        return udp(true);
      case proto::tcp:
        return tcp();
      case proto::fragment:
        return fragment(local_, Outcome::exc_ipv6_fragment);
      case proto::hop_by_hop:
      case proto::routing:
      case proto::dest_opts:
      case proto::ah:
      case proto::mobility:
      case proto::hip:
      case proto::shim6:
      case proto::exp1:
      case proto::exp2:
        return Outcome::exc_ipv6_ext_header;
      default:
        return other(local_, Outcome::drop_other_protocol);
    }
  }

  Outcome udp(bool v6) {
    const std::size_t len = info_.l4_length;
    if (len < udp_header) return Outcome::drop_bad_udp_length;
    const std::uint8_t* u = p_ + info_.l4_offset;
    const std::size_t ulen = load16(u + 4);
    // A shorter UDP length than the IP payload leaves IP-level padding, which
    // is ignored (as Linux does); a longer one is a lie.
    if (ulen < udp_header || ulen > len) return Outcome::drop_bad_udp_length;
    info_.src_port = load16(u);
    info_.dst_port = load16(u + 2);
    if (!is_dns_port(local_, info_.dst_port)) return other(local_, Outcome::drop_udp_other_port);
    if (info_.src_port == 0) return Outcome::drop_source_port_zero;
    const std::uint16_t c = load16(u + 6);
    if (c == 0) {
      // Optional over IPv4 (RFC 768), mandatory over IPv6 (RFC 8200 §8.1).
      if (v6) return Outcome::drop_bad_udp_checksum;
    } else if (!rx_.l4_good && !udp_checksum_ok(p_ + info_.l3_offset, u, ulen, v6)) {
      return Outcome::drop_bad_udp_checksum;
    }
    info_.payload_offset = static_cast<std::uint16_t>(info_.l4_offset + udp_header);
    info_.payload_length = static_cast<std::uint16_t>(ulen - udp_header);
    return Outcome::dns_query;
  }

  Outcome tcp() {
    if (info_.l4_length < tcp_header) return Outcome::drop_too_short;
    const std::uint8_t* t = p_ + info_.l4_offset;
    info_.src_port = load16(t);
    info_.dst_port = load16(t + 2);
    if (is_dns_port(local_, info_.dst_port)) return Outcome::exc_tcp_dns;
    return other(local_, Outcome::drop_tcp_other_port);
  }

  Outcome icmpv4() {
    const std::size_t len = info_.l4_length;
    if (len < icmp_echo_header) return Outcome::drop_bad_icmp;
    const std::uint8_t* m = p_ + info_.l4_offset;
    if (m[0] != icmp4::echo_request || m[1] != 0) return other(local_, Outcome::drop_icmp_other);
    if (!checksum::verify({m, len})) return Outcome::drop_bad_icmp;
    return Outcome::icmp4_echo;
  }

  Outcome icmpv6(bool multicast, bool unspecified) {
    const std::size_t len = info_.l4_length;
    if (len < 4) return Outcome::drop_bad_icmp;
    const std::uint8_t* m = p_ + info_.l4_offset;
    const std::uint8_t* ip = p_ + info_.l3_offset;
    const auto pseudo = [&] {
      return checksum::pseudo_v6(ip + 8, ip + 24, static_cast<std::uint32_t>(len), proto::icmpv6);
    };
    if (m[0] == icmp6::neighbor_solicit) {
      if (!valid_solicit(m, len, multicast, unspecified) || !checksum::verify({m, len}, pseudo())) {
        return Outcome::drop_bad_icmp;
      }
      const std::uint8_t* target = m + 8;
      const int idx = find_v6(local_, target);
      if (idx < 0) return Outcome::drop_not_for_us;
      if (multicast && std::memcmp(ip + 24 + 13, target + 13, 3) != 0) {
        return Outcome::drop_not_for_us;
      }
      info_.local_index = static_cast<std::uint8_t>(idx);
      info_.dad = unspecified;
      return Outcome::nd_solicit;
    }
    if (multicast) return Outcome::drop_not_for_us;
    if (unspecified) return Outcome::drop_bad_source;
    if (m[0] != icmp6::echo_request || m[1] != 0) return other(local_, Outcome::drop_icmp_other);
    if (len < icmp_echo_header || !checksum::verify({m, len}, pseudo())) {
      return Outcome::drop_bad_icmp;
    }
    return Outcome::icmp6_echo;
  }

  // RFC 4861 §7.1.1, less the checksum.
  bool valid_solicit(const std::uint8_t* m, std::size_t len, bool multicast,
                     bool unspecified) const {
    if (info_.ttl != nd_hop_limit || m[1] != 0 || len < nd_ns_size) return false;
    if (m[8] == 0xff) return false;  // multicast target
    if (unspecified && !multicast) return false;
    for (std::size_t o = nd_ns_size; o < len;) {
      if (len - o < 2 || m[o + 1] == 0) return false;
      const std::size_t olen = std::size_t{m[o + 1]} * 8;
      if (olen > len - o) return false;
      if (unspecified && m[o] == icmp6::opt_source_lla) return false;
      o += olen;
    }
    return true;
  }

  const std::uint8_t* p_;
  std::size_t n_;
  const LocalAddrs& local_;
  FrameInfo& info_;
  RxChecksum rx_;
};

}  // namespace

Outcome parse_frame(std::span<const std::uint8_t> frame, const LocalAddrs& local, FrameInfo& info,
                    RxChecksum rx) {
  if (parse_common_query(frame.data(), frame.size(), local, info, rx)) return Outcome::dns_query;
  return detail::parse_frame_general(frame, local, info, rx);
}

namespace detail {

// Out of line, so the common path above stays a leaf that saves no registers.
[[gnu::noinline]] Outcome parse_frame_general(std::span<const std::uint8_t> frame,
                                              const LocalAddrs& local, FrameInfo& info,
                                              RxChecksum rx) {
  info = FrameInfo{};
  return Parser(frame, local, info, rx).run();
}

}  // namespace detail

}  // namespace dns64d::net
