#include "control/resolver.hpp"

#include <algorithm>

#include "control/cache_format.hpp"
#include "dataplane/dns/reader.hpp"
#include "dataplane/dns/writer.hpp"
#include "dataplane/dns/xtable.hpp"

namespace dns64d::control {

DNS64D_DEFINE_XTABLE_NAMES(ResolverCounter, DNS64D_RESOLVER_COUNTERS)

namespace {

// RFC 8914: the EDNS option, and the codes dns64d uses or tells apart.
constexpr std::uint16_t ede_option = 15;
constexpr std::uint16_t ede_dnssec_bogus = 6;
constexpr std::uint16_t ede_no_reachable_authority = 22;
bool is_dnssec_ede(std::uint16_t code) { return code >= 1 && code <= 12; }

// The first Extended DNS Error's INFO-CODE in a message, or UINT16_MAX.
std::uint16_t first_ede(const dns::Message& m) {
  if (!m.opt.present) return UINT16_MAX;
  const dns::Bytes o = m.opt.options;
  for (std::size_t i = 0; i + 4 <= o.size();) {
    const std::uint16_t code = dns::load16(o.data() + i);
    const std::size_t len = dns::load16(o.data() + i + 2);
    if (i + 4 + len > o.size()) break;
    if (code == ede_option && len >= 2) return dns::load16(o.data() + i + 4);
    i += 4 + len;
  }
  return UINT16_MAX;
}

std::size_t hash_key(dns::Bytes name, std::uint16_t key_type, std::uint16_t qclass,
                     bool validating) {
  // FNV-1a over the folded name, then the type, class and flag.
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const std::uint8_t c : name) h = (h ^ c) * 0x100000001b3ull;
  h = (h ^ (std::uint64_t{key_type} << 17 | std::uint64_t{qclass} << 1 | (validating ? 1 : 0))) *
      0x100000001b3ull;
  return static_cast<std::size_t>(h ^ h >> 29);
}

std::size_t table_size(std::size_t pending) {
  std::size_t n = 16;
  while (n < pending * 2) n *= 2;
  return n;
}

}  // namespace

Resolver::Resolver(upstream::Transport& transport, cache::Cache& cache, cache::Reader* reader,
                   Requester& requester, std::function<std::uint64_t()> now_ms,
                   ResolverConfig config)
    : transport_(transport),
      cache_(cache),
      reader_(reader),
      requester_(requester),
      now_ms_(std::move(now_ms)),
      config_(config),
      waiting_(std::max<std::size_t>(config.max_waiting, 1)),
      pending_(std::max<std::size_t>(config.max_pending, 1)),
      by_key_(table_size(pending_.size()), none),
      prefixes_(config.max_waiting_per_prefix == 0 ? 0 : table_size(waiting_.size())),
      scratch_(65535) {
  free_waiting_.reserve(waiting_.size());
  for (std::size_t i = waiting_.size(); i-- > 0;)
    free_waiting_.push_back(static_cast<std::uint32_t>(i));
  free_pending_.reserve(pending_.size());
  for (std::size_t i = pending_.size(); i-- > 0;)
    free_pending_.push_back(static_cast<std::uint32_t>(i));
  failed_.reserve(pending_.size() * 2);
  done_.reserve(pending_.size());
}

std::uint32_t Resolver::find(dns::Bytes name, std::uint16_t key_type, std::uint16_t qclass,
                             bool validating) const {
  const std::size_t mask = by_key_.size() - 1;
  for (std::size_t i = hash_key(name, key_type, qclass, validating) & mask;; i = (i + 1) & mask) {
    const std::uint32_t at = by_key_[i];
    if (at == none) return none;
    const Pending& p = pending_[at];
    if (p.key_type == key_type && p.qclass == qclass && p.validating == validating &&
        p.name_len == name.size() && std::equal(name.begin(), name.end(), p.name.begin())) {
      return at;
    }
  }
}

std::uint32_t Resolver::open_lookup(dns::Bytes name, std::uint16_t qtype, std::uint16_t qclass,
                                    std::uint16_t key_type, std::uint8_t policy, bool validating,
                                    const dataplane::Snapshot& snap) {
  if (free_pending_.empty() || name.empty() || name.size() > dns::max_name) return none;
  const std::uint32_t index = free_pending_.back();
  free_pending_.pop_back();
  Pending& p = pending_[index];
  p.in_use = true;
  ++p.generation;
  p.name_len = static_cast<std::uint8_t>(name.size());
  std::copy(name.begin(), name.end(), p.name.begin());
  p.qtype = qtype;
  p.qclass = qclass;
  p.key_type = key_type;
  p.policy = policy;
  p.validating = validating;
  p.stage = Stage::plain;
  p.aaaa = {};
  p.aaaa_soa.clear();
  p.aaaa_validated = false;
  p.ede = no_ede;
  p.early_a = EarlyA::none;
  p.snap = &snap;
  p.first = p.last = none;
  p.count = 0;
  p.timed = false;
  const std::size_t mask = by_key_.size() - 1;
  std::size_t i = hash_key(name, key_type, qclass, validating) & mask;
  while (by_key_[i] != none) i = (i + 1) & mask;
  by_key_[i] = index;
  return index;
}

void Resolver::close_lookup(std::uint32_t index) {
  Pending& p = pending_[index];
  // Linear probing: take the slot out and move later members of its run
  // back where a lookup would still find them.
  const std::size_t mask = by_key_.size() - 1;
  std::size_t i = hash_key(p.lookup_name(), p.key_type, p.qclass, p.validating) & mask;
  while (by_key_[i] != index) i = (i + 1) & mask;
  for (std::size_t j = (i + 1) & mask; by_key_[j] != none; j = (j + 1) & mask) {
    const Pending& q = pending_[by_key_[j]];
    const std::size_t home = hash_key(q.lookup_name(), q.key_type, q.qclass, q.validating) & mask;
    // Move it to the hole when its home does not lie in (i, j].
    if (((j - home) & mask) >= ((j - i) & mask)) {
      by_key_[i] = by_key_[j];
      i = j;
    }
  }
  by_key_[i] = none;
  end_deadline(index);
  p.in_use = false;
  p.first = p.last = none;
  p.count = 0;
  if (p.early_a == EarlyA::arrived) p.a_answer = {};
  p.early_a = EarlyA::none;
  free_pending_.push_back(index);
}

void Resolver::start_deadline(std::uint32_t index) {
  Pending& p = pending_[index];
  if (p.timed || config_.client_deadline_ms == 0) return;
  // Every deadline is now + the same span: appended, the list stays in order.
  p.deadline = now_ms_() + config_.client_deadline_ms;
  p.timed = true;
  p.older = newest_;
  p.newer = none;
  if (newest_ != none) {
    pending_[newest_].newer = index;
  } else {
    oldest_ = index;
  }
  newest_ = index;
}

void Resolver::end_deadline(std::uint32_t index) {
  Pending& p = pending_[index];
  if (!p.timed) return;
  (p.older != none ? pending_[p.older].newer : oldest_) = p.newer;
  (p.newer != none ? pending_[p.newer].older : newest_) = p.older;
  p.timed = false;
  p.older = p.newer = none;
}

void Resolver::expire(std::uint32_t index) {
  Pending& p = pending_[index];
  const std::uint32_t generation = p.generation;
  ++stats_[ResolverCounter::deadline];
  upstream::Completion timed_out;
  timed_out.status = upstream::Status::timeout;
  if (p.stage == Stage::aaaa_cd) {
    // The SERVFAIL may be a validator's: never synthesis (§5.5), and
    // nothing cached.
    answer_all(p);
    return;
  }
  if (p.stage == Stage::aaaa || p.stage == Stage::real_aaaa) {
    // No AAAA answer yet: as a timeout (§5.1.2-3), which may lead on to the
    // A answer, if one came; no new query is asked now.
    if (p.early_a == EarlyA::none) p.early_a = EarlyA::out;
    finish_aaaa(index, timed_out);
    if (!p.in_use || p.generation != generation) return;
  }
  if (p.stage == Stage::a) {
    upstream::Completion a = std::move(timed_out);
    if (p.early_a == EarlyA::arrived) a = std::move(p.a_answer);
    p.early_a = EarlyA::none;
    finish_a(p, a);
    return;
  }
  finish_plain(p, timed_out);
}

void Resolver::take_a(std::uint32_t index, upstream::Completion& c) {
  Pending& p = pending_[index];
  if (p.stage == Stage::a) {
    p.early_a = EarlyA::none;
    finish_a(p, c);
  } else if ((p.stage == Stage::aaaa || p.stage == Stage::aaaa_cd) && p.early_a == EarlyA::out) {
    // Kept until the AAAA answer says whether it is needed.
    p.a_answer = std::move(c);
    p.early_a = EarlyA::arrived;
  }
}

void Resolver::shed(ResolverCounter reason, const respond::QuestionKey& key, const ReplyTo& to,
                    const dataplane::Snapshot& snap) {
  ++stats_[reason];
  if (config_.over_limit == OverLimit::drop) {
    requester_.answer(to, {});
    return;
  }
  const std::uint16_t stream = to.kind == ReplyTo::Kind::stream ? 65535 : 0;
  const std::size_t len =
      respond::answer_rcode(key, scratch_, dns::rcode::SERVFAIL, snap.edns_udp_size, stream);
  ++stats_[len == 0 ? ResolverCounter::unanswerable : ResolverCounter::servfail];
  requester_.answer(to, std::span<const std::uint8_t>(scratch_.data(), len));
}

Resolver::PrefixKey Resolver::prefix_of(const respond::Client& client) const {
  // IPv4 as ::ffff:a.b.c.d, so one table serves both families.
  dns64::V6 a = client.v6;
  std::size_t bits = config_.client_prefix_v6;
  if (!client.is_v6) {
    a = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    std::copy(client.v4.begin(), client.v4.end(), a.begin() + 12);
    bits = 96u + config_.client_prefix_v4;
  }
  for (std::size_t i = 0; i < 16; ++i) {
    const std::size_t keep = bits > i * 8 ? std::min<std::size_t>(bits - i * 8, 8) : 0;
    a[i] &= static_cast<std::uint8_t>(0xff00u >> keep);
  }
  PrefixKey k;
  for (std::size_t i = 0; i < 8; ++i) {
    k.hi = k.hi << 8 | a[i];
    k.lo = k.lo << 8 | a[8 + i];
  }
  return k;
}

namespace {
std::size_t hash_prefix(std::uint64_t hi, std::uint64_t lo) {
  const std::uint64_t h = (hi ^ (lo * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
  return static_cast<std::size_t>(h ^ h >> 32);
}
}  // namespace

std::uint32_t* Resolver::prefix_count(const PrefixKey& key, bool insert) {
  const std::size_t mask = prefixes_.size() - 1;
  for (std::size_t i = hash_prefix(key.hi, key.lo) & mask;; i = (i + 1) & mask) {
    PrefixSlot& s = prefixes_[i];
    if (s.count != 0 && s.key == key) return &s.count;
    if (s.count == 0) {
      if (!insert) return nullptr;
      s.key = key;
      return &s.count;  // the caller makes it 1
    }
  }
}

void Resolver::release_prefix(const PrefixKey& key) {
  if (prefixes_.empty()) return;
  const std::size_t mask = prefixes_.size() - 1;
  std::size_t i = hash_prefix(key.hi, key.lo) & mask;
  while (prefixes_[i].count == 0 || !(prefixes_[i].key == key)) {
    if (prefixes_[i].count == 0) return;  // not counted (cannot happen)
    i = (i + 1) & mask;
  }
  if (--prefixes_[i].count != 0) return;
  // The slot is empty now: move later members of its run back (linear
  // probing's deletion), as for the lookup table.
  for (std::size_t j = (i + 1) & mask; prefixes_[j].count != 0; j = (j + 1) & mask) {
    const std::size_t home = hash_prefix(prefixes_[j].key.hi, prefixes_[j].key.lo) & mask;
    if (((j - home) & mask) >= ((j - i) & mask)) {
      prefixes_[i] = prefixes_[j];
      prefixes_[j].count = 0;
      i = j;
    }
  }
}

void Resolver::submit(const respond::QuestionKey& key, const respond::Client& client,
                      const ReplyTo& to, const dataplane::Snapshot& snap) {
  if (free_waiting_.empty()) {
    shed(ResolverCounter::shed_waiting, key, to, snap);
    return;
  }
  const PrefixKey prefix = prefix_of(client);
  if (!prefixes_.empty()) {
    const std::uint32_t* n = prefix_count(prefix, false);
    if (n != nullptr && *n >= config_.max_waiting_per_prefix) {
      shed(ResolverCounter::shed_prefix, key, to, snap);
      return;
    }
  }
  const dns::Bytes name = key.key_name();
  std::uint32_t index = find(name, key.key_type, key.qclass, key.validating);
  const bool joined = index != none;
  if (joined) {
    if (pending_[index].count >= config_.max_waiters) {
      shed(ResolverCounter::shed_waiters, key, to, snap);
      return;
    }
    ++stats_[ResolverCounter::coalesced];
  } else {
    // AAAA answers depend on the asking view's policy for the name, which
    // the key's type names: each policy has its own entries and lookups.
    std::uint16_t qtype = key.qtype;
    std::uint8_t policy = 0;
    if (qtype == dns::type::AAAA && key.qclass == dns::cls::IN) {
      const int i = snap.views.policy_of_type(key.key_type);
      policy = static_cast<std::uint8_t>(i < 0 ? 0 : i);
    }
    if (respond::is_policy_type(key.key_type)) qtype = dns::type::AAAA;
    index = open_lookup(name, qtype, key.qclass, key.key_type, policy, key.validating, snap);
    if (index == none) {
      shed(ResolverCounter::shed_pending, key, to, snap);
      return;
    }
  }
  const std::uint32_t wi = free_waiting_.back();
  free_waiting_.pop_back();
  if (!prefixes_.empty()) ++*prefix_count(prefix, true);
  Waiting& w = waiting_[wi];
  w.key = key;
  w.client = client;
  w.prefix = prefix;
  w.to = to;
  w.snap = &snap;
  w.next = none;
  Pending& p = pending_[index];
  if (p.last == none) {
    p.first = wi;
  } else {
    waiting_[p.last].next = wi;
  }
  p.last = wi;
  ++p.count;
  start_deadline(index);  // from the first client on (a refresh has none)
  if (!joined) launch(index);
}

void Resolver::launch(std::uint32_t index) {
  Pending& p = pending_[index];
  p.stage = (p.qtype == dns::type::AAAA && p.qclass == dns::cls::IN && !p.validating)
                ? Stage::aaaa
                : Stage::plain;
  ++stats_[ResolverCounter::lookups];
  if (p.stage == Stage::aaaa && p.snap->views.policy(p.policy).mode == respond::Synthesis::all) {
    // Real AAAA are ignored for this name: straight to the A query, and the
    // TTL rule without an AAAA SOA (min(A TTL, 600), §5.1.7).
    p.aaaa.verdict = dns64::AaaaVerdict::synthesize;
    p.stage = Stage::a;
    ask(index, dns::type::A);
    return;
  }
  ask(index, p.qtype);
  if (p.stage == Stage::aaaa && config_.parallel_a &&
      p.snap->views.policy(p.policy).mode == respond::Synthesis::normal) {
    p.early_a = EarlyA::out;
    ++stats_[ResolverCounter::parallel_a];
    ask(index, dns::type::A);
  }
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
  // Refreshes never take the second half of the lookup budget: clients' misses come first.
  if (pending() * 2 >= max_pending() || find(name, key_type, qclass, false) != none) return false;
  const std::uint32_t index = open_lookup(name, qtype, qclass, key_type, policy, false, snap);
  if (index == none) return false;
  ++stats_[ResolverCounter::refreshes];
  launch(index);
  return true;
}

void Resolver::ask(std::uint32_t index, std::uint16_t qtype) {
  const Pending& p = pending_[index];
  upstream::Request r;
  r.qname_wire = p.lookup_name();
  r.qtype = qtype;
  r.qclass = p.qclass;
  // Always DO: the cache keeps the signatures and proofs for clients that
  // set DO, and the workers leave them out for the others.
  r.do_bit = true;
  r.cd = p.validating || p.stage == Stage::aaaa_cd;
  r.cookie = cookie_of(index, p.generation, p.stage != Stage::plain && qtype == dns::type::A);
  if (transport_.start(r)) {
    ++stats_[ResolverCounter::upstream_queries];
    return;
  }
  // Full or no upstream: nothing will complete, so it fails at the next step.
  upstream::Completion failed;
  failed.cookie = r.cookie;
  failed.status = upstream::Status::failed;
  failed_.push_back(std::move(failed));
}

void Resolver::step() {
  transport_.drive();
  transport_.take_completed(done_);
  for (upstream::Completion& f : failed_) done_.push_back(std::move(f));
  failed_.clear();
  const std::size_t end =
      config_.max_completions_per_step == 0
          ? done_.size()
          : std::min(done_.size(), done_head_ + config_.max_completions_per_step);
  for (; done_head_ < end; ++done_head_) {
    upstream::Completion& c = done_[done_head_];
    const auto index = static_cast<std::uint32_t>(c.cookie & 0xffffffffu & ~a_bit);
    if (index >= pending_.size()) continue;
    Pending& p = pending_[index];
    if (!p.in_use || p.generation != static_cast<std::uint32_t>(c.cookie >> 32)) continue;
    if ((c.cookie & a_bit) != 0) {
      take_a(index, c);
      continue;
    }
    switch (p.stage) {
      case Stage::plain:
        finish_plain(p, c);
        break;
      case Stage::aaaa:
        finish_aaaa(index, c);
        break;
      case Stage::a:
        break;  // the AAAA answer came (finish_aaaa moved on); the A answer is awaited
      case Stage::real_aaaa:
      case Stage::aaaa_cd:
        finish_aaaa(index, c);
        break;
    }
  }
  // Clients waiting past their deadline get what is known now.
  for (const std::uint64_t now = now_ms_(); oldest_ != none && pending_[oldest_].deadline <= now;) {
    const std::uint32_t index = oldest_;
    expire(index);
    end_deadline(index);  // closed by now; never expired twice
  }
  // What was finished goes now, or a backlog that never empties would keep
  // every answer it ever held.
  done_.erase(done_.begin(), done_.begin() + static_cast<std::ptrdiff_t>(done_head_));
  done_head_ = 0;
  reader_->quiescent();
}

void Resolver::count_fill(cache::InsertStatus st) {
  const bool ok = st == cache::InsertStatus::inserted || st == cache::InsertStatus::replaced;
  ++stats_[ok ? ResolverCounter::cache_fills : ResolverCounter::cache_fill_failed];
}

void Resolver::count_stray_soa(dns::Bytes msg, const dns::Message& m) {
  NegativeSoa soa;
  if (negative_soa(msg, m, soa) && soa.stray > 0) ++stats_[ResolverCounter::stray_soa];
}

bool Resolver::cache_response(const Pending& p, dns::Bytes msg, const dns::Message& m) {
  const cache::Key key{p.lookup_name(), p.key_type, p.qclass};
  const std::uint8_t rcode = static_cast<std::uint8_t>(m.header.rcode() | (m.opt.ext_rcode << 4));
  cache::InsertStatus st = cache::InsertStatus::bad_value;
  const std::uint16_t qtype = p.qtype;
  const auto dnssec = [qtype](const dns::RR& rr) { return is_dnssec_record(rr.type, qtype); };
  if (rcode == dns::rcode::NOERROR && m.header.ancount > 0) {
    // The records, then their signatures (for clients that set DO).
    Rrs rrs, sigs;
    AnswerScrub scrub, sig_scrub;
    if (!append_answer(msg, m, qtype, p.lookup_name(), rrs, scrub, dnssec)) return false;
    if (!append_answer(msg, m, qtype, p.lookup_name(), sigs, sig_scrub,
                       [&](const dns::RR& rr) { return !dnssec(rr); })) {
      return false;
    }
    stats_[ResolverCounter::scrubbed] += scrub.dropped;
    // A chain that ends without data is NODATA, whose TTL and SOA are in
    // the authority section (RFC 2308 §5): relayed, like NXDOMAIN at the end
    // of a chain below, rather than cached as an answer for the chain's TTL.
    if (!scrub.has_data || rrs.empty()) return false;
    st = cache_.insert_signed(key, cache::Kind::rrset, std::min(rrs.min_ttl, sigs.min_ttl), 0,
                              rrs.bytes, rrs.ttl_offsets, sigs.bytes, sigs.ttl_offsets,
                              validated(m));
  } else if (rcode == dns::rcode::NXDOMAIN && m.header.ancount > 0) {
    // NXDOMAIN at the end of a CNAME chain: a negative entry holds only the
    // SOA, so the answer is relayed, chain and all, and not cached.
    return false;
  } else if (rcode == dns::rcode::NOERROR || rcode == dns::rcode::NXDOMAIN) {
    // RFC 2308: negative answers are cached with their SOA, for the SOA's TTL
    // or MINIMUM, whichever is lower; a SOA of another zone makes it uncacheable.
    NegativeSoa soa;
    if (!negative_soa(msg, m, soa) || soa.rrs.empty()) return false;
    // The proofs of the denial (NSEC, NSEC3) and the signatures over them
    // and over the SOA, for clients that set DO; none over a stray SOA.
    Rrs proofs;
    dns::Name answered;
    if (answered_name(msg, m, answered) &&
        !append_section(msg, m, dns::Section::authority, 0, {}, proofs, [&](const dns::RR& rr) {
          return !dnssec(rr) || stray_soa(rr, answered.bytes());
        })) {
      return false;
    }
    st = cache_.insert_signed(key, cache::Kind::negative, soa.ttl, rcode, soa.rrs.bytes,
                              soa.rrs.ttl_offsets, proofs.bytes, proofs.ttl_offsets, validated(m));
  } else {
    return false;
  }
  const bool ok = st == cache::InsertStatus::inserted || st == cache::InsertStatus::replaced;
  count_fill(st);
  return ok;
}

cache::EntryFlags Resolver::validated(const dns::Message& m) const {
  return config_.trust_ad && (m.header.flags & dns::flag::AD) != 0 ? cache::kValidated
                                                                  : cache::kNoEntryFlags;
}

void Resolver::note_ede(Pending& p, const upstream::Completion& c, const dns::Message* m) {
  if (p.ede != no_ede) return;
  if (m == nullptr) {
    p.ede = ede_no_reachable_authority;
  } else if (const std::uint16_t e = first_ede(*m); e != UINT16_MAX) {
    p.ede = e;
  }
  (void)c;
}

void Resolver::finish_plain(Pending& p, const upstream::Completion& c) {
  dns::Message m;
  if (c.status != upstream::Status::ok || dns::parse_message(c.response, m) != dns::Error::ok) {
    note_ede(p, c, nullptr);
    answer_all(p);
    return;
  }
  note_ede(p, c, &m);
  count_stray_soa(c.response, m);
  if (!p.validating) cache_response(p, c.response, m);
  answer_all(p, c.response);
}

void Resolver::finish_aaaa(std::uint32_t index, const upstream::Completion& c) {
  Pending& p = pending_[index];
  dns::Message m;
  const bool ok =
      c.status == upstream::Status::ok && dns::parse_message(c.response, m) == dns::Error::ok;
  if (p.stage == Stage::aaaa_cd) {
    // The retry with CD: an answer means the SERVFAIL was the validator's
    // verdict on the denial, and synthesis would be the downgrade §5.5
    // warns of; a failure again means the upstream failed, as configured.
    if (ok && (m.header.rcode() == dns::rcode::NOERROR ||
               m.header.rcode() == dns::rcode::NXDOMAIN)) {
      ++stats_[ResolverCounter::dnssec_failure];
      p.ede = ede_dnssec_bogus;
      answer_all(p);
      return;
    }
  } else if (ok && m.header.rcode() == dns::rcode::SERVFAIL && p.stage == Stage::aaaa) {
    const std::uint16_t e = first_ede(m);
    if (e != UINT16_MAX) p.ede = e;
    if (is_dnssec_ede(e)) {
      ++stats_[ResolverCounter::dnssec_failure];
      answer_all(p);
      return;
    }
    if (e == UINT16_MAX) {
      ++stats_[ResolverCounter::cd_retries];
      p.stage = Stage::aaaa_cd;
      ask(index, dns::type::AAAA);
      return;
    }
  }
  if (!ok) note_ede(p, c, nullptr);
  dns64::Policy policy;
  const respond::AaaaPolicy& aaaa_policy = p.snap->views.policy(p.policy);
  policy.exclusions = aaaa_policy.exclusions;
  policy.servfail_on_error = config_.servfail_on_error;
  dns64::AaaaDecision d =
      dns64::decide_aaaa(ok ? &m : nullptr, c.response, dns64::Client{}, policy);
  if (ok) {
    // §5.1.7's TTL cap comes from the NODATA's SOA only where it covers the
    // name: a stray one counts as none (its TTL would replace the 600 cap).
    NegativeSoa soa;
    if (negative_soa(c.response, m, soa)) {
      if (soa.stray > 0) {
        ++stats_[ResolverCounter::stray_soa];
        d.negative_ttl = soa.rrs.empty() ? std::nullopt : std::optional<std::uint32_t>(soa.ttl);
      }
      if (soa.rrs.ttl_offsets.size() == 1) {
        p.aaaa_soa.assign(soa.rrs.bytes.begin(), soa.rrs.bytes.end());
      }
    }
  }
  dns64::AaaaVerdict verdict = d.verdict;
  const bool no_synthesis =
      aaaa_policy.mode == respond::Synthesis::none || p.stage == Stage::real_aaaa;
  if (p.stage == Stage::aaaa_cd) p.stage = Stage::aaaa;  // the retry failed too: as if the first
  if (no_synthesis && verdict == dns64::AaaaVerdict::synthesize) {
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
      answer_all(p, c.response);
      return;
    case dns64::AaaaVerdict::filter: {
      // §5.1.4: the answer (the chain and the records at its end, as
      // append_answer keeps it) without its excluded AAAA records.
      Rrs rrs;
      AnswerScrub scrub;
      std::uint32_t answer_ttl = UINT32_MAX;  // for an answer left empty: the removed records'
      const bool whole = append_answer(c.response, m, dns::type::AAAA, p.lookup_name(), rrs, scrub,
                                       [&](const dns::RR& rr) {
                                         // The signature over the whole set no
                                         // longer fits what is left of it.
                                         if (is_dnssec_record(rr.type, dns::type::AAAA)) {
                                           return true;
                                         }
                                         answer_ttl = std::min(answer_ttl, rr.ttl);
                                         if (rr.type != dns::type::AAAA || rr.rdata.size() != 16)
                                           return false;
                                         dns64::V6 a;
                                         std::copy(rr.rdata.begin(), rr.rdata.end(), a.begin());
                                         return dns64::excluded(a, aaaa_policy.exclusions);
                                       });
      stats_[ResolverCounter::scrubbed] += scrub.dropped;
      if (!whole) {
        answer_all(p);
        return;
      }
      const auto st =
          cache_.insert_rrset({p.lookup_name(), p.key_type, p.qclass},
                              std::max<std::uint32_t>(rrs.empty() ? answer_ttl : rrs.min_ttl, 1),
                              rrs.bytes, rrs.ttl_offsets, validated(m));
      count_fill(st);
      answer_all(p);
      return;
    }
    case dns64::AaaaVerdict::synthesize:
      p.aaaa = d;
      p.aaaa_validated = ok && validated(m) != cache::kNoEntryFlags;
      p.stage = Stage::a;
      if (p.early_a == EarlyA::arrived) {
        upstream::Completion a = std::move(p.a_answer);
        p.early_a = EarlyA::none;
        finish_a(p, a);
      } else if (p.early_a == EarlyA::none) {
        ask(index, dns::type::A);
      }  // else the A query sent with it is still out
      return;
    case dns64::AaaaVerdict::servfail:
      answer_all(p);
      return;
  }
}

void Resolver::finish_a(Pending& p, const upstream::Completion& c) {
  dns::Message m;
  const bool ok =
      c.status == upstream::Status::ok && dns::parse_message(c.response, m) == dns::Error::ok;
  dns64::Policy policy;
  policy.wkp_relaxed = true;  // the cache serves every view; workers apply each view's prefix rules
  policy.failure_ttl = config_.failure_ttl;
  const dns64::Synthesis s = dns64::decide_synthesis(ok ? &m : nullptr, c.response, p.aaaa,
                                                     dns64::well_known_prefix, policy);
  note_ede(p, c, ok ? &m : nullptr);
  const cache::Key key{p.lookup_name(), p.key_type, p.qclass};
  if (ok && s.verdict == dns64::SynthVerdict::nodata &&
      p.snap->views.policy(p.policy).mode == respond::Synthesis::all) {
    // Synthesis whatever the AAAA (force_domains, synthesize_all) has
    // nothing to synthesize from: an IPv6-only name stays reachable through
    // its real AAAA, as with Unbound's dns64-ignore-aaaa.
    ++stats_[ResolverCounter::forced_fallback];
    p.stage = Stage::real_aaaa;
    ask(static_cast<std::uint32_t>(&p - pending_.data()), dns::type::AAAA);
    return;
  }
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
    // AD on a synthesis only when both the AAAA denial and the A answer
    // were validated (§5.5); the workers give it only to DO clients.
    const cache::EntryFlags flags =
        p.aaaa_validated ? validated(m) : cache::kNoEntryFlags;
    const auto st = cache_.insert_aaaa(key, std::max<std::uint32_t>(ttl, 1), v4, chain.bytes,
                                       flags, p.aaaa_soa);
    count_fill(st);
    ++stats_[ResolverCounter::synthesized];
    answer_all(p);
    return;
  }
  const bool negative =
      s.verdict == dns64::SynthVerdict::nodata ||
      (s.verdict == dns64::SynthVerdict::error && s.rcode == dns::rcode::NXDOMAIN);
  if (negative && ok) count_stray_soa(c.response, m);
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
      answer_all(p, c.response);
      return;
    }
  }
  if (negative) {
    // The A query's empty or NXDOMAIN answer is the basis of ours (§5.1.6):
    // its rcode and SOA. Its answer section is not (it may hold A records
    // of other owners), so the AAAA entry is a negative one.
    NegativeSoa soa;
    if (ok && negative_soa(c.response, m, soa) && !soa.rrs.empty()) {
      std::uint32_t ttl = soa.ttl;
      // No AAAA because that query failed: this NODATA may hide a real one.
      if (p.aaaa.failed) ttl = std::min(ttl, config_.failure_ttl);
      const std::uint8_t rcode =
          s.verdict == dns64::SynthVerdict::nodata ? dns::rcode::NOERROR : dns::rcode::NXDOMAIN;
      const cache::EntryFlags flags = p.aaaa_validated ? validated(m) : cache::kNoEntryFlags;
      const auto st = cache_.insert_negative(key, std::max<std::uint32_t>(ttl, 1), rcode,
                                             soa.rrs.bytes, soa.rrs.ttl_offsets, flags);
      count_fill(st);
    }
    // Without a SOA that covers the name (some forwarders and local-data
    // setups send none) there is nothing to cache, but the answer is still
    // known: its rcode, no records, rather than SERVFAIL.
    if (ok) {
      answer_all(
          p, {},
          s.verdict == dns64::SynthVerdict::nodata ? dns::rcode::NOERROR : dns::rcode::NXDOMAIN);
      return;
    }
  }
  answer_all(p);
}

void Resolver::answer_all(Pending& p, dns::Bytes relay, std::uint8_t fallback_rcode) {
  for (std::uint32_t wi = p.first; wi != none;) {
    const Waiting& w = waiting_[wi];
    answer_one(w, relay, fallback_rcode, p.ede);
    const std::uint32_t next = w.next;
    release_prefix(w.prefix);
    free_waiting_.push_back(wi);
    wi = next;
  }
  close_lookup(static_cast<std::uint32_t>(&p - pending_.data()));
}

void Resolver::answer_one(const Waiting& w, dns::Bytes relay, std::uint8_t fallback_rcode,
                          std::uint16_t ede) {
  const dataplane::Snapshot& snap = *w.snap;
  const respond::QuestionKey& key = w.key;
  const std::uint16_t stream_limit = w.to.kind == ReplyTo::Kind::stream ? 65535 : 0;
  const std::span<std::uint8_t> buf(scratch_);
  respond::Context ctx{&snap.views, &cache_, reader_, now_ms_(), snap.edns_udp_size};
  ctx.stream_limit = stream_limit;
  std::size_t len = 0;
  const respond::Result r = respond::answer_from_cache(key, buf, ctx);
  // What an OPT of ours carries: the client's COOKIE, and with a SERVFAIL
  // the EDE when one was noted (the upstream's, or ours); `with_cookie`
  // alone for every other rcode.
  std::array<std::uint8_t, dns::Writer::max_opt_options> options;
  std::size_t options_len = key.cookie.len;
  std::copy_n(key.cookie.option.begin(), key.cookie.len, options.begin());
  if (ede != no_ede) {
    const std::array<std::uint8_t, 6> e{0, ede_option, 0, 2, static_cast<std::uint8_t>(ede >> 8),
                                        static_cast<std::uint8_t>(ede)};
    std::copy(e.begin(), e.end(), options.begin() + static_cast<std::ptrdiff_t>(options_len));
    options_len += e.size();
  }
  const dns::Bytes opt_options(options.data(), options_len);
  const dns::Bytes with_cookie = key.cookie.bytes();
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
    const respond::Result s = respond::answer_from_cache(key, buf, stale_ctx);
    if (respond::is_answer(s.outcome)) {
      len = s.reply_len;
      ++stats_[ResolverCounter::stale];
    }
  }
  if (len == 0 && respond::is_answer(r.outcome)) {
    len = r.reply_len;
  } else if (len == 0 && relay_ok) {
    // Not cacheable (TTL 0, DO+CD, too big, a chain to NXDOMAIN): the
    // upstream's records as they came. The upstream was asked the client's
    // question, or for a PTR under a prefix its in-addr.arpa name.
    const bool same = dns::names_equal(up.question.name.bytes(), key.qname());
    // A mapped answer is relayed when it says something about the name:
    // an upstream error stays SERVFAIL rather than an error behind a CNAME.
    const std::uint8_t up_rcode = up.header.rcode();
    const respond::View* mapped_view =
        !same && key.ptr_mapped && key.view >= 0 &&
                (up_rcode == dns::rcode::NOERROR || up_rcode == dns::rcode::NXDOMAIN) &&
                dns::names_equal(key.key_name(), up.question.name.bytes())
            ? &snap.views.view(key.view)
            : nullptr;
    // The answer section as append_answer keeps it; a chain that cannot be
    // followed is not relayed at all (it would read as NODATA).
    const bool mapped_rename =
        mapped_view != nullptr && mapped_view->ptr_mode == respond::PtrMode::ptr;
    const dns::Bytes relay_key = same            ? key.qname()
                                 : mapped_rename ? up.question.name.bytes()
                                                 : dns::Bytes{};
    // Signatures and proofs only to a client that set DO, and only for its
    // own name (a mapped answer is ours, unsigned).
    const bool show_dnssec = key.do_bit && same;
    const auto hidden = [&](const dns::RR& rr) {
      return !show_dnssec && is_dnssec_record(rr.type, up.question.qtype);
    };
    Rrs an;
    AnswerScrub scrub;
    const std::size_t question_end = respond::write_question(key, buf);
    const bool followed = question_end != 0 && (same || mapped_view != nullptr) &&
                          append_answer(relay, up, up.question.qtype, relay_key, an, scrub, hidden);
    if (followed && mapped_view != nullptr && an.empty()) {
      // A mapped name whose in-addr.arpa name does not exist (or has no
      // PTR), not cached (a SOA TTL of 0, a stray SOA): no CNAME to
      // nothing, and only the SOA of the Pref64's reverse zone, at the
      // negative TTL the upstream gave (0 without a SOA that covers it).
      NegativeSoa soa;
      const std::uint32_t ttl =
          negative_soa(relay, up, soa) && !soa.rrs.empty() ? soa.ttl : 0;
      len = respond::answer_reverse_negative(key, buf, up_rcode, ttl, ctx, with_cookie);
      if (len != 0) ++stats_[ResolverCounter::relayed];
    } else if (followed) {
      dns::Writer wr(buf, respond::reply_limit(key, snap.edns_udp_size, stream_limit));
      dns::Header h;
      h.id = key.id;
      h.flags = key.flags;
      // AD only from a trusted upstream, only to a client that set DO
      // (§5.5), only for its own question (not an A answer standing in
      // for an AAAA one, not a mapped name).
      const std::uint16_t ad = config_.trust_ad && key.do_bit && same &&
                                       up.question.qtype == key.qtype
                                   ? (up.header.flags & dns::flag::AD)
                                   : 0;
      (void)wr.reuse_question(h, question_end, up.header.rcode(),
                              static_cast<std::uint16_t>(dns::flag::RA | ad));
      if (key.opt) {
        (void)wr.want_opt(snap.edns_udp_size, key.do_bit, 0,
                          up.header.rcode() == dns::rcode::SERVFAIL ? opt_options : with_cookie);
      }
      // Owners equal to the key became 0xC00C, the reply's question: in
      // `ptr` mode the in-addr.arpa records are thereby renamed to it.
      const dns::Bytes in_addr = up.question.name.bytes();
      Rrs ns;
      stats_[ResolverCounter::scrubbed] += scrub.dropped;
      // The authority section without a SOA of another zone (counted where
      // the answer came in). The chain was followed above, so its end is known.
      dns::Name answered;
      if (answered_name(relay, up, answered)) {
        append_section(relay, up, dns::Section::authority, 0, {}, ns, [&](const dns::RR& rr) {
          return stray_soa(rr, answered.bytes()) || hidden(rr);
        });
      }
      if (mapped_view != nullptr && mapped_view->ptr_mode == respond::PtrMode::cname) {
        // §5.3.1: the CNAME from the ip6.arpa name to the in-addr.arpa one.
        const std::uint32_t ttl =
            std::min(an.empty() ? ns.min_ttl : an.min_ttl, mapped_view->ptr_cname_ttl);
        (void)wr.add_name_rdata(dns::Section::answer, key.qname(), dns::type::CNAME, dns::cls::IN,
                                ttl, in_addr);
      }
      (void)wr.add_raw(dns::Section::answer, an.bytes, an.ttl_offsets, an.empty() ? 0 : an.min_ttl);
      (void)wr.add_raw(dns::Section::authority, ns.bytes, ns.ttl_offsets,
                       ns.empty() ? 0 : ns.min_ttl);
      len = wr.finish();
      ++stats_[ResolverCounter::relayed];
    }
  }
  if (len == 0) {
    len = respond::answer_rcode(key, buf, fallback_rcode, snap.edns_udp_size, stream_limit,
                                fallback_rcode == dns::rcode::SERVFAIL ? opt_options
                                                                       : with_cookie);
    ++stats_[fallback_rcode == dns::rcode::SERVFAIL ? ResolverCounter::servfail
                                                    : ResolverCounter::uncached_negative];
  }
  if (len == 0) {
    ++stats_[ResolverCounter::unanswerable];
    requester_.answer(w.to, {});
    return;
  }
  ++stats_[ResolverCounter::answered];
  requester_.answer(w.to, std::span<const std::uint8_t>(buf.data(), len));
}

}  // namespace dns64d::control
