// Misses resolved upstream: one upstream lookup per (name, type, class,
// validating) however many clients wait for it, the RFC 6147 rules applied
// (dataplane/dns64/rfc6147.hpp), the result written into the cache, and every
// waiting client answered from its question key against the filled cache.
//
// A library: no DPDK. Queries leave through an upstream::Transport, answers
// through a Requester, time comes from an injected clock. A waiting client
// is a record from one preallocated budget, never a held packet buffer, and
// taking one in allocates nothing.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "control/upstream/client.hpp"
#include "dataplane/cache/cache.hpp"
#include "dataplane/counter.hpp"
#include "dataplane/dns64/rfc6147.hpp"
#include "dataplane/net/origin.hpp"
#include "dataplane/respond/respond.hpp"
#include "dataplane/snapshot.hpp"

namespace dns64d::control {

// What happens to a client beyond a budget (max_waiting, max_pending,
// max_waiters): SERVFAIL at once, or no answer at all.
enum class OverLimit : std::uint8_t { servfail, drop };

struct ResolverConfig {
  std::size_t max_pending = 4096;   // lookups in flight
  std::size_t max_waiters = 64;     // clients waiting on one lookup
  std::size_t max_waiting = 16384;  // clients waiting, all lookups together
  // Clients of one prefix (IPv4 /client_prefix_v4, IPv6 /client_prefix_v6)
  // waiting at once: one prefix cannot take the whole budget (a random-name
  // flood is all misses). 0: no such limit.
  std::size_t max_waiting_per_prefix = 1024;
  std::uint8_t client_prefix_v4 = 24;
  std::uint8_t client_prefix_v6 = 56;
  // Upstream completions finished in one step(): the rest wait for the next
  // one, so a burst of answers never holds up a worker sharing the lcore.
  std::size_t max_completions_per_step = 256;
  OverLimit over_limit = OverLimit::servfail;
  bool servfail_on_error = false;  // RFC 6147 §5.1.2-3 switch
  bool serve_stale = false;        // RFC 8767: expired cache entries when upstream fails
  std::uint32_t failure_ttl = 30;  // cap on what is cached after a failed AAAA query
  // The A query goes out with the AAAA query (§5.1.8 allows it), so a
  // stalling AAAA query costs no second round of attempts.
  bool parallel_a = true;
  // The longest a client waits: then it gets what the RFC 6147 rules give
  // with what has come by then (a query still out counts as timed out).
  // 0: as long as the upstream attempts take.
  std::uint32_t client_deadline_ms = 2000;
  // The upstream is on a trusted path and validates: its AD goes to
  // clients that set DO, and synthesis from validated data gets AD. False:
  // no AD is ever passed on.
  bool trust_ad = false;
};

#define DNS64D_RESOLVER_COUNTERS(X)                                                  \
  X(lookups, "upstream lookups started (after coalescing)")                          \
  X(coalesced, "clients that joined a lookup in flight")                             \
  X(upstream_queries, "queries handed to the upstream transport")                    \
  X(answered, "clients answered")                                                    \
  X(relayed, "clients answered from the upstream's message, not the cache")          \
  X(servfail, "clients answered SERVFAIL")                                           \
  X(shed_waiting, "clients beyond max_waiting: the over_limit action")               \
  X(shed_pending, "clients beyond max_pending lookups: the over_limit action")       \
  X(shed_waiters, "clients beyond max_waiters on one lookup: the over_limit action") \
  X(shed_prefix, "clients beyond max_waiting_per_prefix: the over_limit action")     \
  X(cache_fills, "answers written into the cache")                                   \
  X(cache_fill_failed, "answers the cache refused (too large, no memory)")           \
  X(synthesized, "lookups that ended in synthesis")                                  \
  X(stale, "clients answered from expired entries (RFC 8767)")                       \
  X(scrubbed, "answer records owned off the question's chain, dropped")              \
  X(uncached_negative, "NODATA/NXDOMAIN without a SOA: answered, not cached")        \
  X(stray_soa, "answers with a SOA not above the name: SOA left out, not cached")    \
  X(refreshes, "lookups for entries hit shortly before expiry")                      \
  X(deadline, "lookups finished at client_deadline_ms, queries still out")          \
  X(parallel_a, "A queries sent with the AAAA query")                                \
  X(forced_fallback, "forced synthesis without A records: the real AAAA asked for")  \
  X(dnssec_failure, "AAAA queries failing DNSSEC validation: SERVFAIL, not synthesis") \
  X(cd_retries, "AAAA SERVFAILs without an EDE asked again with CD set")            \
  X(unanswerable, "clients whose answer could not be written (no room for the question)")

enum class ResolverCounter : std::uint8_t {
#define DNS64D_X(name, text) name,
  DNS64D_RESOLVER_COUNTERS(DNS64D_X)
#undef DNS64D_X
      count_
};
inline constexpr std::size_t resolver_counter_count =
    static_cast<std::size_t>(ResolverCounter::count_);
std::string_view to_string(ResolverCounter c);
std::string_view describe(ResolverCounter c);

struct ResolverStats {
  std::array<Counter, resolver_counter_count> counts{};
  std::uint64_t operator[](ResolverCounter c) const {
    return counts[static_cast<std::size_t>(c)].get();
  }
  Counter& operator[](ResolverCounter c) { return counts[static_cast<std::size_t>(c)]; }
};

// Where an answer goes: back through a worker's return ring (the frame is
// built from the query's origin) or to a stream (a TCP connection).
struct ReplyTo {
  enum class Kind : std::uint8_t { datagram, stream };
  Kind kind = Kind::datagram;
  std::uint16_t worker = 0;  // datagram: whose return ring carries the reply
  bool cookie_valid = false;  // a server cookie of ours came with it: not rate-limited
  std::uint64_t stream = 0;  // stream: the connection
  net::Origin origin;        // datagram: how the query came
};

// The other end of every answer the control plane gives.
class Requester {
 public:
  virtual ~Requester() = default;
  // `reply` is the DNS message; empty when the client gets no answer (a
  // stream's slot is released, a datagram is simply not sent).
  virtual void answer(const ReplyTo& to, std::span<const std::uint8_t> reply) = 0;
};

class Resolver {
 public:
  Resolver(upstream::Transport& transport, cache::Cache& cache, cache::Reader* reader,
           Requester& requester, std::function<std::uint64_t()> now_ms, ResolverConfig config);

  // A query the cache could not answer, as its question key. It is
  // answered under `snap`, which must outlive the lookup.
  void submit(const respond::QuestionKey& key, const respond::Client& client, const ReplyTo& to,
              const dataplane::Snapshot& snap);
  // Asks upstream again for a cache entry hit shortly before it expires
  // (cache::Cache::drain_refresh), with no client waiting: the answer
  // replaces the entry. False when one is in flight already or half the
  // lookup budget is taken (clients' misses come first).
  bool refresh(std::span<const std::uint8_t> name, std::uint16_t key_type, std::uint16_t qclass,
               const dataplane::Snapshot& snap);
  // Drives the transport and finishes what completed.
  void step();

  const ResolverStats& stats() const { return stats_; }
  std::size_t pending() const { return max_pending() - free_pending_.size(); }
  std::size_t waiting() const { return waiting_.size() - free_waiting_.size(); }
  const ResolverConfig& config() const { return config_; }

 private:
  static constexpr std::uint32_t none = UINT32_MAX;
  static constexpr std::uint16_t no_ede = UINT16_MAX;
  // A client prefix, masked, as the key of the per-prefix budget.
  struct PrefixKey {
    std::uint64_t hi = 0, lo = 0;
    bool operator==(const PrefixKey&) const = default;
  };
  struct PrefixSlot {
    PrefixKey key;
    std::uint32_t count = 0;  // 0: empty
  };
  struct Waiting {
    respond::QuestionKey key;
    respond::Client client;
    PrefixKey prefix;
    ReplyTo to;
    const dataplane::Snapshot* snap = nullptr;
    std::uint32_t next = none;
  };
  // `real_aaaa`: a name synthesized whatever its AAAA (force_domains,
  // synthesize_all) had no A records: its real AAAA are the answer.
  // `aaaa_cd`: the AAAA query answered SERVFAIL without saying why; asked
  // again with CD set to tell a DNSSEC failure (the retry succeeds) from
  // an upstream failure (§5.5: a bogus denial must not become synthesis).
  enum class Stage : std::uint8_t { plain, aaaa, a, real_aaaa, aaaa_cd };
  // The A query sent with the AAAA query: not sent, out, or answered before
  // the AAAA decision (its answer kept for it).
  enum class EarlyA : std::uint8_t { none, out, arrived };
  struct Pending {
    bool in_use = false;
    std::uint32_t generation = 0;  // told apart from the slot's earlier lookups
    std::uint8_t name_len = 0;
    std::array<std::uint8_t, dns::max_name> name;  // folded wire name asked upstream
    std::uint16_t qtype = 0, qclass = 1;
    std::uint16_t key_type = 0;  // cache key type: qtype, or the AAAA policy's (respond/view.hpp)
    std::uint8_t policy = 0;     // AAAA policy behind key_type
    bool validating = false;     // DO and CD: relay, never synthesize or cache (§5.5)
    Stage stage = Stage::plain;
    dns64::AaaaDecision aaaa;
    // The AAAA query's NODATA SOA (one record, cache layout), kept with a
    // synthesis for the clients whose view maps none of its addresses.
    std::vector<std::uint8_t> aaaa_soa;
    bool aaaa_validated = false;  // the AAAA answer came with AD (and AD is trusted)
    EarlyA early_a = EarlyA::none;
    // The Extended DNS Error (RFC 8914) the clients' SERVFAIL or relayed
    // answer carries: the upstream's, or ours; no_ede for none.
    std::uint16_t ede = no_ede;
    upstream::Completion a_answer;  // EarlyA::arrived: the A query's completion
    const dataplane::Snapshot* snap = nullptr;
    std::uint32_t first = none, last = none, count = 0;  // its waiting clients
    // In the deadline list (oldest first) once a client waits: when the
    // first one's wait ends.
    std::uint64_t deadline = 0;
    std::uint32_t older = none, newer = none;
    bool timed = false;
    dns::Bytes lookup_name() const { return {name.data(), name_len}; }
  };

  std::size_t max_pending() const { return pending_.size(); }
  void shed(ResolverCounter reason, const respond::QuestionKey& key, const ReplyTo& to,
            const dataplane::Snapshot& snap);
  // The pending lookup for this key, or none.
  std::uint32_t find(dns::Bytes name, std::uint16_t key_type, std::uint16_t qclass,
                     bool validating) const;
  std::uint32_t open_lookup(dns::Bytes name, std::uint16_t qtype, std::uint16_t qclass,
                            std::uint16_t key_type, std::uint8_t policy, bool validating,
                            const dataplane::Snapshot& snap);
  void close_lookup(std::uint32_t index);
  void launch(std::uint32_t index);
  void ask(std::uint32_t index, std::uint16_t qtype);
  // A completion's cookie: the lookup's slot and generation, and whether it
  // answers the A query of a synthesis (bit 31 of the low half).
  static constexpr std::uint32_t a_bit = 0x80000000u;
  static std::uint64_t cookie_of(std::uint32_t index, std::uint32_t generation, bool a) {
    return std::uint64_t{generation} << 32 | index | (a ? a_bit : 0u);
  }
  void start_deadline(std::uint32_t index);
  void end_deadline(std::uint32_t index);
  // Finishes a lookup whose deadline passed, as if its queries timed out.
  void expire(std::uint32_t index);
  void take_a(std::uint32_t index, upstream::Completion& c);
  void finish_plain(Pending& p, const upstream::Completion& c);
  void finish_aaaa(std::uint32_t index, const upstream::Completion& c);
  void finish_a(Pending& p, const upstream::Completion& c);
  bool cache_response(const Pending& p, dns::Bytes msg, const dns::Message& m);
  // Counts an answer with a SOA that does not cover the name it answers.
  void count_stray_soa(dns::Bytes msg, const dns::Message& m);
  void count_fill(cache::InsertStatus st);
  // Answers every client of `p` from the cache, else from `relay` (the
  // upstream's message), else with `fallback_rcode` and no records; then
  // closes the lookup.
  void answer_all(Pending& p, dns::Bytes relay = {},
                  std::uint8_t fallback_rcode = dns::rcode::SERVFAIL);
  void answer_one(const Waiting& w, dns::Bytes relay, std::uint8_t fallback_rcode,
                  std::uint16_t ede);
  // Notes the EDE of a completion in `p` (the upstream's, or "No Reachable
  // Authority" when nothing came back); keeps one noted before.
  void note_ede(Pending& p, const upstream::Completion& c, const dns::Message* m);
  // kValidated for an upstream answer with AD, when AD is trusted.
  cache::EntryFlags validated(const dns::Message& m) const;

  upstream::Transport& transport_;
  cache::Cache& cache_;
  cache::Reader* reader_;
  Requester& requester_;
  std::function<std::uint64_t()> now_ms_;
  ResolverConfig config_;
  ResolverStats stats_;
  std::vector<Waiting> waiting_;
  std::vector<std::uint32_t> free_waiting_;
  std::vector<Pending> pending_;
  std::vector<std::uint32_t> free_pending_;
  std::vector<std::uint32_t> by_key_;         // open addressing over pending_, a power of two
  std::vector<upstream::Completion> failed_;  // sends that never started
  std::vector<upstream::Completion> done_;    // completions not yet finished
  std::size_t done_head_ = 0;                 // the next one to finish
  std::vector<PrefixSlot> prefixes_;          // waiting clients by prefix, open addressing
  std::uint32_t oldest_ = none, newest_ = none;  // the deadline list
  PrefixKey prefix_of(const respond::Client& client) const;
  std::uint32_t* prefix_count(const PrefixKey& key, bool insert);
  void release_prefix(const PrefixKey& key);
  std::vector<std::uint8_t> scratch_;  // the reply being written
};

}  // namespace dns64d::control
