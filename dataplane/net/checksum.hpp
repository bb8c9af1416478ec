// Internet checksum (RFC 1071): ones' complement sums over byte spans, the
// IPv4/IPv6 pseudo-headers, and the incremental update of RFC 1624.
//
// Every 16-bit value here is the number the bytes spell in network order, so
// results can be stored with store16 and compared with the RFC's examples.
// A span summed on its own must start at an even offset of the checksummed
// region (pseudo-header, header and payload are each even-aligned).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace dns64d::net::checksum {

// Folds carries until 16 bits remain (end-around carry).
constexpr std::uint16_t fold(std::uint64_t sum) {
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffffu) + (sum >> 16);
  sum = (sum & 0xffffu) + (sum >> 16);
  sum = (sum & 0xffffu) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

namespace detail {
// Sums native-order 16-bit words; the ones' complement sum commutes with byte
// swapping (RFC 1071 §2(B)), so one swap at the end gives the network value.
inline std::uint64_t native_sum(const std::uint8_t* p, std::size_t n) {
  std::uint64_t acc = 0;
  while (n >= 16) {
    std::uint64_t a;
    std::uint64_t b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    acc += (a & 0xffffffffu) + (a >> 32) + (b & 0xffffffffu) + (b >> 32);
    p += 16;
    n -= 16;
  }
  if (n >= 8) {
    std::uint64_t a;
    std::memcpy(&a, p, 8);
    acc += (a & 0xffffffffu) + (a >> 32);
    p += 8;
    n -= 8;
  }
  if (n >= 4) {
    std::uint32_t a;
    std::memcpy(&a, p, 4);
    acc += a;
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    std::uint16_t a;
    std::memcpy(&a, p, 2);
    acc += a;
    p += 2;
    n -= 2;
  }
  if (n == 1) {
    // The odd octet is the high half of a word padded with zero.
    const std::uint8_t pad[2] = {*p, 0};
    std::uint16_t a;
    std::memcpy(&a, pad, 2);
    acc += a;
  }
  return acc;
}

constexpr std::uint16_t to_network_value(std::uint16_t native) {
  if constexpr (std::endian::native == std::endian::little) {
    return static_cast<std::uint16_t>((native << 8) | (native >> 8));
  } else {
    return native;
  }
}
}  // namespace detail

// Ones' complement sum of `bytes` plus `initial` (a previous partial sum),
// folded but not complemented.
inline std::uint16_t sum(std::span<const std::uint8_t> bytes, std::uint32_t initial = 0) {
  const std::uint16_t s = fold(detail::native_sum(bytes.data(), bytes.size()));
  return fold(std::uint64_t{detail::to_network_value(s)} + initial);
}

// The value to store in a checksum field: the complement of the folded sum.
constexpr std::uint16_t finish(std::uint64_t partial) {
  return static_cast<std::uint16_t>(~fold(partial));
}

// UDP transmits a computed zero as all ones (RFC 768); zero means "none".
constexpr std::uint16_t udp_finish(std::uint64_t partial) {
  const std::uint16_t c = finish(partial);
  return c == 0 ? 0xffff : c;
}

// A received header or message is intact when its sum, checksum included,
// is all ones.
inline bool verify(std::span<const std::uint8_t> bytes, std::uint32_t initial = 0) {
  return sum(bytes, initial) == 0xffff;
}

// RFC 768 / RFC 793 pseudo-header: source, destination, zero, protocol,
// L4 length. `src` and `dst` point at 4 octets each.
inline std::uint16_t pseudo_v4(const std::uint8_t* src, const std::uint8_t* dst,
                               std::uint8_t protocol, std::uint16_t l4_length) {
  std::uint8_t addrs[8];
  std::memcpy(addrs, src, 4);
  std::memcpy(addrs + 4, dst, 4);
  return sum(addrs, std::uint32_t{protocol} + l4_length);
}

// RFC 8200 §8.1 pseudo-header: 16-octet source and destination, 32-bit
// upper-layer length, next header.
inline std::uint16_t pseudo_v6(const std::uint8_t* src, const std::uint8_t* dst,
                               std::uint32_t l4_length, std::uint8_t next_header) {
  const std::uint16_t a = sum({src, 16});
  const std::uint16_t b = sum({dst, 16});
  return fold(std::uint64_t{a} + b + (l4_length >> 16) + (l4_length & 0xffffu) + next_header);
}

// RFC 1624 eqn. 3: the checksum after one 16-bit word of the covered data
// changed from `old_word` to `new_word`: HC' = ~(~HC + ~m + m').
constexpr std::uint16_t update16(std::uint16_t checksum, std::uint16_t old_word,
                                 std::uint16_t new_word) {
  const std::uint32_t s = std::uint32_t{static_cast<std::uint16_t>(~checksum)} +
                          std::uint32_t{static_cast<std::uint16_t>(~old_word)} + new_word;
  return finish(s);
}

// As update16 for a 32-bit field (two words).
constexpr std::uint16_t update32(std::uint16_t checksum, std::uint32_t old_value,
                                 std::uint32_t new_value) {
  const std::uint64_t s = std::uint64_t{static_cast<std::uint16_t>(~checksum)} +
                          static_cast<std::uint16_t>(~(old_value >> 16)) +
                          static_cast<std::uint16_t>(~old_value) + (new_value >> 16) +
                          (new_value & 0xffffu);
  return finish(s);
}

}  // namespace dns64d::net::checksum
