#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dataplane/cache/arena.hpp"
#include "dataplane/cache/entry.hpp"
#include "dataplane/cache/key.hpp"
#include "dataplane/cache/memory.hpp"
#include "dataplane/cache/reader.hpp"

namespace dns64d::cache {

// Milliseconds from any fixed origin; injected so tests run on a fake clock.
using Clock = std::function<uint64_t()>;

struct Config {
  size_t max_entries = 1u << 20;
  size_t max_bytes = 256u << 20;     // arena for headers, names and values
  size_t max_entry_bytes = 16384;    // larger answers are refused (too_large)
  size_t headroom_bytes = SIZE_MAX;  // keep free or retiring; SIZE_MAX: auto (see cache.cpp)
  unsigned max_readers = 16;
  uint32_t min_ttl = 0;  // clamps applied at insert (seconds)
  uint32_t max_ttl = 7 * 86400;
  uint32_t refresh_percent = 10;  // hits with less than this share of the TTL left
  uint32_t refresh_sample_every = 16;
  bool keep_stale = false;  // RFC 8767 serve-stale
  uint32_t stale_ttl = 30;  // TTL served on a stale answer
  uint32_t max_stale_seconds = 86400;
  uint64_t stall_threshold_ms = 1000;
  std::optional<uint64_t> seed;  // none: std::random_device
  std::function<void(unsigned reader_id, uint64_t lag_ms)> on_stalled;
};

enum class LookupStatus : uint8_t { miss, hit, stale, expired };

struct LookupResult {
  LookupStatus status = LookupStatus::miss;
  EntryView view;  // set for hit and stale
};

enum LookupFlags : unsigned { kNoFlags = 0, kAllowStale = 1 };

enum class InsertStatus : uint8_t {
  inserted,
  replaced,
  bad_key,
  bad_value,
  too_large,
  zero_ttl,
  no_memory
};

struct RefreshCandidate {
  uint8_t name[kMaxNameLen];
  uint8_t name_len;
  uint16_t qtype, qclass;
  std::span<const uint8_t> name_span() const { return {name, name_len}; }
};

#define DNS64D_CACHE_COUNTERS(X)                                                      \
  X(entries, "live entries")                                                          \
  X(bytes_used, "arena bytes held by live entries")                                   \
  X(bytes_retired, "arena bytes retired, waiting for every reader to pass")           \
  X(bytes_capacity, "arena bytes in all")                                             \
  X(bytes_table, "bytes of the bucket table")                                         \
  X(hits, "lookups that found a live entry")                                          \
  X(misses, "lookups that found nothing")                                             \
  X(expired_hits, "lookups that found an expired entry")                              \
  X(stale_hits, "lookups answered from an expired entry (RFC 8767)")                  \
  X(inserts, "entries written for a new key")                                         \
  X(replaces, "entries written over an existing key")                                 \
  X(deletes, "entries removed on request")                                            \
  X(evictions, "entries removed to make room")                                        \
  X(expired_removed, "expired entries swept")                                         \
  X(insert_failures, "writes refused, all reasons")                                   \
  X(fail_bad_input, "writes refused: malformed key or value")                         \
  X(fail_too_large, "writes refused: larger than an entry may be")                    \
  X(fail_zero_ttl, "writes refused: TTL 0")                                           \
  X(fail_no_memory, "writes refused: no room even after eviction")                    \
  X(refresh_sampled, "hits near expiry reported for refresh")                         \
  X(refresh_dropped, "hits near expiry not reported: the refresh ring was full")      \
  X(reclaim_lag_epochs, "epochs between now and the slowest reader")                  \
  X(reclaim_lag_ms, "milliseconds since the slowest reader passed a quiescent point") \
  X(stalled_readers, "readers that have not passed a quiescent point for too long")   \
  X(stall_events, "times a reader was found stalled")

// A reading of the cache's counters, taken by the writer (Cache::stats()).
struct Stats {
  DNS64D_CACHE_COUNTERS(DNS64D_PLAIN_FIELD)
  template <class F>
  void for_each(F&& f) const {
    DNS64D_CACHE_COUNTERS(DNS64D_COUNTER_VISIT)
  }
};

// The answer cache. Lookups are wait-free and may run on any registered
// reader thread; every other member function belongs to the single writer.
class Cache {
 public:
  Cache(const Config& config, Clock clock);  // throws on a bad config or no memory
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // ---- readers (workers) ----
  uint64_t hash_key(const Key& key) const { return cache::hash_key(key, seed_); }
  void prefetch(uint64_t hash) const { __builtin_prefetch(&buckets_[hash & mask_]); }
  // The second stage of a burst: once the bucket is near, prefetch the
  // entries whose tag matches (the home bucket only; enough for most keys),
  // their first `lines` lines (2 or 3: header and name, then the value; an
  // entry that starts mid-line and holds more than 96 octets reaches a
  // third). Returns a hint for lookup(): the first matching block + 1, or 0.
  uint32_t prefetch_entry(uint64_t hash, unsigned lines = 2) const {
    const uint32_t tag = tag_of(hash);
    const Bucket& b = buckets_[hash & mask_];
    uint32_t hint = 0;
    for (unsigned m = tag_matches(b, tag); m != 0; m &= m - 1) {
      const uint64_t s = b.slot[slot_of(m)].load(std::memory_order_acquire);
      if (static_cast<uint32_t>(s >> 32) != tag) continue;  // changed since the filter
      const uint8_t* e = arena_.at(static_cast<uint32_t>(s));
      __builtin_prefetch(e);
      __builtin_prefetch(e + 64);
      if (lines > 2) __builtin_prefetch(e + 128);
      if (hint == 0) hint = static_cast<uint32_t>(s) + 1;
    }
    return hint;
  }
  // A lookup that first tries the entry prefetch_entry() found, saving the
  // bucket scan. The hint must come from the same read-side section (no
  // quiescent() since): the block is then still readable, and an entry it
  // names that matches the key is an answer the cache gave moments ago,
  // even if the writer replaced or erased it since (the window lookup_burst
  // has too: a few microseconds, never past the burst).
  LookupResult lookup_hinted(Reader& r, const Key& key, uint64_t hash, uint32_t hint,
                             uint64_t now_ms, unsigned flags) const {
    if (hint != 0) {
      const EntryHeader* e = entry_at(hint - 1);
      if (matches(*e, key, hash)) return evaluate(r, e, hash, now_ms, flags);
    }
    return evaluate(r, find(key, hash), hash, now_ms, flags);
  }
  LookupResult lookup(Reader& r, const Key& key, uint64_t hash, uint64_t now_ms,
                      unsigned flags = kNoFlags) const {
    return evaluate(r, find(key, hash), hash, now_ms, flags);
  }
  LookupResult lookup(Reader& r, const Key& key, uint64_t now_ms, unsigned flags = kNoFlags) const {
    return lookup(r, key, hash_key(key), now_ms, flags);
  }
  // Hash all, prefetch buckets, prefetch candidate entries, then compare:
  // the misses of up to 32 lookups overlap instead of queueing. Results go to
  // out[i] for i < min(keys.size(), out.size()); keys beyond out are skipped.
  void lookup_burst(Reader& r, std::span<const Key> keys, uint64_t now_ms,
                    std::span<LookupResult> out, unsigned flags = kNoFlags) const;

  // ---- writer (control plane, one thread) ----
  Reader* register_reader();  // online at once; nullptr when max_readers are taken
  void unregister_reader(Reader* r);

  // `soa`: the AAAA query's NODATA SOA record, kept for clients whose view
  // maps none of `addrs` (EntryView::synth_soa).
  InsertStatus insert_aaaa(const Key& key, uint32_t ttl, std::span<const Ipv4> addrs,
                           std::span<const uint8_t> cname_chain, EntryFlags flags = kNoEntryFlags,
                           std::span<const uint8_t> soa = {});
  InsertStatus insert_rrset(const Key& key, uint32_t ttl, std::span<const uint8_t> rrs,
                            std::span<const uint16_t> ttl_offsets,
                            EntryFlags flags = kNoEntryFlags);
  // An RRset (kind rrset) or a negative answer's SOA (kind negative) with
  // DNSSEC records after it, for clients that set DO (EntryView::signed_rrs);
  // without any, as the plain inserts.
  InsertStatus insert_signed(const Key& key, Kind kind, uint32_t ttl, uint8_t rcode,
                             std::span<const uint8_t> rrs, std::span<const uint16_t> ttl_offsets,
                             std::span<const uint8_t> dnssec,
                             std::span<const uint16_t> dnssec_offsets, EntryFlags flags);
  InsertStatus insert_negative(const Key& key, uint32_t ttl, uint8_t rcode,
                               std::span<const uint8_t> soa, std::span<const uint16_t> ttl_offsets,
                               EntryFlags flags = kNoEntryFlags);
  bool erase(const Key& key);
  size_t flush_all();
  size_t flush_subtree(std::span<const uint8_t> name);  // the name and every name under it
  size_t expire(size_t max_slots = SIZE_MAX);           // sweep from a moving hand
  size_t slots() const { return total_slots_; }         // what a whole sweep covers
  void maintain();  // reclaim and check for stalled readers; call it when idle too
  // Live entries hit shortly before expiry, local ones (kLocal) left out.
  size_t drain_refresh(std::vector<RefreshCandidate>& out, size_t max = SIZE_MAX);
  Stats stats() const;

  // Test hook: runs after an entry is written and before it is published.
  void set_before_publish_hook(std::function<void()> hook) { before_publish_ = std::move(hook); }

 private:
  static constexpr unsigned kSlots = 7;     // per 64-byte bucket
  static constexpr unsigned kMaxProbe = 8;  // buckets; bounds every lookup
  static constexpr unsigned kEvictLookahead = 64;

  // A slot is (tag << 32 | block); tag is never 0, so an empty slot never matches.
  struct alignas(64) Bucket {
    std::atomic<uint64_t> slot[kSlots];
    std::atomic<uint32_t> overflow;  // entries placed past this bucket by their probe
    uint32_t unused;
  };
  static_assert(sizeof(Bucket) == 64);

  static uint32_t tag_of(uint64_t hash) { return static_cast<uint32_t>(hash >> 32) | 1u; }
  // Bit 2i+1 set: slot i held `tag` when looked at (the odd bits only;
  // slot_of() turns a bit into its slot). Only a filter: a caller loads a
  // matching slot again, atomically, and checks the tag. With SSE2 the
  // bucket is read as four 16-octet vectors whose 32-bit lanes are compared
  // at once; an aligned vector load never tears a naturally aligned
  // quadword on x86-64, so each slot read is some value it held. (To the
  // C++ model a plain load of atomics is a race, so ThreadSanitizer builds
  // take the atomic loop.) A stale lane only misses an entry that a racing
  // insert or removal is changing, as an atomic scan at that moment could.
  static unsigned tag_matches(const Bucket& b, uint32_t tag) {
#if defined(__SSE2__) && !defined(__SANITIZE_THREAD__)
    const __m128i t = _mm_set1_epi32(static_cast<int>(tag));
    const auto* v = reinterpret_cast<const __m128i*>(&b);
    const __m128i c01 = _mm_packs_epi32(_mm_cmpeq_epi32(_mm_load_si128(v), t),
                                        _mm_cmpeq_epi32(_mm_load_si128(v + 1), t));
    const __m128i c23 = _mm_packs_epi32(_mm_cmpeq_epi32(_mm_load_si128(v + 2), t),
                                        _mm_cmpeq_epi32(_mm_load_si128(v + 3), t));
    // One bit per 32-bit lane: lane 2i+1 is slot i's tag (lane 14 is the
    // overflow word, lane 15 padding; the mask leaves both out).
    const auto lanes = static_cast<unsigned>(_mm_movemask_epi8(_mm_packs_epi16(c01, c23)));
    return lanes & 0x2aaau;
#else
    unsigned mask = 0;
    for (unsigned i = 0; i < kSlots; ++i) {
      const uint64_t s = b.slot[i].load(std::memory_order_relaxed);
      mask |= static_cast<unsigned>(static_cast<uint32_t>(s >> 32) == tag) << (2 * i + 1);
    }
    return mask;
#endif
  }
  static unsigned slot_of(unsigned matches) { return std::countr_zero(matches) >> 1; }
  const EntryHeader* entry_at(uint32_t block) const {
    return reinterpret_cast<const EntryHeader*>(arena_.at(block));
  }
  static bool matches(const EntryHeader& e, const Key& k, uint64_t hash) {
    return e.hash == hash && e.qtype == k.qtype && e.qclass == k.qclass &&
           e.name_len == k.name.size() &&
           detail::same_octets(e.bytes() + EntryHeader::name_offset(), k.name.data(),
                               k.name.size());
  }

  const EntryHeader* find(const Key& key, uint64_t hash) const;
  LookupResult evaluate(Reader& r, const EntryHeader* e, uint64_t hash, uint64_t now,
                        unsigned flags) const;
  void sample_refresh(Reader& r, uint64_t hash, const EntryHeader* e) const;

  // writer internals
  std::atomic<uint64_t>& slot_at(size_t pos) { return buckets_[pos / kSlots].slot[pos % kSlots]; }
  size_t find_pos(const Key& key, uint64_t hash) const;
  InsertStatus insert_entry(const Key& key, Kind kind, uint32_t ttl, uint8_t count, uint8_t rcode,
                            std::span<const uint8_t> array, std::span<const uint8_t> body,
                            EntryFlags flags);
  InsertStatus insert_with_offsets(const Key& key, Kind kind, uint32_t ttl, uint8_t rcode,
                                   std::span<const uint8_t> rrs,
                                   std::span<const uint16_t> ttl_offsets, EntryFlags flags);
  InsertStatus fail(InsertStatus why);
  uint32_t allocate(uint32_t granules, uint64_t now);
  void place(uint64_t hash, uint64_t slot_value, uint64_t now);
  bool expired_for_eviction(const EntryHeader& e, uint64_t now) const;
  void remove_at(size_t pos);
  bool evict_one(uint64_t now);
  void retire(uint32_t block);
  void advance_epoch();
  void finish_op(uint64_t now);
  void reclaim(uint64_t now);

  Config cfg_;
  Clock clock_;
  HashSeed seed_;
  uint64_t refresh_scale_;  // ttl * refresh_scale_ > remaining_ms * 100: a refresh candidate
  uint64_t stale_window_ms_;

  Region table_region_;
  Bucket* buckets_;
  size_t mask_;
  size_t total_slots_;
  Arena arena_;

  std::atomic<uint64_t> epoch_{1};
  std::unique_ptr<Reader[]> readers_;

  // writer-only state
  size_t live_ = 0, used_bytes_ = 0, retired_bytes_ = 0, headroom_;
  uint32_t retired_head_ = 0, retired_tail_ = 0;
  uint64_t oldest_retired_epoch_ = 0;
  bool retired_since_advance_ = false;
  size_t clock_hand_ = 0, sweep_hand_ = 0;
  Stats w_;  // writer-side counters
  std::function<void()> before_publish_;
};

inline const EntryHeader* Cache::find(const Key& key, uint64_t hash) const {
  const uint32_t tag = tag_of(hash);
  size_t b = hash & mask_;
  for (unsigned probe = 0; probe < kMaxProbe; ++probe) {
    const Bucket& bucket = buckets_[b];
    for (unsigned m = tag_matches(bucket, tag); m != 0; m &= m - 1) {
      const uint64_t s = bucket.slot[slot_of(m)].load(std::memory_order_acquire);
      if (static_cast<uint32_t>(s >> 32) != tag) continue;
      const EntryHeader* e = entry_at(static_cast<uint32_t>(s));
      if (matches(*e, key, hash)) return e;
    }
    if (bucket.overflow.load(std::memory_order_acquire) == 0) break;
    b = (b + 1) & mask_;
  }
  return nullptr;
}

inline void Cache::sample_refresh(Reader& r, uint64_t hash, const EntryHeader* e) const {
  if (--r.refresh_countdown_ != 0) return;
  r.refresh_countdown_ = cfg_.refresh_sample_every;
  const uint32_t head = r.ring_head_.load(std::memory_order_relaxed);
  if (head - r.ring_tail_.load(std::memory_order_acquire) >= Reader::kRingSize) {
    r.counters_.refresh_dropped.bump();
    return;
  }
  const auto block = static_cast<uint32_t>((e->bytes() - arena_.at(0)) / kGranule);
  r.ring_[head % Reader::kRingSize] = RefreshItem{hash, block};
  r.ring_head_.store(head + 1, std::memory_order_release);
  r.counters_.refresh_sampled.bump();
}

inline LookupResult Cache::evaluate(Reader& r, const EntryHeader* e, uint64_t hash, uint64_t now,
                                    unsigned flags) const {
  if (e == nullptr) {
    r.counters_.misses.bump();
    return {};
  }
  // Test before set: the line is only dirtied once per CLOCK revolution.
  if (e->referenced.load(std::memory_order_relaxed) == 0)
    e->referenced.store(1, std::memory_order_relaxed);
  if (now < e->expires_at) {
    const uint64_t remaining_ms = e->expires_at - now;
    const uint64_t left = remaining_ms / 1000;
    if (e->ttl * refresh_scale_ > remaining_ms * 100) sample_refresh(r, hash, e);
    r.counters_.hits.bump();
    return {LookupStatus::hit, EntryView(e, left < e->ttl ? static_cast<uint32_t>(left) : e->ttl)};
  }
  if ((flags & kAllowStale) != 0 && now - e->expires_at < stale_window_ms_) {
    sample_refresh(r, hash, e);
    r.counters_.stale.bump();
    return {LookupStatus::stale, EntryView(e, cfg_.stale_ttl)};
  }
  r.counters_.expired.bump();
  return {LookupStatus::expired, {}};
}

}  // namespace dns64d::cache
