#include "dataplane/cache/reader.hpp"

namespace dns64d::cache {

void Reader::online() {
  // Store, full fence, then read: pairs with the writer's fence between
  // advancing the epoch and scanning readers, so either the writer sees us
  // online or we see every unlink it made before freeing (Dekker).
  epoch_.store(global_->load(std::memory_order_acquire), std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  epoch_.store(global_->load(std::memory_order_acquire), std::memory_order_release);
}

}  // namespace dns64d::cache
