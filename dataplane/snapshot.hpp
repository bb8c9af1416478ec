// What the workers and the control plane decide by: immutable while anyone
// reads it, swapped as a whole by pointer (reload), never edited in place.
// Plain data over the pure rooms: no DPDK.
#pragma once

#include <array>
#include <cstdint>

#include "dataplane/cookie/cookie.hpp"
#include "dataplane/net/frame.hpp"
#include "dataplane/respond/respond.hpp"
#include "dataplane/respond/view.hpp"
#include "dataplane/rrl/rrl.hpp"

namespace dns64d::dataplane {

inline constexpr std::uint16_t max_ports = 8;

struct Snapshot {
  std::array<net::LocalAddrs, max_ports> local{};
  respond::ViewTable views;
  std::uint16_t edns_udp_size = 1232;
  std::array<bool, max_ports> tx_udp_checksum{};  // the port computes UDP checksums
  respond::ServerInfo server;                     // what CHAOS queries are told
  // Response rate limiting: each worker's Limiter is built from these once,
  // at start (its table is allocated then); enabled false: none is built.
  rrl::Settings rrl;
  cookie::Settings cookies;  // DNS Cookies; enabled false: COOKIE options are ignored
};

}  // namespace dns64d::dataplane
