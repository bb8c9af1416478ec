#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "dataplane/counter.hpp"

namespace dns64d::cache {

// A per-reader counter: only its reader writes it; the control plane reads it.
using ReaderCounter = Counter;

struct ReaderCounters {
  ReaderCounter hits, misses, expired, stale, refresh_sampled, refresh_dropped;
};

struct RefreshItem {
  uint64_t hash;
  uint32_t block;
};

// One worker's registration with the cache: its QSBR counter, its own stats
// and its refresh ring. Each part sits on its own cache line so the writer's
// polling never bounces the reader's hot lines.
class Reader {
 public:
  static constexpr uint32_t kRingSize = 256;

  // "I hold no view from before this point." Call between bursts. On an
  // offline reader it comes online, through online()'s fence: a plain store
  // there could sit in the store buffer while the next lookup's slot loads run,
  // so the writer would still read "offline" and free what that lookup found.
  void quiescent() {
    if (epoch_.load(std::memory_order_relaxed) == 0) {
      online();
      return;
    }
    epoch_.store(global_->load(std::memory_order_acquire), std::memory_order_release);
  }
  // An offline reader holds no views and is ignored by reclamation.
  void offline() { epoch_.store(0, std::memory_order_release); }
  void online();
  bool is_online() const { return epoch_.load(std::memory_order_relaxed) != 0; }

  const ReaderCounters& counters() const { return counters_; }
  unsigned id() const { return id_; }

 private:
  friend class Cache;

  alignas(64) std::atomic<uint64_t> epoch_{0};  // 0 = offline
  const std::atomic<uint64_t>* global_ = nullptr;
  unsigned id_ = 0;

  alignas(64) ReaderCounters counters_;
  uint32_t refresh_countdown_ = 1;  // reader-local sampling

  alignas(64) std::atomic<uint32_t> ring_head_{0};  // written by the reader
  std::array<RefreshItem, kRingSize> ring_{};
  alignas(64) std::atomic<uint32_t> ring_tail_{0};  // written by the writer

  // Writer-side bookkeeping (stall detection); the reader never touches it.
  alignas(64) bool in_use_ = false;
  bool stall_reported_ = false;
  uint64_t seen_epoch_ = 0;
  uint64_t behind_since_ms_ = 0;  // 0: not behind
};

}  // namespace dns64d::cache
