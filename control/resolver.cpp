#include "control/resolver.hpp"

#include <rte_cycles.h>
#include <rte_ring.h>

#include <algorithm>

#include "control/cache_format.hpp"
#include "dataplane/dns/writer.hpp"
#include "dataplane/dns64/ptr.hpp"
#include "dataplane/net/reply.hpp"
#include "dataplane/respond/respond.hpp"

namespace dns64d::control {

namespace {

// A punted frame taken apart again: the worker left it as the client sent it.
struct Query {
  net::FrameInfo info;
  respond::Client client;
  dns::Message msg;
  std::span<std::uint8_t> frame;
  std::span<std::uint8_t> dns;
};

bool reparse(rte_mbuf* m, const dataplane::Snapshot& snap, Query& q) {
  std::uint8_t* data = rte_pktmbuf_mtod(m, std::uint8_t*);
  q.frame = {data, static_cast<std::size_t>(m->buf_len) - m->data_off};
  if (m->port >= dataplane::max_ports ||
      net::parse_frame({data, rte_pktmbuf_data_len(m)}, snap.local[m->port], q.info) !=
          net::Outcome::dns_query) {
    return false;
  }
  q.dns = q.frame.subspan(q.info.payload_offset);
  q.client.is_v6 = q.info.ip_version == 6;
  q.client.v6 = q.info.src_ip;
  q.client.v4 = net::v4_of(q.info.src_ip);
  return dns::parse_message(dns::Bytes(q.dns.data(), q.info.payload_length), q.msg) ==
         dns::Error::ok;
}

std::string make_key(dns::Bytes name, std::uint16_t qtype, std::uint16_t qclass, bool validating) {
  std::string k(name.begin(), name.end());
  k.push_back(static_cast<char>(qtype >> 8));
  k.push_back(static_cast<char>(qtype));
  k.push_back(static_cast<char>(qclass >> 8));
  k.push_back(static_cast<char>(qclass));
  k.push_back(validating ? 'v' : '-');
  return k;
}

std::uint64_t now_ms() { return dataplane::now_ms(rte_get_tsc_hz()); }

// A PTR question under one of the client's prefixes (its view's, or a
// prefix_map's whose range holds the address): the view, and the
// in-addr.arpa name the workers look up instead. The resolver asks that
// name upstream, so its answer fills the entry they read.
const respond::View* map_ptr_question(const dns::Message& msg, const respond::Client& client,
                                      const dataplane::Snapshot& snap, dns::Name& in_addr) {
  if (msg.question.qtype != dns::type::PTR || msg.question.qclass != dns::cls::IN) return nullptr;
  const int vi = client.is_v6 ? snap.views.for_v6(client.v6) : snap.views.for_v4(client.v4);
  if (vi == respond::ViewTable::none) return nullptr;
  const respond::View& v = snap.views.view(vi);
  for (std::size_t k = 0; k < v.reverse_count(); ++k) {
    dns64::V4 a;
    if (dns64::map_ptr(msg.question.name.bytes(), v.reverse_prefix(k), in_addr, a) ==
            dns64::PtrResult::ok &&
        v.reverse_accepts(k, a)) {
      return &v;
    }
  }
  return nullptr;
}

}  // namespace

Resolver::~Resolver() {
  for (auto& [cookie, p] : pending_) {
    for (const Waiter& w : p.waiters) {
      if (w.m != nullptr) rte_pktmbuf_free(w.m);
    }
  }
}

void Resolver::submit(rte_mbuf* m, dataplane::Worker& w, const dataplane::Snapshot& snap) {
  Query q;
  if (!reparse(m, snap, q)) {
    rte_pktmbuf_free(m);
    return;
  }
  Waiter waiter;
  waiter.m = m;
  waiter.worker = &w;
  waiter.client = q.client;
  enqueue(std::move(waiter), q.msg, snap);
}

void Resolver::submit_stream(std::uint64_t conn, const respond::Client& client,
                             std::span<const std::uint8_t> query,
                             const dataplane::Snapshot& snap) {
  Waiter waiter;
  waiter.stream = conn;
  waiter.client = client;
  waiter.query.assign(query.begin(), query.end());
  dns::Message msg;
  if (dns::parse_message(dns::Bytes(waiter.query.data(), waiter.query.size()), msg) !=
      dns::Error::ok) {
    if (on_stream_answer) on_stream_answer(conn, {});
    return;
  }
  enqueue(std::move(waiter), msg, snap);
}

void Resolver::over_limit(Waiter& w, const dataplane::Snapshot& snap) {
  ++stats_.dropped_full;
  if (!config_.drop_over_limit) {
    answer_one(w, snap, {}, dns::rcode::SERVFAIL);
  } else if (w.m != nullptr) {
    rte_pktmbuf_free(w.m);
  } else if (on_stream_answer) {
    on_stream_answer(w.stream, {});
  }
}

void Resolver::enqueue(Waiter&& w, const dns::Message& msg, const dataplane::Snapshot& snap) {
  const bool validating = msg.opt.do_bit && msg.header.cd();
  std::vector<std::uint8_t> name(msg.question.name.wire.begin(),
                                 msg.question.name.wire.begin() + msg.question.name.size);
  // ip6.arpa under a prefix is resolved as its in-addr.arpa name; not for
  // a validating client, which gets the upstream's own answer (§5.5).
  if (dns::Name in_addr; !validating && map_ptr_question(msg, w.client, snap, in_addr) != nullptr) {
    name.assign(in_addr.wire.begin(), in_addr.wire.begin() + in_addr.size);
  }
  const std::uint16_t qtype = msg.question.qtype, qclass = msg.question.qclass;
  // AAAA answers depend on the asking view's policy for the name: each
  // policy has its own cache entries and its own lookups.
  std::uint8_t policy = 0;
  if (qtype == dns::type::AAAA && qclass == dns::cls::IN) {
    const int vi = w.client.is_v6 ? snap.views.for_v6(w.client.v6) : snap.views.for_v4(w.client.v4);
    if (vi != respond::ViewTable::none) policy = snap.views.view(vi).policy_for(name);
  }
  const std::uint16_t key_type = qtype == dns::type::AAAA ? respond::aaaa_key_type(policy) : qtype;
  const std::string key = make_key(name, key_type, qclass, validating);
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    Pending& p = pending_.at(it->second);
    if (p.waiters.size() < config_.max_waiters) {
      p.waiters.push_back(std::move(w));
      ++stats_.coalesced;
    } else {
      over_limit(w, snap);
    }
    return;
  }
  if (pending_.size() >= config_.max_pending) {
    over_limit(w, snap);
    return;
  }
  Pending lookup;
  lookup.key = key;
  lookup.name = std::move(name);
  lookup.qtype = qtype;
  lookup.qclass = qclass;
  lookup.key_type = key_type;
  lookup.policy = policy;
  lookup.validating = validating;
  lookup.waiters.push_back(std::move(w));
  launch(std::move(lookup), snap);
}

void Resolver::launch(Pending&& lookup, const dataplane::Snapshot& snap) {
  const std::uint64_t cookie = next_cookie_++;
  Pending& p = pending_[cookie] = std::move(lookup);
  p.stage = (p.qtype == dns::type::AAAA && p.qclass == dns::cls::IN && !p.validating)
                ? Stage::aaaa
                : Stage::plain;
  by_key_[p.key] = cookie;
  ++stats_.lookups;
  if (p.stage == Stage::aaaa && snap.views.policy(p.policy).mode == respond::Synthesis::all) {
    // Real AAAA are ignored for this name: straight to the A query, and the
    // TTL rule without an AAAA SOA (min(A TTL, 600), §5.1.7).
    p.aaaa.verdict = dns64::AaaaVerdict::synthesize;
    p.stage = Stage::a;
    ask(p, dns::type::A, cookie);
    return;
  }
  ask(p, p.qtype, cookie);
}

bool Resolver::refresh(std::span<const std::uint8_t> name, std::uint16_t key_type,
                       std::uint16_t qclass, const dataplane::Snapshot& snap) {
  // The cache keys AAAA answers by policy: the policy's type is an AAAA
  // lookup under that policy (synthesis decided again, as on a miss).
  std::uint16_t qtype = key_type;
  std::uint8_t policy = 0;
  if (key_type == dns::type::AAAA || respond::is_policy_type(key_type)) {
    const int i = snap.views.policy_of_type(key_type);
    if (i < 0) return false;  // a policy of a configuration since replaced
    qtype = dns::type::AAAA;
    policy = static_cast<std::uint8_t>(i);
  }
  Pending lookup;
  lookup.key = make_key(name, key_type, qclass, false);
  if (by_key_.count(lookup.key) != 0 || pending_.size() >= config_.max_pending) return false;
  lookup.name.assign(name.begin(), name.end());
  lookup.qtype = qtype;
  lookup.qclass = qclass;
  lookup.key_type = key_type;
  lookup.policy = policy;
  ++stats_.refreshes;
  launch(std::move(lookup), snap);
  return true;
}

void Resolver::ask(Pending& p, std::uint16_t qtype, std::uint64_t cookie) {
  upstream::Request r;
  r.qname_wire = p.name;
  r.qtype = qtype;
  r.qclass = p.qclass;
  r.do_bit = p.validating;
  r.cd = p.validating;
  r.cookie = cookie;
  if (client_.send(r)) {
    ++stats_.upstream_queries;
    return;
  }
  // Full or no upstream: nothing will complete, so answer now.
  upstream::Completion failed;
  failed.cookie = cookie;
  failed.status = upstream::Status::failed;
  failed_.push_back(std::move(failed));
}

void Resolver::step(const dataplane::Snapshot& snap) {
  client_.poll(0);
  std::vector<upstream::Completion> done_now = client_.take_completed();
  for (auto& f : failed_) done_now.push_back(std::move(f));
  failed_.clear();
  for (const upstream::Completion& c : done_now) {
    auto it = pending_.find(c.cookie);
    if (it == pending_.end()) continue;
    Pending& p = it->second;
    switch (p.stage) {
      case Stage::plain:
        finish_plain(p, c, snap);
        break;
      case Stage::aaaa:
        finish_aaaa(p, c.cookie, c, snap);
        break;
      case Stage::a:
        finish_a(p, c, snap);
        break;
    }
  }
  reader_->quiescent();
}

bool Resolver::cache_response(const Pending& p, dns::Bytes msg, const dns::Message& m) {
  const cache::Key key{p.name, p.key_type, p.qclass};
  const std::uint8_t rcode = static_cast<std::uint8_t>(m.header.rcode() | (m.opt.ext_rcode << 4));
  cache::InsertStatus st = cache::InsertStatus::bad_value;
  if (rcode == dns::rcode::NOERROR && m.header.ancount > 0) {
    Rrs rrs;
    AnswerScrub scrub;
    if (!append_answer(msg, m, p.qtype, p.name, rrs, scrub)) return false;
    stats_.scrubbed += scrub.dropped;
    // A chain that ends without data is NODATA, whose TTL and SOA are in
    // the authority section (RFC 2308 §5): relayed, like NXDOMAIN at the end
    // of a chain below, rather than cached as an answer for the chain's TTL.
    if (!scrub.has_data || rrs.empty()) return false;
    st = cache_.insert_rrset(key, rrs.min_ttl, rrs.bytes, rrs.ttl_offsets);
  } else if (rcode == dns::rcode::NXDOMAIN && m.header.ancount > 0) {
    // NXDOMAIN at the end of a CNAME chain: a negative entry holds only the
    // SOA, so the answer is relayed, chain and all, and not cached.
    return false;
  } else if (rcode == dns::rcode::NOERROR || rcode == dns::rcode::NXDOMAIN) {
    // RFC 2308: negative answers are cached with their SOA, for the SOA's TTL
    // or MINIMUM, whichever is lower.
    Rrs soa;
    if (!append_section(msg, m, dns::Section::authority, dns::type::SOA, {}, soa) || soa.empty())
      return false;
    dns::Reader rd(msg);
    rd.seek(m.sections.authority);
    std::uint32_t ttl = soa.min_ttl;
    dns::RR rr;
    for (std::uint16_t i = 0; i < m.header.nscount && rd.rr(rr) == dns::Error::ok; ++i) {
      if (rr.type != dns::type::SOA || rr.rdata.size() < 22) continue;
      ttl = std::min(ttl, dns::load32(rr.rdata.data() + rr.rdata.size() - 4));
    }
    st = cache_.insert_negative(key, ttl, rcode, soa.bytes, soa.ttl_offsets);
  } else {
    return false;
  }
  const bool ok = st == cache::InsertStatus::inserted || st == cache::InsertStatus::replaced;
  ++(ok ? stats_.cache_fills : stats_.cache_fill_failed);
  return ok;
}

void Resolver::finish_plain(Pending& p, const upstream::Completion& c,
                            const dataplane::Snapshot& snap) {
  dns::Message m;
  if (c.status != upstream::Status::ok || dns::parse_message(c.response, m) != dns::Error::ok) {
    answer_all(p, snap);
    return;
  }
  if (!p.validating) cache_response(p, c.response, m);
  answer_all(p, snap, c.response);
}

void Resolver::finish_aaaa(Pending& p, std::uint64_t cookie, const upstream::Completion& c,
                           const dataplane::Snapshot& snap) {
  dns::Message m;
  const bool ok =
      c.status == upstream::Status::ok && dns::parse_message(c.response, m) == dns::Error::ok;
  dns64::Policy policy;
  const respond::AaaaPolicy& aaaa_policy = snap.views.policy(p.policy);
  policy.exclusions = aaaa_policy.exclusions;
  policy.servfail_on_error = config_.servfail_on_error;
  const dns64::AaaaDecision d =
      dns64::decide_aaaa(ok ? &m : nullptr, c.response, dns64::Client{}, policy);
  dns64::AaaaVerdict verdict = d.verdict;
  if (aaaa_policy.mode == respond::Synthesis::none && verdict == dns64::AaaaVerdict::synthesize) {
    // Never synthesized under this name: what the AAAA query gave, without
    // the excluded records.
    verdict = !ok              ? dns64::AaaaVerdict::servfail
              : d.excluded > 0 ? dns64::AaaaVerdict::filter
                               : dns64::AaaaVerdict::relay;
  }
  switch (verdict) {
    case dns64::AaaaVerdict::relay:
    case dns64::AaaaVerdict::nxdomain:
      cache_response(p, c.response, m);
      answer_all(p, snap, c.response);
      return;
    case dns64::AaaaVerdict::filter: {
      // §5.1.4: the answer (the chain and the records at its end, as
      // append_answer keeps it) without its excluded AAAA records.
      Rrs rrs;
      AnswerScrub scrub;
      std::uint32_t answer_ttl = UINT32_MAX;  // for an answer left empty: the removed records'
      const bool whole = append_answer(
          c.response, m, dns::type::AAAA, p.name, rrs, scrub, [&](const dns::RR& rr) {
            answer_ttl = std::min(answer_ttl, rr.ttl);
            if (rr.type != dns::type::AAAA || rr.rdata.size() != 16) return false;
            dns64::V6 a;
            std::copy(rr.rdata.begin(), rr.rdata.end(), a.begin());
            return dns64::excluded(a, aaaa_policy.exclusions);
          });
      stats_.scrubbed += scrub.dropped;
      if (!whole) {
        answer_all(p, snap);
        return;
      }
      const auto st =
          cache_.insert_rrset({p.name, p.key_type, p.qclass},
                              std::max<std::uint32_t>(rrs.empty() ? answer_ttl : rrs.min_ttl, 1),
                              rrs.bytes, rrs.ttl_offsets);
      ++(st == cache::InsertStatus::inserted || st == cache::InsertStatus::replaced
             ? stats_.cache_fills
             : stats_.cache_fill_failed);
      answer_all(p, snap);
      return;
    }
    case dns64::AaaaVerdict::synthesize:
      p.aaaa = d;
      p.aaaa_response = c.response;
      p.stage = Stage::a;
      ask(p, dns::type::A, cookie);
      return;
    case dns64::AaaaVerdict::servfail:
      answer_all(p, snap);
      return;
  }
}

void Resolver::finish_a(Pending& p, const upstream::Completion& c,
                        const dataplane::Snapshot& snap) {
  dns::Message m;
  const bool ok =
      c.status == upstream::Status::ok && dns::parse_message(c.response, m) == dns::Error::ok;
  dns64::Policy policy;
  policy.wkp_relaxed = true;  // the cache serves every view; workers apply each view's prefix rules
  policy.failure_ttl = config_.failure_ttl;
  const dns64::Synthesis s = dns64::decide_synthesis(ok ? &m : nullptr, c.response, p.aaaa,
                                                     dns64::well_known_prefix, policy);
  const cache::Key key{p.name, p.key_type, p.qclass};
  if (s.verdict == dns64::SynthVerdict::synthesize) {
    Rrs chain;
    dns::Reader rd(c.response);
    dns::RR rr;
    for (std::size_t i = 0; i < s.chain.links; ++i) {
      rd.seek(s.chain.rr_offsets[i]);
      if (rd.rr(rr) == dns::Error::ok) append_rr(c.response, rr, {}, chain);
    }
    std::uint32_t ttl = chain.min_ttl;
    std::vector<cache::Ipv4> v4(s.count);
    for (std::size_t i = 0; i < s.count; ++i) {
      std::copy(s.addresses[i].begin(), s.addresses[i].end(), v4[i].bytes);
      ttl = std::min(ttl, s.ttls[i]);
    }
    // A TTL of 0 cannot be cached, and these answers exist only in the
    // cache: they are served for one second instead.
    const auto st = cache_.insert_aaaa(key, std::max<std::uint32_t>(ttl, 1), v4, chain.bytes);
    ++(st == cache::InsertStatus::inserted || st == cache::InsertStatus::replaced
           ? stats_.cache_fills
           : stats_.cache_fill_failed);
    ++stats_.synthesized;
    answer_all(p, snap);
    return;
  }
  const bool negative = s.verdict == dns64::SynthVerdict::nodata ||
                        (s.verdict == dns64::SynthVerdict::error && s.rcode == dns::rcode::NXDOMAIN);
  if (negative && ok && m.header.ancount > 0 && s.dropped == 0) {
    // A chain that ends without A records (NODATA or NXDOMAIN at its end):
    // the A answer, which holds only the chain and the SOA, is the answer
    // to the AAAA query too (§5.1.6); relayed, since a negative entry
    // would lose the chain.
    bool only_chain = true;
    dns::Reader rd(c.response);
    rd.seek(m.sections.answer);
    dns::RR rr;
    for (std::uint16_t i = 0; i < m.header.ancount && rd.rr(rr) == dns::Error::ok; ++i) {
      only_chain = only_chain && (rr.type == dns::type::CNAME || rr.type == dns::type::DNAME);
    }
    if (only_chain) {
      answer_all(p, snap, c.response);
      return;
    }
  }
  if (negative) {
    // The A query's empty or NXDOMAIN answer is the basis of ours (§5.1.6):
    // its rcode and SOA. Its answer section is not (it may hold A records
    // of other owners), so the AAAA entry is a negative one.
    Rrs soa;
    if (ok && append_section(c.response, m, dns::Section::authority, dns::type::SOA, {}, soa) &&
        !soa.empty()) {
      std::uint32_t ttl = soa.min_ttl;
      dns::Reader rd(c.response);
      rd.seek(m.sections.authority);
      dns::RR rr;
      for (std::uint16_t i = 0; i < m.header.nscount && rd.rr(rr) == dns::Error::ok; ++i) {
        if (rr.type == dns::type::SOA && rr.rdata.size() >= 22) {
          ttl = std::min(ttl, dns::load32(rr.rdata.data() + rr.rdata.size() - 4));
        }
      }
      // No AAAA because that query failed: this NODATA may hide a real one.
      if (p.aaaa.failed) ttl = std::min(ttl, config_.failure_ttl);
      const std::uint8_t rcode =
          s.verdict == dns64::SynthVerdict::nodata ? dns::rcode::NOERROR : dns::rcode::NXDOMAIN;
      const auto st = cache_.insert_negative(key, std::max<std::uint32_t>(ttl, 1), rcode, soa.bytes,
                                             soa.ttl_offsets);
      ++(st == cache::InsertStatus::inserted || st == cache::InsertStatus::replaced
             ? stats_.cache_fills
             : stats_.cache_fill_failed);
    }
    // Without a SOA (some forwarders and local-data setups send none) there
    // is nothing to cache, but the answer is still known: its rcode, no
    // records, rather than SERVFAIL.
    if (ok) {
      answer_all(p, snap, {},
                 s.verdict == dns64::SynthVerdict::nodata ? dns::rcode::NOERROR
                                                          : dns::rcode::NXDOMAIN);
      return;
    }
  }
  answer_all(p, snap);
}

void Resolver::answer_all(Pending& p, const dataplane::Snapshot& snap, dns::Bytes relay,
                          std::uint8_t fallback_rcode) {
  for (Waiter& w : p.waiters) answer_one(w, snap, relay, fallback_rcode);
  const std::string key = p.key;
  const auto it = by_key_.find(key);
  const std::uint64_t cookie = it == by_key_.end() ? 0 : it->second;
  by_key_.erase(key);
  pending_.erase(cookie);
}

void Resolver::answer_one(Waiter& w, const dataplane::Snapshot& snap, dns::Bytes relay,
                          std::uint8_t fallback_rcode) {
  // The query in a buffer the reply may fill: the frame's DNS payload, or
  // for a stream a buffer of the largest message.
  Query q;
  std::vector<std::uint8_t> stream_buf;
  std::span<std::uint8_t> dns;
  std::size_t qlen = 0;
  if (w.m != nullptr) {
    if (!reparse(w.m, snap, q)) {
      rte_pktmbuf_free(w.m);
      return;
    }
    dns = q.dns;
    qlen = q.info.payload_length;
  } else {
    stream_buf.assign(65535, 0);
    std::copy(w.query.begin(), w.query.end(), stream_buf.begin());
    dns = stream_buf;
    qlen = w.query.size();
    if (dns::parse_message(dns::Bytes(dns.data(), qlen), q.msg) != dns::Error::ok) {
      if (on_stream_answer) on_stream_answer(w.stream, {});
      return;
    }
  }
  respond::Context ctx{&snap.views, &cache_, reader_, now_ms(), snap.edns_udp_size};
  if (w.m == nullptr) ctx.stream_limit = 65535;
  std::size_t len = 0;
  const respond::Result r = respond::respond(dns, qlen, w.client, ctx);
  // The upstream failed: no answer, or its own SERVFAIL. (An answer known
  // but not cached comes with its own fallback rcode.)
  bool upstream_failed = relay.empty() && fallback_rcode == dns::rcode::SERVFAIL;
  dns::Message up;
  const bool relay_ok = !relay.empty() && dns::parse_message(relay, up) == dns::Error::ok;
  if (relay_ok && up.header.rcode() == dns::rcode::SERVFAIL) upstream_failed = true;
  if (!respond::is_answer(r.outcome) && upstream_failed && config_.serve_stale) {
    // An expired answer beats none (RFC 8767).
    respond::Context stale_ctx = ctx;
    stale_ctx.allow_stale = true;
    const respond::Result s = respond::respond(dns, qlen, w.client, stale_ctx);
    if (respond::is_answer(s.outcome)) {
      len = s.reply_len;
      ++stats_.stale;
    }
  }
  if (len == 0 && respond::is_answer(r.outcome)) {
    len = r.reply_len;
  } else if (len == 0 && relay_ok) {
    // Not cacheable (TTL 0, DO+CD, too big, a chain to NXDOMAIN): the
    // upstream's records as they came. The upstream was asked the client's
    // question, or for a PTR under a prefix its in-addr.arpa name.
    const bool same = dns::names_equal(up.question.name.bytes(), q.msg.question.name.bytes());
    // A mapped answer is relayed when it says something about the name:
    // an upstream error stays SERVFAIL rather than an error behind a CNAME.
    const respond::View* mapped_view = nullptr;
    const std::uint8_t up_rcode = up.header.rcode();
    if (dns::Name in_addr;
        !same && (up_rcode == dns::rcode::NOERROR || up_rcode == dns::rcode::NXDOMAIN)) {
      mapped_view = map_ptr_question(q.msg, w.client, snap, in_addr);
      if (!dns::names_equal(in_addr.bytes(), up.question.name.bytes())) mapped_view = nullptr;
    }
    // The answer section as append_answer keeps it; a chain that cannot be
    // followed is not relayed at all (it would read as NODATA).
    const bool mapped_rename =
        mapped_view != nullptr && mapped_view->ptr_mode == respond::PtrMode::ptr;
    const dns::Bytes relay_key = same            ? q.msg.question.name.bytes()
                                 : mapped_rename ? up.question.name.bytes()
                                                 : dns::Bytes{};
    Rrs an;
    AnswerScrub scrub;
    const bool followed =
        (same || mapped_view != nullptr) &&
        append_answer(relay, up, up.question.qtype, relay_key, an, scrub);
    if (followed) {
      const std::size_t limit =
          ctx.stream_limit != 0 ? ctx.stream_limit
          : q.msg.opt.present
              ? std::clamp<std::size_t>(q.msg.opt.udp_size, 512, snap.edns_udp_size)
              : 512;
      dns::Writer wr(dns, limit);
      const std::uint16_t ad = q.msg.opt.do_bit ? (up.header.flags & dns::flag::AD) : 0;
      (void)wr.reuse_question(q.msg.header, q.msg.question.end, up.header.rcode(),
                              static_cast<std::uint16_t>(dns::flag::RA | ad));
      if (q.msg.opt.present) (void)wr.want_opt(snap.edns_udp_size, q.msg.opt.do_bit);
      // Owners equal to the key became 0xC00C, the reply's question: in
      // `ptr` mode the in-addr.arpa records are thereby renamed to it.
      const dns::Bytes in_addr = up.question.name.bytes();
      Rrs ns;
      stats_.scrubbed += scrub.dropped;
      append_section(relay, up, dns::Section::authority, 0, {}, ns);
      if (mapped_view != nullptr && mapped_view->ptr_mode == respond::PtrMode::cname) {
        // §5.3.1: the CNAME from the ip6.arpa name to the in-addr.arpa one.
        const std::uint32_t ttl = std::min(an.empty() ? ns.min_ttl : an.min_ttl,
                                           mapped_view->ptr_cname_ttl);
        (void)wr.add_name_rdata(dns::Section::answer, q.msg.question.name.bytes(),
                                dns::type::CNAME, dns::cls::IN, ttl, in_addr);
      }
      (void)wr.add_raw(dns::Section::answer, an.bytes, an.ttl_offsets, an.empty() ? 0 : an.min_ttl);
      (void)wr.add_raw(dns::Section::authority, ns.bytes, ns.ttl_offsets,
                       ns.empty() ? 0 : ns.min_ttl);
      len = wr.finish();
      ++stats_.relayed;
    }
  }
  if (len == 0) {
    len = respond::answer_rcode(dns, qlen, fallback_rcode, snap.edns_udp_size);
    ++(fallback_rcode == dns::rcode::SERVFAIL ? stats_.servfail : stats_.uncached_negative);
  }
  if (w.m == nullptr) {
    if (on_stream_answer) on_stream_answer(w.stream, std::span<const std::uint8_t>(dns.data(), len));
    ++stats_.answered;
    return;
  }
  const std::size_t out = len == 0 ? 0 : net::make_udp_reply(q.frame, q.info, len, false);
  if (out == 0) {
    rte_pktmbuf_free(w.m);
    return;
  }
  w.m->data_len = static_cast<std::uint16_t>(out);
  w.m->pkt_len = static_cast<std::uint32_t>(out);
  if (rte_ring_sp_enqueue(w.worker->ret, w.m) != 0) {
    rte_pktmbuf_free(w.m);
    return;
  }
  ++stats_.answered;
}

}  // namespace dns64d::control
