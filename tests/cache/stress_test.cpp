#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <latch>
#include <random>
#include <string>
#include <thread>

#include "dataplane/cache/cache.hpp"
#include "tests/cache/test_util.hpp"

namespace dns64d::cache {
namespace {

using test::FakeClock;
using test::wire;

constexpr uint16_t kIN = 1;

double stress_seconds() {
  const char* env = std::getenv("DNS64D_STRESS_SECONDS");
  return env != nullptr ? std::atof(env) : 2.0;
}

// Every value is derived from (key index, generation) and carries a
// checksum, so a reader can tell a whole entry from a torn or recycled one.
uint32_t sum32(const uint8_t* p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}

uint8_t filler(uint32_t key, uint32_t gen, size_t i) {
  return static_cast<uint8_t>(key * 31 + gen * 7 + i);
}

std::vector<uint8_t> make_body(uint32_t key, uint32_t gen) {
  std::vector<uint8_t> b(8 + gen % 300 + 4);
  std::memcpy(b.data(), &key, 4);
  std::memcpy(b.data() + 4, &gen, 4);
  for (size_t i = 8; i < b.size() - 4; ++i) b[i] = filler(key, gen, i);
  const uint32_t s = sum32(b.data(), b.size() - 4);
  std::memcpy(b.data() + b.size() - 4, &s, 4);
  return b;
}

Ipv4 make_addr(uint32_t key, uint32_t gen, uint32_t j) {
  const uint32_t v = key * 2654435761u ^ gen * 40503u ^ j;
  return Ipv4{{static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v >> 16),
               static_cast<uint8_t>(v >> 24)}};
}

struct Keyspace {
  explicit Keyspace(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      names.push_back(wire(test::numbered("k", i, test::numbered(".s", i % 10, ".stress.test"))));
    }
  }
  Key key(size_t i) const { return Key{names[i], static_cast<uint16_t>(100 + i % 3), kIN}; }
  std::vector<std::vector<uint8_t>> names;
};

InsertStatus write_entry(Cache& cache, const Keyspace& ks, uint32_t key, uint32_t gen,
                         uint32_t ttl) {
  const std::vector<uint8_t> body = make_body(key, gen);
  const std::vector<uint16_t> offsets = {0, 4};
  switch (key % 3) {
    case 0: {
      std::vector<Ipv4> addrs;
      for (uint32_t j = 0; j < 1 + gen % 8; ++j) addrs.push_back(make_addr(key, gen, j));
      return cache.insert_aaaa(ks.key(key), ttl, addrs, body);
    }
    case 1:
      return cache.insert_rrset(ks.key(key), ttl, body, offsets);
    default:
      return cache.insert_negative(ks.key(key), ttl, static_cast<uint8_t>(gen % 2 ? 3 : 0), body,
                                   offsets);
  }
}

// Returns true when the view is exactly what write_entry stored for `key`.
bool intact(const EntryView& v, const Keyspace& ks, uint32_t key) {
  if (!std::ranges::equal(v.name(), ks.names[key]) || v.qtype() != 100 + key % 3) return false;
  const std::span<const uint8_t> body = key % 3 == 0 ? v.cname_chain() : v.rrs();
  if (body.size() < 12) return false;
  uint32_t k, gen, s;
  std::memcpy(&k, body.data(), 4);
  std::memcpy(&gen, body.data() + 4, 4);
  std::memcpy(&s, body.data() + body.size() - 4, 4);
  if (k != key || body.size() != 8 + gen % 300 + 4 || s != sum32(body.data(), body.size() - 4))
    return false;
  for (size_t i = 8; i < body.size() - 4; ++i) {
    if (body[i] != filler(key, gen, i)) return false;
  }
  switch (key % 3) {
    case 0:
      if (v.kind() != Kind::synth_aaaa || v.ipv4().size() != 1 + gen % 8) return false;
      for (uint32_t j = 0; j < v.ipv4().size(); ++j) {
        if (std::memcmp(v.ipv4()[j].bytes, make_addr(key, gen, j).bytes, 4) != 0) return false;
      }
      return true;
    case 1:
      return v.kind() == Kind::rrset && v.ttl_offsets().size() == 2 && v.ttl_offsets()[1] == 4;
    default:
      return v.kind() == Kind::negative && v.rcode() == (gen % 2 ? 3 : 0) &&
             v.ttl_offsets().size() == 2;
  }
}

TEST(CacheStress, OneWriterManyReadersNeverSeeATornEntry) {
  constexpr size_t kKeys = 1500;
  constexpr int kReaders = 2;
  const Keyspace ks(kKeys);
  FakeClock clock;
  Config cfg;
  cfg.max_entries = 1024;      // fewer than keys: count evictions
  cfg.max_bytes = 256 * 1024;  // small arena: byte evictions and constant reuse
  cfg.max_entry_bytes = 2048;
  cfg.headroom_bytes =
      96 * 1024;  // a descheduled reader holds a grace period for a whole time slice
  cfg.max_readers = kReaders;
  cfg.keep_stale = true;
  cfg.max_stale_seconds = 5;
  cfg.refresh_sample_every = 8;
  Cache cache(cfg, clock.clock());

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> torn{0}, checked{0}, lookups{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < kReaders; ++t) {
    Reader* r = cache.register_reader();
    ASSERT_NE(r, nullptr);
    readers.emplace_back([&, r, t] {
      std::mt19937 rng(static_cast<unsigned>(t) + 1);
      std::vector<Key> keys(32);
      std::vector<uint32_t> idx(32);
      std::vector<LookupResult> out(32);
      uint64_t local_torn = 0, local_checked = 0, n = 0;
      for (uint64_t round = 0; !stop.load(std::memory_order_relaxed); ++round) {
        for (size_t i = 0; i < 32; ++i) {
          idx[i] = static_cast<uint32_t>(rng() % kKeys);
          keys[i] = ks.key(idx[i]);
        }
        if (round % 2 == 0) {
          cache.lookup_burst(*r, keys, clock.now(), out, kAllowStale);
        } else {
          for (size_t i = 0; i < 32; ++i)
            out[i] = cache.lookup(*r, keys[i], clock.now(), kAllowStale);
        }
        for (size_t i = 0; i < 32; ++i) {
          if (out[i].status != LookupStatus::hit && out[i].status != LookupStatus::stale) continue;
          ++local_checked;
          if (!intact(out[i].view, ks, idx[i])) ++local_torn;
        }
        n += 32;
        r->quiescent();
        if (round % 4096 == 4095) {  // a worker parking for a moment
          r->offline();
          std::this_thread::yield();
          // Coming back through quiescent() must be as safe as online().
          if (round % 8192 == 4095) {
            r->online();
          } else {
            r->quiescent();
          }
        }
      }
      torn += local_torn;
      checked += local_checked;
      lookups += n;
    });
  }

  std::mt19937 rng(99);
  std::vector<RefreshCandidate> refresh;
  uint64_t ops = 0;
  uint32_t gen = 0;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(stress_seconds());
  while (std::chrono::steady_clock::now() < deadline) {
    for (int burst = 0; burst < 256; ++burst, ++ops) {
      const auto key = static_cast<uint32_t>(rng() % kKeys);
      const auto op = static_cast<uint32_t>(rng() % 1000);
      if (op < 700) {
        // Memory held by a descheduled reader: back off as the control plane would.
        if (write_entry(cache, ks, key, ++gen, static_cast<uint32_t>(1 + rng() % 20)) ==
            InsertStatus::no_memory) {
          std::this_thread::yield();
        }
      } else if (op < 960) {
        cache.erase(ks.key(key));
      } else if (op < 990) {
        cache.expire(64);
      } else if (op < 998) {
        cache.flush_subtree(wire(test::numbered("s", key % 10, ".stress.test")));
      } else if (op < 999) {
        cache.drain_refresh(refresh, 64);
        refresh.clear();
      } else {
        cache.flush_all();
      }
    }
    clock.now_ms.fetch_add(50);
  }
  stop = true;
  for (auto& t : readers) t.join();

  const Stats s = cache.stats();
  std::printf(
      "ops=%llu lookups=%llu checked=%llu torn=%llu evictions=%llu failures=%llu (no_memory "
      "%llu)\n",
      static_cast<unsigned long long>(ops), static_cast<unsigned long long>(lookups.load()),
      static_cast<unsigned long long>(checked.load()), static_cast<unsigned long long>(torn.load()),
      static_cast<unsigned long long>(s.evictions),
      static_cast<unsigned long long>(s.insert_failures),
      static_cast<unsigned long long>(s.fail_no_memory));
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_GT(checked.load(), 1000u);
  EXPECT_GT(s.evictions, 0u);
  EXPECT_LE(s.bytes_used + s.bytes_retired, s.bytes_capacity);
  EXPECT_LE(s.entries, cfg.max_entries);
}

TEST(CacheStress, ReadersFinishWhileTheWriterIsPausedMidInsert) {
  FakeClock clock;
  Config cfg;
  cfg.max_entries = 1024;
  cfg.max_bytes = 1 << 20;
  cfg.max_readers = 2;
  Cache cache(cfg, clock.clock());
  const auto paused = wire("paused.example");
  const auto other = wire("other.example");
  const Key pkey{paused, 28, kIN}, okey{other, 28, kIN};
  const std::vector<Ipv4> v1 = {{{192, 0, 2, 1}}}, v2 = {{{192, 0, 2, 2}}};
  cache.insert_aaaa(pkey, 60, v1, {});
  cache.insert_aaaa(okey, 60, v1, {});
  Reader* r1 = cache.register_reader();
  Reader* r2 = cache.register_reader();

  std::latch entered(1), release(1);
  cache.set_before_publish_hook([&] {
    entered.count_down();
    release.wait();  // the writer stops between writing and publishing
  });
  std::thread writer([&] { cache.insert_aaaa(pkey, 60, v2, {}); });
  entered.wait();

  std::atomic<uint64_t> done{0};
  auto read = [&](Reader* r) {
    for (int i = 0; i < 100000; ++i) {
      const LookupResult a = cache.lookup(*r, pkey, clock.now());
      const LookupResult b = cache.lookup(*r, okey, clock.now());
      if (a.status == LookupStatus::hit && a.view.ipv4()[0].bytes[3] == 1 &&
          b.status == LookupStatus::hit)
        ++done;
      r->quiescent();
    }
  };
  std::thread other_reader(read, r2);
  read(r1);
  other_reader.join();
  EXPECT_EQ(done.load(), 200000u);  // all completed, all saw the old value

  release.count_down();
  writer.join();
  const LookupResult after = cache.lookup(*r1, pkey, clock.now());
  ASSERT_EQ(after.status, LookupStatus::hit);
  EXPECT_EQ(after.view.ipv4()[0].bytes[3], 2);
}

}  // namespace
}  // namespace dns64d::cache
