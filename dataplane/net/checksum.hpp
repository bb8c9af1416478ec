// Internet checksum (RFC 1071): ones' complement sums over byte spans, the
// IPv4/IPv6 pseudo-headers, and the incremental update of RFC 1624.
//
// Every 16-bit value here is the number the bytes spell in network order, so
// results can be stored with store16 and compared with the RFC's examples.
// A span summed on its own must start at an even offset of the checksummed
// region (pseudo-header, header and payload are each even-aligned).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#if defined(__SSE4_1__)
#include <smmintrin.h>
#endif

namespace dns64d::net::checksum {

// Folds carries until 16 bits remain (end-around carry).
constexpr std::uint16_t fold(std::uint64_t sum) {
  std::uint32_t s = 0;
  const bool carry = __builtin_add_overflow(static_cast<std::uint32_t>(sum),
                                            static_cast<std::uint32_t>(sum >> 32), &s);
  s += carry;
  // The high half of s + (s rotated by 16) is the two halves' sum with its
  // end-around carry (the carry out of the low half lands in it).
  s += s << 16 | s >> 16;
  return static_cast<std::uint16_t>(s >> 16);
}

namespace detail {
// 64-bit ones' complement addition: the carry out wraps around (add, adc).
constexpr std::uint64_t add_carry(std::uint64_t a, std::uint64_t b) {
  std::uint64_t s = 0;
  const bool carry = __builtin_add_overflow(a, b, &s);
  return s + carry;
}

inline std::uint64_t load_native64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

#if defined(__SSE4_1__)
using ShuffleRows = std::array<std::array<std::uint8_t, 16>, 16>;
// Row r: a pshufb control that moves the last r of 16 octets to the front
// and zeroes the others (an index with the high bit set gives zero).
constexpr ShuffleRows make_tail_shuffle() {
  ShuffleRows rows{};
  for (std::size_t r = 0; r < 16; ++r) {
    for (std::size_t j = 0; j < 16; ++j) {
      rows[r][j] = j < r ? static_cast<std::uint8_t>(16 - r + j) : std::uint8_t{0x80};
    }
  }
  return rows;
}
alignas(64) inline constexpr ShuffleRows tail_shuffle = make_tail_shuffle();
#endif

#if defined(__x86_64__)
// `acc` plus the 32 octets at `p` as four quadwords, in one carry chain
// through the flags, the words read by the adds themselves: add, three adc,
// and an adc $0 for the end-around carry (the portable sum needs two
// instructions for every eight octets).
[[gnu::always_inline]] inline std::uint64_t add_32_octets(std::uint64_t acc,
                                                          const std::uint8_t* p) {
  __asm__(
      "addq (%[p]), %[acc]\n\t"
      "adcq 8(%[p]), %[acc]\n\t"
      "adcq 16(%[p]), %[acc]\n\t"
      "adcq 24(%[p]), %[acc]\n\t"
      "adcq $0, %[acc]"
      : [acc] "+r"(acc)
      : [p] "r"(p), "m"(*reinterpret_cast<const std::uint8_t(*)[32]>(p))
      : "cc");
  return acc;
}
#endif

// Sums native-order 16-bit words, eight octets at a time with end-around
// carry; the ones' complement sum commutes with byte swapping (RFC 1071
// §2(B)), so one swap at the end gives the network value. The result is
// unfolded and may be added to `acc` of another run that ended evenly.
// Always inlined: a call would make its hot callers save their registers.
[[gnu::always_inline]] inline std::uint64_t native_sum(const std::uint8_t* p, std::size_t n,
                                                       std::uint64_t acc = 0) {
  [[maybe_unused]] const bool long_run = n >= 16;
#if defined(__x86_64__)
  while (n >= 64) {
    acc = add_32_octets(add_32_octets(acc, p), p + 32);
    p += 64;
    n -= 64;
  }
  if (n & 32) {
    acc = add_32_octets(acc, p);
    p += 32;
  }
  if (n & 16) {
    acc = add_carry(add_carry(acc, load_native64(p)), load_native64(p + 8));
    p += 16;
  }
  std::uint64_t acc2 = 0;
#else
  std::uint64_t acc2 = 0;  // a second chain, so two adds are in flight
  while (n >= 32) {
    acc = add_carry(acc, load_native64(p));
    acc2 = add_carry(acc2, load_native64(p + 8));
    acc = add_carry(acc, load_native64(p + 16));
    acc2 = add_carry(acc2, load_native64(p + 24));
    p += 32;
    n -= 32;
  }
  if (n & 16) {
    acc = add_carry(acc, load_native64(p));
    acc2 = add_carry(acc2, load_native64(p + 8));
    p += 16;
  }
#endif
#if defined(__SSE4_1__)
  if (long_run) {
    // The last 0-15 octets without a branch on each length bit (query
    // lengths vary, so those branches miss): the sixteen octets that end the
    // run, moved down by one shuffle until only those remain, each in its
    // place (what was consumed so far is a multiple of sixteen); the table
    // row for `rest` zeroes the others.
    const std::size_t rest = n & 15;
    const __m128i last16 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + rest - 16));
    const __m128i kept = _mm_shuffle_epi8(
        last16, _mm_loadu_si128(reinterpret_cast<const __m128i*>(tail_shuffle[rest].data())));
    acc2 = add_carry(static_cast<std::uint64_t>(_mm_cvtsi128_si64(kept)),
                     static_cast<std::uint64_t>(_mm_extract_epi64(kept, 1)));
    return add_carry(acc, acc2);
  }
#endif
  if (n & 8) {
    acc2 = add_carry(acc2, load_native64(p));
    p += 8;
  }
  // The tail words keep their places: a zero-extended load adds the same
  // 16-bit words as the octets spell. At most 2^32 + 2^17: no carry out.
  std::uint64_t tail = 0;
  if (n & 4) {
    std::uint32_t a;
    std::memcpy(&a, p, 4);
    tail = a;
    p += 4;
  }
  if (n & 2) {
    std::uint16_t a;
    std::memcpy(&a, p, 2);
    tail += a;
    p += 2;
  }
  if (n & 1) {
    // The odd octet is the high half of a word padded with zero.
    const std::uint8_t pad[2] = {*p, 0};
    std::uint16_t a;
    std::memcpy(&a, pad, 2);
    tail += a;
  }
  return add_carry(add_carry(acc, acc2), tail);
}

constexpr std::uint16_t to_network_value(std::uint16_t native) {
  if constexpr (std::endian::native == std::endian::little) {
    return static_cast<std::uint16_t>((native << 8) | (native >> 8));
  } else {
    return native;
  }
}
}  // namespace detail

// A running ones' complement sum, kept unfolded in native word order and
// folded once at the end. Each run of octets added must start at an even
// offset of the checksummed region.
class Accumulator {
 public:
  [[gnu::always_inline]] void add(const std::uint8_t* p, std::size_t n) {
    acc_ = detail::native_sum(p, n, acc_);
  }
  // A 16-bit value in network order (a length, a protocol number).
  void add16(std::uint16_t value) {
    acc_ = detail::add_carry(acc_, detail::to_network_value(value));  // the swap is its own inverse
  }
  // Takes the 4 octets at `p` (two words already added) back out, by adding
  // their complement (RFC 1624 §3).
  void subtract32(const std::uint8_t* p) {
    std::uint32_t a;
    std::memcpy(&a, p, 4);
    acc_ = detail::add_carry(acc_, static_cast<std::uint32_t>(~a));
  }
  // Folded, uncomplemented, in network order.
  std::uint16_t value() const { return detail::to_network_value(fold(acc_)); }

 private:
  std::uint64_t acc_ = 0;
};

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
  Accumulator a;
  a.add(src, 4);
  a.add(dst, 4);
  a.add16(protocol);
  a.add16(l4_length);
  return a.value();
}

// RFC 8200 §8.1 pseudo-header: 16-octet source and destination, 32-bit
// upper-layer length, next header.
inline std::uint16_t pseudo_v6(const std::uint8_t* src, const std::uint8_t* dst,
                               std::uint32_t l4_length, std::uint8_t next_header) {
  Accumulator a;
  a.add(src, 16);
  a.add(dst, 16);
  a.add16(static_cast<std::uint16_t>(l4_length >> 16));
  a.add16(static_cast<std::uint16_t>(l4_length));
  a.add16(next_header);
  return a.value();
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
