#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/cache/cache.hpp"

namespace dns64d::cache::test {

// "www.Example.com" -> wire form; an empty string is the root.
inline std::vector<uint8_t> wire(std::string_view dotted) {
  std::vector<uint8_t> out;
  size_t start = 0;
  while (start < dotted.size()) {
    size_t dot = dotted.find('.', start);
    if (dot == std::string_view::npos) dot = dotted.size();
    out.push_back(static_cast<uint8_t>(dot - start));
    for (size_t i = start; i < dot; ++i) out.push_back(static_cast<uint8_t>(dotted[i]));
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

// prefix + i + suffix, built by appending (GCC 12 -Wrestrict misfires on
// `"literal" + std::string` at -O3).
inline std::string numbered(std::string_view prefix, size_t i, std::string_view suffix) {
  std::string s(prefix);
  s.append(std::to_string(i));
  s.append(suffix);
  return s;
}

struct FakeClock {
  std::atomic<uint64_t> now_ms{1'000'000};
  Clock clock() {
    return [this] { return now_ms.load(std::memory_order_relaxed); };
  }
  void advance_s(uint64_t s) { now_ms.fetch_add(s * 1000, std::memory_order_relaxed); }
  uint64_t now() const { return now_ms.load(std::memory_order_relaxed); }
};

}  // namespace dns64d::cache::test
