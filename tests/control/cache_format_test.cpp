#include "control/cache_format.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dns64d::control {
namespace {

using Octets = std::vector<std::uint8_t>;

// "www.example.com" in wire form.
Octets wire(const std::string& dotted) {
  Octets out;
  std::size_t start = 0;
  while (start < dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string::npos) dot = dotted.size();
    out.push_back(static_cast<std::uint8_t>(dot - start));
    out.insert(out.end(), dotted.begin() + static_cast<long>(start),
               dotted.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

void put16(Octets& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}

void append(Octets& v, const Octets& more) { v.insert(v.end(), more.begin(), more.end()); }

// What follows a record's owner: type, class IN, TTL, RDATA length, RDATA.
void append_record(Octets& v, std::uint16_t type, std::uint32_t ttl, const Octets& rdata) {
  put16(v, type);
  put16(v, 1);
  put16(v, static_cast<std::uint16_t>(ttl >> 16));
  put16(v, static_cast<std::uint16_t>(ttl));
  put16(v, static_cast<std::uint16_t>(rdata.size()));
  append(v, rdata);
}

// A label or two, then a pointer: the compressed form of `labels` +
// the name at `target`.
Octets compressed(const std::string& labels, std::uint16_t target) {
  Octets out = wire(labels);
  out.pop_back();  // the root label: the pointer ends the name instead
  put16(out, static_cast<std::uint16_t>(0xc000 | target));
  return out;
}

Octets pointer(std::uint16_t target) {
  Octets out;
  put16(out, static_cast<std::uint16_t>(0xc000 | target));
  return out;
}

Octets string_of(const std::string& s) {
  Octets out(1 + s.size());
  out[0] = static_cast<std::uint8_t>(s.size());
  std::copy(s.begin(), s.end(), out.begin() + 1);
  return out;
}

// A response to "example.com" `qtype` IN with one answer record, owned by
// the question's name (a pointer to it), holding `rdata` as given.
constexpr std::uint16_t qname_at = 12;  // where the question's name starts
Octets response(std::uint16_t qtype, const Octets& rdata) {
  Octets m;
  put16(m, 0x1234);
  put16(m, 0x8180);
  put16(m, 1);
  put16(m, 1);
  put16(m, 0);
  put16(m, 0);
  append(m, wire("example.com"));
  put16(m, qtype);
  put16(m, 1);
  append(m, pointer(qname_at));
  append_record(m, qtype, 300, rdata);
  return m;
}

// The record as the cache keeps it: owner 0xC00C, TTL 300, `rdata` expanded.
Octets stored(std::uint16_t type, const Octets& rdata) {
  Octets r = pointer(qname_at);
  append_record(r, type, 300, rdata);
  return r;
}

// The answer section of `msg` in the cache's layout; false when a record
// could not be expanded.
bool format(const Octets& msg, Rrs& out) {
  dns::Message m;
  EXPECT_EQ(dns::parse_message(msg, m), dns::Error::ok);
  const Octets key = wire("example.com");
  return append_section(msg, m, dns::Section::answer, 0, key, out);
}

struct Case {
  const char* what;
  std::uint16_t type;
  Octets sent;      // RDATA as the upstream sent it, pointers and all
  Octets expected;  // RDATA as it is kept: every name written out
};

std::vector<Case> cases() {
  const Octets name = wire("example.com");
  auto cat = [](std::initializer_list<Octets> parts) {
    Octets out;
    for (const Octets& p : parts) append(out, p);
    return out;
  };
  const Octets prio_weight_port{0, 10, 0, 5, 0x13, 0xc4};
  const Octets naptr_lead = cat({Octets{0, 100, 0, 10}, string_of("U"), string_of("E2U+sip"),
                                 string_of("!^.*$!sip:info@example.com!")});
  const Octets soa_counters(20, 7);
  return {
      {"SRV", dns::type::SRV, cat({prio_weight_port, compressed("sip", qname_at)}),
       cat({prio_weight_port, wire("sip.example.com")})},
      {"NAPTR", dns::type::NAPTR, cat({naptr_lead, compressed("_sip._udp", qname_at)}),
       cat({naptr_lead, wire("_sip._udp.example.com")})},
      {"RP", dns::type::RP, cat({compressed("admin", qname_at), compressed("info", qname_at)}),
       cat({wire("admin.example.com"), wire("info.example.com")})},
      {"AFSDB", dns::type::AFSDB, cat({Octets{0, 1}, compressed("afs", qname_at)}),
       cat({Octets{0, 1}, wire("afs.example.com")})},
      {"RT", dns::type::RT, cat({Octets{0, 2}, compressed("relay", qname_at)}),
       cat({Octets{0, 2}, wire("relay.example.com")})},
      {"PX", dns::type::PX, cat({Octets{0, 3}, pointer(qname_at), compressed("x400", qname_at)}),
       cat({Octets{0, 3}, name, wire("x400.example.com")})},
      {"MINFO", dns::type::MINFO, cat({compressed("req", qname_at), compressed("err", qname_at)}),
       cat({wire("req.example.com"), wire("err.example.com")})},
      {"MB", dns::type::MB, compressed("mbox", qname_at), wire("mbox.example.com")},
      {"NXT", dns::type::NXT, cat({compressed("next", qname_at), Octets{0x40, 0x01}}),
       cat({wire("next.example.com"), Octets{0x40, 0x01}})},
      {"MX", dns::type::MX, cat({Octets{0, 10}, compressed("mail", qname_at)}),
       cat({Octets{0, 10}, wire("mail.example.com")})},
      {"SOA", dns::type::SOA,
       cat({compressed("ns", qname_at), compressed("hostmaster", qname_at), soa_counters}),
       cat({wire("ns.example.com"), wire("hostmaster.example.com"), soa_counters})},
      {"CNAME", dns::type::CNAME, compressed("www", qname_at), wire("www.example.com")},
      // Types without names, and types whose names are never compressed,
      // are copied as they are, even where their octets look like a pointer.
      {"TXT", dns::type::TXT, cat({Octets{2, 0xc0, 0x0c}}), cat({Octets{2, 0xc0, 0x0c}})},
      {"type 65280", 65280, Octets{0xc0, 0x0c}, Octets{0xc0, 0x0c}},
  };
}

TEST(CacheFormat, NamesInRdataAreWrittenOutForEveryTypeThatMayCompressThem) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.what);
    Rrs out;
    ASSERT_TRUE(format(response(c.type, c.sent), out));
    EXPECT_EQ(out.bytes, stored(c.type, c.expected));
    ASSERT_EQ(out.ttl_offsets.size(), 1u);
    EXPECT_EQ(out.ttl_offsets[0], 6u);
    EXPECT_EQ(out.min_ttl, 300u);
  }
}

TEST(CacheFormat, RecordsThatCannotBeExpandedAreRefused) {
  const std::vector<std::pair<const char*, Octets>> bad = {
      // NAPTR: the regexp string's length runs past the RDATA.
      {"naptr string", response(dns::type::NAPTR, Octets{0, 1, 0, 2, 1, 'U', 0, 40, 'x'})},
      // SRV: shorter than priority, weight and port.
      {"short srv", response(dns::type::SRV, Octets{0, 1, 0, 2})},
      // SRV: the target's pointer points at itself.
      {"srv loop", response(dns::type::SRV, Octets{0, 1, 0, 2, 0, 3, 0xc0, 47})},
      // MX: the name runs past the RDATA (the message ends there too).
      {"mx name", response(dns::type::MX, Octets{0, 1, 4, 'm', 'a'})},
  };
  for (const auto& [what, msg] : bad) {
    SCOPED_TRACE(what);
    dns::Message m;
    ASSERT_EQ(dns::parse_message(msg, m), dns::Error::ok);  // RDATA is ours to check
    Rrs out;
    EXPECT_FALSE(append_section(msg, m, dns::Section::answer, 0, wire("example.com"), out));
    EXPECT_TRUE(out.bytes.empty());
  }
}

TEST(CacheFormat, OwnersOtherThanTheKeyAreWrittenOut) {
  // An answer owned by www.example.com (a pointer into the question plus a
  // label), cached under example.com: the owner is written in full.
  Octets m = response(dns::type::SRV, Octets{0, 1, 0, 2, 0, 3, 0xc0, 12});
  const std::size_t owner_at = 12 + 13 + 4;
  const Octets owner = compressed("www", qname_at);
  m.erase(m.begin() + static_cast<long>(owner_at), m.begin() + static_cast<long>(owner_at) + 2);
  m.insert(m.begin() + static_cast<long>(owner_at), owner.begin(), owner.end());
  Rrs out;
  ASSERT_TRUE(format(m, out));
  Octets want = wire("www.example.com");
  Octets rdata{0, 1, 0, 2, 0, 3};
  append(rdata, wire("example.com"));
  append_record(want, dns::type::SRV, 300, rdata);
  EXPECT_EQ(out.bytes, want);
}

// A response to (qname, qtype) IN whose answer section holds `records`,
// every name written out in full.
struct Record {
  std::string owner;
  std::uint16_t type;
  Octets rdata;
};
Octets response_with(const std::string& qname, std::uint16_t qtype,
                     const std::vector<Record>& records) {
  Octets m;
  put16(m, 7);
  put16(m, 0x8180);
  put16(m, 1);
  put16(m, static_cast<std::uint16_t>(records.size()));
  put16(m, 0);
  put16(m, 0);
  append(m, wire(qname));
  put16(m, qtype);
  put16(m, 1);
  for (const Record& r : records) {
    append(m, wire(r.owner));
    append_record(m, r.type, 600, r.rdata);
  }
  return m;
}

struct Scrubbed {
  bool ok;
  AnswerScrub scrub;
  std::vector<std::string> owners;  // of the kept records, in order, as written out
};
Scrubbed scrub_answer(const Octets& msg, std::uint16_t qtype,
                      const std::function<bool(const dns::RR&)>& skip = {}) {
  dns::Message m;
  EXPECT_EQ(dns::parse_message(msg, m), dns::Error::ok);
  Rrs out;
  Scrubbed s{};
  s.ok = append_answer(msg, m, qtype, {}, out, s.scrub, skip);
  // Read the kept records back: each is a full owner name, then 10 octets
  // of type, class, TTL and RDATA length, then the RDATA.
  for (std::size_t at = 0; at < out.bytes.size();) {
    dns::Name owner;
    std::size_t p = at;
    EXPECT_EQ(dns::read_name(out.bytes, p, owner), dns::Error::ok);
    s.owners.push_back(dns::to_text(owner.bytes()));
    at = p + 10 + (std::size_t{out.bytes[p + 8]} << 8 | out.bytes[p + 9]);
  }
  return s;
}

TEST(AnswerScrub, RecordsOffTheQuestionsChainAreDropped) {
  const Octets msg = response_with(
      "www.example.com", dns::type::A,
      {{"www.example.com", dns::type::CNAME, wire("cdn.example.net")},
       {"login.bank.example", dns::type::A, {203, 0, 113, 66}},
       {"cdn.example.net", dns::type::A, {192, 0, 2, 1}},
       {"example.net", dns::type::NS, wire("ns.example.net")},  // the parent's: not the chain's
       {"unrelated.example.com", dns::type::A, {192, 0, 2, 9}}});
  const Scrubbed s = scrub_answer(msg, dns::type::A);
  ASSERT_TRUE(s.ok);
  EXPECT_TRUE(s.scrub.has_data);
  EXPECT_EQ(s.scrub.dropped, 3u);
  EXPECT_EQ(s.owners, (std::vector<std::string>{"www.example.com", "cdn.example.net"}));
}

TEST(AnswerScrub, AChainEndingWithoutDataIsNoData) {
  const Octets msg =
      response_with("www.example.com", dns::type::TXT,
                    {{"www.example.com", dns::type::CNAME, wire("cdn.example.net")}});
  const Scrubbed s = scrub_answer(msg, dns::type::TXT);
  ASSERT_TRUE(s.ok);
  EXPECT_FALSE(s.scrub.has_data);
  EXPECT_EQ(s.scrub.kept, 1u);
  // Asked for the CNAME itself, the same answer is data.
  const Octets cname =
      response_with("www.example.com", dns::type::CNAME,
                    {{"www.example.com", dns::type::CNAME, wire("cdn.example.net")}});
  EXPECT_TRUE(scrub_answer(cname, dns::type::CNAME).scrub.has_data);
  // Data at the question's own name, no chain.
  const Octets direct = response_with("www.example.com", dns::type::TXT,
                                      {{"www.example.com", dns::type::TXT, {2, 'h', 'i'}}});
  EXPECT_TRUE(scrub_answer(direct, dns::type::TXT).scrub.has_data);
}

TEST(AnswerScrub, DnameAndItsSynthesizedCnameStayOnTheChain) {
  const Octets msg = response_with(
      "www.example.com", dns::type::AAAA,
      {{"example.com", dns::type::DNAME, wire("example.net")},
       {"example.com", dns::type::RRSIG, Octets(30, 7)},  // over the DNAME: kept
       {"example.com", dns::type::A, {192, 0, 2, 7}},     // the DNAME owner's own: not
       {"www.example.com", dns::type::CNAME, wire("www.example.net")},
       {"www.example.net", dns::type::AAAA, Octets(16, 1)},
       {"example.net", dns::type::AAAA, Octets(16, 2)}});  // the DNAME target itself: off the chain
  const Scrubbed s = scrub_answer(msg, dns::type::AAAA);
  ASSERT_TRUE(s.ok);
  EXPECT_TRUE(s.scrub.has_data);
  EXPECT_EQ(s.scrub.dropped, 2u);
  EXPECT_EQ(s.owners, (std::vector<std::string>{"example.com", "example.com", "www.example.com",
                                                "www.example.net"}));
}

TEST(AnswerScrub, SkipLeavesOutChainRecordsWithoutCountingThem) {
  const Octets msg = response_with("mixed.example", dns::type::AAAA,
                                   {{"mixed.example", dns::type::AAAA, Octets(16, 1)},
                                    {"mixed.example", dns::type::AAAA, Octets(16, 2)}});
  const Scrubbed s =
      scrub_answer(msg, dns::type::AAAA, [](const dns::RR& rr) { return rr.rdata[0] == 2; });
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.scrub.kept, 1u);
  EXPECT_EQ(s.scrub.dropped, 0u);
}

}  // namespace
}  // namespace dns64d::control
