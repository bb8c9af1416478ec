#include "control/upstream/endpoint.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace dns64d::upstream {

std::uint16_t Endpoint::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

bool Endpoint::same_as(const sockaddr* other, socklen_t other_len) const {
  if (other->sa_family != family()) return false;
  if (family() == AF_INET) {
    if (other_len < static_cast<socklen_t>(sizeof(sockaddr_in))) return false;
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    const auto* b = reinterpret_cast<const sockaddr_in*>(other);
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
  }
  if (family() == AF_INET6) {
    if (other_len < static_cast<socklen_t>(sizeof(sockaddr_in6))) return false;
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    const auto* b = reinterpret_cast<const sockaddr_in6*>(other);
    return a->sin6_port == b->sin6_port &&
           std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(in6_addr)) == 0;
  }
  return false;
}

std::string Endpoint::to_string() const {
  char host[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(port());
  }
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, host,
              sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(port());
  }
  return "?";
}

namespace {

std::optional<Endpoint> resolve_numeric(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* result = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result) != 0) {
    return std::nullopt;
  }
  Endpoint ep;
  std::memcpy(&ep.addr, result->ai_addr, result->ai_addrlen);
  ep.len = result->ai_addrlen;
  freeaddrinfo(result);
  return ep;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<Endpoint> parse_endpoint(std::string_view text, std::uint16_t port) {
  if (text.empty()) return std::nullopt;
  std::string_view host = text;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      const auto p = parse_port(rest.substr(1));
      if (!p) return std::nullopt;
      port = *p;
    }
  } else if (const auto colon = text.find(':');
             colon != std::string_view::npos &&
             text.find(':', colon + 1) == std::string_view::npos) {
    // Exactly one colon: IPv4 with a port. Two or more: a bare IPv6 address.
    host = text.substr(0, colon);
    const auto p = parse_port(text.substr(colon + 1));
    if (!p) return std::nullopt;
    port = *p;
  }
  return resolve_numeric(std::string(host), port);
}

std::vector<Endpoint> parse_resolv_conf(const std::string& path) {
  std::vector<Endpoint> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (const auto comment = line.find_first_of("#;"); comment != std::string::npos) {
      line.resize(comment);
    }
    std::istringstream words(line);
    std::string keyword, address;
    if (!(words >> keyword >> address) || keyword != "nameserver") continue;
    // resolv.conf never carries a port; brackets and ports are not accepted here.
    if (address.front() == '[') continue;
    if (auto ep = resolve_numeric(address, default_dns_port)) out.push_back(*ep);
  }
  return out;
}

}  // namespace dns64d::upstream
