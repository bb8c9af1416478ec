// Upstream resolver addresses: parsing "addr", "addr:port", "[v6]:port" and
// the nameserver lines of resolv.conf.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dns64d::upstream {

inline constexpr std::uint16_t default_dns_port = 53;

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;

  int family() const { return addr.ss_family; }
  std::uint16_t port() const;
  // Same family, address and port; scope ids and flow labels are ignored.
  bool same_as(const sockaddr* other, socklen_t other_len) const;
  std::string to_string() const;  // "192.0.2.1:53", "[2001:db8::1]:53"
};

// A numeric address with an optional port: "192.0.2.1", "192.0.2.1:5353",
// "2001:db8::1", "[2001:db8::1]:5353", "fe80::1%eth0". Names are not resolved.
std::optional<Endpoint> parse_endpoint(std::string_view text,
                                       std::uint16_t port = default_dns_port);

// The "nameserver" lines of a resolv.conf, in file order, on port 53.
// Unparsable addresses are skipped; a missing file yields an empty list.
std::vector<Endpoint> parse_resolv_conf(const std::string& path = "/etc/resolv.conf");

}  // namespace dns64d::upstream
