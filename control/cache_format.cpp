#include "control/cache_format.hpp"

#include <algorithm>
#include <optional>

#include "dataplane/dns64/rfc6147.hpp"

namespace dns64d::control {

namespace {

void put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}

bool put_name(dns::Bytes msg, std::size_t& at, std::vector<std::uint8_t>& out) {
  dns::Name n;
  if (dns::read_name(msg, at, n, dns::Case::keep) != dns::Error::ok) return false;
  out.insert(out.end(), n.wire.begin(), n.wire.begin() + n.size);
  return true;
}

// Where the domain names of an RDATA sit: `lead` octets before them, then
// `names` names, then octets copied as they are. These are the types whose
// names may arrive compressed: RFC 1035's (RFC 3597 §4 lets servers
// compress only those) and the ones RFC 3597 §4 tells receivers to
// decompress all the same (RP, AFSDB, RT, SIG, PX, NXT, NAPTR, SRV), as
// some servers did compress them. Every other type is copied whole.
struct Shape {
  std::size_t lead = 0;
  int names = 0;
};

// Octets taken by `count` character-strings from `at`, or nothing when
// they run past the RDATA.
std::optional<std::size_t> strings_end(dns::Bytes rdata, std::size_t at, int count) {
  for (int i = 0; i < count; ++i) {
    if (at >= rdata.size()) return std::nullopt;
    at += 1u + rdata[at];
  }
  if (at > rdata.size()) return std::nullopt;
  return at;
}

// Nothing: the RDATA is too short for its type's fixed fields.
std::optional<Shape> shape_of(std::uint16_t type, dns::Bytes rdata) {
  Shape s;
  switch (type) {
    case dns::type::NS:
    case dns::type::MD:
    case dns::type::MF:
    case dns::type::CNAME:
    case dns::type::MB:
    case dns::type::MG:
    case dns::type::MR:
    case dns::type::PTR:
    case dns::type::NXT:  // then the type bitmap
    case dns::type::DNAME:
      s = {0, 1};
      break;
    case dns::type::SOA:  // then five 32-bit counters
    case dns::type::MINFO:
    case dns::type::RP:
      s = {0, 2};
      break;
    case dns::type::MX:
    case dns::type::AFSDB:
    case dns::type::RT:
      s = {2, 1};
      break;
    case dns::type::PX:
      s = {2, 2};
      break;
    case dns::type::SRV:  // priority, weight, port
      s = {6, 1};
      break;
    case dns::type::SIG:  // RFC 2535: 18 octets, the signer, then the signature
      s = {18, 1};
      break;
    case dns::type::NAPTR: {  // order, preference, flags, services, regexp, replacement
      const std::optional<std::size_t> lead = strings_end(rdata, 4, 3);
      if (!lead) return std::nullopt;
      return Shape{*lead, 1};
    }
    default:
      return s;
  }
  if (rdata.size() < s.lead) return std::nullopt;
  return s;
}

}  // namespace

bool append_rr(dns::Bytes msg, const dns::RR& rr, dns::Bytes key_name, Rrs& out) {
  std::vector<std::uint8_t>& b = out.bytes;
  const std::size_t start = b.size();
  if (!key_name.empty() && dns::names_equal(rr.owner.bytes(), key_name)) {
    put16(b, 0xc00c);
  } else {
    b.insert(b.end(), rr.owner.wire.begin(), rr.owner.wire.begin() + rr.owner.size);
  }
  put16(b, rr.type);
  put16(b, rr.rclass);
  const std::size_t ttl_at = b.size() - start;
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(rr.ttl >> s));
  const std::size_t rdlen_at = b.size();
  put16(b, 0);
  const std::optional<Shape> sh = shape_of(rr.type, rr.rdata);
  if (!sh) {
    b.resize(start);
    return false;
  }
  if (sh->names == 0) {
    b.insert(b.end(), rr.rdata.begin(), rr.rdata.end());
  } else {
    b.insert(b.end(), rr.rdata.begin(), rr.rdata.begin() + static_cast<long>(sh->lead));
    std::size_t at = rr.rdata_offset + sh->lead;
    for (int i = 0; i < sh->names; ++i) {
      if (!put_name(msg, at, b)) {
        b.resize(start);
        return false;
      }
    }
    const std::size_t rest_end = rr.rdata_offset + rr.rdata.size();
    if (at > rest_end) {
      b.resize(start);
      return false;
    }
    b.insert(b.end(), msg.begin() + static_cast<long>(at),
             msg.begin() + static_cast<long>(rest_end));
  }
  const std::size_t rdlen = b.size() - rdlen_at - 2;
  if (rdlen > 0xffff || b.size() > 0xffff) {
    b.resize(start);
    return false;
  }
  b[rdlen_at] = static_cast<std::uint8_t>(rdlen >> 8);
  b[rdlen_at + 1] = static_cast<std::uint8_t>(rdlen);
  out.ttl_offsets.push_back(static_cast<std::uint16_t>(start + ttl_at));
  out.min_ttl = std::min(out.min_ttl, rr.ttl);
  return true;
}

bool append_answer(dns::Bytes msg, const dns::Message& m, std::uint16_t qtype, dns::Bytes key_name,
                   Rrs& out, AnswerScrub& scrub, const std::function<bool(const dns::RR&)>& skip) {
  scrub = AnswerScrub{};
  dns64::Chain chain;
  if (dns64::follow_chain(m, msg, chain) != dns::Error::ok || !chain.complete) return false;
  auto is_link = [&](std::size_t offset) {
    for (std::size_t i = 0; i < chain.links; ++i) {
      if (chain.rr_offsets[i] == offset) return true;
    }
    return false;
  };
  // The chain's names are the question's, the owners of its CNAME links
  // (a DNAME link's synthesized CNAME included) and its end.
  // A DNAME's owner is not one of them, but the signature over the DNAME
  // is owned there and belongs to the answer (RFC 6672 §5.3.1).
  auto on_chain = [&](const dns::RR& rr) {
    if (rr.owner == m.question.name || rr.owner == chain.end) return true;
    dns::Reader rd(msg);
    dns::RR link;
    for (std::size_t i = 0; i < chain.links; ++i) {
      rd.seek(chain.rr_offsets[i]);
      if (rd.rr(link) != dns::Error::ok || !(link.owner == rr.owner)) continue;
      if (link.type == dns::type::CNAME || rr.type == dns::type::RRSIG) return true;
    }
    return false;
  };
  dns::Reader rd(msg);
  rd.seek(m.sections.answer);
  dns::RR rr;
  for (std::uint16_t i = 0; i < m.header.ancount; ++i) {
    if (rd.rr(rr) != dns::Error::ok) return false;
    if (rr.type == dns::type::OPT) continue;
    if (!is_link(rr.offset) && !on_chain(rr)) {
      ++scrub.dropped;
      continue;
    }
    if (skip && skip(rr)) continue;
    if (!append_rr(msg, rr, key_name, out)) return false;
    ++scrub.kept;
    if (qtype == dns::type::CNAME) {
      scrub.has_data =
          scrub.has_data || (rr.type == dns::type::CNAME && rr.owner == m.question.name);
    } else {
      scrub.has_data = scrub.has_data ||
                       (rr.owner == chain.end && (rr.type == qtype || qtype == dns::type::ANY));
    }
  }
  return true;
}

bool append_section(dns::Bytes msg, const dns::Message& m, dns::Section s, std::uint16_t type,
                    dns::Bytes key_name, Rrs& out,
                    const std::function<bool(const dns::RR&)>& skip) {
  dns::Reader rd(msg);
  std::size_t count = 0;
  if (s == dns::Section::answer) {
    rd.seek(m.sections.answer);
    count = m.header.ancount;
  } else if (s == dns::Section::authority) {
    rd.seek(m.sections.authority);
    count = m.header.nscount;
  } else {
    return false;
  }
  dns::RR rr;
  for (std::size_t i = 0; i < count; ++i) {
    if (rd.rr(rr) != dns::Error::ok) return false;
    if (rr.type == dns::type::OPT || (type != 0 && rr.type != type)) continue;
    if (skip && skip(rr)) continue;
    if (!append_rr(msg, rr, key_name, out)) return false;
  }
  return true;
}

bool answered_name(dns::Bytes msg, const dns::Message& m, dns::Name& out) {
  dns64::Chain chain;
  if (dns64::follow_chain(m, msg, chain) != dns::Error::ok || !chain.complete) return false;
  out = chain.end;
  return true;
}

bool stray_soa(const dns::RR& rr, dns::Bytes answered) {
  bool soa = rr.type == dns::type::SOA;
  if (rr.type == dns::type::RRSIG && rr.rdata.size() >= 2) {
    soa = dns::load16(rr.rdata.data()) == dns::type::SOA;  // the type covered
  }
  return soa && !dns::is_subdomain(answered, rr.owner.bytes());
}

bool negative_soa(dns::Bytes msg, const dns::Message& m, NegativeSoa& out) {
  out = NegativeSoa{};
  dns::Name answered;
  const bool known = answered_name(msg, m, answered);
  dns::Reader rd(msg);
  rd.seek(m.sections.authority);
  dns::RR rr;
  for (std::uint16_t i = 0; i < m.header.nscount; ++i) {
    if (rd.rr(rr) != dns::Error::ok) return false;
    if (rr.type != dns::type::SOA) continue;
    // A chain that cannot be followed leaves no name a SOA could be checked against.
    if (!known || stray_soa(rr, answered.bytes())) {
      ++out.stray;
      continue;
    }
    if (!append_rr(msg, rr, {}, out.rrs)) return false;
    out.ttl = std::min(out.ttl, rr.ttl);
    if (rr.rdata.size() >= 22) {
      out.ttl = std::min(out.ttl, dns::load32(rr.rdata.data() + rr.rdata.size() - 4));
    }
  }
  return true;
}

}  // namespace dns64d::control
