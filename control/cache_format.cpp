#include "control/cache_format.hpp"

#include <algorithm>

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

// How many fixed octets precede the domain names of an RDATA, and how many
// names there are (RFC 3597 §4: only these well-known types compress).
struct Shape {
  std::size_t lead;
  int names;
};
Shape shape_of(std::uint16_t type) {
  switch (type) {
    case dns::type::CNAME:
    case dns::type::DNAME:
    case dns::type::PTR:
    case dns::type::NS:
      return {0, 1};
    case dns::type::MX:
      return {2, 1};
    case dns::type::SOA:
      return {0, 2};
    default:
      return {0, 0};
  }
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
  const Shape sh = shape_of(rr.type);
  if (sh.names == 0 || rr.rdata.size() < sh.lead) {
    b.insert(b.end(), rr.rdata.begin(), rr.rdata.end());
  } else {
    b.insert(b.end(), rr.rdata.begin(), rr.rdata.begin() + static_cast<long>(sh.lead));
    std::size_t at = rr.rdata_offset + sh.lead;
    for (int i = 0; i < sh.names; ++i) {
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

bool append_section(dns::Bytes msg, const dns::Message& m, dns::Section s, std::uint16_t type,
                    dns::Bytes key_name, Rrs& out) {
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
    if (!append_rr(msg, rr, key_name, out)) return false;
  }
  return true;
}

}  // namespace dns64d::control
