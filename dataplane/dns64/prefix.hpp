// RFC 6052: IPv4-embedded IPv6 addresses under a Pref64 of length
// 32, 40, 48, 56, 64 or 96, with bits 64..71 (the u-octet) always zero.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace dns64d::dns64 {

using V6 = std::array<std::uint8_t, 16>;
using V4 = std::array<std::uint8_t, 4>;

struct Prefix {
  V6 addr{};
  std::uint8_t length = 96;
  bool operator==(const Prefix&) const = default;
};

// 64:ff9b::/96, RFC 6052 §2.1.
inline constexpr Prefix well_known_prefix{{0x00, 0x64, 0xff, 0x9b}, 96};

#define DNS64D_PREFIX_ERRORS(X)                                                     \
  X(ok, "ok")                                                                       \
  X(syntax, "not an IPv6 prefix in the form ADDRESS/LENGTH")                        \
  X(bad_length, "length must be one of 32, 40, 48, 56, 64 or 96 (RFC 6052 §2.2)")   \
  X(host_bits, "bits beyond the prefix length are set")                             \
  X(u_octet, "bits 64..71 (the u-octet) must be zero (RFC 6052 §2.2)")              \
  X(unspecified, "the unspecified prefix :: cannot carry IPv4 addresses")           \
  X(loopback, "::1 is the loopback address, not a prefix")                          \
  X(ipv4_mapped, "::ffff:0:0/96 is the IPv4-mapped range (RFC 4291), not a Pref64") \
  X(link_local, "fe80::/10 is link-local and cannot be routed to a NAT64")          \
  X(multicast, "ff00::/8 is multicast")

enum class PrefixError : std::uint8_t {
#define DNS64D_X(name, text) name,
  DNS64D_PREFIX_ERRORS(DNS64D_X)
#undef DNS64D_X
};

std::string_view describe(PrefixError e);
std::string_view to_string(PrefixError e);

// Is `p` usable as a Pref64? ok, or the first reason it is not.
PrefixError validate_pref64(const Prefix& p);

// Parses "2001:db8::/96" (length required) and validates it.
PrefixError parse_pref64(std::string_view text, Prefix& out);

// Whether one of the six lengths RFC 6052 allows.
bool valid_length(unsigned length);

// Writes `v4` into `p` at the positions RFC 6052 §2.2 gives for p.length,
// zeroes the u-octet, and copies the remaining (suffix) octets from `suffix`.
V6 embed(const Prefix& p, V4 v4, const V6& suffix = {});

// The IPv4 address inside `a`, when `a` lies under `p` with a zero u-octet.
std::optional<V4> extract(const Prefix& p, const V6& a);

// An IPv6 address as two big-endian quadwords, so that a prefix of any
// length is a mask on them (prefix matching and client tables use these).
struct V6Words {
  std::uint64_t hi = 0, lo = 0;
  bool operator==(const V6Words&) const = default;
  V6Words operator&(const V6Words& m) const { return {hi & m.hi, lo & m.lo}; }
};
// Octets at..at+7 of `a` as a big-endian quadword.
inline std::uint64_t word_at(const V6& a, std::size_t at) {
  std::uint64_t w;
  std::memcpy(&w, a.data() + at, 8);
  if constexpr (std::endian::native == std::endian::little) w = __builtin_bswap64(w);
  return w;
}
inline V6Words words(const V6& a) { return {word_at(a, 0), word_at(a, 8)}; }
// The top `bits` of a quadword set, for 0..64.
inline std::uint64_t top_bits(unsigned bits) {
  return bits == 0 ? 0 : ~std::uint64_t{0} << (64 - bits);
}
// The first `length` bits set, for 0..128.
inline V6Words prefix_mask(unsigned length) {
  return {top_bits(length < 64 ? length : 64),
          top_bits(length > 64 ? (length < 128 ? length - 64 : 64) : 0)};
}

// True when `a` starts with the first `length` bits of `net`.
bool in_prefix(const V6& a, const V6& net, unsigned length);

// Formats an IPv6 address the way inet_ntop does; for logs and tests.
std::string to_text(const V6& a);
std::optional<V6> parse_v6(std::string_view text);
std::optional<V4> parse_v4(std::string_view text);

}  // namespace dns64d::dns64
