#include "dataplane/cache/cache.hpp"

#include <algorithm>
#include <bit>
#include <random>
#include <stdexcept>

namespace dns64d::cache {

namespace {

size_t bucket_count_for(size_t max_entries) {
  // Aim at <= 70 % load of 7-slot buckets; the bounded probe rarely fills.
  const size_t want = std::max<size_t>(2, (max_entries * 10 + 48) / 49);
  return std::bit_ceil(want);
}

uint64_t make_slot(uint32_t tag, uint32_t block) { return (uint64_t{tag} << 32) | block; }
uint32_t slot_block(uint64_t s) { return static_cast<uint32_t>(s); }

uint64_t random_seed() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}

}  // namespace

Cache::Cache(const Config& config, Clock clock)
    : cfg_(config),
      clock_(std::move(clock)),
      seed_(HashSeed::from(config.seed ? *config.seed : random_seed())),
      refresh_scale_(uint64_t{config.refresh_percent} * 1000),
      stale_window_ms_(config.keep_stale ? uint64_t{config.max_stale_seconds} * 1000 : 0),
      table_region_(bucket_count_for(config.max_entries) * sizeof(Bucket)),
      buckets_(static_cast<Bucket*>(table_region_.data())),
      mask_(bucket_count_for(config.max_entries) - 1),
      total_slots_((mask_ + 1) * kSlots),
      arena_(config.max_bytes, config.max_entry_bytes),
      readers_(new Reader[std::max(1u, config.max_readers)]) {
  if (cfg_.max_entries == 0 || cfg_.max_entry_bytes < EntryHeader::block_bytes(kMaxNameLen, 0) ||
      cfg_.max_entry_bytes > cfg_.max_bytes || !clock_ || cfg_.min_ttl > cfg_.max_ttl) {
    throw std::invalid_argument("dns64d cache: bad config");
  }
  cfg_.refresh_sample_every = std::max(1u, cfg_.refresh_sample_every);
  // Evicting ahead keeps room for the next insert while readers finish the
  // grace period of what was evicted before.
  headroom_ =
      cfg_.headroom_bytes != SIZE_MAX
          ? cfg_.headroom_bytes
          : std::min(cfg_.max_bytes / 4, std::max(cfg_.max_bytes / 64, 8 * cfg_.max_entry_bytes));
  for (size_t b = 0; b <= mask_; ++b) new (&buckets_[b]) Bucket{};
  for (unsigned i = 0; i < std::max(1u, cfg_.max_readers); ++i) {
    readers_[i].global_ = &epoch_;
    readers_[i].id_ = i;
  }
}

Cache::~Cache() = default;

void Cache::lookup_burst(Reader& r, std::span<const Key> keys, uint64_t now,
                         std::span<LookupResult> out, unsigned flags) const {
  constexpr size_t kBurst = 32;
  uint64_t hashes[kBurst];
  uint32_t hints[kBurst];
  // Never write past `out`: keys without a result slot are not looked up.
  const size_t count = std::min(keys.size(), out.size());
  for (size_t base = 0; base < count; base += kBurst) {
    const size_t n = std::min(kBurst, count - base);
    for (size_t i = 0; i < n; ++i) {
      hashes[i] = hash_key(keys[base + i]);
      prefetch(hashes[i]);
    }
    // The entries are prefetched while the other buckets are scanned, and
    // each lookup starts from the entry its scan found.
    for (size_t i = 0; i < n; ++i) hints[i] = prefetch_entry(hashes[i]);
    for (size_t i = 0; i < n; ++i) {
      out[base + i] = lookup_hinted(r, keys[base + i], hashes[i], hints[i], now, flags);
    }
  }
}

Reader* Cache::register_reader() {
  for (unsigned i = 0; i < std::max(1u, cfg_.max_readers); ++i) {
    Reader& r = readers_[i];
    if (r.in_use_) continue;
    r.in_use_ = true;
    r.stall_reported_ = false;
    r.behind_since_ms_ = 0;
    r.refresh_countdown_ = cfg_.refresh_sample_every;
    r.ring_tail_.store(r.ring_head_.load(std::memory_order_acquire), std::memory_order_release);
    r.online();
    r.seen_epoch_ = r.epoch_.load(std::memory_order_relaxed);
    return &r;
  }
  return nullptr;
}

void Cache::unregister_reader(Reader* r) {
  r->offline();
  r->in_use_ = false;
}

InsertStatus Cache::fail(InsertStatus why) {
  ++w_.insert_failures;
  switch (why) {
    case InsertStatus::too_large:
      ++w_.fail_too_large;
      break;
    case InsertStatus::zero_ttl:
      ++w_.fail_zero_ttl;
      break;
    case InsertStatus::no_memory:
      ++w_.fail_no_memory;
      break;
    default:
      ++w_.fail_bad_input;
      break;
  }
  return why;
}

InsertStatus Cache::insert_aaaa(const Key& key, uint32_t ttl, std::span<const Ipv4> addrs,
                                std::span<const uint8_t> cname_chain, EntryFlags flags,
                                std::span<const uint8_t> soa) {
  if (addrs.size() > kMaxIpv4 || soa.size() > 0xffff) return fail(InsertStatus::bad_value);
  const std::span<const uint8_t> array{reinterpret_cast<const uint8_t*>(addrs.data()),
                                       addrs.size() * sizeof(Ipv4)};
  if (soa.empty()) {
    return insert_entry(key, Kind::synth_aaaa, ttl, static_cast<uint8_t>(addrs.size()), 0, array,
                        cname_chain, static_cast<EntryFlags>(flags & ~kSynthSoa));
  }
  std::vector<uint8_t> body(cname_chain.begin(), cname_chain.end());
  body.insert(body.end(), soa.begin(), soa.end());
  body.push_back(static_cast<uint8_t>(soa.size() >> 8));
  body.push_back(static_cast<uint8_t>(soa.size()));
  return insert_entry(key, Kind::synth_aaaa, ttl, static_cast<uint8_t>(addrs.size()), 0, array,
                      body, static_cast<EntryFlags>(flags | kSynthSoa));
}

InsertStatus Cache::insert_with_offsets(const Key& key, Kind kind, uint32_t ttl, uint8_t rcode,
                                        std::span<const uint8_t> rrs,
                                        std::span<const uint16_t> ttl_offsets, EntryFlags flags) {
  if (ttl_offsets.size() > kMaxTtlOffsets) return fail(InsertStatus::bad_value);
  for (const uint16_t off : ttl_offsets) {
    if (size_t{off} + 4 > rrs.size()) return fail(InsertStatus::bad_value);  // a TTL is 4 bytes
  }
  const std::span<const uint8_t> array{reinterpret_cast<const uint8_t*>(ttl_offsets.data()),
                                       ttl_offsets.size() * sizeof(uint16_t)};
  return insert_entry(key, kind, ttl, static_cast<uint8_t>(ttl_offsets.size()), rcode, array, rrs,
                      flags);
}

InsertStatus Cache::insert_signed(const Key& key, Kind kind, uint32_t ttl, uint8_t rcode,
                                  std::span<const uint8_t> rrs,
                                  std::span<const uint16_t> ttl_offsets,
                                  std::span<const uint8_t> dnssec,
                                  std::span<const uint16_t> dnssec_offsets, EntryFlags flags) {
  if (kind == Kind::synth_aaaa) return fail(InsertStatus::bad_value);
  flags = static_cast<EntryFlags>(flags & ~kSigned);
  if (dnssec_offsets.empty()) {
    return insert_with_offsets(key, kind, ttl, kind == Kind::negative ? rcode : 0, rrs,
                               ttl_offsets, flags);
  }
  if (rrs.size() > 0xffff || ttl_offsets.size() > 0xff ||
      ttl_offsets.size() + dnssec_offsets.size() > kMaxTtlOffsets ||
      rrs.size() + dnssec.size() > 0xffff) {
    return fail(InsertStatus::bad_value);
  }
  std::vector<uint8_t> body(rrs.begin(), rrs.end());
  body.insert(body.end(), dnssec.begin(), dnssec.end());
  std::vector<uint16_t> offsets(ttl_offsets.begin(), ttl_offsets.end());
  for (const uint16_t off : dnssec_offsets) {
    offsets.push_back(static_cast<uint16_t>(off + rrs.size()));
  }
  for (const uint16_t off : offsets) {
    if (size_t{off} + 4 > body.size()) return fail(InsertStatus::bad_value);
  }
  // The trailer: how many records, and octets, are not DNSSEC ones.
  body.push_back(static_cast<uint8_t>(ttl_offsets.size()));
  body.push_back(static_cast<uint8_t>(rrs.size() >> 8));
  body.push_back(static_cast<uint8_t>(rrs.size()));
  const std::span<const uint8_t> array{reinterpret_cast<const uint8_t*>(offsets.data()),
                                       offsets.size() * sizeof(uint16_t)};
  return insert_entry(key, kind, ttl, static_cast<uint8_t>(offsets.size()),
                      kind == Kind::negative ? rcode : 0, array, body,
                      static_cast<EntryFlags>(flags | kSigned));
}

InsertStatus Cache::insert_rrset(const Key& key, uint32_t ttl, std::span<const uint8_t> rrs,
                                 std::span<const uint16_t> ttl_offsets, EntryFlags flags) {
  return insert_with_offsets(key, Kind::rrset, ttl, 0, rrs, ttl_offsets, flags);
}

InsertStatus Cache::insert_negative(const Key& key, uint32_t ttl, uint8_t rcode,
                                    std::span<const uint8_t> soa,
                                    std::span<const uint16_t> ttl_offsets, EntryFlags flags) {
  return insert_with_offsets(key, Kind::negative, ttl, rcode, soa, ttl_offsets, flags);
}

InsertStatus Cache::insert_entry(const Key& key, Kind kind, uint32_t ttl, uint8_t count,
                                 uint8_t rcode, std::span<const uint8_t> array,
                                 std::span<const uint8_t> body, EntryFlags flags) {
  uint8_t name[kMaxNameLen];
  if (!fold_wire_name(key.name, name)) return fail(InsertStatus::bad_key);
  ttl = std::clamp(ttl, cfg_.min_ttl, cfg_.max_ttl);
  if (ttl == 0) return fail(InsertStatus::zero_ttl);
  const size_t value_len = array.size() + body.size();
  const size_t bytes = EntryHeader::block_bytes(key.name.size(), value_len);
  if (value_len > UINT16_MAX || bytes > cfg_.max_entry_bytes) return fail(InsertStatus::too_large);

  const Key folded{{name, key.name.size()}, key.qtype, key.qclass};
  const uint64_t now = clock_();
  const uint64_t hash = hash_key(folded);
  const uint32_t granules = Arena::granules_for(bytes);
  const uint32_t block = allocate(granules, now);
  if (block == 0) {
    finish_op(now);
    return fail(InsertStatus::no_memory);
  }

  // Fill the block completely before anyone can reach it.
  uint8_t* p = arena_.at(block);
  auto* e = new (p) EntryHeader{};
  e->hash = hash;
  e->expires_at = now + uint64_t{ttl} * 1000;
  e->ttl = ttl;
  e->qtype = key.qtype;
  e->qclass = key.qclass;
  e->value_len = static_cast<uint16_t>(value_len);
  e->name_len = static_cast<uint8_t>(key.name.size());
  e->kind = kind;
  e->count = count;
  e->rcode = rcode;
  e->flags = flags;
  std::memcpy(p + EntryHeader::name_offset(), name, key.name.size());
  std::memset(p + EntryHeader::name_offset() + key.name.size(), 0,
              e->value_offset() - EntryHeader::name_offset() - key.name.size());
  if (!array.empty()) std::memcpy(p + e->value_offset(), array.data(), array.size());
  if (!body.empty()) std::memcpy(p + e->value_offset() + array.size(), body.data(), body.size());
  used_bytes_ += size_t{granules} * kGranule;

  const size_t old_pos = find_pos(folded, hash);
  if (before_publish_) before_publish_();
  const uint64_t slot_value = make_slot(tag_of(hash), block);
  InsertStatus status = InsertStatus::inserted;
  if (old_pos != SIZE_MAX) {
    std::atomic<uint64_t>& slot = slot_at(old_pos);
    const uint32_t old = slot_block(slot.load(std::memory_order_relaxed));
    slot.store(slot_value, std::memory_order_release);  // readers see the old entry or the new one
    retire(old);
    ++w_.replaces;
    status = InsertStatus::replaced;
  } else {
    if (live_ >= cfg_.max_entries) evict_one(now);
    place(hash, slot_value, now);
    ++live_;
    ++w_.inserts;
  }
  finish_op(now);
  return status;
}

uint32_t Cache::allocate(uint32_t granules, uint64_t now) {
  if (uint32_t b = arena_.alloc(granules)) return b;
  advance_epoch();
  reclaim(now);  // blocks whose grace period ended since the last operation
  if (uint32_t b = arena_.alloc(granules)) return b;
  // Evicting frees nothing until readers pass a quiescent point; without
  // lagging readers the second try succeeds at once.
  const size_t needed = size_t{granules} * kGranule;
  for (int round = 0; round < 4 && live_ > 0; ++round) {
    // Enough already waits on lagging readers: evicting more would only
    // empty the cache without making room any sooner.
    if (retired_bytes_ >= std::max(needed, headroom_)) break;
    for (int i = 0; i < 16 && evict_one(now); ++i) {
    }
    advance_epoch();
    reclaim(now);
    if (uint32_t b = arena_.alloc(granules)) return b;
  }
  return 0;
}

void Cache::place(uint64_t hash, uint64_t slot_value, uint64_t now) {
  const size_t home = hash & mask_;
  for (int attempt = 0; attempt < 2; ++attempt) {
    for (unsigned probe = 0; probe < kMaxProbe; ++probe) {
      Bucket& bucket = buckets_[(home + probe) & mask_];
      for (unsigned i = 0; i < kSlots; ++i) {
        if (bucket.slot[i].load(std::memory_order_relaxed) != 0) continue;
        // Overflow marks first, so a reader that reaches the slot has not
        // stopped early at a bucket claiming nothing lies beyond it.
        for (unsigned p = 0; p < probe; ++p) {
          std::atomic<uint32_t>& o = buckets_[(home + p) & mask_].overflow;
          o.store(o.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        }
        bucket.slot[i].store(slot_value, std::memory_order_release);
        return;
      }
    }
    // The whole probe window is full: evict inside it (expired, else not
    // referenced, else the first) to keep lookups bounded.
    size_t victim = SIZE_MAX;
    int victim_rank = 3;
    for (unsigned probe = 0; probe < kMaxProbe && victim_rank > 0; ++probe) {
      const size_t b = (home + probe) & mask_;
      for (unsigned i = 0; i < kSlots; ++i) {
        const EntryHeader* e =
            entry_at(slot_block(buckets_[b].slot[i].load(std::memory_order_relaxed)));
        const int rank = expired_for_eviction(*e, now)                   ? 0
                         : e->referenced.load(std::memory_order_relaxed) ? 2
                                                                         : 1;
        if (rank < victim_rank) {
          victim = b * kSlots + i;
          victim_rank = rank;
          if (rank == 0) break;
        }
      }
    }
    remove_at(victim);
    ++w_.evictions;
  }
}

bool Cache::expired_for_eviction(const EntryHeader& e, uint64_t now) const {
  return now >= e.expires_at;
}

size_t Cache::find_pos(const Key& key, uint64_t hash) const {
  const uint32_t tag = tag_of(hash);
  size_t b = hash & mask_;
  for (unsigned probe = 0; probe < kMaxProbe; ++probe) {
    const Bucket& bucket = buckets_[b];
    for (unsigned i = 0; i < kSlots; ++i) {
      const uint64_t s = bucket.slot[i].load(std::memory_order_relaxed);
      if (static_cast<uint32_t>(s >> 32) == tag && matches(*entry_at(slot_block(s)), key, hash)) {
        return b * kSlots + i;
      }
    }
    if (bucket.overflow.load(std::memory_order_relaxed) == 0) break;
    b = (b + 1) & mask_;
  }
  return SIZE_MAX;
}

void Cache::remove_at(size_t pos) {
  std::atomic<uint64_t>& slot = slot_at(pos);
  const uint32_t block = slot_block(slot.load(std::memory_order_relaxed));
  slot.store(0, std::memory_order_release);
  const size_t bucket = pos / kSlots;
  for (size_t b = entry_at(block)->hash & mask_; b != bucket; b = (b + 1) & mask_) {
    std::atomic<uint32_t>& o = buckets_[b].overflow;
    o.store(o.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  }
  --live_;
  retire(block);
}

bool Cache::evict_one(uint64_t now) {
  if (live_ == 0) return false;
  // CLOCK with second chance; an expired entry within a short lookahead of
  // the first unreferenced one is taken instead of it.
  size_t victim = SIZE_MAX, victim_step = 0;
  const size_t limit = 2 * total_slots_ + kEvictLookahead;
  for (size_t step = 0; step < limit; ++step) {
    const size_t pos = (clock_hand_ + step) % total_slots_;
    const uint64_t v = slot_at(pos).load(std::memory_order_relaxed);
    if (v == 0) continue;
    const EntryHeader* e = entry_at(slot_block(v));
    if (expired_for_eviction(*e, now)) {
      victim = pos;
      break;
    }
    if (victim == SIZE_MAX) {
      if (e->referenced.load(std::memory_order_relaxed) != 0) {
        e->referenced.store(0, std::memory_order_relaxed);
      } else {
        victim = pos;
        victim_step = step;
      }
    } else if (step - victim_step >= kEvictLookahead) {
      break;
    }
  }
  if (victim == SIZE_MAX) return false;
  clock_hand_ = (victim + 1) % total_slots_;
  remove_at(victim);
  ++w_.evictions;
  return true;
}

void Cache::retire(uint32_t block) {
  auto* e = reinterpret_cast<EntryHeader*>(arena_.at(block));
  const size_t bytes =
      size_t{Arena::granules_for(EntryHeader::block_bytes(e->name_len, e->value_len))} * kGranule;
  used_bytes_ -= bytes;
  retired_bytes_ += bytes;
  const uint64_t tag =
      epoch_.load(std::memory_order_relaxed) + 1;  // safe once every reader reached it
  e->retire_next = 0;
  e->retire_epoch = static_cast<uint32_t>(tag);
  if (retired_tail_ != 0) {
    reinterpret_cast<EntryHeader*>(arena_.at(retired_tail_))->retire_next = block;
  } else {
    retired_head_ = block;
    oldest_retired_epoch_ = tag;
  }
  retired_tail_ = block;
  retired_since_advance_ = true;
}

void Cache::advance_epoch() {
  if (!retired_since_advance_) return;
  const uint64_t next = epoch_.load(std::memory_order_relaxed) + 1;
  // Retire tags keep 32 bits: never let the oldest fall 2^31 epochs behind.
  if (next - oldest_retired_epoch_ >= (uint64_t{1} << 31)) return;
  epoch_.store(next, std::memory_order_release);
  retired_since_advance_ = false;
}

void Cache::finish_op(uint64_t now) {
  while (live_ > 0 && arena_.free_bytes() + retired_bytes_ < headroom_ && evict_one(now)) {
  }
  advance_epoch();
  reclaim(now);
}

void Cache::reclaim(uint64_t now) {
  // Pairs with Reader::online(): after this fence a reader either shows up
  // online here or already sees every unlink made before it.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const uint64_t cur = epoch_.load(std::memory_order_relaxed);
  uint64_t min_epoch = cur, max_lag_ms = 0, stalled = 0;
  for (unsigned i = 0; i < std::max(1u, cfg_.max_readers); ++i) {
    Reader& r = readers_[i];
    if (!r.in_use_) continue;
    const uint64_t ep = r.epoch_.load(std::memory_order_acquire);
    if (ep == 0 || ep >= cur) {
      r.behind_since_ms_ = 0;
      r.stall_reported_ = false;
      r.seen_epoch_ = ep;
      continue;
    }
    min_epoch = std::min(min_epoch, ep);
    if (ep != r.seen_epoch_ || r.behind_since_ms_ == 0) {
      r.seen_epoch_ = ep;
      r.behind_since_ms_ = std::max<uint64_t>(now, 1);
      r.stall_reported_ = false;
    }
    const uint64_t lag = now > r.behind_since_ms_ ? now - r.behind_since_ms_ : 0;
    max_lag_ms = std::max(max_lag_ms, lag);
    if (lag > cfg_.stall_threshold_ms) {
      ++stalled;
      if (!r.stall_reported_) {
        r.stall_reported_ = true;
        ++w_.stall_events;
        if (cfg_.on_stalled) cfg_.on_stalled(r.id_, lag);
      }
    }
  }
  w_.reclaim_lag_epochs = cur - min_epoch;
  w_.reclaim_lag_ms = max_lag_ms;
  w_.stalled_readers = stalled;

  while (retired_head_ != 0 && oldest_retired_epoch_ <= min_epoch) {
    const auto* e = reinterpret_cast<const EntryHeader*>(arena_.at(retired_head_));
    const uint32_t next = e->retire_next;
    const uint32_t granules =
        Arena::granules_for(EntryHeader::block_bytes(e->name_len, e->value_len));
    arena_.free(retired_head_, granules);
    retired_bytes_ -= size_t{granules} * kGranule;
    retired_head_ = next;
    if (next == 0) {
      retired_tail_ = 0;
    } else {
      const uint64_t base = cur + 1;  // no tag is newer than this
      const uint32_t tag = reinterpret_cast<const EntryHeader*>(arena_.at(next))->retire_epoch;
      oldest_retired_epoch_ = base - static_cast<uint32_t>(static_cast<uint32_t>(base) - tag);
    }
  }
  if (live_ == 0 && retired_head_ == 0) arena_.reset();  // undo fragmentation for free
}

void Cache::maintain() { finish_op(clock_()); }

bool Cache::erase(const Key& key) {
  uint8_t name[kMaxNameLen];
  if (!fold_wire_name(key.name, name)) return false;
  const Key folded{{name, key.name.size()}, key.qtype, key.qclass};
  const size_t pos = find_pos(folded, hash_key(folded));
  if (pos == SIZE_MAX) return false;
  remove_at(pos);
  ++w_.deletes;
  finish_op(clock_());
  return true;
}

size_t Cache::flush_all() {
  size_t removed = 0;
  for (size_t pos = 0; pos < total_slots_; ++pos) {
    if (slot_at(pos).load(std::memory_order_relaxed) == 0) continue;
    remove_at(pos);
    ++removed;
  }
  w_.deletes += removed;
  finish_op(clock_());
  return removed;
}

size_t Cache::flush_subtree(std::span<const uint8_t> name) {
  uint8_t folded[kMaxNameLen];
  if (!fold_wire_name(name, folded)) return 0;
  const std::span<const uint8_t> suffix{folded, name.size()};
  size_t removed = 0;
  for (size_t pos = 0; pos < total_slots_; ++pos) {
    const uint64_t v = slot_at(pos).load(std::memory_order_relaxed);
    if (v == 0 || !name_is_under(entry_at(slot_block(v))->name(), suffix)) continue;
    remove_at(pos);
    ++removed;
  }
  w_.deletes += removed;
  finish_op(clock_());
  return removed;
}

size_t Cache::expire(size_t max_slots) {
  const uint64_t now = clock_();
  size_t removed = 0;
  for (size_t n = std::min(max_slots, total_slots_); n > 0; --n) {
    const size_t pos = sweep_hand_;
    sweep_hand_ = (sweep_hand_ + 1) % total_slots_;
    const uint64_t v = slot_at(pos).load(std::memory_order_relaxed);
    if (v == 0 || now < entry_at(slot_block(v))->expires_at + stale_window_ms_) continue;
    remove_at(pos);
    ++removed;
  }
  w_.expired_removed += removed;
  finish_op(now);
  return removed;
}

size_t Cache::drain_refresh(std::vector<RefreshCandidate>& out, size_t max) {
  size_t drained = 0;
  for (unsigned i = 0; i < std::max(1u, cfg_.max_readers); ++i) {
    Reader& r = readers_[i];
    if (!r.in_use_) continue;
    uint32_t tail = r.ring_tail_.load(std::memory_order_relaxed);
    const uint32_t head = r.ring_head_.load(std::memory_order_acquire);
    for (; tail != head && drained < max; ++tail) {
      const RefreshItem item = r.ring_[tail % Reader::kRingSize];
      // Report it only if that block still holds a live entry for the hash.
      const uint64_t want = make_slot(tag_of(item.hash), item.block);
      bool live = false;
      for (unsigned probe = 0; probe < kMaxProbe && !live; ++probe) {
        const Bucket& bucket = buckets_[(item.hash + probe) & mask_];
        for (unsigned s = 0; s < kSlots; ++s)
          live |= bucket.slot[s].load(std::memory_order_relaxed) == want;
      }
      const EntryHeader* e = entry_at(item.block);
      // Local data (static records) is re-written by its owner, never refreshed.
      if (!live || e->hash != item.hash || (e->flags & kLocal) != 0) continue;
      RefreshCandidate& c = out.emplace_back();
      std::memcpy(c.name, e->bytes() + EntryHeader::name_offset(), e->name_len);
      c.name_len = e->name_len;
      c.qtype = e->qtype;
      c.qclass = e->qclass;
      ++drained;
    }
    r.ring_tail_.store(tail, std::memory_order_release);
  }
  return drained;
}

Stats Cache::stats() const {
  Stats s = w_;
  s.entries = live_;
  s.bytes_used = used_bytes_;
  s.bytes_retired = retired_bytes_;
  s.bytes_capacity = arena_.capacity_bytes();
  s.bytes_table = (mask_ + 1) * sizeof(Bucket);
  for (unsigned i = 0; i < std::max(1u, cfg_.max_readers); ++i) {
    const ReaderCounters& c = readers_[i].counters_;
    s.hits += c.hits.get();
    s.misses += c.misses.get();
    s.expired_hits += c.expired.get();
    s.stale_hits += c.stale.get();
    s.refresh_sampled += c.refresh_sampled.get();
    s.refresh_dropped += c.refresh_dropped.get();
  }
  return s;
}

}  // namespace dns64d::cache
