// Misses from the workers resolved upstream: one upstream lookup per
// (name, type, class) however many clients wait for it, the RFC 6147 rules
// applied (dataplane/dns64/rfc6147.hpp), the result written into the cache,
// and every waiting client answered by running the worker's own answer
// code on its query against the filled cache.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/upstream/client.hpp"
#include "dataplane/cache/cache.hpp"
#include "dataplane/dns64/rfc6147.hpp"
#include "dataplane/respond/respond.hpp"
#include "dataplane/worker.hpp"

namespace dns64d::control {

struct ResolverConfig {
  std::size_t max_pending = 4096;  // lookups in flight
  std::size_t max_waiters = 64;    // clients waiting on one lookup
  bool servfail_on_error = false;  // RFC 6147 §5.1.2-3 switch
  bool drop_over_limit = false;    // beyond max_pending/max_waiters: no answer instead of SERVFAIL
  bool serve_stale = false;        // RFC 8767: expired cache entries when upstream fails
  std::uint32_t failure_ttl = 30;  // cap on what is cached after a failed AAAA query
};

struct ResolverStats {
  std::uint64_t lookups = 0;    // upstream lookups started (after coalescing)
  std::uint64_t coalesced = 0;  // clients that joined a lookup in flight
  std::uint64_t upstream_queries = 0;
  std::uint64_t answered = 0;      // clients answered
  std::uint64_t relayed = 0;       // answered from the upstream's message, not the cache
  std::uint64_t servfail = 0;      // clients answered SERVFAIL
  std::uint64_t dropped_full = 0;  // clients over max_pending/max_waiters (SERVFAIL or dropped)
  std::uint64_t cache_fills = 0;
  std::uint64_t cache_fill_failed = 0;
  std::uint64_t synthesized = 0;        // lookups that ended in synthesis
  std::uint64_t stale = 0;              // clients answered from expired entries (RFC 8767)
  std::uint64_t scrubbed = 0;           // answer records owned off the question's chain, dropped
  std::uint64_t uncached_negative = 0;  // NODATA/NXDOMAIN without a SOA: answered, not cached
  std::uint64_t refreshes = 0;          // lookups for entries hit shortly before expiry
};

class Resolver {
 public:
  Resolver(upstream::Client& client, cache::Cache& cache, cache::Reader* reader,
           ResolverConfig config)
      : client_(client), cache_(cache), reader_(reader), config_(std::move(config)) {}
  ~Resolver();

  // A DNS query the worker could not answer from the cache; the resolver
  // owns the mbuf from now on and answers through the worker's return ring.
  void submit(rte_mbuf* m, dataplane::Worker& w, const dataplane::Snapshot& snap);
  // The same for a query that came over a stream (DNS over TCP): the answer
  // goes to `on_stream_answer` with the connection's id; an empty answer
  // means none is sent.
  void submit_stream(std::uint64_t conn, const respond::Client& client,
                     std::span<const std::uint8_t> query, const dataplane::Snapshot& snap);
  std::function<void(std::uint64_t conn, std::span<const std::uint8_t> answer)> on_stream_answer;
  // Asks upstream again for a cache entry hit shortly before it expires
  // (cache::Cache::drain_refresh), with no client waiting: the answer
  // replaces the entry. False when one is in flight already or the
  // resolver is full.
  bool refresh(std::span<const std::uint8_t> name, std::uint16_t key_type, std::uint16_t qclass,
               const dataplane::Snapshot& snap);
  // Drives the upstream client and finishes what completed.
  void step(const dataplane::Snapshot& snap);

  const ResolverStats& stats() const { return stats_; }
  std::size_t pending() const { return pending_.size(); }

 private:
  // A client waiting: a datagram (its frame, answered through its worker's
  // return ring) or a stream (its connection and message).
  struct Waiter {
    rte_mbuf* m = nullptr;
    dataplane::Worker* worker = nullptr;
    std::uint64_t stream = 0;
    std::vector<std::uint8_t> query;
    respond::Client client;
  };
  enum class Stage : std::uint8_t { plain, aaaa, a };
  struct Pending {
    std::string key;                 // name | type | class | validating
    std::vector<std::uint8_t> name;  // folded wire name asked upstream
    std::uint16_t qtype = 0, qclass = 1;
    std::uint16_t key_type = 0;  // cache key type: qtype, or the AAAA policy's (respond/view.hpp)
    std::uint8_t policy = 0;     // AAAA policy of the asking view for this name
    bool validating = false;     // DO and CD: relay, never synthesize or cache (§5.5)
    Stage stage = Stage::plain;
    dns64::AaaaDecision aaaa;
    std::vector<std::uint8_t> aaaa_response;
    std::vector<Waiter> waiters;
  };

  void enqueue(Waiter&& w, const dns::Message& msg, const dataplane::Snapshot& snap);
  void over_limit(Waiter& w, const dataplane::Snapshot& snap);
  // Files a new lookup (its key, name, types, policy and any waiter set)
  // and sends its first query.
  void launch(Pending&& lookup, const dataplane::Snapshot& snap);
  void ask(Pending& p, std::uint16_t qtype, std::uint64_t cookie);
  void finish_plain(Pending& p, const upstream::Completion& c, const dataplane::Snapshot& snap);
  void finish_aaaa(Pending& p, std::uint64_t cookie, const upstream::Completion& c,
                   const dataplane::Snapshot& snap);
  void finish_a(Pending& p, const upstream::Completion& c, const dataplane::Snapshot& snap);
  bool cache_response(const Pending& p, dns::Bytes msg, const dns::Message& m);
  // Answers every client of `p` from the cache, else from `relay` (the
  // upstream's message), else with `fallback_rcode` and no records.
  void answer_all(Pending& p, const dataplane::Snapshot& snap, dns::Bytes relay = {},
                  std::uint8_t fallback_rcode = dns::rcode::SERVFAIL);
  void answer_one(Waiter& w, const dataplane::Snapshot& snap, dns::Bytes relay,
                  std::uint8_t fallback_rcode);

  upstream::Client& client_;
  cache::Cache& cache_;
  cache::Reader* reader_;
  ResolverConfig config_;
  ResolverStats stats_;
  std::uint64_t next_cookie_ = 1;
  std::unordered_map<std::uint64_t, Pending> pending_;     // by cookie
  std::unordered_map<std::string, std::uint64_t> by_key_;  // coalescing
  std::vector<upstream::Completion> failed_;               // sends that never started
};

}  // namespace dns64d::control
