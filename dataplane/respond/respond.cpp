#include "dataplane/respond/respond.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dataplane/dns/reader.hpp"
#include "dataplane/dns/writer.hpp"
#include "dataplane/dns64/ptr.hpp"

namespace dns64d::respond {

namespace {

using dns::Section;

Result finish(dns::Writer& w, DnsOutcome o) { return {o, w.finish()}; }

unsigned lookup_flags(const Context& ctx) {
  return ctx.allow_stale ? cache::kAllowStale : cache::kNoFlags;
}
bool usable(const cache::LookupResult& r) {
  return r.status == cache::LookupStatus::hit || r.status == cache::LookupStatus::stale;
}

// A cached entry that cannot be written (it breaks the storage contract).
Result servfail(dns::Writer& w) {
  w.set_rcode(dns::rcode::SERVFAIL);
  return finish(w, DnsOutcome::answered_servfail);
}

// Writes cached records whose owner may be 0xC00C (meaning `key_name`),
// giving those of `key_name` `owner` instead when it is non-empty (the ptr mode).
void copy_named(dns::Writer& w, Section s, cache::EntryView v, dns::Bytes key_name,
                dns::Bytes owner) {
  const dns::Bytes rrs = v.rrs();
  std::size_t p = 0;
  for (std::size_t i = 0; i < v.ttl_offsets().size() && p < rrs.size(); ++i) {
    dns::Name stored;
    dns::Bytes record_owner = key_name;
    if (p + 2 <= rrs.size() && dns::load16(rrs.data() + p) == owner_is_qname) {
      p += 2;
    } else {
      // Uncompressed by contract: read it as a name at the start of a fake message.
      std::size_t q = p;
      if (dns::read_name(rrs, q, stored) != dns::Error::ok) return;
      record_owner = stored.bytes();
      p = q;
    }
    if (p + 10 > rrs.size()) return;
    const std::uint16_t type = dns::load16(rrs.data() + p);
    const std::uint16_t rclass = dns::load16(rrs.data() + p + 2);
    const std::uint16_t rdlen = dns::load16(rrs.data() + p + 8);
    p += 10;
    if (p + rdlen > rrs.size()) return;
    const dns::Bytes rdata = rrs.subspan(p, rdlen);
    p += rdlen;
    // Only the records of the key's own name are renamed: the rest of a
    // chain (an RFC 2317 CNAME's target and its PTR) keeps its owner, or
    // the reply would hold a CNAME and other data at one name.
    const dns::Bytes o =
        owner.empty() || !dns::names_equal(record_owner, key_name) ? record_owner : owner;
    if (type == dns::type::PTR || type == dns::type::CNAME) {
      (void)w.add_name_rdata(s, o, type, rclass, v.ttl(), rdata);
    } else {
      (void)w.add(s, o, type, rclass, v.ttl(), rdata);
    }
  }
}

// Where the TTL of the one record at the start of `rr` is: after its owner
// (a pointer, or labels to the root); 0 when the record is cut short.
std::size_t ttl_offset(dns::Bytes rr) {
  std::size_t i = 0;
  while (i < rr.size() && rr[i] != 0 && (rr[i] & 0xc0) == 0) i += 1u + rr[i];
  if (i >= rr.size()) return 0;
  i += (rr[i] & 0xc0) == 0xc0 ? 2 : 1;
  return i + 8 <= rr.size() ? i + 4 : 0;
}

void write_synthesized(dns::Writer& w, cache::EntryView v, const View& view) {
  // The chain: CNAME/DNAME records in wire form with uncompressed names.
  const dns::Bytes chain = v.cname_chain();
  dns::Name end;
  bool have_end = false;
  std::size_t p = 0;
  while (p < chain.size()) {
    dns::Name owner, target;
    std::size_t q = p;
    if (dns::read_name(chain, q, owner) != dns::Error::ok || q + 10 > chain.size()) return;
    const std::uint16_t type = dns::load16(chain.data() + q);
    const std::uint16_t rdlen = dns::load16(chain.data() + q + 8);
    q += 10;
    std::size_t t = q;
    if (q + rdlen > chain.size() || dns::read_name(chain, t, target) != dns::Error::ok) return;
    if (type == dns::type::CNAME) {
      (void)w.add_name_rdata(Section::answer, owner.bytes(), type, dns::cls::IN, v.ttl(),
                             target.bytes());
    } else {
      // DNAME is not an RFC 1035 type: its target is never compressed (RFC 3597 §4, RFC 6672).
      (void)w.add(Section::answer, owner.bytes(), type, dns::cls::IN, v.ttl(),
                  chain.subspan(q, rdlen));
    }
    if (type == dns::type::CNAME) {
      end = target;
      have_end = true;
    }
    p = q + rdlen;
  }
  std::size_t count = 0;
  for (std::size_t k = 0; k < view.prefix_count; ++k) {
    for (const cache::Ipv4& ip : v.ipv4()) {
      const dns64::V4 a{ip.bytes[0], ip.bytes[1], ip.bytes[2], ip.bytes[3]};
      const dns64::Prefix* prefix = view.synthesis_prefix(k, a);
      if (prefix == nullptr) continue;
      const dns64::V6 aaaa = dns64::embed(*prefix, a);
      if (have_end) {
        (void)w.add(Section::answer, end.bytes(), dns::type::AAAA, dns::cls::IN, v.ttl(), aaaa);
      } else {
        (void)w.add_at(Section::answer, 12, dns::type::AAAA, dns::cls::IN, v.ttl(), aaaa);
      }
      ++count;
    }
  }
  // Every address excluded for this view (never_map, the well-known
  // prefix's rule): NODATA, with the AAAA query's SOA so that the client
  // can cache it (RFC 2308 §5), at the TTL §5.1.7 gave the synthesis.
  const dns::Bytes soa = v.synth_soa();
  const std::size_t at = ttl_offset(soa);
  if (count == 0 && at != 0) {
    const std::array<std::uint16_t, 1> offsets{static_cast<std::uint16_t>(at)};
    (void)w.add_raw(Section::authority, soa, offsets, v.ttl());
  }
}

// `do_bit`: the client set DO, so an entry the upstream validated (and we
// trust it to say so) gets AD (RFC 6147 §5.5: never with DO clear).
Result answer_from(dns::Writer& w, cache::EntryView v, const View& view, DnsOutcome positive,
                   bool do_bit) {
  if (do_bit && v.validated()) w.set_flags(dns::flag::AD);
  switch (v.kind()) {
    case cache::Kind::synth_aaaa:
      write_synthesized(w, v, view);
      return finish(w, DnsOutcome::answered_aaaa_synth);
    // Signatures and proofs only for a client that set DO (RFC 4035 §3.2.1).
    case cache::Kind::rrset:
      if (w.add_raw(Section::answer, do_bit ? v.signed_rrs() : v.rrs(),
                    do_bit ? v.signed_ttl_offsets() : v.ttl_offsets(),
                    v.ttl()) != dns::Error::ok) {
        return servfail(w);
      }
      return finish(w, positive);
    case cache::Kind::negative:
      w.set_rcode(v.rcode());
      if (w.add_raw(Section::authority, do_bit ? v.signed_rrs() : v.soa(),
                    do_bit ? v.signed_ttl_offsets() : v.ttl_offsets(),
                    v.ttl()) != dns::Error::ok) {
        return servfail(w);
      }
      return finish(w, DnsOutcome::answered_negative);
  }
  return servfail(w);
}

using detail::FastQuery;

// Lower-cases `n` octets of ASCII from `src` into `dst`, sixteen at a time
// with SSE2 compares, then eight at a time (the classic SWAR range test);
// `avail` octets may be read from `src`, and `dst` has room for a whole
// last block past `n`.
void fold_copy(std::uint8_t* dst, const std::uint8_t* src, std::size_t n, std::size_t avail) {
  std::size_t j = 0;
#if defined(__SSE2__)
  // Octets above 0x7f are negative to the signed compares: never upper case.
  const __m128i before_a = _mm_set1_epi8('A' - 1);
  const __m128i after_z = _mm_set1_epi8('Z' + 1);
  const __m128i case_bit = _mm_set1_epi8(0x20);
  // Whole blocks while any of the name is left and the block may be read.
  const std::size_t end16 = std::min((n + 15) & ~std::size_t{15}, avail & ~std::size_t{15});
  for (; j < end16; j += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + j));
    const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(x, before_a), _mm_cmplt_epi8(x, after_z));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + j),
                     _mm_or_si128(x, _mm_and_si128(upper, case_bit)));
  }
#endif
  constexpr std::uint64_t ones = 0x0101010101010101ull;
  const std::size_t end8 = std::min((n + 7) & ~std::size_t{7}, avail & ~std::size_t{7});
  for (; j < end8; j += 8) {
    std::uint64_t x;
    std::memcpy(&x, src + j, 8);
    const std::uint64_t low7 = x & (0x7f * ones);
    const std::uint64_t above_z = low7 + (0x7f - 'Z') * ones;  // high bit: > 'Z'
    const std::uint64_t from_a = low7 + (0x80 - 'A') * ones;   // high bit: >= 'A'
    const std::uint64_t upper = ~x & (from_a ^ above_z) & (0x80 * ones);
    x |= upper >> 2;
    std::memcpy(dst + j, &x, 8);
  }
  for (; j < n; ++j) dst[j] = dns::fold(src[j]);
}

bool parse_fast(const std::uint8_t* p, std::size_t len, FastQuery& q) {
  if (len < dns::header_size + 5) return false;
  q.id = dns::load16(p);
  q.flags = dns::load16(p + 2);
  if ((q.flags & (dns::flag::QR | dns::flag::opcode_mask)) != 0) return false;
  // QDCOUNT 1, ANCOUNT and NSCOUNT 0, ARCOUNT 0 or 1, in one comparison.
  const std::uint16_t ar = dns::load16(p + 10);
  const std::uint64_t counts = std::uint64_t{dns::load32(p + 4)} << 32 | dns::load32(p + 8);
  if ((counts | 1) != 0x0001'0000'0000'0001ull) return false;
  // Walk the labels to validate and measure, then fold the whole name at
  // once: length octets are below 64, so folding never touches them.
  std::size_t i = dns::header_size;
  // Runs of one-octet labels (ip6.arpa names are 32 of them) four at a time.
  constexpr std::uint64_t lanes = 0x0001'0001'0001'0001ull;
  while (p[i] == 1 && i + 8 < len) {
    std::uint64_t x;
    std::memcpy(&x, p + i, 8);
    if constexpr (std::endian::native != std::endian::little) x = __builtin_bswap64(x);
    if ((x & 0xff * lanes) != lanes) break;
    i += 8;
  }
  for (;;) {
    const std::uint8_t label = p[i];
    if (label == 0) break;
    // Compression, reserved types and over-long names go the general way.
    if (label > dns::max_label || i + 1 + label >= len) return false;
    i += 1u + label;
  }
  const std::size_t n = i - dns::header_size;
  if (n + 1 > dns::max_name) return false;
  fold_copy(q.key.data(), p + dns::header_size, n, len - dns::header_size);
  q.key[n] = 0;
  q.key_len = static_cast<std::uint8_t>(n + 1);
  ++i;
  if (i + 4 > len) return false;
  q.qtype = dns::load16(p + i);
  q.qclass = dns::load16(p + i + 2);
  i += 4;
  q.question_end = i;
  q.opt = false;
  q.do_bit = false;  // DO only with an OPT; read on every path
  if (ar == 0) return true;
  if (i + 11 > len || p[i] != 0 || dns::load16(p + i + 1) != dns::type::OPT) return false;
  q.udp_size = dns::load16(p + i + 3);
  q.edns_version = p[i + 6];
  q.do_bit = (p[i + 7] & 0x80) != 0;
  const std::size_t end = i + 11 + dns::load16(p + i + 9);
  if (end > len) return false;
  q.options_at = static_cast<std::uint16_t>(i + 11);
  q.options_end = static_cast<std::uint16_t>(end);
  for (std::size_t o = i + 11; o < end;) {
    if (o + 4 > end) return false;
    o += 4u + dns::load16(p + o + 2);
    if (o > end) return false;
  }
  q.opt = true;
  return true;
}

// The octets of the OPT record a fast reply ends with.
std::size_t opt_room(const FastQuery& q) { return q.opt ? 11 + q.cookie.len : 0; }

// Ends a reply written straight into the buffer: the OPT record after the
// `end` octets written so far, then the header (NOERROR, QR and RA set, RD
// and CD copied, `answers` records). Room for the OPT was checked before.
std::size_t finish_fast(std::span<std::uint8_t> buf, const FastQuery& q, std::size_t end,
                        std::uint16_t answers, std::uint16_t our_udp, bool ad = false) {
  if (q.opt) {
    std::uint8_t* o = buf.data() + end;
    o[0] = 0;
    dns::store16(o + 1, dns::type::OPT);
    dns::store16(o + 3, our_udp);
    dns::store32(o + 5, q.do_bit ? dns::edns_do : 0);
    dns::store16(o + 9, q.cookie.len);
    if (q.cookie.len != 0) std::memcpy(o + 11, q.cookie.option.data(), q.cookie.len);
    end += 11 + q.cookie.len;
  }
  std::uint8_t* h = buf.data();
  dns::store16(h + 2, static_cast<std::uint16_t>(dns::flag::QR | dns::flag::RA |
                                                 (q.flags & (dns::flag::RD | dns::flag::CD)) |
                                                 (ad ? dns::flag::AD : 0)));
  dns::store16(h + 6, answers);
  dns::store16(h + 8, 0);
  dns::store16(h + 10, q.opt ? 1 : 0);
  return end;
}

// Synthesized AAAA without a CNAME chain, straight into the buffer; 0 when
// the records would not fit (the Writer then truncates properly).
std::size_t write_synthesized_fast(std::span<std::uint8_t> buf, const FastQuery& q,
                                   std::size_t limit, cache::EntryView v, const View& view,
                                   std::uint16_t our_udp) {
  const std::span<const cache::Ipv4> ips = v.ipv4();
  constexpr std::size_t aaaa_rr = 2 + 10 + 16;
  const std::size_t need =
      q.question_end + ips.size() * view.prefix_count * aaaa_rr + opt_room(q);
  if (need > std::min(limit, buf.size())) return 0;
  std::uint8_t* out = buf.data() + q.question_end;
  std::uint16_t count = 0;
  const std::uint32_t ttl = v.ttl();
  for (std::size_t k = 0; k < view.prefix_count; ++k) {
    for (const cache::Ipv4& ip : ips) {
      const dns64::V4 a{ip.bytes[0], ip.bytes[1], ip.bytes[2], ip.bytes[3]};
      const dns64::Prefix* prefix = view.synthesis_prefix(k, a);
      if (prefix == nullptr) continue;
      const dns64::V6 addr = dns64::embed(*prefix, a);
      dns::store16(out, owner_is_qname);
      dns::store16(out + 2, dns::type::AAAA);
      dns::store16(out + 4, dns::cls::IN);
      dns::store32(out + 6, ttl);
      dns::store16(out + 10, 16);
      std::memcpy(out + 12, addr.data(), 16);
      out += aaaa_rr;
      ++count;
    }
  }
  // None mapped, and a SOA to say so: the Writer's path writes it.
  if (count == 0 && !v.synth_soa().empty()) return 0;
  return finish_fast(buf, q, static_cast<std::size_t>(out - buf.data()), count, our_udp,
                     q.do_bit && v.validated());
}

// A cached RRset (owners 0xC00C or uncompressed, RDATA names uncompressed)
// copied straight after the question with its TTLs set; 0 when it would not
// fit (the Writer then truncates properly) or breaks the storage contract.
std::size_t write_rrset_fast(std::span<std::uint8_t> buf, const FastQuery& q, std::size_t limit,
                             cache::EntryView v, std::uint16_t our_udp) {
  // Signatures only for a client that set DO (RFC 4035 §3.2.1).
  const dns::Bytes rrs = q.do_bit ? v.signed_rrs() : v.rrs();
  const std::span<const std::uint16_t> ttls = q.do_bit ? v.signed_ttl_offsets() : v.ttl_offsets();
  if (q.question_end + rrs.size() + opt_room(q) > std::min(limit, buf.size())) return 0;
  std::uint8_t* out = buf.data() + q.question_end;
  std::memcpy(out, rrs.data(), rrs.size());
  const std::uint32_t ttl = v.ttl();
  for (const std::uint16_t off : ttls) {
    if (std::size_t{off} + 4 > rrs.size()) return 0;
    dns::store32(out + off, ttl);
  }
  return finish_fast(buf, q, q.question_end + rrs.size(), static_cast<std::uint16_t>(ttls.size()),
                     our_udp, q.do_bit && v.validated());
}

// The answer to an ip6.arpa query mapped to `in_addr`: a CNAME to it and
// its PTR records (RFC 6147 §5.3.1), or the PTR records under the query's
// own name (ptr mode).
void write_ptr_answer(dns::Writer& w, cache::EntryView v, const View& view, dns::Bytes qname,
                      dns::Bytes in_addr) {
  if (view.ptr_mode == PtrMode::cname) {
    (void)w.add_name_rdata(Section::answer, qname, dns::type::CNAME, dns::cls::IN,
                           std::min(v.ttl(), view.ptr_cname_ttl), in_addr);
    copy_named(w, Section::answer, v, in_addr, {});
  } else {
    copy_named(w, Section::answer, v, in_addr, qname);
  }
}

// The SOA of the Pref64's reverse zone of `zone` nibbles that holds
// `name` (an ip6.arpa name: the apex is its last 2*zone labels and
// ip6.arpa), with `ttl` as TTL and MINIMUM.
void add_reverse_soa(dns::Writer& w, Section s, const View& view, dns::Bytes name,
                     std::uint8_t zone, std::uint32_t ttl) {
  constexpr std::size_t ip6_arpa_len = 10;
  const std::size_t apex_len = 2u * zone + ip6_arpa_len;
  if (zone == 0 || name.size() < apex_len) return;
  const dns::Bytes apex = name.last(apex_len);
  const dns::Bytes server =
      view.reverse_soa_server.empty() ? apex : dns::Bytes(view.reverse_soa_server);
  const dns::Bytes contact(view.reverse_soa_contact);
  std::array<std::uint8_t, 2 * dns::max_name + 20> rdata;
  if (server.size() + contact.size() + 20 > rdata.size()) return;
  std::uint8_t* o = rdata.data();
  std::memcpy(o, server.data(), server.size());
  o += server.size();
  std::memcpy(o, contact.data(), contact.size());
  o += contact.size();
  for (const std::uint32_t v :
       {reverse_soa_serial, reverse_soa_refresh, reverse_soa_retry, reverse_soa_expire, ttl}) {
    dns::store32(o, v);
    o += 4;
  }
  (void)w.add(s, apex, dns::type::SOA, dns::cls::IN, ttl,
              dns::Bytes(rdata.data(), static_cast<std::size_t>(o - rdata.data())));
}

// A mapped name whose in-addr.arpa name is negative: its rcode and the
// reverse zone's SOA, never a CNAME to a name that does not exist.
Result write_reverse_negative(dns::Writer& w, const View& view, dns::Bytes qname, std::uint8_t zone,
                              std::uint8_t rcode, std::uint32_t ttl) {
  w.set_rcode(rcode);
  add_reverse_soa(w, Section::authority, view, qname, zone, ttl);
  return finish(w, DnsOutcome::answered_negative);
}

// write_ptr_answer straight into the buffer, for cached records whose owner
// is the pointer to their own name (as the control plane stores them); 0
// when anything is unusual or would not fit, and the Writer takes over.
std::size_t write_ptr_fast(std::span<std::uint8_t> buf, const FastQuery& q, std::size_t limit,
                           cache::EntryView v, const View& view, dns::Bytes in_addr,
                           std::uint16_t our_udp) {
  const std::size_t room = std::min(limit, buf.size()) - opt_room(q);
  const bool cname = view.ptr_mode == PtrMode::cname;
  std::size_t at = q.question_end;
  std::uint16_t owner = owner_is_qname;
  std::uint16_t count = 0;
  const std::uint32_t ttl = v.ttl();
  if (cname) {
    if (at + 12 + in_addr.size() > room) return 0;
    std::uint8_t* o = buf.data() + at;
    dns::store16(o, owner_is_qname);
    dns::store16(o + 2, dns::type::CNAME);
    dns::store16(o + 4, dns::cls::IN);
    dns::store32(o + 6, std::min(ttl, view.ptr_cname_ttl));
    dns::store16(o + 10, static_cast<std::uint16_t>(in_addr.size()));
    std::memcpy(o + 12, in_addr.data(), in_addr.size());
    owner = static_cast<std::uint16_t>(0xc000 | (at + 12));
    at += 12 + in_addr.size();
    ++count;
  }
  const dns::Bytes rrs = v.rrs();
  std::size_t p = 0;
  for (std::size_t i = 0; i < v.ttl_offsets().size(); ++i) {
    if (p + 12 > rrs.size() || dns::load16(rrs.data() + p) != owner_is_qname) return 0;
    const std::size_t rdlen = dns::load16(rrs.data() + p + 10);
    const std::size_t rr_len = 12 + rdlen;
    if (p + rr_len > rrs.size() || at + rr_len > room) return 0;
    std::uint8_t* o = buf.data() + at;
    std::memcpy(o, rrs.data() + p, rr_len);  // names in RDATA are uncompressed
    dns::store16(o, owner);
    dns::store32(o + 6, ttl);
    at += rr_len;
    p += rr_len;
    ++count;
  }
  return finish_fast(buf, q, at, count, our_udp);
}

Result respond_fast(std::span<std::uint8_t> buf, std::size_t len, const Context& ctx,
                    const Prepared& p, QuestionKey* punted);
// `cookie` gets the reply's COOKIE option.
Result respond_general(std::span<std::uint8_t> buf, std::size_t len, const Client& client,
                       const Context& ctx, ReplyCookie& cookie, QuestionKey* punted);

// The TTL of RFC 8482's HINFO: long, so that resolvers keep it (§4.2).
constexpr std::uint32_t any_ttl = 3600;

// What a CHAOS TXT (or ANY) question about us is answered with; empty when
// it is not one, or the configuration says nothing.
std::string_view chaos_text(const dns::Question& q, const ServerInfo* server) {
  if (server == nullptr || (q.qtype != dns::type::TXT && q.qtype != dns::type::ANY)) return {};
  dns::Name n;
  const auto is = [&](std::string_view text) {
    return dns::from_text(text, n) && dns::names_equal(q.name.bytes(), n.bytes());
  };
  if (is("version.bind") || is("version.server")) return server->version;
  if (is("hostname.bind") || is("id.server")) return server->identity;
  return {};
}

// The reply's COOKIE for a query whose EDNS options are `options`: empty
// without one (or with cookies off); false when the option is malformed
// (FORMERR, RFC 7873 §5.2.2).
bool take_cookie(dns::Bytes options, const Client& client, const Context& ctx, ReplyCookie& out) {
  out.len = 0;
  out.valid = false;
  if (ctx.cookies == nullptr || options.empty()) return true;
  std::span<const std::uint8_t> data;
  const cookie::Presented found = cookie::find(options, data);
  if (found == cookie::Presented::none) return true;
  if (found == cookie::Presented::malformed) return false;
  const dns::Bytes address = client.is_v6 ? dns::Bytes(client.v6.data(), client.v6.size())
                                           : dns::Bytes(client.v4.data(), client.v4.size());
  dns::store16(out.option.data(), cookie::option_code);
  dns::store16(out.option.data() + 2, cookie::reply_len);
  const cookie::Presented v =
      cookie::answer(*ctx.cookies, data, address, ctx.unix_now,
                     std::span<std::uint8_t, cookie::reply_len>(out.option.data() + 4,
                                                                cookie::reply_len));
  out.valid = v == cookie::Presented::valid;
  out.len = ReplyCookie::option_len;
  return true;
}

void copy_options(dns::Bytes options, QuestionKey& k) {
  k.options_cut = options.size() > k.options.size();
  k.options_len = static_cast<std::uint8_t>(std::min(options.size(), k.options.size()));
  if (k.options_len != 0) std::memcpy(k.options.data(), options.data(), k.options_len);
}

// The key of a fast-path query that missed; `query` is still as the client sent it.
void key_of_fast(const Prepared& p, dns::Bytes query, QuestionKey& k) {
  const FastQuery& q = p.q;
  k.id = q.id;
  k.flags = q.flags;
  k.qtype = q.qtype;
  k.qclass = q.qclass;
  k.key_type = p.key_type;
  k.view = static_cast<std::int16_t>(p.view);
  k.validating = false;
  k.ptr_mapped = p.ptr_mapped;
  k.ptr_zone = p.ptr_mapped ? p.ptr_zone : 0;
  k.opt = q.opt;
  k.do_bit = q.opt && q.do_bit;
  k.udp_size = q.opt ? q.udp_size : 0;
  k.name_len = q.key_len;
  std::memcpy(k.name.data(), query.data() + dns::header_size, q.key_len);
  if (p.ptr_mapped) {
    k.key_len = p.in_addr_len;
    std::memcpy(k.key.data(), p.in_addr.data(), p.in_addr_len);
  } else {
    k.key_len = q.key_len;
    std::memcpy(k.key.data(), q.key.data(), q.key_len);
  }
  k.options_len = 0;
  k.options_cut = false;
  k.cookie = q.cookie;
  if (q.opt) {
    const std::size_t rdlen = dns::load16(query.data() + q.question_end + 9);
    copy_options(query.subspan(q.question_end + 11, rdlen), k);
  }
}

// The key of a query the general path parsed and punts.
void key_of_message(const dns::Message& m, dns::Bytes query, int view, dns::Bytes key_name,
                    std::uint16_t key_type, std::uint8_t ptr_zone, bool validating,
                    const ReplyCookie& cookie, QuestionKey& k) {
  dns::Name original;
  std::size_t pos = m.question.offset;
  if (dns::read_name(query, pos, original, dns::Case::keep) != dns::Error::ok) {
    original = m.question.name;
  }
  k.id = m.header.id;
  k.flags = m.header.flags;
  k.qtype = m.question.qtype;
  k.qclass = m.question.qclass;
  k.key_type = key_type;
  k.view = static_cast<std::int16_t>(view);
  k.validating = validating;
  k.ptr_mapped = ptr_zone != 0;
  k.ptr_zone = ptr_zone;
  k.opt = m.opt.present;
  k.do_bit = m.opt.present && m.opt.do_bit;
  k.udp_size = m.opt.present ? m.opt.udp_size : 0;
  k.name_len = original.size;
  std::memcpy(k.name.data(), original.wire.data(), original.size);
  k.key_len = static_cast<std::uint8_t>(key_name.size());
  std::memcpy(k.key.data(), key_name.data(), key_name.size());
  copy_options(m.opt.present ? m.opt.options : dns::Bytes{}, k);
  k.cookie = cookie;
}

}  // namespace

ReverseMatch map_reverse_name(const ViewTable& views, const View& view, dns::Bytes qname,
                              dns::Name& in_addr) {
  dns64::Ip6Arpa name;
  if (dns64::read_ip6_arpa(qname, name) != dns64::PtrResult::ok) return {};
  return views.match_reverse(view, name, in_addr);
}

namespace {
// Whether `qname` is the apex of a Pref64's reverse zone (SOA and NS there are ours).
bool is_reverse_apex(const ViewTable& views, dns::Bytes qname) {
  dns64::Ip6Arpa name;
  return dns64::read_ip6_arpa(qname, name) == dns64::PtrResult::ok && views.reverse_apex(name) != 0;
}
}  // namespace

void prepare(std::span<const std::uint8_t> query, const Client& client, const Context& ctx,
             Prepared& p) {
  p.fast = false;
  FastQuery& q = p.q;
  // Anything else (and every error) takes the general path, which parses the whole message.
  if (query.size() < dns::header_size || !parse_fast(query.data(), query.size(), q) ||
      (q.opt && q.edns_version != 0) || q.qclass != dns::cls::IN || is_policy_type(q.qtype) ||
      q.qtype == dns::type::ANY) {
    return;
  }
  q.cookie.len = 0;
  q.cookie.valid = false;
  // A malformed COOKIE option gets FORMERR from the general path.
  if (q.opt && q.options_end > q.options_at &&
      !take_cookie(query.subspan(q.options_at, q.options_end - q.options_at), client, ctx,
                   q.cookie)) {
    return;
  }
  p.view = view_for_client(*ctx.views, client);
  if (p.view == ViewTable::none) return;
  const View& view = ctx.views->view(p.view);
  // A validating client (DO and CD) is never answered from what the cache
  // learnt upstream, asked for without DO and unsigned: the general path
  // answers it only from local data, and punts the rest for the control
  // plane to relay the upstream's answer. Unless its view breaks DNSSEC.
  if (q.opt && q.do_bit && (q.flags & dns::flag::CD) != 0 && !view.break_dnssec) return;
  p.ptr_mapped = false;
  cache::Key key{{q.key.data(), q.key_len}, q.qtype, q.qclass};
  switch (q.qtype) {
    case dns::type::AAAA:
      key.qtype = aaaa_key_type(view.policy_for(key.name, (q.flags & dns::flag::RD) != 0));
      break;
    case dns::type::PTR: {
      dns::Name in_addr;
      const ReverseMatch m = map_reverse_name(*ctx.views, view, key.name, in_addr);
      if (m.mapping == PtrMapping::partial) return;  // NODATA, written by the general path
      if (m.mapping == PtrMapping::mapped) {
        std::memcpy(p.in_addr.data(), in_addr.wire.data(), in_addr.size);
        p.in_addr_len = in_addr.size;
        p.ptr_mapped = true;
        p.ptr_zone = m.zone;
        key.name = {p.in_addr.data(), p.in_addr_len};
      }
      break;
    }
    case dns::type::SOA:
    case dns::type::NS:
      // A reverse zone's own records, written by the general path.
      if (is_reverse_apex(*ctx.views, key.name)) return;
      break;
    default:
      break;
  }
  p.key_type = key.qtype;
  p.hash = ctx.cache->hash_key(key);
  p.hint = 0;
  ctx.cache->prefetch(p.hash);
  p.fast = true;
}

Result respond(std::span<std::uint8_t> buf, std::size_t len, const Client& client,
               const Context& ctx, QuestionKey* punted) {
  Prepared p;
  if (len <= buf.size()) prepare(buf.first(len), client, ctx, p);
  return respond(buf, len, client, ctx, p, punted);
}

Result respond(std::span<std::uint8_t> buf, std::size_t len, const Client& client,
               const Context& ctx, const Prepared& p, QuestionKey* punted) {
  if (len < dns::header_size || len > buf.size()) return {DnsOutcome::dropped_short, 0};
  ReplyCookie cookie;
  Result r = p.fast ? respond_fast(buf, len, ctx, p, punted)
                    : respond_general(buf, len, client, ctx, cookie, punted);
  r.cookie_valid = p.fast ? p.q.cookie.valid : cookie.valid;
  return r;
}

namespace {

Result respond_fast(std::span<std::uint8_t> buf, std::size_t len, const Context& ctx,
                    const Prepared& p, QuestionKey* punted) {
  const FastQuery& q = p.q;
  const View& view = ctx.views->view(p.view);
  const dns::Bytes qname(q.key.data(), q.key_len);
  const dns::Bytes in_addr(p.in_addr.data(), p.in_addr_len);
  const cache::Key key{p.ptr_mapped ? in_addr : qname, p.key_type, q.qclass};
  const cache::LookupResult r =
      ctx.cache->lookup_hinted(*ctx.reader, key, p.hash, p.hint, ctx.now_ms, lookup_flags(ctx));
  if (!usable(r)) {
    if (punted != nullptr) key_of_fast(p, dns::Bytes(buf.data(), len), *punted);
    return {DnsOutcome::punted_miss, 0};
  }
  const std::size_t limit = reply_limit(q.opt, q.udp_size, ctx.edns_udp_size, ctx.stream_limit);
  if (p.ptr_mapped && r.view.kind() == cache::Kind::rrset) {
    const std::size_t n = write_ptr_fast(buf, q, limit, r.view, view, in_addr, ctx.edns_udp_size);
    if (n != 0) return {DnsOutcome::answered_ptr_mapped, n};
  }
  if (r.view.kind() == cache::Kind::synth_aaaa && r.view.cname_chain().empty()) {
    const std::size_t n = write_synthesized_fast(buf, q, limit, r.view, view, ctx.edns_udp_size);
    if (n != 0) return {DnsOutcome::answered_aaaa_synth, n};
  }
  if (!p.ptr_mapped && r.view.kind() == cache::Kind::rrset) {
    const std::size_t n = write_rrset_fast(buf, q, limit, r.view, ctx.edns_udp_size);
    if (n != 0) {
      return {
          q.qtype == dns::type::AAAA ? DnsOutcome::answered_aaaa_real : DnsOutcome::answered_cached,
          n};
    }
  }
  dns::Header h;
  h.id = q.id;
  h.flags = q.flags;
  dns::Writer w(buf, limit);
  (void)w.reuse_question(h, q.question_end, dns::rcode::NOERROR, dns::flag::RA);
  if (q.opt) (void)w.want_opt(ctx.edns_udp_size, q.do_bit, 0, q.cookie.bytes());
  if (p.ptr_mapped) {
    if (r.view.kind() == cache::Kind::negative) {
      return write_reverse_negative(w, view, qname, p.ptr_zone, r.view.rcode(), r.view.ttl());
    }
    if (r.view.kind() != cache::Kind::rrset) return servfail(w);
    write_ptr_answer(w, r.view, view, qname, in_addr);
    return finish(w, DnsOutcome::answered_ptr_mapped);
  }
  const DnsOutcome positive =
      q.qtype == dns::type::AAAA ? DnsOutcome::answered_aaaa_real : DnsOutcome::answered_cached;
  return answer_from(w, r.view, view, positive, q.do_bit);
}

Result respond_general(std::span<std::uint8_t> buf, std::size_t len, const Client& client,
                       const Context& ctx, ReplyCookie& cookie, QuestionKey* punted) {
  const dns::Bytes query(buf.data(), len);
  dns::Message m;
  const dns::Error err = dns::parse_message(query, m);
  if (m.header.qr()) return {DnsOutcome::dropped_response, 0};
  if (err != dns::Error::ok || m.header.qdcount != 1) {
    dns::Writer w(buf, dns::min_udp_payload);
    (void)w.begin(m.header, dns::rcode::FORMERR, dns::flag::RA);
    return finish(w, DnsOutcome::answered_formerr);
  }
  dns::Writer w(buf,
                reply_limit(m.opt.present, m.opt.udp_size, ctx.edns_udp_size, ctx.stream_limit));
  if (m.header.opcode() != dns::opcode::QUERY) {
    (void)w.begin(m.header, dns::rcode::NOTIMP, dns::flag::RA);
    return finish(w, DnsOutcome::answered_notimp);
  }
  // Nothing is written into the query before the decision to answer: a
  // punted query must reach the control plane as the client sent it.
  auto start = [&](std::uint8_t rcode) {
    (void)w.reuse_question(m.header, m.question.end, rcode, dns::flag::RA);
    if (m.opt.present) (void)w.want_opt(ctx.edns_udp_size, m.opt.do_bit, 0, cookie.bytes());
  };
  if (m.opt.present && m.opt.version != 0) {
    start(dns::rcode::BADVERS);
    return finish(w, DnsOutcome::answered_badvers);
  }
  if (m.opt.present && !take_cookie(m.opt.options, client, ctx, cookie)) {
    start(dns::rcode::FORMERR);
    return finish(w, DnsOutcome::answered_formerr_cookie);
  }
  const int vi = view_for_client(*ctx.views, client);
  if (vi == ViewTable::none) {
    start(dns::rcode::REFUSED);
    return finish(w, DnsOutcome::answered_refused);
  }
  if (is_policy_type(m.question.qtype)) {
    start(dns::rcode::REFUSED);  // the cache keys of our AAAA policies, never asked upstream
    return finish(w, DnsOutcome::answered_refused);
  }
  // Other classes are never relayed: CHAOS says who we are where the
  // configuration lets it, everything else is refused.
  if (m.question.qclass != dns::cls::IN) {
    const std::string_view text =
        m.question.qclass == dns::cls::CH ? chaos_text(m.question, ctx.server) : std::string_view{};
    if (text.empty()) {
      start(dns::rcode::REFUSED);
      return finish(w, DnsOutcome::answered_refused_class);
    }
    start(dns::rcode::NOERROR);
    w.set_flags(dns::flag::AA);
    std::array<std::uint8_t, 256> rdata;
    rdata[0] = static_cast<std::uint8_t>(text.size());
    std::memcpy(rdata.data() + 1, text.data(), text.size());
    (void)w.add_at(Section::answer, dns::header_size, dns::type::TXT, dns::cls::CH, 0,
                   dns::Bytes(rdata.data(), text.size() + 1));
    return finish(w, DnsOutcome::answered_chaos);
  }
  // RFC 8482 §4.2: ANY gets one synthesized HINFO, from us, whatever the
  // name; never an upstream's full answer (an amplifier's favourite).
  if (m.question.qtype == dns::type::ANY) {
    static constexpr std::uint8_t hinfo[] = {7, 'R', 'F', 'C', '8', '4', '8', '2', 0};
    start(dns::rcode::NOERROR);
    (void)w.add_at(Section::answer, dns::header_size, dns::type::HINFO, dns::cls::IN, any_ttl,
                   dns::Bytes(hinfo, sizeof hinfo));
    return finish(w, DnsOutcome::answered_any_minimal);
  }
  // §5.5: a validating client (DO and CD) gets the upstream's own answer,
  // signatures and all: the cache has neither those nor unsynthesized data,
  // and no mapping is made. Only local data (static records) is answered.
  // A view with break_dnssec treats it like any other client.
  const View& view = ctx.views->view(vi);
  const bool validating = m.opt.do_bit && m.header.cd() && !view.break_dnssec;
  const dns::Bytes qname = m.question.name.bytes();

  dns::Name in_addr;
  const ReverseMatch mapping = m.question.qtype == dns::type::PTR && !validating
                                   ? map_reverse_name(*ctx.views, view, qname, in_addr)
                                   : ReverseMatch{};
  if (mapping.mapping == PtrMapping::partial) {
    // Ours to say: no address has fewer labels. The SOA where a reverse
    // zone holds the name (none above the apexes).
    start(dns::rcode::NOERROR);
    w.set_flags(dns::flag::AA);
    add_reverse_soa(w, Section::authority, view, qname, mapping.zone, reverse_zone_ttl);
    return finish(w, DnsOutcome::answered_ptr_partial);
  }
  if (mapping.mapping == PtrMapping::mapped) {
    const cache::Key key{in_addr.bytes(), dns::type::PTR, dns::cls::IN};
    const cache::LookupResult r =
        ctx.cache->lookup(*ctx.reader, key, ctx.now_ms, lookup_flags(ctx));
    if (!usable(r)) {
      if (punted != nullptr) {
        key_of_message(m, query, vi, in_addr.bytes(), dns::type::PTR, mapping.zone, false, cookie,
                       *punted);
      }
      return {DnsOutcome::punted_miss, 0};
    }
    start(dns::rcode::NOERROR);
    if (r.view.kind() == cache::Kind::negative) {
      return write_reverse_negative(w, view, qname, mapping.zone, r.view.rcode(), r.view.ttl());
    }
    if (r.view.kind() != cache::Kind::rrset) return servfail(w);
    write_ptr_answer(w, r.view, view, qname, in_addr.bytes());
    return finish(w, DnsOutcome::answered_ptr_mapped);
  }
  // The apex of a Pref64's reverse zone: its SOA and NS are ours (BIND's
  // dns64-server and dns64-contact).
  if (!validating && (m.question.qtype == dns::type::SOA || m.question.qtype == dns::type::NS) &&
      is_reverse_apex(*ctx.views, qname)) {
    start(dns::rcode::NOERROR);
    w.set_flags(dns::flag::AA);
    const std::uint8_t zone = static_cast<std::uint8_t>((qname.size() - 10) / 2);
    if (m.question.qtype == dns::type::SOA) {
      add_reverse_soa(w, Section::answer, view, qname, zone, reverse_zone_ttl);
    } else {
      const dns::Bytes server =
          view.reverse_soa_server.empty() ? qname : dns::Bytes(view.reverse_soa_server);
      (void)w.add_name_rdata(Section::answer, qname, dns::type::NS, dns::cls::IN, reverse_zone_ttl,
                             server);
    }
    return finish(w, DnsOutcome::answered_reverse_zone);
  }

  const std::uint16_t key_type = m.question.qtype == dns::type::AAAA
                                     ? aaaa_key_type(view.policy_for(qname, m.header.rd()))
                                     : m.question.qtype;
  const cache::Key key{qname, key_type, m.question.qclass};
  const cache::LookupResult r = ctx.cache->lookup(*ctx.reader, key, ctx.now_ms, lookup_flags(ctx));
  if ((validating && !(usable(r) && r.view.local())) || !usable(r)) {
    if (punted != nullptr)
      key_of_message(m, query, vi, qname, key_type, 0, validating, cookie, *punted);
    return {validating ? DnsOutcome::punted_validating : DnsOutcome::punted_miss, 0};
  }
  start(dns::rcode::NOERROR);
  const DnsOutcome positive = m.question.qtype == dns::type::AAAA ? DnsOutcome::answered_aaaa_real
                                                                  : DnsOutcome::answered_cached;
  return answer_from(w, r.view, view, positive, m.opt.present && m.opt.do_bit);
}

}  // namespace

Result answer_from_cache(const QuestionKey& key, std::span<std::uint8_t> buf, const Context& ctx) {
  if (key.qclass != dns::cls::IN || key.view < 0 ||
      static_cast<std::size_t>(key.view) >= ctx.views->size()) {
    return {DnsOutcome::punted_miss, 0};  // never punted: the worker answers them itself
  }
  Prepared p;
  FastQuery& q = p.q;
  q.question_end = write_question(key, buf);
  if (q.question_end == 0) return {DnsOutcome::dropped_short, 0};
  q.id = key.id;
  q.flags = key.flags;
  q.qtype = key.qtype;
  q.qclass = key.qclass;
  q.opt = key.opt;
  q.do_bit = key.do_bit;
  q.edns_version = 0;
  q.udp_size = key.udp_size;
  q.cookie = key.cookie;
  q.key_len = key.name_len;
  // Not fold_copy: the worker's parse is its one caller, where it inlines.
  for (std::size_t i = 0; i < key.name_len; ++i) q.key[i] = dns::fold(key.name[i]);
  p.view = key.view;
  p.key_type = key.key_type;
  p.ptr_mapped = key.ptr_mapped;
  p.ptr_zone = key.ptr_zone;
  if (key.ptr_mapped) {
    if (key.key_len > p.in_addr.size()) return {DnsOutcome::punted_miss, 0};
    std::memcpy(p.in_addr.data(), key.key.data(), key.key_len);
    p.in_addr_len = key.key_len;
  }
  const cache::Key cache_key{key.key_name(), key.key_type, key.qclass};
  if (key.validating) {
    // §5.5: only local data (static records) answers a validating client;
    // what the cache learnt upstream was asked without DO.
    const cache::LookupResult r =
        ctx.cache->lookup(*ctx.reader, cache_key, ctx.now_ms, lookup_flags(ctx));
    if (!usable(r) || !r.view.local()) return {DnsOutcome::punted_validating, 0};
  }
  p.hash = ctx.cache->hash_key(cache_key);
  p.hint = 0;
  p.fast = true;
  return respond(buf, q.question_end, Client{}, ctx, p, nullptr);
}

std::size_t answer_reverse_negative(const QuestionKey& key, std::span<std::uint8_t> buf,
                                    std::uint8_t rcode, std::uint32_t ttl, const Context& ctx) {
  return answer_reverse_negative(key, buf, rcode, ttl, ctx, key.cookie.bytes());
}

std::size_t answer_reverse_negative(const QuestionKey& key, std::span<std::uint8_t> buf,
                                    std::uint8_t rcode, std::uint32_t ttl, const Context& ctx,
                                    dns::Bytes options) {
  if (!key.ptr_mapped || key.ptr_zone == 0 || key.view < 0 ||
      static_cast<std::size_t>(key.view) >= ctx.views->size()) {
    return 0;
  }
  const std::size_t end = write_question(key, buf);
  if (end == 0) return 0;
  dns::Header h;
  h.id = key.id;
  h.flags = key.flags;
  dns::Writer w(buf, reply_limit(key, ctx.edns_udp_size, ctx.stream_limit));
  if (w.reuse_question(h, end, dns::rcode::NOERROR, dns::flag::RA) != dns::Error::ok) return 0;
  if (key.opt) (void)w.want_opt(ctx.edns_udp_size, key.do_bit, 0, options);
  return write_reverse_negative(w, ctx.views->view(key.view), key.qname(), key.ptr_zone, rcode, ttl)
      .reply_len;
}

}  // namespace dns64d::respond
