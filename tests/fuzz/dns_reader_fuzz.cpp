// Any bytes through the reader; whatever parses is answered through the
// writer, and the reply must parse again and respect the size limit.
#include <array>
#include <cstdint>
#include <cstdlib>

#include "dataplane/dns/reader.hpp"
#include "dataplane/dns/writer.hpp"

using namespace dns64d::dns;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Bytes msg(data, size);
  Message m;
  if (parse_message(msg, m, false) != Error::ok) return 0;
  Reader rd(msg);
  rd.seek(m.sections.answer);
  RR rr;
  const int total = m.header.ancount + m.header.nscount + m.header.arcount;
  for (int i = 0; i < total; ++i) {
    if (rd.rr(rr) != Error::ok) std::abort();  // parse_message already walked these
    if (rr.type == type::CNAME || rr.type == type::PTR || rr.type == type::DNAME) {
      std::size_t at = rr.rdata_offset;
      Name target;
      (void)read_name(msg, at, target);
    }
  }
  if (m.header.qdcount == 0) return 0;

  std::array<std::uint8_t, 1500> out;
  const std::size_t limit = m.opt.present ? (m.opt.udp_size < 512 ? 512 : m.opt.udp_size) : 512;
  Writer w(out, limit);
  if (w.begin(m.header, rcode::NOERROR, flag::RA) != Error::ok) std::abort();
  if (w.question(m.question.name.bytes(), m.question.qtype, m.question.qclass) != Error::ok)
    return 0;
  if (m.opt.present) (void)w.want_opt(1232, m.opt.do_bit);
  const std::array<std::uint8_t, 16> aaaa{0, 0x64, 0xff, 0x9b};
  const unsigned records = size % 64;
  for (unsigned i = 0; i < records; ++i) {
    (void)w.add_at(Section::answer, 12, type::AAAA, cls::IN, i, aaaa);
  }
  (void)w.add_name_rdata(Section::answer, m.question.name.bytes(), type::CNAME, cls::IN, 1,
                         m.question.name.bytes());
  const std::size_t len = w.finish();
  if (len == 0 || len > limit) std::abort();
  Message back;
  if (parse_message(Bytes(out.data(), len), back) != Error::ok) std::abort();
  if (back.header.id != m.header.id || !back.header.qr()) std::abort();
  if (!(back.question.name == m.question.name)) std::abort();
  return 0;
}
