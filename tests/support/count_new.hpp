// Replaces the global operator new so a test can prove code never touches
// the heap. Include in exactly one file of a test binary.
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>

// GCC sees through the replacement and flags malloc/free as a mismatch.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace dns64d::test {
inline std::atomic<long> allocations{0};
}  // namespace dns64d::test

void* operator new(std::size_t n) {
  dns64d::test::allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
