// In-place rewrites of a parsed query frame into its reply. Each takes the
// frame buffer (its size is the capacity, at least the received length), the
// FrameInfo parse_frame filled for the matching outcome, and returns the reply
// frame's length, or 0 when the reply does not fit or `info` does not fit the
// call (the worker drops and counts then). VLAN tags are kept as received.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/net/frame.hpp"

namespace dns64d::net {

// For Outcome::dns_query. The DNS reply of `dns_len` octets is already at
// info.payload_offset. Swaps MACs, addresses and ports; TTL/hop limit 64.
// IPv4: a fresh 20-octet header (options of the query are dropped and the
// UDP datagram moves left over them), DF set and ID 0 (an atomic datagram,
// RFC 6864 §4.1), DSCP kept and ECN cleared. IPv6: version, flow label and
// the traffic class's DSCP kept, its ECN cleared. The UDP checksum is computed in software, or with
// `offload_l4` the pseudo-header sum is left in the checksum field, as
// rte_ipv4_phdr_cksum / rte_ipv6_phdr_cksum would, for TX offload.
std::size_t make_udp_reply(std::span<std::uint8_t> frame, const FrameInfo& info,
                           std::size_t dns_len, bool offload_l4 = false);

// For Outcome::arp_request: an ARP reply from local.mac, unicast to the
// requester, zero-padded to the 60-octet Ethernet minimum when capacity allows.
std::size_t make_arp_reply(std::span<std::uint8_t> frame, const FrameInfo& info,
                           const LocalAddrs& local);

// For Outcome::nd_solicit: a neighbor advertisement (RFC 4861 §7.2.4) for the
// solicited target, Override set, with a target link-layer address option,
// hop limit 255. To a solicitation from a unicast source: Solicited set, sent
// back to it. To duplicate address detection (source ::): Solicited clear,
// sent to all-nodes ff02::1 (33:33:00:00:00:01), defending our address.
// Needs 32 octets of ICMPv6 capacity (the solicitation may carry only 24).
std::size_t make_nd_advert(std::span<std::uint8_t> frame, const FrameInfo& info,
                           const LocalAddrs& local);

// For Outcome::icmp4_echo and Outcome::icmp6_echo: the echo reply with the
// same identifier, sequence and data; checksum updated incrementally
// (RFC 1624). IPv4 header as for make_udp_reply.
std::size_t make_echo_reply(std::span<std::uint8_t> frame, const FrameInfo& info);

}  // namespace dns64d::net
