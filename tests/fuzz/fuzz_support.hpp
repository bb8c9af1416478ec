// What the fuzz targets over the control plane share: the views the
// resolver's replay tests use, a client query in wire form, and the checks
// every reply must pass. Any failed check aborts (a finding).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "dataplane/dns/reader.hpp"
#include "dataplane/dns64/prefix.hpp"
#include "dataplane/respond/question.hpp"
#include "dataplane/respond/respond.hpp"
#include "dataplane/respond/view.hpp"
#include "tests/support/views.hpp"

namespace dns64d::fuzz {

// Aborts naming the failed check's line.
inline void check(bool ok, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  if (ok) return;
  std::fprintf(stderr, "check failed: %s:%d\n", file, line);
  std::abort();
}

// Clients of the views below.
inline constexpr dns64::V6 default_client{0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0,
                                          0,    0,    0,    0,    0,    0,    0, 1};
inline constexpr dns64::V6 nsp_client{0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xaa, 0, 0,
                                      0,    0,    0,    0,    0,    0,    0, 1};
inline constexpr dns64::V6 always_client{0x20, 0x01, 0x0d, 0xb8, 0xbb, 0xbb, 0, 0,
                                         0,    0,    0,    0,    0,    0,    0, 1};

// The views of tests/support/views.hpp.
inline void add_views(respond::ViewTable& views) { test::add_test_views(views); }

inline respond::Client v6_client(const dns64::V6& a) {
  respond::Client c;
  c.is_v6 = true;
  c.v6 = a;
  return c;
}

// A client query: RD, one question, an OPT when `edns` is not negative.
inline std::vector<std::uint8_t> make_query(std::uint16_t id, dns::Bytes qname_wire,
                                            std::uint16_t qtype, std::uint16_t qclass, int edns,
                                            bool do_bit, bool cd) {
  const auto flags = static_cast<std::uint16_t>(dns::flag::RD | (cd ? dns::flag::CD : 0));
  std::vector<std::uint8_t> q = {static_cast<std::uint8_t>(id >> 8),
                                 static_cast<std::uint8_t>(id),
                                 static_cast<std::uint8_t>(flags >> 8),
                                 static_cast<std::uint8_t>(flags),
                                 0,
                                 1,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 static_cast<std::uint8_t>(edns >= 0 ? 1 : 0)};
  q.insert(q.end(), qname_wire.begin(), qname_wire.end());
  for (const std::uint16_t v : {qtype, qclass}) {
    q.push_back(static_cast<std::uint8_t>(v >> 8));
    q.push_back(static_cast<std::uint8_t>(v));
  }
  if (edns >= 0) {
    const auto size = static_cast<std::uint16_t>(edns);
    // The root owner, TYPE OPT, CLASS the payload size, the TTL's extended
    // rcode, version and DO bit, an empty RDATA.
    const std::uint8_t opt[] = {0,
                                0,
                                41,
                                static_cast<std::uint8_t>(size >> 8),
                                static_cast<std::uint8_t>(size),
                                0,
                                0,
                                static_cast<std::uint8_t>(do_bit ? 0x80 : 0),
                                0,
                                0,
                                0};
    q.insert(q.end(), opt, opt + sizeof opt);
  }
  return q;
}

// A reply: within its size limit, a response that parses, with the
// query's ID and its question as the client wrote it.
inline void check_reply(std::span<const std::uint8_t> reply, std::uint16_t id, dns::Bytes qname,
                        std::uint16_t qtype, std::uint16_t qclass, std::size_t limit) {
  check(reply.size() >= dns::header_size && reply.size() <= limit);
  dns::Message m;
  check(dns::parse_message(reply, m) == dns::Error::ok);
  check(m.header.qr());
  check(m.header.id == id);
  check(m.header.qdcount == 1);
  check(m.question.qtype == qtype && m.question.qclass == qclass);
  check(reply.size() >= dns::header_size + qname.size() &&
        std::memcmp(reply.data() + dns::header_size, qname.data(), qname.size()) == 0);
}

// The same for the client behind a punted query's key.
inline void check_reply(std::span<const std::uint8_t> reply, const respond::QuestionKey& key,
                        std::size_t limit) {
  check_reply(reply, key.id, key.qname(), key.qtype, key.qclass, limit);
}

}  // namespace dns64d::fuzz
