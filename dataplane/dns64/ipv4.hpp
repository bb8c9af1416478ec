// IPv4 ranges and the well-known prefix's rule for non-global addresses.
#pragma once

#include <cstdint>
#include <span>

#include "dataplane/dns64/prefix.hpp"

namespace dns64d::dns64 {

struct V4Range {
  V4 net{};
  std::uint8_t length = 32;
};

bool in_range(V4 a, const V4Range& r);
bool in_any(V4 a, std::span<const V4Range> ranges);

// False for addresses of the special-purpose registry (RFC 6890, RFC 5735 §3,
// RFC 1918, RFC 6598) that are not globally reachable.
bool is_global_v4(V4 a);
// The same ranges as a plain table walk: the reference is_global_v4 is tested against.
bool in_special_purpose_table(V4 a);

// 192.0.0.170 and 192.0.0.171, the addresses of ipv4only.arpa (RFC 7050):
// non-global, yet synthesized under every prefix so that clients can
// discover it.
bool is_nat64_discovery(V4 a);

// RFC 6052 §3.1: the well-known prefix must not represent non-global IPv4.
// `relaxed` switches the rule off (draft-ietf-v6ops-nat64-wkp-1918). Network-
// specific prefixes may map anything.
bool may_map(const Prefix& p, V4 a, bool relaxed = false);

}  // namespace dns64d::dns64
