#include "dataplane/dns64/ptr.hpp"

#include <array>

#include "dataplane/dns/xtable.hpp"

namespace dns64d::dns64 {

namespace {

constexpr std::array<std::uint8_t, 10> ip6_arpa_suffix{3, 'i', 'p', '6', 4, 'a', 'r', 'p', 'a', 0};
constexpr std::array<std::uint8_t, 14> in_addr_suffix{7,   'i', 'n', '-', 'a', 'd', 'd',
                                                      'r', 4,   'a', 'r', 'p', 'a', 0};
constexpr char hex_digits[] = "0123456789abcdef";

// Hexadecimal digit values, -1 for anything else (either case).
constexpr std::array<std::int8_t, 256> nibble_values = [] {
  std::array<std::int8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[static_cast<std::size_t>(c)] = c >= '0' && c <= '9'   ? static_cast<std::int8_t>(c - '0')
                                     : c >= 'a' && c <= 'f' ? static_cast<std::int8_t>(c - 'a' + 10)
                                     : c >= 'A' && c <= 'F' ? static_cast<std::int8_t>(c - 'A' + 10)
                                                            : std::int8_t{-1};
  }
  return t;
}();

// The last ten octets spell ip6.arpa (any case); label alignment is proven
// by the nibble labels in front of them, or checked in full on failure.
bool ends_in_ip6_arpa(dns::Bytes name) {
  if (name.size() < ip6_arpa_suffix.size()) return false;
  const std::uint8_t* t = name.data() + name.size() - ip6_arpa_suffix.size();
  for (std::size_t i = 0; i < ip6_arpa_suffix.size(); ++i) {
    if (dns::fold(t[i]) != ip6_arpa_suffix[i]) return false;
  }
  return true;
}

}  // namespace

DNS64D_DEFINE_XTABLE_NAMES(PtrResult, DNS64D_PTR_RESULTS)

PtrResult map_ptr(dns::Bytes name, const Prefix& p, dns::Name& in_addr, V4& v4) {
  if (!ends_in_ip6_arpa(name)) return PtrResult::not_ip6_arpa;
  // Not nibbles: either a bad label under ip6.arpa or a name that only
  // ends in those octets without the label boundary.
  const auto not_nibble = [&] {
    return dns::is_subdomain(name, ip6_arpa_suffix) ? PtrResult::bad_nibble
                                                    : PtrResult::not_ip6_arpa;
  };
  const std::size_t nibble_octets = name.size() - ip6_arpa_suffix.size();
  if (nibble_octets % 2 != 0) return not_nibble();
  const std::size_t count = nibble_octets / 2;
  if (count > 32) return PtrResult::too_many_labels;
  // Labels run from the lowest-order nibble to the highest; nibble i of the
  // address (0 = most significant) is label count-1-i.
  V6 addr{};
  for (std::size_t k = 0; k < count; ++k) {
    const int v = nibble_values[name[2 * k + 1]];
    if (name[2 * k] != 1 || v < 0) return not_nibble();
    const std::size_t i = 31 - k - (32 - count);  // position in the address
    addr[i / 2] = static_cast<std::uint8_t>(addr[i / 2] | (i % 2 == 0 ? v << 4 : v));
  }
  // With `count` nibbles present, the first count*4 bits of the address are known.
  const unsigned known = static_cast<unsigned>(count) * 4;
  const unsigned compare = known < p.length ? known : p.length;
  if (!in_prefix(addr, p.addr, compare)) return PtrResult::outside_prefix;
  if (count < 32) return PtrResult::too_few_labels;
  if (addr[8] != 0) return PtrResult::nonzero_u_octet;
  const auto got = extract(p, addr);
  if (!got) return PtrResult::outside_prefix;
  v4 = *got;
  in_addr_name(v4, in_addr);
  return PtrResult::ok;
}

void ip6_arpa_name(const V6& a, dns::Name& out) {
  std::size_t n = 0;
  for (int i = 31; i >= 0; --i) {
    const std::uint8_t octet = a[static_cast<std::size_t>(i / 2)];
    const unsigned v = (i % 2 == 0) ? (octet >> 4) : (octet & 0xf);
    out.wire[n++] = 1;
    out.wire[n++] = static_cast<std::uint8_t>(hex_digits[v]);
  }
  for (std::uint8_t c : ip6_arpa_suffix) out.wire[n++] = c;
  out.size = static_cast<std::uint8_t>(n);
  out.labels = 34;
}

void in_addr_name(V4 a, dns::Name& out) {
  std::size_t n = 0;
  for (int i = 3; i >= 0; --i) {
    unsigned v = a[static_cast<std::size_t>(i)];
    char digits[3];
    std::size_t len = 0;
    do {
      digits[len++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    out.wire[n++] = static_cast<std::uint8_t>(len);
    while (len > 0) out.wire[n++] = static_cast<std::uint8_t>(digits[--len]);
  }
  for (std::uint8_t c : in_addr_suffix) out.wire[n++] = c;
  out.size = static_cast<std::uint8_t>(n);
  out.labels = 6;
}

}  // namespace dns64d::dns64
