// DNS wire-format constants (RFC 1035, RFC 6891) shared by reader and writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace dns64d::dns {

using Bytes = std::span<const std::uint8_t>;
using MutableBytes = std::span<std::uint8_t>;

inline constexpr std::size_t header_size = 12;
inline constexpr std::size_t max_label = 63;
inline constexpr std::size_t max_name = 255;
// Every hop must land strictly before the previous one, so a message of 64 KiB
// cannot need more; the cap bounds the work per name regardless.
inline constexpr int max_pointer_hops = 64;
inline constexpr std::uint16_t min_udp_payload = 512;

namespace type {
inline constexpr std::uint16_t A = 1, NS = 2, MD = 3, MF = 4, CNAME = 5, SOA = 6, MB = 7, MG = 8,
                               MR = 9, PTR = 12, HINFO = 13, MINFO = 14, MX = 15, TXT = 16, RP = 17,
                               AFSDB = 18, RT = 21, SIG = 24, PX = 26, AAAA = 28, NXT = 30,
                               SRV = 33, NAPTR = 35, DNAME = 39, OPT = 41, DS = 43, RRSIG = 46,
                               NSEC = 47, NSEC3 = 50, HTTPS = 65, ANY = 255;
}
namespace cls {
inline constexpr std::uint16_t IN = 1, CH = 3, NONE = 254, ANY = 255;
}
namespace rcode {
inline constexpr std::uint8_t NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3, NOTIMP = 4,
                              REFUSED = 5, BADVERS = 16;
}
namespace opcode {
inline constexpr std::uint8_t QUERY = 0;
}

// Bits of the 16-bit flags word of the header.
namespace flag {
inline constexpr std::uint16_t QR = 0x8000, AA = 0x0400, TC = 0x0200, RD = 0x0100, RA = 0x0080,
                               AD = 0x0020, CD = 0x0010;
inline constexpr std::uint16_t opcode_mask = 0x7800, rcode_mask = 0x000f;
}  // namespace flag
inline constexpr std::uint32_t edns_do = 0x8000;

enum class Section : std::uint8_t { answer, authority, additional };

inline std::uint16_t load16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t load32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
inline void store16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void store32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

inline constexpr std::uint8_t fold(std::uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<std::uint8_t>(c + ('a' - 'A')) : c;
}

}  // namespace dns64d::dns
