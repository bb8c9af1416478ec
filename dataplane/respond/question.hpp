// The question key: what both sides need to know of a query, computed once
// by whoever parsed it (a worker, or the control plane for DNS over TCP) and
// carried with it. The control plane answers from it without parsing the
// client's message again: the reply's header and question are written back
// from these fields (the name in the client's own case).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/cookie/cookie.hpp"
#include "dataplane/dns/wire.hpp"

namespace dns64d::respond {

// The COOKIE option a reply carries (RFC 7873), whole: code, length, the
// client's cookie and ours. Empty when the query had none (or cookies are off).
struct ReplyCookie {
  static constexpr std::size_t option_len = 4 + cookie::reply_len;
  std::uint8_t len = 0;  // 0 or option_len
  bool valid = false;    // the query presented a server cookie of ours: exempt from RRL
  std::array<std::uint8_t, option_len> option;

  dns::Bytes bytes() const { return {option.data(), len}; }
};

struct QuestionKey {
  static constexpr std::size_t max_options = 64;  // a COOKIE option (RFC 7873) is at most 44

  std::uint16_t id = 0;
  std::uint16_t flags = 0;  // as the client sent them
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  std::uint16_t key_type = 0;  // the cache key's type: the qtype, or the view's AAAA policy's
  std::int16_t view = -1;      // index in the snapshot's ViewTable; -1: none serves the client
  bool validating = false;     // DO and CD (no break_dnssec): the upstream's answer (§5.5)
  bool ptr_mapped = false;     // ip6.arpa under a Pref64: `key` is the in-addr.arpa name
  std::uint8_t ptr_zone = 0;   // when mapped: the nibbles of that Pref64's reverse zone
  bool opt = false;            // the query had an OPT record
  bool do_bit = false;
  bool options_cut = false;    // the client's EDNS options did not fit `options`
  std::uint16_t udp_size = 0;  // the client's EDNS payload size, as sent
  std::uint8_t name_len = 0;
  std::uint8_t key_len = 0;
  std::uint8_t options_len = 0;
  ReplyCookie cookie;  // what every reply to it carries
  std::array<std::uint8_t, dns::max_name> name;   // uncompressed, in the client's case
  std::array<std::uint8_t, dns::max_name> key;    // the cache key's name, folded
  std::array<std::uint8_t, max_options> options;  // the client's EDNS options

  dns::Bytes qname() const { return {name.data(), name_len}; }
  dns::Bytes key_name() const { return {key.data(), key_len}; }
  dns::Bytes edns_options() const { return {options.data(), options_len}; }
};

// The most a reply may take: over a stream `stream` octets; over UDP 512
// without EDNS, else what the client offered, at least 512 and at most ours
// (which the configuration and the port MTUs keep at 512 or more).
inline std::size_t reply_limit(bool opt, std::uint16_t client_udp_size, std::uint16_t ours,
                               std::uint16_t stream = 0) {
  if (stream != 0) return stream;
  if (!opt) return dns::min_udp_payload;
  return std::clamp<std::size_t>(client_udp_size, dns::min_udp_payload, ours);
}
inline std::size_t reply_limit(const QuestionKey& q, std::uint16_t ours, std::uint16_t stream = 0) {
  return reply_limit(q.opt, q.udp_size, ours, stream);
}

// Writes the header (the client's ID and flags, one question) and the
// question as the client wrote it into `buf`, as the start of a reply;
// returns where the question ends, 0 when `buf` is too small.
std::size_t write_question(const QuestionKey& q, std::span<std::uint8_t> buf);

// A reply with only the header, the question and an OPT when the query had
// one: for answers decided without the cache (SERVFAIL, REFUSED, an rcode
// known but not cached). 0 when `buf` is too small.
std::size_t answer_rcode(const QuestionKey& q, std::span<std::uint8_t> buf, std::uint8_t rcode,
                         std::uint16_t edns_udp_size, std::uint16_t stream = 0);
// The same with `options` in the OPT (the key's COOKIE, an EDE) instead of
// the key's COOKIE alone.
std::size_t answer_rcode(const QuestionKey& q, std::span<std::uint8_t> buf, std::uint8_t rcode,
                         std::uint16_t edns_udp_size, std::uint16_t stream, dns::Bytes options);

}  // namespace dns64d::respond
