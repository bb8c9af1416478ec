// Ethernet frames built and taken apart octet by octet for tests, with
// their own checksum code: nothing here comes from dataplane/net, so the
// tests check that room instead of trusting it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace dns64d::test {

using Mac = std::array<std::uint8_t, 6>;
using Ip4 = std::array<std::uint8_t, 4>;
using Ip6 = std::array<std::uint8_t, 16>;

inline std::uint16_t ones_sum(const std::vector<std::uint8_t>& b, std::size_t from, std::size_t len,
                              std::uint32_t acc = 0) {
  for (std::size_t i = 0; i + 1 < len; i += 2)
    acc += (std::uint32_t{b[from + i]} << 8) | b[from + i + 1];
  if (len % 2) acc += std::uint32_t{b[from + len - 1]} << 8;
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(acc);
}

struct Frame {
  std::vector<std::uint8_t> b;
  void u8(std::uint8_t v) { b.push_back(v); }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  void put(const std::uint8_t* p, std::size_t n) { b.insert(b.end(), p, p + n); }
  void set16(std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
  }
};

struct L2 {
  Mac dst{}, src{};
  std::vector<std::uint16_t> vlans;  // TCIs, outer first
};

inline void ethernet(Frame& f, const L2& l2, std::uint16_t ethertype) {
  f.put(l2.dst.data(), 6);
  f.put(l2.src.data(), 6);
  for (std::size_t i = 0; i < l2.vlans.size(); ++i) {
    f.u16(i == 0 && l2.vlans.size() == 2 ? 0x88a8 : 0x8100);
    f.u16(l2.vlans[i]);
  }
  f.u16(ethertype);
}

// IPv4/UDP frame carrying `payload`, all checksums right.
inline std::vector<std::uint8_t> udp4(const L2& l2, Ip4 src, Ip4 dst, std::uint16_t sport,
                                      std::uint16_t dport,
                                      const std::vector<std::uint8_t>& payload) {
  Frame f;
  ethernet(f, l2, 0x0800);
  const std::size_t ip = f.b.size();
  const auto total = static_cast<std::uint16_t>(20 + 8 + payload.size());
  f.u8(0x45);
  f.u8(0);
  f.u16(total);
  f.u16(0x1234);
  f.u16(0x4000);
  f.u8(64);
  f.u8(17);
  f.u16(0);
  f.put(src.data(), 4);
  f.put(dst.data(), 4);
  f.set16(ip + 10, static_cast<std::uint16_t>(~ones_sum(f.b, ip, 20)));
  const std::size_t udp = f.b.size();
  f.u16(sport);
  f.u16(dport);
  f.u16(static_cast<std::uint16_t>(8 + payload.size()));
  f.u16(0);
  f.put(payload.data(), payload.size());
  std::uint32_t pseudo =
      ones_sum(f.b, ip + 12, 8) + 17 + 8 + static_cast<std::uint32_t>(payload.size());
  std::uint16_t c = static_cast<std::uint16_t>(~ones_sum(f.b, udp, 8 + payload.size(), pseudo));
  f.set16(udp + 6, c == 0 ? 0xffff : c);
  return f.b;
}

inline std::vector<std::uint8_t> udp6(const L2& l2, Ip6 src, Ip6 dst, std::uint16_t sport,
                                      std::uint16_t dport,
                                      const std::vector<std::uint8_t>& payload) {
  Frame f;
  ethernet(f, l2, 0x86dd);
  const std::size_t ip = f.b.size();
  f.u8(0x60);
  f.u8(0);
  f.u16(0);
  f.u16(static_cast<std::uint16_t>(8 + payload.size()));
  f.u8(17);
  f.u8(64);
  f.put(src.data(), 16);
  f.put(dst.data(), 16);
  const std::size_t udp = f.b.size();
  f.u16(sport);
  f.u16(dport);
  f.u16(static_cast<std::uint16_t>(8 + payload.size()));
  f.u16(0);
  f.put(payload.data(), payload.size());
  std::uint32_t pseudo =
      ones_sum(f.b, ip + 8, 32) + 17 + 8 + static_cast<std::uint32_t>(payload.size());
  std::uint16_t c = static_cast<std::uint16_t>(~ones_sum(f.b, udp, 8 + payload.size(), pseudo));
  f.set16(udp + 6, c == 0 ? 0xffff : c);
  return f.b;
}

inline std::vector<std::uint8_t> arp_request(const L2& l2, Ip4 sender, Ip4 target) {
  Frame f;
  ethernet(f, l2, 0x0806);
  f.u16(1);
  f.u16(0x0800);
  f.u8(6);
  f.u8(4);
  f.u16(1);
  f.put(l2.src.data(), 6);
  f.put(sender.data(), 4);
  const Mac zero{};
  f.put(zero.data(), 6);
  f.put(target.data(), 4);
  return f.b;
}

// Neighbor solicitation for `target`, to its solicited-node group.
inline std::vector<std::uint8_t> neighbor_solicit(const L2& l2_in, Ip6 src, Ip6 target) {
  L2 l2 = l2_in;
  l2.dst = {0x33, 0x33, 0xff, target[13], target[14], target[15]};
  const Ip6 group{0xff, 0x02, 0, 0,    0,    0,          0,          0,
                  0,    0,    0, 0x01, 0xff, target[13], target[14], target[15]};
  Frame f;
  ethernet(f, l2, 0x86dd);
  const std::size_t ip = f.b.size();
  f.u8(0x60);
  f.u8(0);
  f.u16(0);
  f.u16(32);
  f.u8(58);
  f.u8(255);
  f.put(src.data(), 16);
  f.put(group.data(), 16);
  const std::size_t icmp = f.b.size();
  f.u8(135);
  f.u8(0);
  f.u16(0);
  f.u16(0);
  f.u16(0);
  f.put(target.data(), 16);
  f.u8(1);  // source link-layer address option
  f.u8(1);
  f.put(l2.src.data(), 6);
  std::uint32_t pseudo = ones_sum(f.b, ip + 8, 32) + 58 + 32;
  f.set16(icmp + 2, static_cast<std::uint16_t>(~ones_sum(f.b, icmp, 32, pseudo)));
  return f.b;
}

// A decoded reply frame: what the pcap tests check field by field.
struct Decoded {
  Mac dst{}, src{};
  std::vector<std::uint16_t> vlans;
  std::uint16_t ethertype = 0;
  int ip_version = 0;
  Ip6 ip_src{}, ip_dst{};  // IPv4 in the first four octets
  std::uint8_t protocol = 0;
  bool ip_checksum_ok = true;
  bool l4_checksum_ok = false;
  std::uint16_t sport = 0, dport = 0;
  std::vector<std::uint8_t> payload;  // UDP payload, or the ICMPv6/ARP body
  std::size_t l3 = 0;
};

inline std::optional<Decoded> decode(const std::vector<std::uint8_t>& b) {
  Decoded d;
  if (b.size() < 14) return std::nullopt;
  std::copy(b.begin(), b.begin() + 6, d.dst.begin());
  std::copy(b.begin() + 6, b.begin() + 12, d.src.begin());
  std::size_t p = 12;
  auto r16 = [&](std::size_t at) { return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]); };
  d.ethertype = r16(p);
  while ((d.ethertype == 0x8100 || d.ethertype == 0x88a8) && p + 6 <= b.size()) {
    d.vlans.push_back(r16(p + 2));
    p += 4;
    d.ethertype = r16(p);
  }
  p += 2;
  d.l3 = p;
  if (d.ethertype == 0x0806) {
    d.payload.assign(b.begin() + static_cast<long>(p), b.end());
    return d;
  }
  std::size_t l4 = 0, l4_len = 0;
  std::uint32_t pseudo = 0;
  if (d.ethertype == 0x0800) {
    if (b.size() < p + 20) return std::nullopt;
    d.ip_version = 4;
    const std::size_t ihl = (b[p] & 0xf) * 4u;
    d.ip_checksum_ok = ones_sum(b, p, ihl) == 0xffff;
    d.protocol = b[p + 9];
    std::copy(b.begin() + static_cast<long>(p + 12), b.begin() + static_cast<long>(p + 16),
              d.ip_src.begin());
    std::copy(b.begin() + static_cast<long>(p + 16), b.begin() + static_cast<long>(p + 20),
              d.ip_dst.begin());
    l4 = p + ihl;
    l4_len = r16(p + 2) - ihl;
    pseudo = ones_sum(b, p + 12, 8) + d.protocol + static_cast<std::uint32_t>(l4_len);
  } else if (d.ethertype == 0x86dd) {
    if (b.size() < p + 40) return std::nullopt;
    d.ip_version = 6;
    d.protocol = b[p + 6];
    std::copy(b.begin() + static_cast<long>(p + 8), b.begin() + static_cast<long>(p + 24),
              d.ip_src.begin());
    std::copy(b.begin() + static_cast<long>(p + 24), b.begin() + static_cast<long>(p + 40),
              d.ip_dst.begin());
    l4 = p + 40;
    l4_len = r16(p + 4);
    pseudo = ones_sum(b, p + 8, 32) + d.protocol + static_cast<std::uint32_t>(l4_len);
  } else {
    return std::nullopt;
  }
  if (l4 + l4_len > b.size()) return std::nullopt;
  d.l4_checksum_ok = ones_sum(b, l4, l4_len, pseudo) == 0xffff;
  if (d.protocol == 17) {
    d.sport = r16(l4);
    d.dport = r16(l4 + 2);
    d.payload.assign(b.begin() + static_cast<long>(l4 + 8),
                     b.begin() + static_cast<long>(l4 + l4_len));
  } else {
    d.payload.assign(b.begin() + static_cast<long>(l4), b.begin() + static_cast<long>(l4 + l4_len));
  }
  return d;
}

}  // namespace dns64d::test
