#include "dataplane/net/origin.hpp"

#include <cstring>

#include "dataplane/net/reply.hpp"

namespace dns64d::net {

bool make_origin(std::span<const std::uint8_t> frame, const FrameInfo& info, std::uint16_t port,
                 std::uint16_t queue, Origin& out) {
  const std::size_t len = std::size_t{info.l4_offset} + 8;
  if (info.payload_offset != len || len > Origin::max_headers || len > frame.size()) return false;
  out.port = port;
  out.queue = queue;
  out.ip_version = info.ip_version;
  out.l3_offset = static_cast<std::uint8_t>(info.l3_offset);
  out.l4_offset = static_cast<std::uint8_t>(info.l4_offset);
  std::memcpy(out.headers.data(), frame.data(), len);
  return true;
}

std::size_t make_udp_reply(const Origin& origin, std::span<const std::uint8_t> dns,
                           std::span<std::uint8_t> out, bool offload_l4) {
  const std::size_t head = origin.header_len();
  if (head > Origin::max_headers || head + dns.size() > out.size()) return 0;
  std::memcpy(out.data(), origin.headers.data(), head);
  std::memcpy(out.data() + head, dns.data(), dns.size());
  FrameInfo info;
  info.l3_offset = origin.l3_offset;
  info.l4_offset = origin.l4_offset;
  info.payload_offset = static_cast<std::uint16_t>(head);
  info.payload_length = static_cast<std::uint16_t>(dns.size());
  info.ip_version = origin.ip_version;
  return make_udp_reply(out, info, dns.size(), offload_l4);
}

}  // namespace dns64d::net
