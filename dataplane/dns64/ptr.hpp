// ip6.arpa names under a Pref64 mapped to the in-addr.arpa name of the
// embedded IPv4 address (RFC 6147 §5.3.1), and back.
#pragma once

#include <cstdint>
#include <string_view>

#include "dataplane/dns/name.hpp"
#include "dataplane/dns64/prefix.hpp"

namespace dns64d::dns64 {

#define DNS64D_PTR_RESULTS(X)                                                 \
  X(ok, "mapped")                                                             \
  X(not_ip6_arpa, "name is not under ip6.arpa")                               \
  X(bad_nibble, "a label under ip6.arpa is not a single hexadecimal digit")   \
  X(too_many_labels, "more than 32 nibbles under ip6.arpa")                   \
  X(outside_prefix, "the nibbles present do not match the prefix")            \
  X(too_few_labels, "fewer than 32 nibbles: a partial name under the prefix") \
  X(nonzero_u_octet, "bits 64..71 (the u-octet) of the address are not zero")

enum class PtrResult : std::uint8_t {
#define DNS64D_X(name, text) name,
  DNS64D_PTR_RESULTS(DNS64D_X)
#undef DNS64D_X
};

std::string_view describe(PtrResult r);
std::string_view to_string(PtrResult r);

// Maps a (case-insensitive) ip6.arpa name in wire form. On ok, `in_addr`
// holds "d.c.b.a.in-addr.arpa." and `v4` the address. A partial name whose
// nibbles all agree with the prefix reports too_few_labels (the caller
// answers NODATA); a longer one that leaves the prefix reports outside_prefix.
PtrResult map_ptr(dns::Bytes ip6_arpa, const Prefix& p, dns::Name& in_addr, V4& v4);

// The same in two steps, for matching one name against several prefixes:
// the name read once (ok, not_ip6_arpa, bad_nibble or too_many_labels),
// then compared with each prefix.
struct Ip6Arpa {
  V6 addr{};                 // the nibbles present, the missing low-order ones zero
  std::uint8_t nibbles = 0;  // labels under ip6.arpa, 0..32
};
PtrResult read_ip6_arpa(dns::Bytes ip6_arpa, Ip6Arpa& out);
PtrResult map_ptr(const Ip6Arpa& name, const Prefix& p, dns::Name& in_addr, V4& v4);

// The ip6.arpa name (lower case) of an IPv6 address.
void ip6_arpa_name(const V6& a, dns::Name& out);
// The in-addr.arpa name of an IPv4 address.
void in_addr_name(V4 a, dns::Name& out);

}  // namespace dns64d::dns64
