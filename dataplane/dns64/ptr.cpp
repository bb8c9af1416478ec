#include "dataplane/dns64/ptr.hpp"

#include <array>
#include <bit>
#include <cstring>

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
  // Two overlapping quadwords; OR 0x20 where the suffix has a letter folds
  // exactly the two cases of that letter onto the lower one.
  static constexpr std::array<std::uint8_t, 10> letters{0,    0x20, 0x20, 0,    0,
                                                        0x20, 0x20, 0x20, 0x20, 0};
  std::uint64_t a, b, la, lb, sa, sb;
  std::memcpy(&a, t, 8);
  std::memcpy(&b, t + 2, 8);
  std::memcpy(&la, letters.data(), 8);
  std::memcpy(&lb, letters.data() + 2, 8);
  std::memcpy(&sa, ip6_arpa_suffix.data(), 8);
  std::memcpy(&sb, ip6_arpa_suffix.data() + 2, 8);
  return (((a | la) ^ sa) | ((b | lb) ^ sb)) == 0;
}

// Four nibble labels, the eight octets 1 h0 1 h1 1 h2 1 h3 at `p`, read as
// one quadword with a 16-bit lane per label: true when each is a length 1
// and a hexadecimal digit, with h0 in bits 0..3 of `bits`, h3 in 12..15.
bool nibble_block(const std::uint8_t* p, std::uint16_t& bits) {
  constexpr std::uint64_t lanes = 0x0001'0001'0001'0001ull;  // one per 16-bit lane
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  if constexpr (std::endian::native != std::endian::little) x = __builtin_bswap64(x);
  if ((x & 0xff * lanes) != lanes) return false;  // every length octet is 1
  const std::uint64_t c = x >> 8 & 0xff * lanes;  // the digits, below 0x100 each
  // Bit 15 of a lane: c >= lo, from c + 0x8000 - lo (no lane over- or underflows).
  const auto at_least = [&](std::uint64_t v, unsigned lo) { return v + (0x8000u - lo) * lanes; };
  const std::uint64_t digit = at_least(c, '0') & ~at_least(c, '9' + 1);
  const std::uint64_t lower = c | 0x20 * lanes;  // folds A-F onto a-f
  const std::uint64_t letter = at_least(lower, 'a') & ~at_least(lower, 'f' + 1);
  if (((digit | letter) & 0x8000 * lanes) != 0x8000 * lanes) return false;
  // '0'-'9' are 0x30-0x39, 'a'-'f' 0x61-0x66 and 'A'-'F' 0x41-0x46: the low
  // four bits, plus 9 where bit 6 (a letter) is set.
  const std::uint64_t v = (c & 0xf * lanes) + (c >> 6 & lanes) * 9;
  const std::uint64_t pairs = v | v >> 12;  // h1 next to h0, h3 next to h2
  bits = static_cast<std::uint16_t>((pairs & 0xff) | (pairs >> 24 & 0xff00));
  return true;
}

}  // namespace

DNS64D_DEFINE_XTABLE_NAMES(PtrResult, DNS64D_PTR_RESULTS)

PtrResult read_ip6_arpa(dns::Bytes name, Ip6Arpa& out) {
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
  // Labels run from the lowest-order nibble to the highest: label k holds
  // bits 4(32-count+k) up of the 128-bit address (the missing low-order
  // nibbles of a partial name read as zero). Gathered into two quadwords,
  // the checks folded into one flag, so the loop has no branch per label.
  std::uint64_t half[2] = {0, 0};  // [0]: bits 0..63, [1]: bits 64..127
  unsigned bad = 0;
  const std::size_t skip = 32 - count;
  std::size_t k = 0;
  if (count == 32) {
    // A whole name: four labels a quadword, sixteen bits of the address each.
    for (std::size_t b = 0; b < 8; ++b) {
      std::uint16_t bits;
      if (!nibble_block(name.data() + 8 * b, bits)) return not_nibble();
      half[b >> 2] |= std::uint64_t{bits} << (16 * (b & 3));
    }
    k = count;
  }
  for (; k < count; ++k) {
    const std::int8_t v = nibble_values[name[2 * k + 1]];
    // A length octet other than 1 sets bits 8 and up, a non-digit (-1) bit 7.
    bad |= (name[2 * k] ^ 1u) << 8 | static_cast<std::uint8_t>(v);
    const std::size_t bit = 4 * (skip + k);
    half[bit >> 6] |= std::uint64_t{static_cast<std::uint8_t>(v) & 0xfu} << (bit & 63);
  }
  if ((bad & ~0xfu) != 0) return not_nibble();
  if constexpr (std::endian::native == std::endian::little) {
    half[0] = __builtin_bswap64(half[0]);
    half[1] = __builtin_bswap64(half[1]);
  }
  std::memcpy(out.addr.data(), &half[1], 8);
  std::memcpy(out.addr.data() + 8, &half[0], 8);
  out.nibbles = static_cast<std::uint8_t>(count);
  return PtrResult::ok;
}

PtrResult map_ptr(const Ip6Arpa& name, const Prefix& p, dns::Name& in_addr, V4& v4) {
  // With `nibbles` present, the first nibbles*4 bits of the address are known.
  const V6& addr = name.addr;
  const unsigned known = unsigned{name.nibbles} * 4;
  const unsigned compare = known < p.length ? known : p.length;
  if (!in_prefix(addr, p.addr, compare)) return PtrResult::outside_prefix;
  if (name.nibbles < 32) return PtrResult::too_few_labels;
  if (addr[8] != 0) return PtrResult::nonzero_u_octet;
  const auto got = extract(p, addr);
  if (!got) return PtrResult::outside_prefix;
  v4 = *got;
  in_addr_name(v4, in_addr);
  return PtrResult::ok;
}

PtrResult map_ptr(dns::Bytes name, const Prefix& p, dns::Name& in_addr, V4& v4) {
  Ip6Arpa read;
  const PtrResult r = read_ip6_arpa(name, read);
  return r == PtrResult::ok ? map_ptr(read, p, in_addr, v4) : r;
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

namespace {
// Each octet value as a label: its length, then up to three decimal digits.
constexpr std::array<std::array<std::uint8_t, 4>, 256> decimal_labels = [] {
  std::array<std::array<std::uint8_t, 4>, 256> t{};
  for (unsigned v = 0; v < 256; ++v) {
    auto& l = t[v];
    if (v >= 100) {
      l = {3, static_cast<std::uint8_t>('0' + v / 100),
           static_cast<std::uint8_t>('0' + v / 10 % 10), static_cast<std::uint8_t>('0' + v % 10)};
    } else if (v >= 10) {
      l = {2, static_cast<std::uint8_t>('0' + v / 10), static_cast<std::uint8_t>('0' + v % 10), 0};
    } else {
      l = {1, static_cast<std::uint8_t>('0' + v), 0, 0};
    }
  }
  return t;
}();
}  // namespace

void in_addr_name(V4 a, dns::Name& out) {
  // Four octets stored whatever the label's length, then the end moved by
  // it: no branch on the number of digits.
  std::size_t n = 0;
  for (int i = 3; i >= 0; --i) {
    const auto& l = decimal_labels[a[static_cast<std::size_t>(i)]];
    std::memcpy(out.wire.data() + n, l.data(), 4);
    n += 1u + l[0];
  }
  std::memcpy(out.wire.data() + n, in_addr_suffix.data(), in_addr_suffix.size());
  n += in_addr_suffix.size();
  out.size = static_cast<std::uint8_t>(n);
  out.labels = 6;
}

}  // namespace dns64d::dns64
