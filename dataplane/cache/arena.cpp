#include "dataplane/cache/arena.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
// Free blocks stay poisoned, so a reader touching memory that QSBR already
// handed back trips ASan at once; the writer unpoisons around its own metadata.
#define DNS64D_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define DNS64D_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define DNS64D_POISON(p, n) ((void)(p), (void)(n))
#define DNS64D_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace dns64d::cache {

namespace {
size_t checked_granules(size_t bytes) {
  const size_t g = bytes / kGranule + 1;
  if (g >= UINT32_MAX) throw std::invalid_argument("cache arena larger than 128 GiB");
  return g;
}
}  // namespace

Arena::Arena(size_t bytes, size_t max_block_bytes)
    : region_(checked_granules(bytes) * kGranule),
      base_(static_cast<uint8_t*>(region_.data())),
      total_(static_cast<uint32_t>(checked_granules(bytes))),
      max_class_(granules_for(max_block_bytes)),
      free_granules_(total_ - 1),
      heads_(max_class_ + 2, 0),
      nonempty_((max_class_ + 2) / 64 + 1, 0),
      free_start_(total_ / 64 + 1, 0),
      free_end_(total_ / 64 + 1, 0) {
  DNS64D_POISON(base_, region_.size());
}

// ASan keeps user poison on the shadow of an unmapped range; without this a
// later mmap that reuses the addresses (the next cache's table, say) would trip
// use-after-poison on its first, perfectly valid write.
Arena::~Arena() { DNS64D_UNPOISON(base_, region_.size()); }

void Arena::set_bit(std::vector<uint64_t>& v, uint32_t i, bool on) {
  if (on) {
    v[i / 64] |= uint64_t{1} << (i % 64);
  } else {
    v[i / 64] &= ~(uint64_t{1} << (i % 64));
  }
}

uint32_t Arena::read32(uint32_t g, size_t off) const {
  uint32_t v;
  DNS64D_UNPOISON(at(g) + off, sizeof v);
  std::memcpy(&v, at(g) + off, sizeof v);
  DNS64D_POISON(at(g) + off, sizeof v);
  return v;
}

void Arena::write32(uint32_t g, size_t off, uint32_t v) {
  DNS64D_UNPOISON(at(g) + off, sizeof v);
  std::memcpy(at(g) + off, &v, sizeof v);
  DNS64D_POISON(at(g) + off, sizeof v);
}

void Arena::link(uint32_t g, uint32_t n) {
  const uint32_t c = class_of(n);
  const uint32_t head = heads_[c];
  write32(g, 0, head);
  write32(g, 4, 0);
  write32(g, 8, n);
  write32(g + n - 1, kGranule - 4, n);
  if (head != 0) write32(head, 4, g);
  heads_[c] = g;
  set_bit(nonempty_, c, true);
  set_bit(free_start_, g, true);
  set_bit(free_end_, g + n - 1, true);
}

void Arena::unlink(uint32_t g) {
  const uint32_t n = read32(g, 8);
  const uint32_t c = class_of(n);
  const uint32_t next = read32(g, 0);
  const uint32_t prev = read32(g, 4);
  if (prev != 0) {
    write32(prev, 0, next);
  } else {
    heads_[c] = next;
    if (next == 0) set_bit(nonempty_, c, false);
  }
  if (next != 0) write32(next, 4, prev);
  set_bit(free_start_, g, false);
  set_bit(free_end_, g + n - 1, false);
}

uint32_t Arena::alloc(uint32_t granules) {
  if (granules == 0 || granules > max_class_) return 0;
  // Freed memory before untouched memory: an exact fit, else the smallest
  // larger free block split (the tail stays free), and only then the
  // untouched tail. Taking the tail first would touch (and make resident)
  // new pages under a steady churn of entries, though the cache holds no
  // more than before, until all of `bytes` is resident.
  uint32_t g = heads_[granules];
  if (g != 0) {
    unlink(g);
  } else {
    const uint32_t from = granules + 1;
    for (uint32_t w = from / 64; w < nonempty_.size() && g == 0; ++w) {
      uint64_t bits = nonempty_[w];
      if (w == from / 64) bits &= ~uint64_t{0} << (from % 64);
      if (bits == 0) continue;
      g = heads_[w * 64 + static_cast<uint32_t>(std::countr_zero(bits))];
    }
    if (g != 0) {
      const uint32_t n = read32(g, 8);
      unlink(g);
      link(g + granules, n - granules);
    } else if (total_ - bump_ >= granules) {
      g = bump_;
      bump_ += granules;
    } else {
      return 0;
    }
  }
  free_granules_ -= granules;
  DNS64D_UNPOISON(at(g), size_t{granules} * kGranule);
  return g;
}

void Arena::free(uint32_t g, uint32_t n) {
  free_granules_ += n;
  DNS64D_POISON(at(g), size_t{n} * kGranule);
  if (g + n < bump_ && bit(free_start_, g + n)) {
    const uint32_t next = g + n;
    const uint32_t m = read32(next, 8);
    unlink(next);
    n += m;
  }
  if (g > 1 && bit(free_end_, g - 1)) {
    const uint32_t m = read32(g - 1, kGranule - 4);
    unlink(g - m);
    g -= m;
    n += m;
  }
  if (g + n == bump_) {
    bump_ = g;  // the top block folds back into the untouched tail
    return;
  }
  link(g, n);
}

void Arena::reset() {
  bump_ = 1;
  free_granules_ = total_ - 1;
  std::fill(heads_.begin(), heads_.end(), 0);
  std::fill(nonempty_.begin(), nonempty_.end(), 0);
  std::fill(free_start_.begin(), free_start_.end(), 0);
  std::fill(free_end_.begin(), free_end_.end(), 0);
  DNS64D_POISON(base_, region_.size());
}

}  // namespace dns64d::cache
