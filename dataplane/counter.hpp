// A counter that one thread writes and any thread reads whole: the writer
// does a relaxed load and store (no locked instruction on the hot path),
// readers a relaxed load, so a reading is never torn and there is no data
// race. Every statistic the daemon reports is one of these.
#pragma once

#include <atomic>
#include <cstdint>

namespace dns64d {

class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void add(std::uint64_t n) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void bump() { add(1); }
  Counter& operator++() {
    add(1);
    return *this;
  }
  Counter& operator+=(std::uint64_t n) {
    add(n);
    return *this;
  }
  std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }
  operator std::uint64_t() const { return get(); }  // NOLINT: reads as the number it counts

 private:
  std::atomic<std::uint64_t> value_{0};
};

}  // namespace dns64d

// Statistics structs are generated from one X-table each, X(name, "help"):
// DNS64D_COUNTER_FIELD makes the fields, DNS64D_COUNTER_VISIT the body of
// their for_each(f), which calls f("name", "help", value) for every one.
#define DNS64D_COUNTER_FIELD(name, help) ::dns64d::Counter name;
#define DNS64D_PLAIN_FIELD(name, help) std::uint64_t name = 0;
#define DNS64D_COUNTER_VISIT(name, help) f(#name, help, static_cast<std::uint64_t>(name));
