#include "dataplane/dns64/prefix.hpp"

#include <arpa/inet.h>

#include <bit>
#include <charconv>
#include <cstring>

#include "dataplane/dns/xtable.hpp"

namespace dns64d::dns64 {

namespace {

// Octet positions of the IPv4 address for each length (RFC 6052 §2.2 figure).
struct Layout {
  std::uint8_t length;
  std::array<std::uint8_t, 4> v4_at;
};
constexpr std::array<Layout, 6> layouts{{
    {32, {4, 5, 6, 7}},
    {40, {5, 6, 7, 9}},
    {48, {6, 7, 9, 10}},
    {56, {7, 9, 10, 11}},
    {64, {9, 10, 11, 12}},
    {96, {12, 13, 14, 15}},
}};
constexpr std::size_t u_octet = 8;

const Layout* layout_for(unsigned length) {
  for (const Layout& l : layouts) {
    if (l.length == length) return &l;
  }
  return nullptr;
}

}  // namespace

DNS64D_DEFINE_XTABLE_NAMES(PrefixError, DNS64D_PREFIX_ERRORS)

bool valid_length(unsigned length) { return layout_for(length) != nullptr; }

bool in_prefix(const V6& a, const V6& net, unsigned length) {
  // Two big-endian quadwords each; the first `length` bits compared under a mask.
  const unsigned hi_bits = length < 64 ? length : 64;
  const unsigned lo_bits = length > 64 ? (length < 128 ? length - 64 : 64) : 0;
  return ((word_at(a, 0) ^ word_at(net, 0)) & top_bits(hi_bits)) == 0 &&
         ((word_at(a, 8) ^ word_at(net, 8)) & top_bits(lo_bits)) == 0;
}

PrefixError validate_pref64(const Prefix& p) {
  const V6& a = p.addr;
  V6 loopback{};
  loopback[15] = 1;
  if (a == loopback) return PrefixError::loopback;
  if (!valid_length(p.length)) return PrefixError::bad_length;
  for (unsigned i = p.length / 8; i < 16; ++i) {
    if (a[i] != 0) return PrefixError::host_bits;
  }
  if (a[u_octet] != 0) return PrefixError::u_octet;
  if (a == V6{}) return PrefixError::unspecified;
  const V6 mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (in_prefix(a, mapped, 96)) return PrefixError::ipv4_mapped;
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return PrefixError::link_local;
  if (a[0] == 0xff) return PrefixError::multicast;
  return PrefixError::ok;
}

PrefixError parse_pref64(std::string_view text, Prefix& out) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return PrefixError::syntax;
  const auto addr = parse_v6(text.substr(0, slash));
  const std::string_view len_text = text.substr(slash + 1);
  unsigned length = 0;
  const auto [end, ec] =
      std::from_chars(len_text.data(), len_text.data() + len_text.size(), length);
  if (!addr || ec != std::errc{} || end != len_text.data() + len_text.size() || length > 128) {
    return PrefixError::syntax;
  }
  out.addr = *addr;
  out.length = static_cast<std::uint8_t>(length);
  return validate_pref64(out);
}

V6 embed(const Prefix& p, V4 v4, const V6& suffix) {
  if (p.length == 96) {  // the common case, and the only one without a suffix
    V6 a = p.addr;
    a[u_octet] = 0;
    std::memcpy(a.data() + 12, v4.data(), 4);
    return a;
  }
  const Layout* l = layout_for(p.length);
  V6 a = suffix;
  for (unsigned i = 0; i < p.length / 8; ++i) a[i] = p.addr[i];
  a[u_octet] = 0;
  if (l == nullptr) return a;  // validate_pref64 refuses such prefixes
  for (std::size_t i = 0; i < 4; ++i) a[l->v4_at[i]] = v4[i];
  return a;
}

std::optional<V4> extract(const Prefix& p, const V6& a) {
  const Layout* l = layout_for(p.length);
  if (l == nullptr || !in_prefix(a, p.addr, p.length) || a[u_octet] != 0) return std::nullopt;
  V4 v4;
  for (std::size_t i = 0; i < 4; ++i) v4[i] = a[l->v4_at[i]];
  return v4;
}

std::string to_text(const V6& a) {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, a.data(), buf, sizeof buf) == nullptr) return "?";
  return buf;
}

std::optional<V6> parse_v6(std::string_view text) {
  char buf[INET6_ADDRSTRLEN];
  if (text.size() >= sizeof buf) return std::nullopt;
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  V6 a;
  if (inet_pton(AF_INET6, buf, a.data()) != 1) return std::nullopt;
  return a;
}

std::optional<V4> parse_v4(std::string_view text) {
  char buf[INET_ADDRSTRLEN];
  if (text.size() >= sizeof buf) return std::nullopt;
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  V4 a;
  if (inet_pton(AF_INET, buf, a.data()) != 1) return std::nullopt;
  return a;
}

}  // namespace dns64d::dns64
