// Header layouts and constants shared by the parser and the reply builders.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/dns/wire.hpp"

namespace dns64d::net {

using dns::load16;
using dns::load32;
using dns::store16;
using dns::store32;

namespace ethertype {
inline constexpr std::uint16_t ipv4 = 0x0800, arp = 0x0806, ipv6 = 0x86dd, vlan = 0x8100,
                               qinq = 0x88a8;
}
namespace proto {
inline constexpr std::uint8_t hop_by_hop = 0, icmp = 1, tcp = 6, udp = 17, routing = 43,
                              fragment = 44, esp = 50, ah = 51, icmpv6 = 58, no_next = 59,
                              dest_opts = 60, mobility = 135, hip = 139, shim6 = 140, exp1 = 253,
                              exp2 = 254;
}
namespace icmp4 {
inline constexpr std::uint8_t echo_reply = 0, echo_request = 8;
}
namespace icmp6 {
inline constexpr std::uint8_t echo_request = 128, echo_reply = 129, neighbor_solicit = 135,
                              neighbor_advert = 136;
inline constexpr std::uint8_t opt_source_lla = 1, opt_target_lla = 2;
}  // namespace icmp6

inline constexpr std::size_t eth_header = 14;
inline constexpr std::size_t vlan_tag = 4;
inline constexpr std::size_t min_frame = 60;  // without FCS
inline constexpr std::size_t arp_size = 28;
inline constexpr std::size_t ipv4_header = 20;
inline constexpr std::size_t ipv6_header = 40;
inline constexpr std::size_t udp_header = 8;
inline constexpr std::size_t tcp_header = 20;
inline constexpr std::size_t icmp_echo_header = 8;
inline constexpr std::size_t nd_ns_size = 24;  // type..target, without options
inline constexpr std::size_t nd_na_size = 32;  // type..target + target link-layer option

inline constexpr std::uint8_t reply_ttl = 64;
inline constexpr std::uint8_t nd_hop_limit = 255;

}  // namespace dns64d::net
