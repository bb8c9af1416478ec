#include <gtest/gtest.h>

#include <set>

#include "dataplane/cache/arena.hpp"

namespace dns64d::cache {
namespace {

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

}  // namespace
}  // namespace dns64d::cache
