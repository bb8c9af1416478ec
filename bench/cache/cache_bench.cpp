// Lookup cost of the answer cache at 10k / 1M (/ 10M with DNS64D_BENCH_10M=1)
// entries, hit and miss, uniform and Zipf keys, one by one and in bursts of
// 32; insert rate with a reader running; memory per entry.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/cache/cache.hpp"

namespace {

using namespace dns64d::cache;

constexpr uint16_t kAAAA = 28, kIN = 1;
constexpr size_t kQueries = 1 << 14;  // ~500 KB of names: warm, like packets just received
constexpr size_t kBurst = 32;

uint64_t now_ms() { return 1'000'000; }

// h<i>.z<i%1000>.example.com in wire form: about 30 bytes, like real names.
size_t make_name(size_t i, uint8_t* out) {
  const std::string a = std::string("h").append(std::to_string(i));
  const std::string b = std::string("z").append(std::to_string(i % 1000));
  size_t n = 0;
  for (const std::string& label : {a, b, std::string("example"), std::string("com")}) {
    out[n++] = static_cast<uint8_t>(label.size());
    for (char c : label) out[n++] = static_cast<uint8_t>(c);
  }
  out[n++] = 0;
  return n;
}

struct Filled {
  std::unique_ptr<Cache> cache;
  size_t entries;
  double name_bytes;  // average
};

Filled& filled(size_t entries) {
  static std::map<size_t, Filled> all;
  auto it = all.find(entries);
  if (it != all.end()) return it->second;
  Config cfg;
  cfg.max_entries = entries;
  cfg.max_bytes = entries * 112 + (16u << 20);
  cfg.max_readers = 4;
  auto cache = std::make_unique<Cache>(cfg, now_ms);
  const Ipv4 addrs[2] = {{{192, 0, 2, 1}}, {{198, 51, 100, 2}}};
  uint8_t name[kMaxNameLen];
  double total = 0;
  for (size_t i = 0; i < entries; ++i) {
    const size_t n = make_name(i, name);
    total += static_cast<double>(n);
    cache->insert_aaaa(Key{{name, n}, kAAAA, kIN}, 3600, addrs, {});
  }
  return all
      .emplace(entries, Filled{std::move(cache), entries, total / static_cast<double>(entries)})
      .first->second;
}

// Query names packed into one buffer, as they would sit in packet buffers.
struct Queries {
  std::vector<uint8_t> bytes;
  std::vector<Key> keys;
};

Queries make_queries(size_t entries, bool zipf, bool miss) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  Queries q;
  q.bytes.resize(kQueries * kMaxNameLen);
  std::vector<std::pair<size_t, size_t>> where(kQueries);  // offset, length
  const double s = 0.99, span = std::pow(static_cast<double>(entries), 1 - s) - 1;
  size_t used = 0;
  for (size_t i = 0; i < kQueries; ++i) {
    size_t idx;
    if (zipf) {  // continuous approximation of Zipf(0.99), ranks scattered over the keys
      const auto rank = static_cast<size_t>(std::pow(span * u(rng) + 1, 1 / (1 - s))) - 1;
      idx = (rank * 0x9e3779b97f4a7c15ULL >> 17) % entries;
    } else {
      idx = rng() % entries;
    }
    if (miss) idx += entries;  // never inserted
    const size_t n = make_name(idx, q.bytes.data() + used);
    where[i] = {used, n};
    used += n;
  }
  for (const auto& [off, n] : where) q.keys.push_back(Key{{q.bytes.data() + off, n}, kAAAA, kIN});
  return q;
}

void report_memory(benchmark::State& state, const Filled& f) {
  const Stats s = f.cache->stats();
  const double per_entry =
      static_cast<double>(s.bytes_used + s.bytes_table) / static_cast<double>(s.entries);
  state.counters["B/entry"] = per_entry;
  state.counters["overhead B/entry"] = per_entry - f.name_bytes - 2 * sizeof(Ipv4);
}

// args: entries, zipf, burst, miss
void BM_Lookup(benchmark::State& state) {
  const auto entries = static_cast<size_t>(state.range(0));
  const bool zipf = state.range(1) != 0, burst = state.range(2) != 0, miss = state.range(3) != 0;
  Filled& f = filled(entries);
  const Queries q = make_queries(entries, zipf, miss);
  Reader* r = f.cache->register_reader();
  std::vector<LookupResult> out(kBurst);
  size_t pos = 0;
  uint64_t hits = 0;
  for (auto _ : state) {
    const std::span<const Key> keys(q.keys.data() + pos, kBurst);
    if (burst) {
      f.cache->lookup_burst(*r, keys, now_ms(), out);
      for (const LookupResult& res : out) hits += res.status == LookupStatus::hit;
    } else {
      for (const Key& k : keys)
        hits += f.cache->lookup(*r, k, now_ms()).status == LookupStatus::hit;
    }
    r->quiescent();
    pos = (pos + kBurst) % kQueries;
  }
  const auto lookups = static_cast<double>(state.iterations() * kBurst);
  state.counters["ns/lookup"] =
      benchmark::Counter(lookups, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  // Using the count keeps the lookups alive; a few keys lost to in-window
  // eviction while filling are expected.
  const double hit_share = static_cast<double>(hits) / lookups;
  if (miss ? hits != 0 : hit_share < 0.99) state.SkipWithError("unexpected hit count");
  state.counters["hit_share"] = hit_share;
  report_memory(state, f);
  f.cache->unregister_reader(r);
}

// The writer replacing entries of a 1M cache while (arg 1) a reader thread
// looks up bursts and reports quiescent states as a worker would.
void BM_InsertWithReader(benchmark::State& state) {
  const size_t entries = 1u << 20;
  Filled& f = filled(entries);
  const bool with_reader = state.range(0) != 0;
  std::atomic<bool> stop{false};
  std::thread reader;
  if (with_reader) {
    Reader* r = f.cache->register_reader();
    reader = std::thread([&f, r, &stop] {
      const Queries q = make_queries(f.entries, false, false);
      std::vector<LookupResult> out(kBurst);
      for (size_t pos = 0; !stop.load(std::memory_order_relaxed); pos = (pos + kBurst) % kQueries) {
        f.cache->lookup_burst(*r, std::span<const Key>(q.keys.data() + pos, kBurst), now_ms(), out);
        r->quiescent();
      }
      f.cache->unregister_reader(r);
    });
  }
  std::mt19937_64 rng(3);
  const Ipv4 addrs[1] = {{{203, 0, 113, 9}}};
  uint8_t name[kMaxNameLen];
  uint64_t failures = 0;
  for (auto _ : state) {
    const size_t n =
        make_name(rng() % (entries + entries / 4), name);  // mostly replaces, some new keys
    failures += f.cache->insert_aaaa(Key{{name, n}, kAAAA, kIN}, 3600, addrs, {}) ==
                InsertStatus::no_memory;
  }
  stop = true;
  if (reader.joinable()) reader.join();
  f.cache->maintain();
  state.SetItemsProcessed(state.iterations());
  state.counters["failed"] = static_cast<double>(failures);
}

void register_all() {
  std::vector<int64_t> sizes = {10'000, 1'000'000};
  const char* big = std::getenv("DNS64D_BENCH_10M");
  if (big != nullptr && big[0] == '1') sizes.push_back(10'000'000);
  for (int64_t n : sizes) {
    for (int zipf : {0, 1}) {
      for (int burst : {0, 1}) {
        benchmark::RegisterBenchmark("BM_LookupHit", BM_Lookup)
            ->Args({n, zipf, burst, 0})
            ->ArgNames({"entries", "zipf", "burst", "miss"});
      }
    }
    for (int burst : {0, 1}) {
      benchmark::RegisterBenchmark("BM_LookupMiss", BM_Lookup)
          ->Args({n, 0, burst, 1})
          ->ArgNames({"entries", "zipf", "burst", "miss"});
    }
  }
  benchmark::RegisterBenchmark("BM_Insert", BM_InsertWithReader)
      ->Arg(0)
      ->ArgName("reader")
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_Insert", BM_InsertWithReader)
      ->Arg(1)
      ->ArgName("reader")
      ->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
