#include "dataplane/cache/arena.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <vector>
#include <set>

namespace dns64d::cache {
namespace {

// Regression: the arena poisons its free granules for ASan, and ASan keeps that
// poison on the shadow after munmap. A later mapping at the same addresses (the
// next Cache's bucket table, in cache_test) then failed its first valid write
// with use-after-poison. The arena must leave its range clean when it goes.
TEST(CacheArena, LeavesNoPoisonBehindForTheNextMapping) {
  constexpr size_t kBytes = 1 << 20;
  uint8_t* base = nullptr;
  size_t mapped = 0;
  {
    Arena arena(kBytes, 4096);
    const uint32_t a = arena.alloc(4), b = arena.alloc(8);
    ASSERT_NE(a, 0u);
    ASSERT_NE(b, 0u);
    arena.free(a, 4);  // free and untouched granules alike are poisoned now
    base = arena.at(0);
    mapped = arena.capacity_bytes() + kGranule;
  }
  // Map the very same range again, as the next cache might get it, and write it all.
  void* p = mmap(base, mapped, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  // Nothing else in this single-threaded test maps memory between the two
  // calls, so the range is free again.
  ASSERT_NE(p, MAP_FAILED) << "the range was taken meanwhile";
  ASSERT_EQ(p, static_cast<void*>(base));
  std::memset(p, 0xab, mapped);  // use-after-poison here before the fix
  EXPECT_EQ(static_cast<uint8_t*>(p)[mapped - 1], 0xab);
  munmap(p, mapped);
}

TEST(CacheArena, AllocatesUntilFullThenReusesFreedBlocks) {
  Arena arena(32 * 100, 32 * 10);
  EXPECT_EQ(arena.capacity_bytes(), 32u * 100);
  std::set<uint32_t> blocks;
  for (int i = 0; i < 50; ++i) {
    const uint32_t b = arena.alloc(2);
    ASSERT_NE(b, 0u);
    blocks.insert(b);
  }
  EXPECT_EQ(blocks.size(), 50u);
  EXPECT_EQ(arena.alloc(1), 0u);
  EXPECT_EQ(arena.free_bytes(), 0u);
  arena.free(*blocks.begin(), 2);
  EXPECT_EQ(arena.alloc(2), *blocks.begin());
}

TEST(CacheArena, SplitsALargerBlockWhenAClassIsEmpty) {
  Arena arena(32 * 10, 32 * 10);
  const uint32_t big = arena.alloc(8);
  const uint32_t rest = arena.alloc(2);
  ASSERT_NE(big, 0u);
  ASSERT_NE(rest, 0u);
  EXPECT_EQ(arena.alloc(1), 0u);
  arena.free(big, 8);
  EXPECT_EQ(arena.alloc(3), big);
  EXPECT_EQ(arena.alloc(5), big + 3);
  EXPECT_EQ(arena.alloc(1), 0u);
}

TEST(CacheArena, FreedNeighboursMergeAndTheTopFoldsBack) {
  Arena arena(32 * 10, 32 * 10);
  const uint32_t a = arena.alloc(2), b = arena.alloc(2), c = arena.alloc(2), d = arena.alloc(2);
  ASSERT_NE(d, 0u);
  arena.free(a, 2);
  arena.free(c, 2);
  arena.free(b, 2);  // merges with both sides
  EXPECT_EQ(arena.alloc(6), a);
  arena.free(a, 6);
  arena.free(d, 2);  // everything merges into the untouched tail
  EXPECT_EQ(arena.free_bytes(), arena.capacity_bytes());
  EXPECT_EQ(arena.alloc(10), a);
}

TEST(CacheArena, RejectsOversizeAndResets) {
  Arena arena(32 * 10, 32 * 4);
  EXPECT_EQ(arena.alloc(5), 0u);
  EXPECT_NE(arena.alloc(4), 0u);
  arena.reset();
  EXPECT_EQ(arena.free_bytes(), arena.capacity_bytes());
}

// Under a steady churn of entries of every size the arena reuses what was
// freed before it touches new memory: the highest granule ever handed out
// stays near the live set, so resident memory stays flat (scripts/soak).
TEST(CacheArena, FreedBlocksAreReusedBeforeTheUntouchedTail) {
  Arena arena(8 << 20, 4096);
  std::vector<std::pair<uint32_t, uint32_t>> live;
  uint32_t high = 0;
  std::uint64_t x = 1;
  for (int round = 0; round < 200000; ++round) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const uint32_t n = 1 + static_cast<uint32_t>((x >> 33) % 12);
    if (live.size() >= 1000) {  // about a thousand entries live at any time
      const std::size_t victim = (x >> 20) % live.size();
      arena.free(live[victim].first, live[victim].second);
      live[victim] = live.back();
      live.pop_back();
    }
    const uint32_t g = arena.alloc(n);
    ASSERT_NE(g, 0u);
    live.emplace_back(g, n);
    high = std::max(high, g + n);
  }
  // A thousand blocks of 6.5 granules on average: a few times that at most.
  EXPECT_LT(high, 20000u) << "the arena kept taking untouched memory";
}

}  // namespace
}  // namespace dns64d::cache
