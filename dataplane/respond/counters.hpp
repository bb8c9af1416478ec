// What became of each DNS query a worker saw. One table; every query that
// reaches the DNS layer lands in exactly one of these (frames that never get
// there are counted by their net::Outcome).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace dns64d::respond {

#define DNS64D_DNS_OUTCOMES(X)                                                        \
  X(answered_aaaa_synth, "AAAA synthesized from cached IPv4 addresses")               \
  X(answered_aaaa_real, "AAAA answered with cached real AAAA records")                \
  X(answered_ptr_mapped, "ip6.arpa PTR under a prefix answered from in-addr.arpa")    \
  X(answered_ptr_partial, "partial ip6.arpa name under a prefix: NODATA")             \
  X(answered_reverse_zone, "SOA or NS at the apex of a prefix's reverse zone")        \
  X(answered_cached, "other types answered from cached records")                      \
  X(answered_negative, "NXDOMAIN or NODATA from the cache")                           \
  X(answered_formerr, "malformed query answered FORMERR")                             \
  X(answered_formerr_cookie, "malformed COOKIE option answered FORMERR (RFC 7873)")   \
  X(answered_notimp, "opcode other than QUERY answered NOTIMP")                       \
  X(answered_badvers, "EDNS version above 0 answered BADVERS")                        \
  X(answered_refused, "no view serves the client: REFUSED")                           \
  X(answered_chaos, "CHAOS version or identity from the configuration")               \
  X(answered_refused_class, "class other than IN (or CHAOS not configured): REFUSED") \
  X(answered_any_minimal, "ANY answered with RFC 8482's HINFO, never relayed")        \
  X(answered_servfail, "cached entry could not be written: SERVFAIL")                 \
  X(punted_miss, "cache miss sent to the control plane")                              \
  X(punted_validating, "DO and CD set: the upstream's answer, not the cache")         \
  X(dropped_response, "QR set: never answer a response")                              \
  X(dropped_short, "shorter than a DNS header")                                       \
  X(limited_slipped, "over its prefix's response rate: TC=1 and the question only")   \
  X(limited_dropped, "over its prefix's response rate: dropped")

enum class DnsOutcome : std::uint8_t {
#define DNS64D_X(name, text) name,
  DNS64D_DNS_OUTCOMES(DNS64D_X)
#undef DNS64D_X
      count_
};

inline constexpr std::size_t dns_outcome_count = static_cast<std::size_t>(DnsOutcome::count_);

std::string_view to_string(DnsOutcome o);
std::string_view describe(DnsOutcome o);

inline bool is_answer(DnsOutcome o) { return o <= DnsOutcome::answered_servfail; }
inline bool is_punt(DnsOutcome o) {
  return o == DnsOutcome::punted_miss || o == DnsOutcome::punted_validating;
}

}  // namespace dns64d::respond
