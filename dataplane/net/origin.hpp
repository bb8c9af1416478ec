// How a UDP query reached us, kept so that its reply can be built later
// without the query's buffer: the port and queue it came on and its headers
// (Ethernet, VLAN tags, IP with any options, UDP) exactly as received, which
// hold the peer's MAC, the tags, which of our addresses and ports was asked,
// and the client's address and port.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/net/frame.hpp"

namespace dns64d::net {

struct Origin {
  // Ethernet, two VLAN tags, IPv4 with 40 octets of options, UDP.
  static constexpr std::size_t max_headers = 14 + 8 + 60 + 8;

  std::uint16_t port = 0;
  std::uint16_t queue = 0;
  std::uint8_t ip_version = 0;
  std::uint8_t l3_offset = 0;
  std::uint8_t l4_offset = 0;  // the UDP header; the DNS message follows it
  std::array<std::uint8_t, max_headers> headers;

  std::size_t header_len() const { return std::size_t{l4_offset} + 8; }
};

// Keeps the headers of a frame that parse_frame classified as a DNS query.
// False when they do not fit (never for a frame parse_frame accepted).
bool make_origin(std::span<const std::uint8_t> frame, const FrameInfo& info, std::uint16_t port,
                 std::uint16_t queue, Origin& out);

// Writes into `out` the reply frame carrying `dns` back to where the query
// came from: the same octets make_udp_reply writes in place of the query.
// Returns its length, 0 when `out` is too small.
std::size_t make_udp_reply(const Origin& origin, std::span<const std::uint8_t> dns,
                           std::span<std::uint8_t> out, bool offload_l4 = false);

}  // namespace dns64d::net
