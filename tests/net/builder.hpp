// Hand-built Ethernet frames for the net tests. Checksums here come from a
// deliberately naive byte-by-byte reference, never from the code under test.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <utility>
#include <vector>

#include "dataplane/net/frame.hpp"

namespace dns64d::test::net {

using dns64d::net::Mac;
using dns64d::net::V4;
using dns64d::net::V6;
using Bytes = std::vector<std::uint8_t>;

inline const Mac our_mac{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
inline const Mac peer_mac{0x02, 0x00, 0x5e, 0x10, 0x00, 0x02};
inline const Mac broadcast_mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline const V4 our4{192, 0, 2, 53};
inline const V4 our4b{192, 0, 2, 54};
inline const V4 peer4{198, 51, 100, 7};
inline const V6 our6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0x53};
inline const V6 peer6{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07};

inline dns64d::net::LocalAddrs local_addrs() {
  dns64d::net::LocalAddrs l;
  l.mac = our_mac;
  l.add_v4(our4);
  l.add_v4(our4b);
  l.add_v6(our6);
  return l;
}

inline void put16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}
inline std::uint16_t get16(const Bytes& b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}
// Builders size each buffer once and copy into it: GCC 12 reports false
// array-bounds warnings for vector::insert on small buffers at -O3.
inline Bytes cat(std::initializer_list<const Bytes*> parts) {
  std::size_t n = 0;
  for (const Bytes* p : parts) n += p->size();
  Bytes out(n);
  std::size_t at = 0;
  for (const Bytes* p : parts) {
    if (!p->empty()) std::memcpy(out.data() + at, p->data(), p->size());
    at += p->size();
  }
  return out;
}
inline void copy_in(Bytes& b, std::size_t at, const std::uint8_t* p, std::size_t n) {
  if (n) std::memcpy(b.data() + at, p, n);
}

// RFC 1071, the slow way: big-endian words, odd byte padded, carries folded last.
inline std::uint32_t ref_add(const std::uint8_t* p, std::size_t n, std::uint32_t acc = 0) {
  for (std::size_t i = 0; i < n; ++i) acc += (i % 2 == 0) ? std::uint32_t{p[i]} << 8 : p[i];
  return acc;
}
inline std::uint16_t ref_fold(std::uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(acc);
}
inline std::uint32_t ref_pseudo4(const std::uint8_t* src, const std::uint8_t* dst,
                                 std::uint8_t proto, std::size_t len) {
  Bytes ph(12, 0);
  copy_in(ph, 0, src, 4);
  copy_in(ph, 4, dst, 4);
  ph[9] = proto;
  put16(ph, 10, static_cast<std::uint16_t>(len));
  return ref_add(ph.data(), ph.size());
}
inline std::uint32_t ref_pseudo6(const std::uint8_t* src, const std::uint8_t* dst,
                                 std::uint8_t next, std::size_t len) {
  Bytes ph(40, 0);
  copy_in(ph, 0, src, 16);
  copy_in(ph, 16, dst, 16);
  put16(ph, 32, static_cast<std::uint16_t>(len >> 16));
  put16(ph, 34, static_cast<std::uint16_t>(len));
  ph[39] = next;
  return ref_add(ph.data(), ph.size());
}

// Verifications over a frame: the sum including the checksum is all ones.
inline bool ipv4_header_ok(const Bytes& f, std::size_t l3) {
  const std::size_t ihl = std::size_t{f[l3] & 0xfu} * 4;
  return ref_fold(ref_add(f.data() + l3, ihl)) == 0xffff;
}
inline bool l4_ok_v4(const Bytes& f, std::size_t l3, std::size_t l4, std::size_t len,
                     bool pseudo = true) {
  const std::uint32_t ph = pseudo ? ref_pseudo4(&f[l3 + 12], &f[l3 + 16], f[l3 + 9], len) : 0;
  return ref_fold(ref_add(f.data() + l4, len, ph)) == 0xffff;
}
inline bool l4_ok_v6(const Bytes& f, std::size_t l3, std::size_t l4, std::size_t len) {
  const std::uint32_t ph = ref_pseudo6(&f[l3 + 8], &f[l3 + 24], f[l3 + 6], len);
  return ref_fold(ref_add(f.data() + l4, len, ph)) == 0xffff;
}

inline Bytes udp(std::uint16_t sport, std::uint16_t dport, const Bytes& payload) {
  Bytes b(8 + payload.size(), 0);
  put16(b, 0, sport);
  put16(b, 2, dport);
  put16(b, 4, static_cast<std::uint16_t>(8 + payload.size()));
  copy_in(b, 8, payload.data(), payload.size());
  return b;
}
inline Bytes tcp(std::uint16_t sport, std::uint16_t dport) {
  Bytes b(20, 0);
  put16(b, 0, sport);
  put16(b, 2, dport);
  b[12] = 0x50;
  b[13] = 0x02;  // SYN
  return b;
}
inline Bytes icmp(std::uint8_t type, std::uint8_t code, const Bytes& body) {
  Bytes b(4 + body.size(), 0);
  b[0] = type;
  b[1] = code;
  copy_in(b, 4, body.data(), body.size());
  return b;
}
// Identifier, sequence, data.
inline Bytes echo_body(std::uint16_t id, std::uint16_t seq, const Bytes& data) {
  Bytes b(4 + data.size(), 0);
  put16(b, 0, id);
  put16(b, 2, seq);
  copy_in(b, 4, data.data(), data.size());
  return b;
}

// Where the L4 checksum of `proto` lives, or -1 for none computed here.
inline int cksum_at(std::uint8_t proto) {
  switch (proto) {
    case 17:
      return 6;
    case 6:
      return 16;
    case 1:
    case 58:
      return 2;
    default:
      return -1;
  }
}

struct V4Opts {
  Bytes options;  // a multiple of 4
  std::uint8_t ttl = 64;
  std::uint16_t flags_frag = 0x4000;
  bool l4_checksum = true;  // false: leave the L4 checksum field as given
  int total_length_delta = 0;

  V4Opts& with_options(Bytes o) {
    options = std::move(o);
    return *this;
  }
  V4Opts& with_frag(std::uint16_t f) {
    flags_frag = f;
    return *this;
  }
  V4Opts& no_l4_checksum() {
    l4_checksum = false;
    return *this;
  }
  V4Opts& with_length_delta(int d) {
    total_length_delta = d;
    return *this;
  }
};

inline Bytes ipv4(const V4& src, const V4& dst, std::uint8_t proto, Bytes l4,
                  const V4Opts& o = {}) {
  const std::size_t hl = 20 + o.options.size();
  Bytes h(hl, 0);
  h[0] = static_cast<std::uint8_t>(0x40 | (hl / 4));
  put16(h, 2, static_cast<std::uint16_t>(static_cast<int>(hl + l4.size()) + o.total_length_delta));
  put16(h, 4, 0x1234);
  put16(h, 6, o.flags_frag);
  h[8] = o.ttl;
  h[9] = proto;
  copy_in(h, 12, src.data(), 4);
  copy_in(h, 16, dst.data(), 4);
  copy_in(h, 20, o.options.data(), o.options.size());
  put16(h, 10, static_cast<std::uint16_t>(~ref_fold(ref_add(h.data(), h.size()))));
  const int at = cksum_at(proto);
  if (o.l4_checksum && at >= 0 && l4.size() >= static_cast<std::size_t>(at) + 2) {
    put16(l4, at, 0);
    const std::uint32_t ph = proto == 1 ? 0 : ref_pseudo4(src.data(), dst.data(), proto, l4.size());
    std::uint16_t c = static_cast<std::uint16_t>(~ref_fold(ref_add(l4.data(), l4.size(), ph)));
    if (proto == 17 && c == 0) c = 0xffff;
    put16(l4, at, c);
  }
  return cat({&h, &l4});
}

struct V6Opts {
  std::uint8_t hop_limit = 64;
  bool l4_checksum = true;
  int payload_length_delta = 0;

  V6Opts& with_hop_limit(std::uint8_t h) {
    hop_limit = h;
    return *this;
  }
  V6Opts& no_l4_checksum() {
    l4_checksum = false;
    return *this;
  }
  V6Opts& with_length_delta(int d) {
    payload_length_delta = d;
    return *this;
  }
};

inline Bytes ipv6(const V6& src, const V6& dst, std::uint8_t next, Bytes l4, const V6Opts& o = {}) {
  Bytes h(40, 0);
  h[0] = 0x60;  // traffic class 0, flow label 0x12345
  h[1] = 0x01;
  h[2] = 0x23;
  h[3] = 0x45;
  put16(h, 4, static_cast<std::uint16_t>(static_cast<int>(l4.size()) + o.payload_length_delta));
  h[6] = next;
  h[7] = o.hop_limit;
  copy_in(h, 8, src.data(), 16);
  copy_in(h, 24, dst.data(), 16);
  const int at = cksum_at(next);
  if (o.l4_checksum && at >= 0 && next != 1 && l4.size() >= static_cast<std::size_t>(at) + 2) {
    put16(l4, at, 0);
    const std::uint32_t ph = ref_pseudo6(src.data(), dst.data(), next, l4.size());
    std::uint16_t c = static_cast<std::uint16_t>(~ref_fold(ref_add(l4.data(), l4.size(), ph)));
    if (next == 17 && c == 0) c = 0xffff;
    put16(l4, at, c);
  }
  return cat({&h, &l4});
}

inline Bytes arp(std::uint16_t op, const Mac& sha, const V4& spa, const Mac& tha, const V4& tpa) {
  Bytes b(28, 0);
  put16(b, 0, 1);
  put16(b, 2, 0x0800);
  b[4] = 6;
  b[5] = 4;
  put16(b, 6, op);
  copy_in(b, 8, sha.data(), 6);
  copy_in(b, 14, spa.data(), 4);
  copy_in(b, 18, tha.data(), 6);
  copy_in(b, 24, tpa.data(), 4);
  return b;
}

// Ethernet header, VLAN tags (TPIDs given, TCIs 0x0064, 0x00c8, ...), then
// `l3`, zero-padded to `pad_to` octets.
inline Bytes eth(const Mac& dst, const Mac& src, std::uint16_t type, const Bytes& l3,
                 std::initializer_list<std::uint16_t> tpids = {}, std::size_t pad_to = 0) {
  const std::size_t l2 = 14 + 4 * tpids.size();
  Bytes b(std::max(l2 + l3.size(), pad_to), 0);
  copy_in(b, 0, dst.data(), 6);
  copy_in(b, 6, src.data(), 6);
  std::size_t at = 12;
  std::uint16_t tci = 0x0064;
  for (const std::uint16_t tpid : tpids) {
    put16(b, at, tpid);
    put16(b, at + 2, tci);
    tci = static_cast<std::uint16_t>(tci + 0x64);
    at += 4;
  }
  put16(b, at, type);
  copy_in(b, l2, l3.data(), l3.size());
  return b;
}

// A DNS-looking payload: header and one question for example.com AAAA.
inline Bytes dns_query_payload(std::uint16_t id = 0x1234) {
  Bytes b{0,   0,   0x01, 0x00, 0,   1, 0,   0,   0,   0, 0, 0,  7, 'e', 'x',
          'a', 'm', 'p',  'l',  'e', 3, 'c', 'o', 'm', 0, 0, 28, 0, 1};
  put16(b, 0, id);
  return b;
}

inline Bytes udp4_query(const Bytes& payload = dns_query_payload(), const V4Opts& o = {},
                        std::initializer_list<std::uint16_t> tpids = {}, std::size_t pad_to = 0) {
  return eth(our_mac, peer_mac, 0x0800, ipv4(peer4, our4, 17, udp(40000, 53, payload), o), tpids,
             pad_to);
}
inline Bytes udp6_query(const Bytes& payload = dns_query_payload(), const V6Opts& o = {},
                        std::initializer_list<std::uint16_t> tpids = {}, std::size_t pad_to = 0) {
  return eth(our_mac, peer_mac, 0x86dd, ipv6(peer6, our6, 17, udp(40000, 53, payload), o), tpids,
             pad_to);
}

}  // namespace dns64d::test::net
