// What parse_frame decided about one frame. One table, one counter per row:
// every frame lands in exactly one outcome. The order is fast-path answers,
// then the exception path, then drops; the helpers below rely on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dns64d::net {

#define DNS64D_NET_OUTCOMES(X)                                                                     \
  X(dns_query, "UDP to one of our addresses and DNS ports; payload ready for DNS parsing")         \
  X(arp_request, "ARP request for one of our IPv4 addresses")                                      \
  X(nd_solicit, "neighbor solicitation for one of our IPv6 addresses")                             \
  X(icmp4_echo, "ICMPv4 echo request to us")                                                       \
  X(icmp6_echo, "ICMPv6 echo request to us")                                                       \
  X(exc_ipv4_fragment, "IPv4 fragment to us (reassembly is the kernel's)")                         \
  X(exc_ipv6_fragment, "IPv6 fragment header to us (reassembly is the kernel's)")                  \
  X(exc_ipv6_ext_header, "IPv6 extension header other than a fragment header to us")               \
  X(exc_tcp_dns, "TCP to one of our DNS ports")                                                    \
  X(exc_other_to_us, "other traffic to us, handed on because the exception path is enabled")       \
  X(drop_too_short, "frame ends inside the Ethernet, VLAN, ARP or TCP header")                     \
  X(drop_bad_ethertype, "neither IPv4, IPv6 nor ARP (or an 802.3 length field)")                   \
  X(drop_too_many_vlans, "more than two VLAN tags")                                                \
  X(drop_bad_ipv4_header, "IPv4 version, IHL or total length inconsistent with the frame")         \
  X(drop_bad_ipv4_checksum, "IPv4 header checksum wrong")                                          \
  X(drop_bad_ipv6_header, "IPv6 version or payload length inconsistent with the frame")            \
  X(drop_bad_udp_length, "UDP length below 8 or beyond the IP payload")                            \
  X(drop_bad_udp_checksum, "UDP checksum wrong, or zero over IPv6")                                \
  X(drop_bad_icmp, "ICMP/ICMPv6 message too short, bad checksum, or invalid ND fields")            \
  X(drop_not_for_us, "destination MAC or IP address (or ARP/ND target) not ours")                  \
  X(drop_bad_source, "multicast/broadcast source MAC, or a source IP that cannot be a sender")     \
  X(drop_mapped_source, "IPv6 source IPv4-mapped or IPv4-compatible: a reply could go to IPv4")    \
  X(drop_broadcast_source, "IPv4 source is the directed broadcast of one of our on-link prefixes") \
  X(drop_source_port_zero, "UDP source port zero: no port to answer to")                           \
  X(drop_fragment, "IP fragment to us, and fragments are configured to be dropped")                \
  X(drop_arp_other, "ARP that is not a request we answer (reply, gratuitous, other hardware)")     \
  X(drop_icmp_other, "ICMP/ICMPv6 to us that is not an echo request or neighbor solicitation")     \
  X(drop_udp_other_port, "UDP to us on a port that is not a DNS port")                             \
  X(drop_tcp_other_port, "TCP to us on a port that is not a DNS port")                             \
  X(drop_other_protocol, "IP protocol other than UDP, TCP, ICMP to us")

enum class Outcome : std::uint8_t {
#define DNS64D_X(name, text) name,
  DNS64D_NET_OUTCOMES(DNS64D_X)
#undef DNS64D_X
};

namespace detail {
#define DNS64D_X(name, text) 1,
inline constexpr std::uint8_t one_per_outcome[] = {DNS64D_NET_OUTCOMES(DNS64D_X)};
#undef DNS64D_X
}  // namespace detail
inline constexpr std::size_t outcome_count = sizeof(detail::one_per_outcome);

constexpr bool is_answered(Outcome o) { return o < Outcome::exc_ipv4_fragment; }
constexpr bool is_exception(Outcome o) {
  return o >= Outcome::exc_ipv4_fragment && o < Outcome::drop_too_short;
}
constexpr bool is_drop(Outcome o) { return o >= Outcome::drop_too_short; }

std::string_view to_string(Outcome o);  // the identifier, e.g. "drop_bad_source"
std::string_view describe(Outcome o);   // a sentence for logs and telemetry help

}  // namespace dns64d::net
