#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dataplane/cache/entry.hpp"
#include "dataplane/cache/memory.hpp"

namespace dns64d::cache {

// Preallocated byte pool carved in 32-byte granules, reused before the
// untouched tail is taken (so resident memory follows what is live). Free blocks sit on one
// list per exact size (plus one list for blocks above the largest class) and
// merge with free neighbours, so mixed entry sizes do not strand memory.
// Blocks are named by granule index; 0 is never handed out, so 0 can mean
// "empty" in the table. Writer thread only.
class Arena {
 public:
  Arena(size_t bytes, size_t max_block_bytes);
  ~Arena();  // clears the ASan poison: the kernel may hand the range to the next mapping
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  uint8_t* at(uint32_t g) const { return base_ + size_t{g} * kGranule; }
  static uint32_t granules_for(size_t bytes) {
    return static_cast<uint32_t>((bytes + kGranule - 1) / kGranule);
  }

  uint32_t alloc(uint32_t granules);  // 0 when no block fits
  void free(uint32_t g, uint32_t granules);
  void reset();  // everything free again; only when no block is live or retired

  size_t capacity_bytes() const { return size_t{total_ - 1} * kGranule; }
  size_t free_bytes() const { return free_granules_ * kGranule; }

 private:
  // A free block keeps next, prev and size in its first 12 bytes and its size
  // again in its last 4, so a neighbour being freed can find its start.
  uint32_t read32(uint32_t g, size_t off) const;
  void write32(uint32_t g, size_t off, uint32_t v);
  uint32_t class_of(uint32_t n) const { return n <= max_class_ ? n : max_class_ + 1; }
  void link(uint32_t g, uint32_t n);
  void unlink(uint32_t g);
  static bool bit(const std::vector<uint64_t>& v, uint32_t i) {
    return (v[i / 64] >> (i % 64)) & 1u;
  }
  static void set_bit(std::vector<uint64_t>& v, uint32_t i, bool on);

  Region region_;
  uint8_t* base_;
  uint32_t total_;  // granules, including the reserved granule 0
  uint32_t bump_ = 1;
  uint32_t max_class_;
  size_t free_granules_;
  std::vector<uint32_t> heads_;       // by class
  std::vector<uint64_t> nonempty_;    // bitmap over heads_
  std::vector<uint64_t> free_start_;  // per granule: a free block starts here
  std::vector<uint64_t> free_end_;    // per granule: a free block ends here
};

}  // namespace dns64d::cache
