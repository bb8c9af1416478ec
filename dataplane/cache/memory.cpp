#include "dataplane/cache/memory.hpp"

#include <sys/mman.h>

#include <new>

namespace dns64d::cache {

Region::Region(size_t bytes) : size_(bytes == 0 ? 1 : bytes) {
  void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Advice only: a kernel without THP still gives a working mapping.
  if (size_ >= (2u << 20)) (void)madvise(p, size_, MADV_HUGEPAGE);
  data_ = p;
}

Region::~Region() { munmap(data_, size_); }

}  // namespace dns64d::cache
