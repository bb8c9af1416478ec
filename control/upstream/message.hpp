// Upstream queries and the checks an answer must pass before we believe it.
// Built and parsed with ldns; pure functions over bytes, no sockets.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace dns64d::upstream {

using Bytes = std::span<const std::uint8_t>;

struct Question {
  Bytes qname_wire;  // uncompressed wire name, root label included
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 1;
};

struct QueryOptions {
  bool do_bit = false;  // copied from the client: it wants DNSSEC records
  bool cd = false;      // copied from the client: checking disabled
  std::uint16_t edns_payload = 1232;
};

// Labels of 1..63 octets, 255 octets at most, ending in the root label.
bool valid_qname_wire(Bytes qname_wire);

// An RD=1 query with an EDNS0 OPT record; empty when the name is invalid.
std::vector<std::uint8_t> build_query(std::uint16_t id, const Question& question,
                                      const QueryOptions& options);

enum class Verdict : std::uint8_t {
  accept,
  short_packet,  // smaller than a DNS header
  wrong_id,
  not_response,    // QR clear or opcode not QUERY
  malformed,       // ldns could not parse the whole message
  wrong_question,  // not exactly our question (name compared case-insensitively)
  case_mismatch,   // our question, but its name not in the case we sent (0x20)
};

struct Check {
  Verdict verdict = Verdict::malformed;
  bool truncated = false;
  std::uint8_t rcode = 0;
};

// `exact_case`: the question's name must come back octet for octet, as
// sent with randomized case (0x20), not merely equal ignoring case.
Check check_response(Bytes response, std::uint16_t id, const Question& question,
                     bool exact_case = false);

}  // namespace dns64d::upstream
