// What the pcap tests share: the port's and the client's link and network
// addresses, and ldns to read the replies.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/frames.hpp"

namespace dns64d::test {

inline const Mac our_mac{0x02, 0, 0, 0, 0, 0x53};
inline const Mac client_mac{0x02, 0, 0, 0, 0, 0x01};
inline const Ip4 our_v4{192, 0, 2, 53};
inline const Ip6 our_v6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53};

inline Ip6 v6(const char* text) {
  Ip6 a{};
  EXPECT_EQ(inet_pton(AF_INET6, text, a.data()), 1) << text;
  return a;
}

// An ldns field in presentation form.
inline std::string text_of(const ldns_rdf* rdf) {
  char* s = ldns_rdf2str(rdf);
  std::string out = s ? s : "";
  free(s);
  return out;
}

struct PktDeleter {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using Pkt = std::unique_ptr<ldns_pkt, PktDeleter>;

inline Pkt parse_dns(const std::vector<std::uint8_t>& payload) {
  ldns_pkt* p = nullptr;
  if (ldns_wire2pkt(&p, payload.data(), payload.size()) != LDNS_STATUS_OK) return nullptr;
  return Pkt(p);
}

// Frames from the client to our port, VLAN tags optional.
inline L2 to_us(std::vector<std::uint16_t> vlans = {}) {
  return L2{our_mac, client_mac, std::move(vlans)};
}

}  // namespace dns64d::test
