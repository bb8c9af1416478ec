#include "dataplane/dns64/rfc6147.hpp"

#include <algorithm>

namespace dns64d::dns64 {

namespace {

std::uint8_t full_rcode(const dns::Message& m) {
  return static_cast<std::uint8_t>(m.header.rcode() | (m.opt.ext_rcode << 4));
}

// The negative TTL of an answer (RFC 2308 §5) from the SOA in its authority section.
std::optional<std::uint32_t> soa_negative_ttl(const dns::Message& m, dns::Bytes msg) {
  dns::Reader rd(msg);
  rd.seek(m.sections.authority);
  dns::RR rr;
  for (std::uint16_t i = 0; i < m.header.nscount; ++i) {
    if (rd.rr(rr) != dns::Error::ok) return std::nullopt;
    if (rr.type != dns::type::SOA) continue;
    std::size_t p = rr.rdata_offset;
    dns::Name scratch;
    if (dns::read_name(msg, p, scratch) != dns::Error::ok) return std::nullopt;
    if (dns::read_name(msg, p, scratch) != dns::Error::ok) return std::nullopt;
    if (p + 20 > rr.rdata_offset + rr.rdata.size()) return std::nullopt;
    return negative_ttl(rr.ttl, dns::load32(msg.data() + p + 16));
  }
  return std::nullopt;
}

// Replaces the `owner` suffix of `name` with `target` (RFC 6672 substitution).
bool substitute(const dns::Name& name, const dns::Name& owner, const dns::Name& target,
                dns::Name& out) {
  const std::size_t keep = name.size - owner.size;
  if (keep + target.size > dns::max_name) return false;
  for (std::size_t i = 0; i < keep; ++i) out.wire[i] = name.wire[i];
  for (std::size_t i = 0; i < target.size; ++i) out.wire[keep + i] = target.wire[i];
  out.size = static_cast<std::uint8_t>(keep + target.size);
  out.labels = static_cast<std::uint8_t>(name.labels - owner.labels + target.labels);
  return true;
}

}  // namespace

bool excluded(const V6& aaaa, std::span<const V6Range> exclusions) {
  for (const V6Range& r : exclusions) {
    if (in_prefix(aaaa, r.net, r.length)) return true;
  }
  return false;
}

dns::Error follow_chain(const dns::Message& m, dns::Bytes msg, Chain& chain) {
  chain = Chain{};
  chain.end = m.question.name;
  dns::Reader rd(msg);
  dns::RR rr;
  for (;;) {
    bool cname_found = false, dname_found = false;
    dns::Name cname_target, dname_owner, dname_target;
    std::size_t cname_at = 0, dname_at = 0;
    rd.seek(m.sections.answer);
    for (std::uint16_t i = 0; i < m.header.ancount; ++i) {
      if (dns::Error e = rd.rr(rr); e != dns::Error::ok) return e;
      if (rr.type != dns::type::CNAME && rr.type != dns::type::DNAME) continue;
      std::size_t p = rr.rdata_offset;
      dns::Name target;
      if (dns::Error e = dns::read_name(msg, p, target); e != dns::Error::ok) return e;
      if (rr.type == dns::type::CNAME && !cname_found && rr.owner == chain.end) {
        cname_found = true;
        cname_target = target;
        cname_at = rr.offset;
      } else if (rr.type == dns::type::DNAME && !dname_found && rr.owner.size < chain.end.size &&
                 dns::is_subdomain(chain.end.bytes(), rr.owner.bytes())) {
        dname_found = true;
        dname_owner = rr.owner;
        dname_target = target;
        dname_at = rr.offset;
      }
    }
    if (!cname_found && !dname_found) return dns::Error::ok;
    const std::size_t adding = (cname_found ? 1u : 0u) + (dname_found ? 1u : 0u);
    if (chain.links + adding > Chain::max_links) {
      chain.complete = false;
      return dns::Error::ok;
    }
    if (dname_found) chain.rr_offsets[chain.links++] = static_cast<std::uint16_t>(dname_at);
    if (cname_found) {
      chain.rr_offsets[chain.links++] = static_cast<std::uint16_t>(cname_at);
      chain.end = cname_target;
    } else {
      dns::Name next;
      if (!substitute(chain.end, dname_owner, dname_target, next)) {
        chain.complete = false;
        return dns::Error::ok;
      }
      chain.end = next;
    }
  }
}

AaaaDecision decide_aaaa(const dns::Message* aaaa, dns::Bytes msg, const Client& c,
                         const Policy& policy) {
  AaaaDecision d;
  if (c.qclass != dns::cls::IN || !synthesis_allowed(c.do_bit, c.cd)) return d;
  const AaaaVerdict on_error =
      policy.servfail_on_error ? AaaaVerdict::servfail : AaaaVerdict::synthesize;
  d.failed = true;  // until the answer proves usable
  if (aaaa == nullptr) {
    d.verdict = on_error;  // §5.1.3: a timeout is a SERVFAIL, which §5.1.2 treats as empty
    return d;
  }
  const std::uint8_t rcode = full_rcode(*aaaa);
  if (rcode == dns::rcode::NXDOMAIN) {
    d.failed = false;
    d.verdict = AaaaVerdict::nxdomain;
    return d;
  }
  if (rcode != dns::rcode::NOERROR) {
    d.verdict = on_error;
    return d;
  }
  d.negative_ttl = soa_negative_ttl(*aaaa, msg);
  Chain chain;
  if (follow_chain(*aaaa, msg, chain) != dns::Error::ok) {
    d.verdict = on_error;
    return d;
  }
  d.failed = false;
  dns::Reader rd(msg);
  rd.seek(aaaa->sections.answer);
  dns::RR rr;
  for (std::uint16_t i = 0; i < aaaa->header.ancount; ++i) {
    if (rd.rr(rr) != dns::Error::ok) break;
    if (rr.type != dns::type::AAAA || rr.rclass != dns::cls::IN || rr.rdata.size() != 16) continue;
    if (!(rr.owner == chain.end)) continue;
    V6 a;
    for (std::size_t k = 0; k < 16; ++k) a[k] = rr.rdata[k];
    if (excluded(a, policy.exclusions)) {
      ++d.excluded;
    } else {
      ++d.real;
    }
  }
  if (policy.synthesize_all || d.real == 0) {
    d.verdict = AaaaVerdict::synthesize;  // §5.1.4: only excluded AAAA counts as none
  } else {
    d.verdict = d.excluded > 0 ? AaaaVerdict::filter : AaaaVerdict::relay;
  }
  return d;
}

Synthesis decide_synthesis(const dns::Message* a, dns::Bytes msg, const AaaaDecision& aaaa,
                           const Prefix& prefix, const Policy& policy) {
  Synthesis s;
  if (a == nullptr) {
    s.verdict = SynthVerdict::error;
    s.rcode = dns::rcode::SERVFAIL;
    return s;
  }
  const std::uint8_t rcode = full_rcode(*a);
  if (rcode != dns::rcode::NOERROR) {
    s.verdict = SynthVerdict::error;  // §5.1.6: the A query's error is the answer
    s.rcode = rcode;
    return s;
  }
  if (follow_chain(*a, msg, s.chain) != dns::Error::ok) {
    s.verdict = SynthVerdict::error;
    s.rcode = dns::rcode::SERVFAIL;
    return s;
  }
  dns::Reader rd(msg);
  rd.seek(a->sections.answer);
  dns::RR rr;
  for (std::uint16_t i = 0; i < a->header.ancount; ++i) {
    if (rd.rr(rr) != dns::Error::ok) break;
    if (rr.type != dns::type::A || rr.rclass != dns::cls::IN || rr.rdata.size() != 4) continue;
    if (!(rr.owner == s.chain.end)) continue;
    const V4 v4{rr.rdata[0], rr.rdata[1], rr.rdata[2], rr.rdata[3]};
    if (in_any(v4, policy.never_map) || !may_map(prefix, v4, policy.wkp_relaxed)) {
      ++s.dropped;
      continue;
    }
    if (s.count == Synthesis::max_addresses) continue;
    s.addresses[s.count] = v4;
    s.ttls[s.count] = synthesized_ttl(rr.ttl, aaaa.negative_ttl);
    if (aaaa.failed) s.ttls[s.count] = std::min(s.ttls[s.count], policy.failure_ttl);
    ++s.count;
  }
  if (s.count > 0) {
    s.verdict = SynthVerdict::synthesize;
  } else {
    s.verdict = SynthVerdict::nodata;
    s.negative_ttl = soa_negative_ttl(*a, msg);
    if (aaaa.failed && s.negative_ttl) {
      s.negative_ttl = std::min(*s.negative_ttl, policy.failure_ttl);
    }
  }
  return s;
}

}  // namespace dns64d::dns64
