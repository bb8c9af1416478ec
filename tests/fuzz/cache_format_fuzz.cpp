// An upstream answer through the shipped cache_format functions, as the
// resolver fills the cache with them: the scrubbed answer section
// (append_answer), the authority's SOA (append_section), every record alone
// (append_rr). What they produce must parse as records with no pointer but
// the owner's 0xC00C and TTL offsets that point at TTLs. The results go
// into a small cache and come back through respond() for a query of the
// answer's question: a reply within the client's limit that parses again.
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "control/cache_format.hpp"
#include "dataplane/cache/cache.hpp"
#include "dataplane/dns/reader.hpp"
#include "fuzz_support.hpp"

using namespace dns64d;
using fuzz::check;

namespace {

// The octets a name takes where it is written: its whole wire form, or
// exactly the pointer 0xC00C to the question.
void check_written_name(dns::Bytes msg, std::size_t at, bool owner) {
  dns::Name n;
  std::size_t end = at;
  check(dns::read_name(msg, end, n, dns::Case::keep) == dns::Error::ok);
  if (owner && end - at == 2 && msg[at] == 0xc0 && msg[at + 1] == 0x0c) return;
  check(end - at == n.size);
}

// Names inside the RDATA of the types cache_format expands.
void check_rdata_names(dns::Bytes msg, const dns::RR& rr) {
  std::size_t lead = 0;
  int names = 0;
  switch (rr.type) {
    case dns::type::NS:
    case dns::type::CNAME:
    case dns::type::PTR:
    case dns::type::DNAME:
      names = 1;
      break;
    case dns::type::SOA:
      names = 2;
      break;
    case dns::type::MX:
      lead = 2;
      names = 1;
      break;
    case dns::type::SRV:
      lead = 6;
      names = 1;
      break;
    default:
      return;
  }
  std::size_t at = rr.rdata_offset + lead;
  for (int i = 0; i < names; ++i) {
    dns::Name n;
    const std::size_t start = at;
    check(dns::read_name(msg, at, n, dns::Case::keep) == dns::Error::ok);
    check(at - start == n.size);
    check(at <= rr.rdata_offset + rr.rdata.size());
  }
}

// `rrs` behind a question for `qname`, as a cached entry is answered: every
// record parses, its TTL sits where ttl_offsets says, min_ttl is the least.
void check_rrs(const control::Rrs& rrs, dns::Bytes qname, std::uint16_t qtype) {
  check(rrs.bytes.size() <= 0xffff);
  check(rrs.ttl_offsets.size() <= 0xffff);
  if (rrs.empty()) {
    check(rrs.bytes.empty() && rrs.min_ttl == UINT32_MAX);
    return;
  }
  const auto count = static_cast<std::uint16_t>(rrs.ttl_offsets.size());
  std::vector<std::uint8_t> msg = {
      0, 0, 0x80, 0, 0, 1, static_cast<std::uint8_t>(count >> 8), static_cast<std::uint8_t>(count),
      0, 0, 0,    0};
  msg.insert(msg.end(), qname.begin(), qname.end());
  msg.insert(msg.end(),
             {static_cast<std::uint8_t>(qtype >> 8), static_cast<std::uint8_t>(qtype), 0, 1});
  const std::size_t base = msg.size();
  msg.insert(msg.end(), rrs.bytes.begin(), rrs.bytes.end());
  const dns::Bytes wire(msg.data(), msg.size());
  dns::Message m;
  check(dns::parse_message(wire, m) == dns::Error::ok);
  check(m.sections.end == msg.size());
  dns::Reader rd(wire);
  rd.seek(m.sections.answer);
  std::uint32_t min_ttl = UINT32_MAX;
  for (std::uint16_t i = 0; i < count; ++i) {
    dns::RR rr;
    check(rd.rr(rr) == dns::Error::ok);
    check(rr.ttl_offset == base + rrs.ttl_offsets[i]);
    check_written_name(wire, rr.offset, true);
    check_rdata_names(wire, rr);
    min_ttl = std::min(min_ttl, rr.ttl);
  }
  check(min_ttl == rrs.min_ttl);
}

cache::Config cache_config() {
  cache::Config c;
  c.max_entries = 64;
  c.max_bytes = 1 << 17;
  c.seed = 7;
  c.max_readers = 1;  // each reader's state is large: a cache per input stays cheap
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static respond::ViewTable* views = [] {
    auto* v = new respond::ViewTable();
    fuzz::add_views(*v);
    return v;
  }();
  if (size > 8192) return 0;
  const dns::Bytes msg(data, size);
  dns::Message m;
  if (dns::parse_message(msg, m) != dns::Error::ok) return 0;
  const dns::Bytes qname = m.question.name.bytes();
  const std::uint16_t qtype = m.question.qtype;

  // The shipped functions on their own.
  control::Rrs answer;
  control::AnswerScrub scrub;
  const bool answer_ok = control::append_answer(msg, m, qtype, qname, answer, scrub);
  if (answer_ok) {
    check_rrs(answer, qname, qtype);
    check(scrub.kept == answer.ttl_offsets.size());
    check(scrub.kept + scrub.dropped <= m.header.ancount);
  }
  control::Rrs soa;
  const bool soa_ok =
      control::append_section(msg, m, dns::Section::authority, dns::type::SOA, {}, soa);
  if (soa_ok) check_rrs(soa, qname, qtype);
  control::Rrs whole;
  if (control::append_section(msg, m, dns::Section::answer, 0, qname, whole)) {
    check_rrs(whole, qname, qtype);
  }
  control::Rrs each;
  dns::Reader rd(msg);
  rd.seek(m.sections.answer);
  const int total = m.header.ancount + m.header.nscount + m.header.arcount;
  for (int i = 0; i < total; ++i) {
    dns::RR rr;
    check(rd.rr(rr) == dns::Error::ok);       // parse_message walked them already
    if (rr.type == dns::type::OPT) continue;  // never cached: no section of a reply holds it
    const std::size_t before = each.bytes.size();
    if (control::append_rr(msg, rr, qname, each)) {
      check(each.bytes.size() > before);
    } else {
      check(each.bytes.size() == before);
    }
  }
  check_rrs(each, qname, qtype);

  // A query for the answer's question, from a client and with an EDNS size
  // the answer's ID picks; its key is what the cache entry is filed under.
  const std::uint16_t id = m.header.id;
  const dns64::V6 addr = (id & 3) == 1   ? fuzz::nsp_client
                         : (id & 3) == 2 ? fuzz::always_client
                                         : fuzz::default_client;
  const respond::Client client = fuzz::v6_client(addr);
  const int edns = (id & 4) != 0 ? (id >> 3) : -1;
  const bool stream = (id & 0x8000) != 0;
  std::vector<std::uint8_t> query =
      fuzz::make_query(id, qname, qtype, m.question.qclass, edns, m.opt.do_bit, false);
  const std::size_t query_len = query.size();
  static std::vector<std::uint8_t> buf(65536);
  std::copy(query.begin(), query.end(), buf.begin());

  cache::Cache cache(cache_config(), [] { return std::uint64_t{1'000'000}; });
  cache::Reader* reader = cache.register_reader();
  respond::Context ctx{views, &cache, reader, 1'000'000, 1232};
  ctx.stream_limit = stream ? 65535 : 0;
  respond::QuestionKey key;
  const respond::Result first = respond::respond(buf, query_len, client, ctx, &key);
  if (!respond::is_punt(first.outcome)) return 0;

  // As the resolver fills it (control/resolver.cpp, cache_response).
  const cache::Key ckey{key.key_name(), key.key_type, key.qclass};
  const std::uint8_t rc = static_cast<std::uint8_t>(m.header.rcode() | (m.opt.ext_rcode << 4));
  control::Rrs filed;
  control::AnswerScrub filed_scrub;
  bool inserted = false;
  if (rc == dns::rcode::NOERROR && m.header.ancount > 0) {
    if (control::append_answer(msg, m, key.qtype, key.key_name(), filed, filed_scrub) &&
        filed_scrub.has_data && !filed.empty()) {
      check_rrs(filed, key.key_name(), key.qtype);
      const cache::InsertStatus st =
          cache.insert_rrset(ckey, filed.min_ttl, filed.bytes, filed.ttl_offsets);
      inserted = st == cache::InsertStatus::inserted;
    }
  } else if (rc == dns::rcode::NOERROR || rc == dns::rcode::NXDOMAIN) {
    // Only an SOA that covers the name answered, as the resolver keeps it.
    control::NegativeSoa neg;
    if (control::negative_soa(msg, m, neg) && !neg.rrs.empty()) {
      const cache::InsertStatus st =
          cache.insert_negative(ckey, neg.ttl, rc, neg.rrs.bytes, neg.rrs.ttl_offsets);
      inserted = st == cache::InsertStatus::inserted;
    }
  }

  // Read back through the worker's own path.
  std::copy(query.begin(), query.end(), buf.begin());
  const respond::Result r = respond::respond(buf, query_len, client, ctx);
  if (respond::is_answer(r.outcome)) {
    fuzz::check_reply({buf.data(), r.reply_len}, key,
                      respond::reply_limit(key, ctx.edns_udp_size, ctx.stream_limit));
  } else {
    check(!inserted || respond::is_punt(r.outcome));
  }
  // The control plane's path for the same key.
  const respond::Result c = respond::answer_from_cache(key, buf, ctx);
  if (respond::is_answer(c.outcome)) {
    fuzz::check_reply({buf.data(), c.reply_len}, key,
                      respond::reply_limit(key, ctx.edns_udp_size, ctx.stream_limit));
  }
  reader->quiescent();
  return 0;
}
