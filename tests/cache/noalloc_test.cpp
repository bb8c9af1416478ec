#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "dataplane/cache/cache.hpp"
#include "tests/cache/test_util.hpp"

// Every allocation in this binary goes through here and is counted.
namespace {
std::atomic<uint64_t> g_allocations{0};

void* counted(size_t n, size_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  void* p = align <= alignof(std::max_align_t)
                ? std::malloc(n)
                : std::aligned_alloc(align, (n + align - 1) / align * align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(size_t n) { return counted(n, 0); }
void* operator new[](size_t n) { return counted(n, 0); }
void* operator new(size_t n, std::align_val_t a) { return counted(n, static_cast<size_t>(a)); }
void* operator new[](size_t n, std::align_val_t a) { return counted(n, static_cast<size_t>(a)); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { std::free(p); }

namespace dns64d::cache {
namespace {

using test::FakeClock;
using test::wire;

TEST(CacheNoAlloc, LookupsNeverTouchTheHeap) {
  FakeClock clock;
  Config cfg;
  cfg.max_entries = 4096;
  cfg.max_bytes = 1 << 20;
  cfg.keep_stale = true;
  cfg.refresh_sample_every = 1;
  Cache cache(cfg, clock.clock());
  Reader* r = cache.register_reader();
  std::vector<std::vector<uint8_t>> names;
  for (int i = 0; i < 2000; ++i)
    names.push_back(wire(test::numbered("n", static_cast<size_t>(i), ".example")));
  std::vector<Key> keys;
  for (size_t i = 0; i < names.size(); ++i) {
    keys.push_back(Key{names[i], 28, 1});
    if (i % 2 == 0)
      cache.insert_aaaa(keys.back(), static_cast<uint32_t>(10 + i % 20),
                        std::vector<Ipv4>{{{10, 0, 0, 1}}}, {});
  }
  std::vector<LookupResult> out(keys.size());
  clock.advance_s(19);  // some hits near expiry (refresh sampling), some stale, some misses

  const uint64_t before = g_allocations.load();
  uint64_t hits = 0;
  for (int round = 0; round < 10; ++round) {
    for (const Key& k : keys)
      hits += cache.lookup(*r, k, clock.now(), kAllowStale).status == LookupStatus::hit;
    cache.lookup_burst(*r, keys, clock.now(), out, kAllowStale);
    const uint64_t h = cache.hash_key(keys[0]);
    cache.prefetch(h);
    hits += cache.lookup(*r, keys[0], h, clock.now()).status == LookupStatus::hit;
    r->quiescent();
  }
  const uint64_t after = g_allocations.load();
  EXPECT_EQ(after, before);
  EXPECT_GT(hits, 0u);
  const Stats s = cache.stats();
  EXPECT_GT(s.stale_hits, 0u);
  EXPECT_GT(s.refresh_sampled, 0u);
  EXPECT_GT(s.misses, 0u);
}

}  // namespace
}  // namespace dns64d::cache
