// Upstream records rewritten into the layout the cache and the workers
// share (see dataplane/respond/respond.hpp): an owner equal to the entry's
// name becomes the pointer 0xC00C, every other name is written out in full,
// names inside RDATA included, so a record never points into a message
// that no longer exists.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/dns/reader.hpp"

namespace dns64d::control {

struct Rrs {
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint16_t> ttl_offsets;
  std::uint32_t min_ttl = UINT32_MAX;
  bool empty() const { return ttl_offsets.empty(); }
};

// Appends `rr`, read from `msg`; `key_name` (folded) may be empty, then no
// owner is compressed. False when the record cannot be expanded.
bool append_rr(dns::Bytes msg, const dns::RR& rr, dns::Bytes key_name, Rrs& out);

// Appends the records of one section of `m` (answer or authority) whose
// type is `type` (0: any type but OPT).
bool append_section(dns::Bytes msg, const dns::Message& m, dns::Section s, std::uint16_t type,
                    dns::Bytes key_name, Rrs& out);

}  // namespace dns64d::control
