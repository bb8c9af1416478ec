// RFC 6147 decisions as pure functions over upstream answers parsed by
// dataplane/dns. No I/O: the control plane asks, these functions decide.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "dataplane/dns/reader.hpp"
#include "dataplane/dns64/ipv4.hpp"
#include "dataplane/dns64/prefix.hpp"

namespace dns64d::dns64 {

// An IPv6 range of any length, for the §5.1.4 exclusion list.
struct V6Range {
  V6 net{};
  std::uint8_t length = 128;
};

// ::ffff:0:0/96, the exclusion RFC 6147 §5.1.4 asks for by default.
inline constexpr V6Range ipv4_mapped_range{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96};
inline constexpr std::array<V6Range, 1> default_exclusions{ipv4_mapped_range};

bool excluded(const V6& aaaa, std::span<const V6Range> exclusions);

// §5.5: DO and CD both set means the client validates: no synthesis.
inline bool synthesis_allowed(bool do_bit, bool cd) { return !(do_bit && cd); }

// §5.1.7 with RFC 2308 §5: the negative TTL is min(SOA TTL, SOA MINIMUM).
inline std::uint32_t negative_ttl(std::uint32_t soa_ttl, std::uint32_t soa_minimum) {
  return soa_ttl < soa_minimum ? soa_ttl : soa_minimum;
}
// §5.1.7: min(A TTL, negative TTL of the AAAA answer), or min(A TTL, 600)
// when the AAAA answer carried no SOA.
inline constexpr std::uint32_t ttl_without_soa = 600;
inline std::uint32_t synthesized_ttl(std::uint32_t a_ttl, std::optional<std::uint32_t> neg) {
  const std::uint32_t cap = neg ? *neg : ttl_without_soa;
  return a_ttl < cap ? a_ttl : cap;
}

struct Policy {
  std::span<const V6Range> exclusions = default_exclusions;
  std::span<const V4Range> never_map;  // IPv4 ranges never synthesized (`mapped`-style)
  bool synthesize_all = false;         // ignore real AAAA
  bool servfail_on_error = false;      // other RCODEs / timeout: SERVFAIL, not synthesis
  bool wkp_relaxed = false;            // allow non-global IPv4 under 64:ff9b::/96
  // Records synthesized after the AAAA query failed (timeout, an error
  // RCODE) live at most this long: the failure, not the name, decided
  // there was no AAAA (RFC 2308 §7 caps cached failures at five minutes).
  std::uint32_t failure_ttl = 30;
};

struct Client {
  std::uint16_t qclass = 1;
  bool do_bit = false;
  bool cd = false;
};

// What to do with the upstream answer to the AAAA query.
enum class AaaaVerdict : std::uint8_t {
  relay,       // return the upstream answer as it is (class not IN, DO+CD, real AAAA only)
  filter,      // real AAAA present, some excluded: return it without the excluded ones
  synthesize,  // ask for A and synthesize (§5.1.2-§5.1.5)
  nxdomain,    // §5.1.2: the name does not exist: return the NXDOMAIN
  servfail,    // other RCODE or timeout with servfail_on_error
};

struct AaaaDecision {
  AaaaVerdict verdict = AaaaVerdict::relay;
  std::uint16_t real = 0;                     // AAAA records at the end of the chain, not excluded
  std::uint16_t excluded = 0;                 // AAAA records at the end of the chain, excluded
  std::optional<std::uint32_t> negative_ttl;  // from the AAAA answer's SOA, for §5.1.7
  // Synthesize because the AAAA query failed (§5.1.2-3), not because it was empty.
  bool failed = false;
};

// `aaaa` is the upstream answer to the AAAA query (nullptr for a timeout),
// `msg` its bytes.
AaaaDecision decide_aaaa(const dns::Message* aaaa, dns::Bytes msg, const Client& c,
                         const Policy& policy);

// The CNAME/DNAME chain from the question name (§5.1.5): which records of the
// answer section form it and the name it ends at.
struct Chain {
  static constexpr std::size_t max_links = 16;
  std::array<std::uint16_t, max_links> rr_offsets{};  // offsets of CNAME/DNAME RRs in order
  std::size_t links = 0;
  dns::Name end;         // folded
  bool complete = true;  // false when the chain ran past max_links or looped
};
dns::Error follow_chain(const dns::Message& m, dns::Bytes msg, Chain& chain);

enum class SynthVerdict : std::uint8_t {
  synthesize,  // addresses below hold the A records to map
  nodata,      // A answer empty (or every A excluded): NOERROR, no records
  error,       // §5.1.6: the A query's error is the answer (rcode below)
};

struct Synthesis {
  static constexpr std::size_t max_addresses = 32;
  SynthVerdict verdict = SynthVerdict::nodata;
  std::uint8_t rcode = 0;
  std::array<V4, max_addresses> addresses{};
  std::array<std::uint32_t, max_addresses> ttls{};  // already min'd per §5.1.7
  std::size_t count = 0;
  std::size_t dropped = 0;  // A records refused by never_map or the WKP rule
  Chain chain;
  std::optional<std::uint32_t> negative_ttl;  // from the A answer's SOA when NODATA
};

// From the upstream answer to the A query (nullptr for a timeout) and the
// earlier AAAA decision, the records to synthesize under `prefix`. After a
// failed AAAA query, the TTLs (and a NODATA's negative TTL) are capped at
// policy.failure_ttl.
Synthesis decide_synthesis(const dns::Message* a, dns::Bytes msg, const AaaaDecision& aaaa,
                           const Prefix& prefix, const Policy& policy);

// Header bits of a synthesized reply: AD is never set on synthesized data (§5.5).
inline std::uint16_t synthesized_flags(std::uint16_t upstream_flags) {
  return static_cast<std::uint16_t>(upstream_flags & ~dns::flag::AD);
}

}  // namespace dns64d::dns64
