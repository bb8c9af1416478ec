// Hand-assembled DNS messages for tests: every octet is spelled out here so
// a test does not depend on the writer it is testing.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/dns/name.hpp"
#include "dataplane/dns/reader.hpp"

namespace dns64d::test {

class Packet {
 public:
  Packet& u8(std::uint8_t v) {
    bytes.push_back(v);
    return *this;
  }
  Packet& u16(std::uint16_t v) {
    return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v));
  }
  Packet& u32(std::uint32_t v) {
    return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v));
  }
  Packet& raw(std::initializer_list<std::uint8_t> v) {
    bytes.insert(bytes.end(), v);
    return *this;
  }
  Packet& raw(const std::vector<std::uint8_t>& v) {
    bytes.insert(bytes.end(), v.begin(), v.end());
    return *this;
  }
  // A name in presentation format, uncompressed.
  Packet& name(std::string_view text) {
    dns::Name n;
    if (!dns::from_text(text, n)) throw std::string("bad name in test: ") + std::string(text);
    bytes.insert(bytes.end(), n.wire.begin(), n.wire.begin() + n.size);
    return *this;
  }
  Packet& pointer(std::uint16_t offset) { return u16(static_cast<std::uint16_t>(0xc000 | offset)); }
  Packet& header(std::uint16_t id, std::uint16_t flags, std::uint16_t qd, std::uint16_t an,
                 std::uint16_t ns, std::uint16_t ar) {
    return u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
  }
  // type, class, TTL, then RDLENGTH and RDATA.
  Packet& rr_fixed(std::uint16_t type, std::uint16_t cls, std::uint32_t ttl,
                   const std::vector<std::uint8_t>& rdata) {
    u16(type).u16(cls).u32(ttl).u16(static_cast<std::uint16_t>(rdata.size()));
    return raw(rdata);
  }
  Packet& opt(std::uint16_t udp, bool do_bit, const std::vector<std::uint8_t>& options = {}) {
    u8(0);
    return rr_fixed(41, udp, do_bit ? 0x8000u : 0u, options);
  }
  std::size_t size() const { return bytes.size(); }
  dns::Bytes span() const { return {bytes.data(), bytes.size()}; }

  std::vector<std::uint8_t> bytes;
};

// A standard query: header, one question, optionally an OPT record.
inline Packet query(std::string_view qname, std::uint16_t qtype, std::uint16_t id = 0x1234,
                    int edns_udp = -1, bool do_bit = false, std::uint16_t qclass = 1) {
  Packet p;
  p.header(id, 0x0100, 1, 0, 0, edns_udp >= 0 ? 1 : 0).name(qname).u16(qtype).u16(qclass);
  if (edns_udp >= 0) p.opt(static_cast<std::uint16_t>(edns_udp), do_bit);
  return p;
}

inline std::vector<std::uint8_t> v4(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                    std::uint8_t d) {
  return {a, b, c, d};
}

inline std::vector<std::uint8_t> wire(std::string_view text) {
  dns::Name n;
  dns::from_text(text, n);
  return {n.wire.begin(), n.wire.begin() + n.size};
}

// SOA RDATA with the given MINIMUM.
inline std::vector<std::uint8_t> soa_rdata(std::uint32_t minimum) {
  Packet p;
  p.name("ns.example.").name("host.example.").u32(1).u32(3600).u32(600).u32(86400).u32(minimum);
  return p.bytes;
}

}  // namespace dns64d::test
