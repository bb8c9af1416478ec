// Ethernet / 802.1Q / 802.1ad / IPv4 / IPv6 / ARP / UDP / TCP / ICMP
// classification of one received frame, over bytes only: the worker calls it
// on mbuf data, tests and fuzzers on plain buffers. No allocation, no
// exceptions; every read is bounds-checked against the span.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "dataplane/net/outcome.hpp"

namespace dns64d::net {

using Mac = std::array<std::uint8_t, 6>;
using V4 = std::array<std::uint8_t, 4>;
using V6 = std::array<std::uint8_t, 16>;

enum class FragmentPolicy : std::uint8_t {
  punt,  // exc_ipv4_fragment / exc_ipv6_fragment: the kernel reassembles
  drop,  // drop_fragment
};

// Who we are on one port. Plain data, built by the control plane and shared
// read-only by the workers.
struct LocalAddrs {
  static constexpr std::size_t max_v4 = 8;
  static constexpr std::size_t max_v6 = 8;
  static constexpr std::size_t max_ports = 4;

  Mac mac{};
  std::array<V4, max_v4> v4{};
  std::array<V4, max_v4> v4_broadcast{};  // of the on-link prefixes of `v4`
  // Each IPv6 address implies its solicited-node group ff02::1:ffXX:XXXX.
  std::array<V6, max_v6> v6{};
  std::array<std::uint16_t, max_ports> dns_ports{53};
  std::uint8_t n_v4 = 0;
  std::uint8_t n_v4_broadcast = 0;
  std::uint8_t n_v6 = 0;
  std::uint8_t n_ports = 1;
  FragmentPolicy fragments = FragmentPolicy::punt;
  // Other traffic to our addresses (ARP replies, other ICMP, UDP/TCP to other
  // ports, other protocols) becomes exc_other_to_us instead of its drop_*.
  bool exception_path = false;
  // Treat any unicast destination MAC as ours (a port we own alone in
  // promiscuous mode, or captures with zeroed MACs).
  bool any_unicast_mac = false;

  // `length` is the on-link prefix: no reply ever goes to its directed
  // broadcast address (a spoofed source there would make us a smurf
  // amplifier for the whole link).
  bool add_v4(const V4& a, std::uint8_t length = 32) {
    if (n_v4 == max_v4) return false;
    v4[n_v4++] = a;
    if (length <= 30) {
      const std::uint32_t host = 0xffffffffu >> length;
      V4 b = a;
      for (int i = 0; i < 4; ++i) b[i] |= static_cast<std::uint8_t>(host >> (24 - 8 * i));
      v4_broadcast[n_v4_broadcast++] = b;
    }
    return true;
  }
  bool add_v6(const V6& a) {
    if (n_v6 == max_v6) return false;
    v6[n_v6++] = a;
    return true;
  }
  // Adds a DNS port (no-op when present); clear_ports() first to drop 53.
  bool add_port(std::uint16_t port);
  void clear_ports() { n_ports = 0; }
};

// What the hardware already checked for this packet (DPDK RX offload flags
// saying GOOD); the software check is skipped then.
struct RxChecksum {
  bool ip_good = false;
  bool l4_good = false;
};

// Filled by parse_frame. Offsets count from the start of the frame; lengths
// come from the IP and UDP headers, so Ethernet padding is never included.
struct FrameInfo {
  std::uint16_t l3_offset = 0;       // first octet of the IPv4/IPv6 header or ARP packet
  std::uint16_t l4_offset = 0;       // first octet of UDP/TCP/ICMP, after IPv4 options
  std::uint16_t l4_length = 0;       // L4 header + data, from the IP lengths
  std::uint16_t payload_offset = 0;  // UDP: the DNS message
  std::uint16_t payload_length = 0;  // UDP: from the UDP length field
  std::uint16_t ethertype = 0;       // after the VLAN tags
  std::uint16_t vlan_tci[2] = {};    // outer first
  std::uint16_t src_port = 0;        // UDP/TCP
  std::uint16_t dst_port = 0;
  std::uint8_t vlan_count = 0;   // 0, 1 or 2
  std::uint8_t ip_version = 0;   // 4 or 6; 0 for ARP
  std::uint8_t protocol = 0;     // IPv4 protocol or IPv6 next header
  std::uint8_t ttl = 0;          // TTL or hop limit
  std::uint8_t local_index = 0;  // our address that matched (destination, ARP/ND target)
  bool dad = false;              // neighbor solicitation from :: (RFC 4862 DAD)
  // IPv4 (and ARP sender/target) as IPv4-mapped ::ffff:a.b.c.d (RFC 4291 §2.5.5.2).
  V6 src_ip{};
  V6 dst_ip{};
};

Outcome parse_frame(std::span<const std::uint8_t> frame, const LocalAddrs& local, FrameInfo& info,
                    RxChecksum rx = {});

namespace detail {
// parse_frame without its straight-line path for the common DNS query: the
// reference that path is tested against.
Outcome parse_frame_general(std::span<const std::uint8_t> frame, const LocalAddrs& local,
                            FrameInfo& info, RxChecksum rx = {});
}  // namespace detail

inline V6 map_v4(const std::uint8_t* a) {
  V6 m{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  std::memcpy(m.data() + 12, a, 4);
  return m;
}
inline V4 v4_of(const V6& mapped) { return {mapped[12], mapped[13], mapped[14], mapped[15]}; }

// ff02::1:ffXX:XXXX for `a` (RFC 4291 §2.7.1).
inline V6 solicited_node(const V6& a) {
  return {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, a[13], a[14], a[15]};
}

}  // namespace dns64d::net
