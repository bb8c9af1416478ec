#include "control/upstream/message.hpp"

#include <ldns/ldns.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

namespace dns64d::upstream {

namespace {

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct RdfFree {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;

constexpr std::size_t header_size = 12;
constexpr std::uint8_t qr_bit = 0x80;       // in the third header octet
constexpr std::uint8_t opcode_bits = 0x78;  // in the third header octet

RdfPtr make_dname(Bytes wire) {
  return RdfPtr(ldns_dname_new_frm_data(static_cast<std::uint16_t>(wire.size()), wire.data()));
}

}  // namespace

bool valid_qname_wire(Bytes wire) {
  if (wire.empty() || wire.size() > 255) return false;
  std::size_t at = 0;
  while (at < wire.size()) {
    const std::uint8_t len = wire[at];
    if (len == 0) return at + 1 == wire.size();
    if (len > 63) return false;
    at += 1 + std::size_t{len};
  }
  return false;
}

std::vector<std::uint8_t> build_query(std::uint16_t id, const Question& question,
                                      const QueryOptions& options) {
  if (!valid_qname_wire(question.qname_wire)) return {};
  RdfPtr name = make_dname(question.qname_wire);
  if (!name) return {};
  std::uint16_t flags = LDNS_RD;
  if (options.cd) flags |= LDNS_CD;
  // ldns_pkt_query_new takes ownership of the name.
  PktPtr pkt(ldns_pkt_query_new(name.release(), static_cast<ldns_rr_type>(question.qtype),
                                static_cast<ldns_rr_class>(question.qclass), flags));
  if (!pkt) return {};
  ldns_pkt_set_id(pkt.get(), id);
  ldns_pkt_set_edns_udp_size(pkt.get(), options.edns_payload);
  ldns_pkt_set_edns_do(pkt.get(), options.do_bit);

  std::uint8_t* wire = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&wire, pkt.get(), &size) != LDNS_STATUS_OK) return {};
  std::vector<std::uint8_t> out(wire, wire + size);
  std::free(wire);
  return out;
}

Check check_response(Bytes response, std::uint16_t id, const Question& question, bool exact_case) {
  Check check;
  if (response.size() < header_size) {
    check.verdict = Verdict::short_packet;
    return check;
  }
  if (((response[0] << 8) | response[1]) != id) {
    check.verdict = Verdict::wrong_id;
    return check;
  }
  if ((response[2] & qr_bit) == 0 || (response[2] & opcode_bits) != 0) {
    check.verdict = Verdict::not_response;
    return check;
  }
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, response.data(), response.size()) != LDNS_STATUS_OK || !raw) {
    check.verdict = Verdict::malformed;
    return check;
  }
  PktPtr pkt(raw);
  const ldns_rr_list* qs = ldns_pkt_question(pkt.get());
  RdfPtr expected = make_dname(question.qname_wire);
  if (!expected || ldns_pkt_qdcount(pkt.get()) != 1 || !qs || ldns_rr_list_rr_count(qs) != 1) {
    check.verdict = Verdict::wrong_question;
    return check;
  }
  const ldns_rr* q = ldns_rr_list_rr(qs, 0);
  if (ldns_rr_get_type(q) != question.qtype || ldns_rr_get_class(q) != question.qclass ||
      ldns_dname_compare(ldns_rr_owner(q), expected.get()) != 0) {
    check.verdict = Verdict::wrong_question;
    return check;
  }
  // The question's name follows the header, uncompressed (nothing precedes
  // it to point to); an answer that does not echo our case was not made
  // from our query.
  const Bytes qname = question.qname_wire;
  if (exact_case && (response.size() < header_size + qname.size() ||
                     !std::equal(qname.begin(), qname.end(), response.begin() + header_size))) {
    check.verdict = Verdict::case_mismatch;
    return check;
  }
  check.verdict = Verdict::accept;
  check.truncated = ldns_pkt_tc(pkt.get());
  check.rcode = static_cast<std::uint8_t>(ldns_pkt_get_rcode(pkt.get()));
  return check;
}

}  // namespace dns64d::upstream
