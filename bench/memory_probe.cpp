// What this machine's memory charges the dataplane: the latency of one
// dependent load by working-set size, and the throughput cost of software
// prefetches of random lines issued beside busy, independent work (the shape
// of the worker's burst loop: a bucket line and the entry's lines per packet).
//
//   build/release/bench/memory_probe            # all sizes
//   build/release/bench/memory_probe 256        # one region of 256 MB
//
// Every figure is TSC cycles; the prefetch rows alternate "with" and
// "without" in 64k-item chunks of one run, so neighbours weigh on both alike.
#include <sys/mman.h>
#include <x86intrin.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <vector>

namespace {

struct Region {
  explicit Region(std::size_t bytes) : size(bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::abort();
    (void)madvise(p, bytes, MADV_HUGEPAGE);  // as the cache's own regions
    data = static_cast<std::uint8_t*>(p);
    for (std::size_t i = 0; i < bytes; i += 4096) data[i] = 1;
  }
  ~Region() { munmap(data, size); }
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;
  std::uint8_t* data;
  std::size_t size;
};

// Cycles per load of a pointer chase through every line of the region.
double chase(std::size_t mb) {
  Region r(mb << 20);
  const std::size_t lines = r.size / 64;
  std::vector<std::size_t> order(lines);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(1));
  for (std::size_t i = 0; i < lines; ++i) {
    *reinterpret_cast<std::uint8_t**>(r.data + order[i] * 64) =
        r.data + order[(i + 1) % lines] * 64;
  }
  const std::size_t steps = 5'000'000;
  auto* q = r.data + order[0] * 64;
  const std::uint64_t t0 = __rdtsc();
  for (std::size_t i = 0; i < steps; ++i) q = *reinterpret_cast<std::uint8_t**>(q);
  const std::uint64_t t1 = __rdtsc();
  if (q == nullptr) std::puts("");  // keeps the chase
  return static_cast<double>(t1 - t0) / static_cast<double>(steps);
}

// About 100 cycles of independent integer work, 8 chains at once.
[[gnu::noinline]] void work(std::uint64_t* a) {
  for (int i = 0; i < 8; ++i) {
    for (int k = 0; k < 8; ++k) a[k] = a[k] * 3 + (a[k] >> 7);
  }
}

// Extra cycles per item when each item also prefetches `lines` lines at a
// random 128-octet pair (the second in the same pair, the third in the next).
double prefetch_cost(std::size_t mb, int lines) {
  Region r(mb << 20);
  const std::size_t items = 1 << 21, chunk = 1 << 16;
  std::vector<std::size_t> at(items);
  std::mt19937_64 rng(2);
  for (auto& x : at) x = (rng() % (r.size / 256)) * 256;
  std::uint64_t a[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  double with = 0, without = 0;
  for (int rep = 0; rep < 2; ++rep) {
    for (std::size_t c = 0; c < items; c += chunk) {
      const bool on = (c / chunk) % 2 == 1;
      const std::uint64_t t0 = __rdtsc();
      for (std::size_t i = c; i < c + chunk; ++i) {
        if (on) {
          const std::uint8_t* p = r.data + at[i];
          __builtin_prefetch(p);
          if (lines > 1) __builtin_prefetch(p + 64);
          if (lines > 2) __builtin_prefetch(p + 128);
        }
        work(a);
      }
      (on ? with : without) += static_cast<double>(__rdtsc() - t0);
    }
  }
  if (a[3] == 0) std::puts("");
  return (with - without) / static_cast<double>(items);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes{1, 4, 8, 64, 256, 1024};
  if (argc > 1) sizes = {static_cast<std::size_t>(std::strtoul(argv[1], nullptr, 10))};
  std::printf("%8s %12s %14s %14s %14s\n", "MB", "chase", "+1 line", "+2 lines", "+3 lines");
  for (const std::size_t mb : sizes) {
    std::printf("%8zu %12.1f %14.1f %14.1f %14.1f\n", mb, chase(mb), prefetch_cost(mb, 1),
                prefetch_cost(mb, 2), prefetch_cost(mb, 3));
  }
  return 0;
}
