// Upstream records rewritten into the layout the cache and the workers
// share (see dataplane/respond/respond.hpp): an owner equal to the entry's
// name becomes the pointer 0xC00C, every other name is written out in full,
// names inside RDATA included, so a record never points into a message
// that no longer exists.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "dataplane/dns/reader.hpp"

namespace dns64d::control {

struct Rrs {
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint16_t> ttl_offsets;
  std::uint32_t min_ttl = UINT32_MAX;
  bool empty() const { return ttl_offsets.empty(); }
};

// DNSSEC records a DO=0 client must not see (RFC 4035 §3.2.1): RRSIG,
// NSEC, NSEC3, unless they are what it asked for.
inline bool is_dnssec_record(std::uint16_t type, std::uint16_t qtype) {
  return type != qtype &&
         (type == dns::type::RRSIG || type == dns::type::NSEC || type == dns::type::NSEC3);
}

// Appends `rr`, read from `msg`; `key_name` (folded) may be empty, then no
// owner is compressed. False when the record cannot be expanded.
bool append_rr(dns::Bytes msg, const dns::RR& rr, dns::Bytes key_name, Rrs& out);

// What of a NOERROR answer section answers its question: the records owned
// by a name of the CNAME/DNAME chain from the question's name (the names
// the CNAMEs lead through and the chain's end) and the DNAME records the
// chain went through, and nothing owned by another name, which an upstream
// that does not scrub its answers might pass on (RFC 1034 §4.3.2 step 3,
// RFC 6672 §3.2). `has_data`: whether the chain's end holds a record of
// `qtype` (for qtype CNAME: whether the question's name has its CNAME); a
// chain that ends without one is NODATA, not an answer. False when the
// chain cannot be followed or a record cannot be expanded. Records on the
// chain for which `skip` says true are left out too (not counted as dropped).
struct AnswerScrub {
  std::size_t kept = 0, dropped = 0;
  bool has_data = false;
};
bool append_answer(dns::Bytes msg, const dns::Message& m, std::uint16_t qtype, dns::Bytes key_name,
                   Rrs& out, AnswerScrub& scrub,
                   const std::function<bool(const dns::RR&)>& skip = {});

// Appends the records of one section of `m` (answer or authority) whose
// type is `type` (0: any type but OPT), but those for which `skip` says true.
bool append_section(dns::Bytes msg, const dns::Message& m, dns::Section s, std::uint16_t type,
                    dns::Bytes key_name, Rrs& out,
                    const std::function<bool(const dns::RR&)>& skip = {});

// The name a negative answer speaks of: the end of the answer section's
// CNAME/DNAME chain from the question's name, or that name without a
// chain. False when the chain cannot be followed.
bool answered_name(dns::Bytes msg, const dns::Message& m, dns::Name& out);

// Whether `rr`, from an authority section, is a SOA (or the signature over
// one) owned neither by `answered` nor by an ancestor of it: not the zone
// that answered, so it says nothing about the name (RFC 2308 §2.1, §5) and
// is neither cached nor passed on.
bool stray_soa(const dns::RR& rr, dns::Bytes answered);

// The SOA records of a negative answer that cover the name it answers
// (above), and its negative TTL from them: min(SOA TTL, MINIMUM) (RFC 2308
// §5). `stray`: the SOA records left out. False when a record cannot be
// read or expanded.
struct NegativeSoa {
  Rrs rrs;
  std::uint32_t ttl = UINT32_MAX;
  std::size_t stray = 0;
};
bool negative_soa(dns::Bytes msg, const dns::Message& m, NegativeSoa& out);

}  // namespace dns64d::control
