#include "dataplane/dns/reader.hpp"

namespace dns64d::dns {

Error Reader::header(Header& h) {
  if (msg_.size() < header_size) return Error::truncated;
  const std::uint8_t* p = msg_.data();
  h.id = load16(p);
  h.flags = load16(p + 2);
  h.qdcount = load16(p + 4);
  h.ancount = load16(p + 6);
  h.nscount = load16(p + 8);
  h.arcount = load16(p + 10);
  pos_ = header_size;
  return Error::ok;
}

Error Reader::question(Question& q) {
  q.offset = pos_;
  std::size_t p = pos_;
  if (Error e = read_name(msg_, p, q.name); e != Error::ok) return e;
  if (p + 4 > msg_.size()) return Error::truncated;
  q.qtype = load16(msg_.data() + p);
  q.qclass = load16(msg_.data() + p + 2);
  q.end = p + 4;
  pos_ = q.end;
  return Error::ok;
}

Error Reader::rr(RR& r) {
  r.offset = pos_;
  std::size_t p = pos_;
  if (Error e = read_name(msg_, p, r.owner); e != Error::ok) return e;
  if (p + 10 > msg_.size()) return Error::truncated;
  const std::uint8_t* f = msg_.data() + p;
  r.type = load16(f);
  r.rclass = load16(f + 2);
  r.ttl = load32(f + 4);
  r.ttl_offset = p + 4;
  const std::uint16_t rdlength = load16(f + 8);
  r.rdata_offset = p + 10;
  if (r.rdata_offset + rdlength > msg_.size()) return Error::truncated;
  r.rdata = msg_.subspan(r.rdata_offset, rdlength);
  pos_ = r.rdata_offset + rdlength;
  return Error::ok;
}

Error Reader::skip_rr() {
  Name scratch;
  std::size_t p = pos_;
  if (Error e = read_name(msg_, p, scratch); e != Error::ok) return e;
  if (p + 10 > msg_.size()) return Error::truncated;
  const std::size_t end = p + 10 + load16(msg_.data() + p + 8);
  if (end > msg_.size()) return Error::truncated;
  pos_ = end;
  return Error::ok;
}

Error parse_opt(const RR& r, Opt& opt) {
  if (r.owner.size != 1) return Error::bad_opt;  // OPT is owned by the root
  opt.present = true;
  opt.udp_size = r.rclass;
  opt.ext_rcode = static_cast<std::uint8_t>(r.ttl >> 24);
  opt.version = static_cast<std::uint8_t>(r.ttl >> 16);
  opt.do_bit = (r.ttl & edns_do) != 0;
  opt.options = r.rdata;
  opt.offset = r.offset;
  std::size_t p = 0;
  while (p < r.rdata.size()) {
    if (p + 4 > r.rdata.size()) return Error::bad_opt;
    const std::size_t len = load16(r.rdata.data() + p + 2);
    if (p + 4 + len > r.rdata.size()) return Error::bad_opt;
    p += 4 + len;
  }
  return Error::ok;
}

Error parse_message(Bytes msg, Message& m, bool need_question) {
  Reader rd(msg);
  m.opt = Opt{};
  if (Error e = rd.header(m.header); e != Error::ok) return e;
  m.sections.question = header_size;
  if (m.header.qdcount == 0) {
    if (need_question) return Error::no_question;
    m.question = Question{};
  }
  for (std::uint16_t i = 0; i < m.header.qdcount; ++i) {
    if (i == 0) {
      if (Error e = rd.question(m.question); e != Error::ok) return e;
    } else {
      Question extra;
      if (Error e = rd.question(extra); e != Error::ok) return e;
    }
  }
  m.sections.answer = rd.pos();
  RR r;
  const std::uint32_t before_additional = std::uint32_t{m.header.ancount} + m.header.nscount;
  for (std::uint32_t i = 0; i < before_additional; ++i) {
    if (i == m.header.ancount) m.sections.authority = rd.pos();
    if (Error e = rd.rr(r); e != Error::ok) return e;
    if (r.type == type::OPT) return Error::bad_opt;  // only allowed in additional
  }
  if (m.header.nscount == 0) m.sections.authority = rd.pos();
  m.sections.additional = rd.pos();
  for (std::uint16_t i = 0; i < m.header.arcount; ++i) {
    if (Error e = rd.rr(r); e != Error::ok) return e;
    if (r.type != type::OPT) continue;
    if (m.opt.present) return Error::bad_opt;
    if (Error e = parse_opt(r, m.opt); e != Error::ok) return e;
  }
  m.sections.end = rd.pos();
  return Error::ok;
}

}  // namespace dns64d::dns
