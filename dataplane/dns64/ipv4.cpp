#include "dataplane/dns64/ipv4.hpp"

#include <array>

namespace dns64d::dns64 {

namespace {
constexpr std::array<V4Range, 15> non_global{{
    {{0, 0, 0, 0}, 8},        // "this network"
    {{10, 0, 0, 0}, 8},       // RFC 1918
    {{100, 64, 0, 0}, 10},    // shared address space, RFC 6598
    {{127, 0, 0, 0}, 8},      // loopback
    {{169, 254, 0, 0}, 16},   // link local
    {{172, 16, 0, 0}, 12},    // RFC 1918
    {{192, 0, 0, 0}, 24},     // IETF protocol assignments
    {{192, 0, 2, 0}, 24},     // TEST-NET-1
    {{192, 168, 0, 0}, 16},   // RFC 1918
    {{198, 18, 0, 0}, 15},    // benchmarking
    {{198, 51, 100, 0}, 24},  // TEST-NET-2
    {{203, 0, 113, 0}, 24},   // TEST-NET-3
    {{224, 0, 0, 0}, 4},      // multicast
    {{240, 0, 0, 0}, 4},      // reserved, and limited broadcast
    {{192, 88, 99, 0}, 24},   // deprecated 6to4 relay anycast (RFC 7526)
}};
}  // namespace

bool in_range(V4 a, const V4Range& r) {
  const std::uint32_t x =
      (std::uint32_t{a[0]} << 24) | (std::uint32_t{a[1]} << 16) | (std::uint32_t{a[2]} << 8) | a[3];
  const std::uint32_t n = (std::uint32_t{r.net[0]} << 24) | (std::uint32_t{r.net[1]} << 16) |
                          (std::uint32_t{r.net[2]} << 8) | r.net[3];
  const std::uint32_t mask = r.length == 0 ? 0 : ~std::uint32_t{0} << (32 - r.length);
  return (x & mask) == (n & mask);
}

bool in_any(V4 a, std::span<const V4Range> ranges) {
  for (const V4Range& r : ranges) {
    if (in_range(a, r)) return true;
  }
  return false;
}

bool is_global_v4(V4 a) {
  // The table above, decided by the first octet: this runs per synthesized
  // record under the well-known prefix. The tests hold the two in step.
  switch (a[0]) {
    case 0:
    case 10:
    case 127:
      return false;
    case 100:
      return (a[1] & 0xc0) != 64;
    case 169:
      return a[1] != 254;
    case 172:
      return (a[1] & 0xf0) != 16;
    case 192:
      if (a[1] == 0) return a[2] != 0 && a[2] != 2;
      if (a[1] == 88) return a[2] != 99;
      return a[1] != 168;
    case 198:
      if ((a[1] & 0xfe) == 18) return false;
      return !(a[1] == 51 && a[2] == 100);
    case 203:
      return !(a[1] == 0 && a[2] == 113);
    default:
      return a[0] < 224;
  }
}

bool in_special_purpose_table(V4 a) { return in_any(a, non_global); }

bool is_nat64_discovery(V4 a) {
  return a[0] == 192 && a[1] == 0 && a[2] == 0 && (a[3] == 170 || a[3] == 171);
}

bool may_map(const Prefix& p, V4 a, bool relaxed) {
  if (relaxed || !(p == well_known_prefix)) return true;
  return is_global_v4(a) || is_nat64_discovery(a);
}

}  // namespace dns64d::dns64
