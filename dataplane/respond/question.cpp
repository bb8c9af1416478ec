#include "dataplane/respond/question.hpp"

#include <algorithm>
#include <cstring>

#include "dataplane/dns/reader.hpp"
#include "dataplane/dns/writer.hpp"

namespace dns64d::respond {

std::size_t write_question(const QuestionKey& q, std::span<std::uint8_t> buf) {
  const std::size_t end = dns::header_size + q.name_len + 4;
  if (q.name_len == 0 || end > buf.size()) return 0;
  std::uint8_t* h = buf.data();
  dns::store16(h, q.id);
  dns::store16(h + 2, q.flags);
  dns::store16(h + 4, 1);
  dns::store16(h + 6, 0);
  dns::store16(h + 8, 0);
  dns::store16(h + 10, 0);
  std::memcpy(h + dns::header_size, q.name.data(), q.name_len);
  dns::store16(h + dns::header_size + q.name_len, q.qtype);
  dns::store16(h + dns::header_size + q.name_len + 2, q.qclass);
  return end;
}

std::size_t answer_rcode(const QuestionKey& q, std::span<std::uint8_t> buf, std::uint8_t rcode,
                         std::uint16_t edns_udp_size, std::uint16_t stream) {
  return answer_rcode(q, buf, rcode, edns_udp_size, stream, q.cookie.bytes());
}

std::size_t answer_rcode(const QuestionKey& q, std::span<std::uint8_t> buf, std::uint8_t rcode,
                         std::uint16_t edns_udp_size, std::uint16_t stream, dns::Bytes options) {
  const std::size_t end = write_question(q, buf);
  if (end == 0) return 0;
  dns::Header h;
  h.id = q.id;
  h.flags = q.flags;
  dns::Writer w(buf, reply_limit(q, edns_udp_size, stream));
  if (w.reuse_question(h, end, rcode, dns::flag::RA) != dns::Error::ok) return 0;
  if (q.opt) (void)w.want_opt(edns_udp_size, q.do_bit, 0, options);
  return w.finish();
}

}  // namespace dns64d::respond
