#include "dataplane/cache/cache.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "tests/cache/test_util.hpp"

namespace dns64d::cache {
namespace {

using test::FakeClock;
using test::wire;

constexpr uint16_t kA = 1, kAAAA = 28, kTXT = 16, kIN = 1;

class CacheTest : public ::testing::Test {
 protected:
  Config base_config() {
    Config c;
    c.max_entries = 1024;
    c.max_bytes = 1 << 20;
    c.max_readers = 4;
    c.seed = 42;
    c.refresh_sample_every = 1;
    return c;
  }
  void make(const Config& c) {
    cache = std::make_unique<Cache>(c, clock.clock());
    reader = cache->register_reader();
    ASSERT_NE(reader, nullptr);
  }
  void SetUp() override { make(base_config()); }

  LookupResult get(std::string_view name, uint16_t qtype = kAAAA, unsigned flags = kNoFlags) {
    names.push_back(wire(name));
    return cache->lookup(*reader, Key{names.back(), qtype, kIN}, clock.now(), flags);
  }
  InsertStatus put_aaaa(std::string_view name, uint32_t ttl,
                        std::vector<Ipv4> addrs = {{{192, 0, 2, 1}}},
                        std::vector<uint8_t> cname = {}) {
    const auto n = wire(name);
    return cache->insert_aaaa(Key{n, kAAAA, kIN}, ttl, addrs, cname);
  }

  FakeClock clock;
  std::unique_ptr<Cache> cache;
  Reader* reader = nullptr;
  std::vector<std::vector<uint8_t>> names;
};

TEST_F(CacheTest, MissThenHitSynthesizedAaaa) {
  EXPECT_EQ(get("www.example.com").status, LookupStatus::miss);
  const std::vector<uint8_t> cname = wire("alias.example.net");
  ASSERT_EQ(put_aaaa("www.example.com", 300, {{{192, 0, 2, 1}}, {{198, 51, 100, 7}}}, cname),
            InsertStatus::inserted);
  const LookupResult r = get("www.example.com");
  ASSERT_EQ(r.status, LookupStatus::hit);
  EXPECT_EQ(r.view.kind(), Kind::synth_aaaa);
  EXPECT_EQ(r.view.ttl(), 300u);
  ASSERT_EQ(r.view.ipv4().size(), 2u);
  EXPECT_EQ(r.view.ipv4()[1].bytes[0], 198);
  EXPECT_EQ(r.view.ipv4()[1].bytes[3], 7);
  EXPECT_TRUE(std::ranges::equal(r.view.cname_chain(), cname));
  EXPECT_TRUE(std::ranges::equal(r.view.name(), wire("www.example.com")));
  EXPECT_EQ(r.view.qtype(), kAAAA);
  EXPECT_EQ(get("www.example.com", kA).status, LookupStatus::miss);  // qtype is part of the key
  const Stats s = cache->stats();
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 2u);
  EXPECT_EQ(s.inserts, 1u);
}

TEST_F(CacheTest, ASynthesizedEntryMayKeepTheAaaaQuerysSoa) {
  const std::vector<uint8_t> cname = wire("alias.example.net");
  const std::vector<uint8_t> soa = {0xc0, 0x0c, 0, 6, 0, 1, 0, 0, 0, 60, 0, 2, 1, 2};
  const auto n = wire("soa.example");
  const std::vector<Ipv4> addrs{{{192, 0, 2, 1}}};
  ASSERT_EQ(cache->insert_aaaa(Key{n, kAAAA, kIN}, 300, addrs, cname, kLocal, soa),
            InsertStatus::inserted);
  LookupResult r = get("soa.example");
  ASSERT_EQ(r.status, LookupStatus::hit);
  EXPECT_TRUE(std::ranges::equal(r.view.cname_chain(), cname));
  EXPECT_TRUE(std::ranges::equal(r.view.synth_soa(), soa));
  EXPECT_TRUE(r.view.local());
  EXPECT_EQ(r.view.ipv4().size(), 1u);
  // Without one: the chain alone, and no SOA; a chain may be empty.
  ASSERT_EQ(put_aaaa("plain.example", 300, addrs, cname), InsertStatus::inserted);
  r = get("plain.example");
  EXPECT_TRUE(std::ranges::equal(r.view.cname_chain(), cname));
  EXPECT_TRUE(r.view.synth_soa().empty());
  const auto m = wire("nochain.example");
  ASSERT_EQ(cache->insert_aaaa(Key{m, kAAAA, kIN}, 300, addrs, {}, kNoEntryFlags, soa),
            InsertStatus::inserted);
  r = get("nochain.example");
  EXPECT_TRUE(r.view.cname_chain().empty());
  EXPECT_TRUE(std::ranges::equal(r.view.synth_soa(), soa));
}

TEST_F(CacheTest, SignedEntriesShowTheirDnssecRecordsOnlyWhenAsked) {
  // Two plain records of 16 octets, then one DNSSEC record of 20.
  std::vector<uint8_t> plain(32, 0xaa), sig(20, 0xbb);
  const std::vector<uint16_t> plain_offs{6, 22}, sig_offs{6};
  const auto n = wire("signed.example");
  ASSERT_EQ(cache->insert_signed(Key{n, kA, kIN}, Kind::rrset, 300, 0, plain, plain_offs, sig,
                                 sig_offs, kValidated),
            InsertStatus::inserted);
  LookupResult r = get("signed.example", kA);
  ASSERT_EQ(r.status, LookupStatus::hit);
  EXPECT_TRUE(r.view.validated());
  EXPECT_TRUE(std::ranges::equal(r.view.rrs(), plain));
  EXPECT_TRUE(std::ranges::equal(r.view.ttl_offsets(), plain_offs));
  ASSERT_EQ(r.view.signed_rrs().size(), 52u);
  EXPECT_TRUE(std::ranges::equal(r.view.signed_rrs().subspan(32), sig));
  EXPECT_TRUE(std::ranges::equal(r.view.signed_ttl_offsets(), std::vector<uint16_t>{6, 22, 38}));
  // A negative answer: the SOA, then its proofs.
  const auto neg = wire("nx.example");
  ASSERT_EQ(cache->insert_signed(Key{neg, kAAAA, kIN}, Kind::negative, 60, 3, plain, plain_offs,
                                 sig, sig_offs, kNoEntryFlags),
            InsertStatus::inserted);
  r = get("nx.example");
  ASSERT_EQ(r.view.kind(), Kind::negative);
  EXPECT_EQ(r.view.rcode(), 3);
  EXPECT_TRUE(std::ranges::equal(r.view.soa(), plain));
  EXPECT_EQ(r.view.signed_rrs().size(), 52u);
  // Without DNSSEC records it is a plain entry.
  const auto bare = wire("bare.example");
  ASSERT_EQ(cache->insert_signed(Key{bare, kA, kIN}, Kind::rrset, 300, 0, plain, plain_offs, {},
                                 {}, kNoEntryFlags),
            InsertStatus::inserted);
  r = get("bare.example", kA);
  EXPECT_TRUE(std::ranges::equal(r.view.signed_rrs(), plain));
  EXPECT_TRUE(std::ranges::equal(r.view.signed_ttl_offsets(), plain_offs));
}

TEST_F(CacheTest, PrefetchHintFindsTheEntryAndAWrongHintFallsBack) {
  ASSERT_EQ(put_aaaa("a.example", 300, {{{192, 0, 2, 1}}}), InsertStatus::inserted);
  ASSERT_EQ(put_aaaa("b.example", 300, {{{192, 0, 2, 2}}}), InsertStatus::inserted);
  const auto a = wire("a.example"), b = wire("b.example"), c = wire("c.example");
  const Key ka{a, kAAAA, kIN}, kb{b, kAAAA, kIN}, kc{c, kAAAA, kIN};
  const uint64_t ha = cache->hash_key(ka), hb = cache->hash_key(kb), hc = cache->hash_key(kc);
  const uint32_t hint_a = cache->prefetch_entry(ha);
  const uint32_t hint_b = cache->prefetch_entry(hb);
  ASSERT_NE(hint_a, 0u);
  ASSERT_NE(hint_b, 0u);
  EXPECT_EQ(cache->prefetch_entry(hc), 0u);  // nothing there: no hint
  LookupResult r = cache->lookup_hinted(*reader, ka, ha, hint_a, clock.now(), kNoFlags);
  ASSERT_EQ(r.status, LookupStatus::hit);
  EXPECT_EQ(r.view.ipv4()[0].bytes[3], 1);
  // The other key's hint does not match: the bucket is searched instead.
  r = cache->lookup_hinted(*reader, ka, ha, hint_b, clock.now(), kNoFlags);
  ASSERT_EQ(r.status, LookupStatus::hit);
  EXPECT_EQ(r.view.ipv4()[0].bytes[3], 1);
  EXPECT_EQ(cache->lookup_hinted(*reader, kc, hc, hint_a, clock.now(), kNoFlags).status,
            LookupStatus::miss);
  // A hint whose entry expired gives the same answer as a plain lookup.
  clock.advance_s(301);
  EXPECT_EQ(cache->lookup_hinted(*reader, ka, ha, hint_a, clock.now(), kNoFlags).status,
            LookupStatus::expired);
}

TEST_F(CacheTest, InsertFoldsCaseOfTheName) {
  ASSERT_EQ(put_aaaa("WWW.Example.COM", 60), InsertStatus::inserted);
  EXPECT_EQ(get("www.example.com").status, LookupStatus::hit);
}

TEST_F(CacheTest, RrsetKeepsBytesAndTtlOffsets) {
  const std::vector<uint8_t> rrs = {0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0x0e, 0x10, 0, 2, 1, 'x'};
  const std::vector<uint16_t> offsets = {6};
  const auto n = wire("txt.example.com");
  ASSERT_EQ(cache->insert_rrset(Key{n, kTXT, kIN}, 3600, rrs, offsets), InsertStatus::inserted);
  const LookupResult r = get("txt.example.com", kTXT);
  ASSERT_EQ(r.status, LookupStatus::hit);
  EXPECT_EQ(r.view.kind(), Kind::rrset);
  EXPECT_TRUE(std::ranges::equal(r.view.rrs(), rrs));
  EXPECT_TRUE(std::ranges::equal(r.view.ttl_offsets(), offsets));
  EXPECT_TRUE(r.view.ipv4().empty());
}

TEST_F(CacheTest, RejectsTtlOffsetsOutsideTheRrs) {
  const std::vector<uint8_t> rrs(10, 0);
  const std::vector<uint16_t> bad = {7};
  const auto n = wire("txt.example.com");
  EXPECT_EQ(cache->insert_rrset(Key{n, kTXT, kIN}, 60, rrs, bad), InsertStatus::bad_value);
  EXPECT_EQ(cache->stats().insert_failures, 1u);
}

TEST_F(CacheTest, NegativeEntriesCarryRcodeAndSoa) {
  const std::vector<uint8_t> soa = {0xc0, 0x0c, 0, 6, 0, 1, 0, 0, 0, 60, 0, 1, 0};
  const std::vector<uint16_t> offsets = {6};
  const auto nx = wire("nope.example.com");
  const auto nodata = wire("v4only.example.com");
  ASSERT_EQ(cache->insert_negative(Key{nx, kAAAA, kIN}, 60, 3, soa, offsets),
            InsertStatus::inserted);
  ASSERT_EQ(cache->insert_negative(Key{nodata, kAAAA, kIN}, 30, 0, soa, offsets),
            InsertStatus::inserted);
  const LookupResult a = get("nope.example.com");
  ASSERT_EQ(a.status, LookupStatus::hit);
  EXPECT_EQ(a.view.kind(), Kind::negative);
  EXPECT_EQ(a.view.rcode(), 3);
  EXPECT_TRUE(std::ranges::equal(a.view.soa(), soa));
  EXPECT_TRUE(std::ranges::equal(a.view.ttl_offsets(), offsets));
  const LookupResult b = get("v4only.example.com");
  ASSERT_EQ(b.status, LookupStatus::hit);
  EXPECT_EQ(b.view.rcode(), 0);
  EXPECT_EQ(b.view.ttl(), 30u);
}

TEST_F(CacheTest, ReplaceServesTheNewValue) {
  ASSERT_EQ(put_aaaa("a.example", 60, {{{192, 0, 2, 1}}}), InsertStatus::inserted);
  ASSERT_EQ(put_aaaa("a.example", 90, {{{192, 0, 2, 2}}}), InsertStatus::replaced);
  const LookupResult r = get("a.example");
  ASSERT_EQ(r.status, LookupStatus::hit);
  EXPECT_EQ(r.view.ipv4()[0].bytes[3], 2);
  EXPECT_EQ(r.view.ttl(), 90u);
  reader->quiescent();
  cache->maintain();
  const Stats s = cache->stats();
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.replaces, 1u);
  EXPECT_EQ(s.bytes_retired, 0u);
}

TEST_F(CacheTest, EraseRemovesOnlyThatKey) {
  put_aaaa("a.example", 60);
  put_aaaa("b.example", 60);
  const auto n = wire("a.example");
  EXPECT_TRUE(cache->erase(Key{n, kAAAA, kIN}));
  EXPECT_FALSE(cache->erase(Key{n, kAAAA, kIN}));
  EXPECT_EQ(get("a.example").status, LookupStatus::miss);
  EXPECT_EQ(get("b.example").status, LookupStatus::hit);
  EXPECT_EQ(cache->stats().entries, 1u);
}

TEST_F(CacheTest, FlushAllEmptiesAndMemoryComesBack) {
  for (int i = 0; i < 100; ++i) put_aaaa(test::numbered("host", i, ".example"), 60);
  EXPECT_EQ(cache->stats().entries, 100u);
  EXPECT_EQ(cache->flush_all(), 100u);
  EXPECT_EQ(get("host7.example").status, LookupStatus::miss);
  reader->quiescent();
  cache->maintain();
  const Stats s = cache->stats();
  EXPECT_EQ(s.entries, 0u);
  EXPECT_EQ(s.bytes_used, 0u);
  EXPECT_EQ(s.bytes_retired, 0u);
}

TEST_F(CacheTest, FlushSubtreeSparesSiblingsAndParents) {
  for (auto n : {"example.com", "www.example.com", "a.b.example.com", "xexample.com", "com",
                 "example.org"}) {
    ASSERT_EQ(put_aaaa(n, 60), InsertStatus::inserted);
  }
  const auto n = wire("www.example.com");
  const std::vector<uint8_t> txt = {1, 2, 3, 4};
  cache->insert_rrset(Key{n, kTXT, kIN}, 60, txt, {});
  EXPECT_EQ(cache->flush_subtree(wire("Example.COM")), 4u);  // three AAAA and the TXT
  EXPECT_EQ(get("example.com").status, LookupStatus::miss);
  EXPECT_EQ(get("www.example.com").status, LookupStatus::miss);
  EXPECT_EQ(get("www.example.com", kTXT).status, LookupStatus::miss);
  EXPECT_EQ(get("a.b.example.com").status, LookupStatus::miss);
  EXPECT_EQ(get("xexample.com").status, LookupStatus::hit);
  EXPECT_EQ(get("com").status, LookupStatus::hit);
  EXPECT_EQ(get("example.org").status, LookupStatus::hit);
}

TEST_F(CacheTest, TtlCountsDownAndExpires) {
  put_aaaa("a.example", 100);
  clock.advance_s(40);
  EXPECT_EQ(get("a.example").view.ttl(), 60u);
  clock.now_ms.fetch_add(59'500);
  LookupResult r = get("a.example");
  ASSERT_EQ(r.status, LookupStatus::hit);
  EXPECT_EQ(r.view.ttl(), 0u);  // rounded down: never more than is left
  clock.now_ms.fetch_add(500);
  r = get("a.example");
  EXPECT_EQ(r.status, LookupStatus::expired);
  EXPECT_EQ(cache->stats().expired_hits, 1u);
  EXPECT_EQ(get("a.example", kAAAA, kAllowStale).status,
            LookupStatus::expired);  // keep_stale is off
}

TEST_F(CacheTest, TtlNeverAboveUpstreamEvenIfTheClockStepsBack) {
  put_aaaa("a.example", 100);
  clock.now_ms.fetch_sub(50'000);
  EXPECT_EQ(get("a.example").view.ttl(), 100u);
}

TEST_F(CacheTest, TtlClampsApplyAtInsert) {
  Config c = base_config();
  c.min_ttl = 30;
  c.max_ttl = 3600;
  make(c);
  put_aaaa("low.example", 5);
  put_aaaa("high.example", 86400);
  EXPECT_EQ(get("low.example").view.ttl(), 30u);
  EXPECT_EQ(get("high.example").view.ttl(), 3600u);
  clock.advance_s(3600);
  EXPECT_EQ(get("high.example").status, LookupStatus::expired);
}

TEST_F(CacheTest, FailuresAreReturnedAndCounted) {
  EXPECT_EQ(put_aaaa("zero.example", 0), InsertStatus::zero_ttl);
  const std::vector<uint8_t> bad = {3, 'c', 'o'};
  EXPECT_EQ(cache->insert_aaaa(Key{bad, kAAAA, kIN}, 60, {}, {}), InsertStatus::bad_key);
  EXPECT_EQ(put_aaaa("big.example", 60, {}, std::vector<uint8_t>(20000, 1)),
            InsertStatus::too_large);
  EXPECT_EQ(put_aaaa("many.example", 60, std::vector<Ipv4>(kMaxIpv4 + 1)), InsertStatus::bad_value);
  const Stats s = cache->stats();
  EXPECT_EQ(s.insert_failures, 4u);
  EXPECT_EQ(s.fail_zero_ttl, 1u);
  EXPECT_EQ(s.fail_too_large, 1u);
  EXPECT_EQ(s.fail_bad_input, 2u);
  EXPECT_EQ(s.entries, 0u);
}

TEST_F(CacheTest, EvictionTakesExpiredBeforeLiveEntries) {
  Config c = base_config();
  c.max_entries = 4;
  make(c);
  put_aaaa("a.example", 600);
  put_aaaa("b.example", 10);
  put_aaaa("c.example", 600);
  put_aaaa("d.example", 600);
  clock.advance_s(11);  // b expired; a, c, d live and unreferenced
  put_aaaa("e.example", 600);
  EXPECT_EQ(cache->stats().evictions, 1u);
  EXPECT_EQ(get("b.example").status, LookupStatus::miss);
  for (auto n : {"a.example", "c.example", "d.example", "e.example"}) {
    EXPECT_EQ(get(n).status, LookupStatus::hit) << n;
  }
}

TEST_F(CacheTest, EvictionGivesReferencedEntriesASecondChance) {
  Config c = base_config();
  c.max_entries = 4;
  make(c);
  for (auto n : {"a.example", "c.example", "d.example", "e.example"}) put_aaaa(n, 600);
  for (auto n : {"a.example", "c.example", "e.example"}) get(n);  // d is the only cold one
  put_aaaa("f.example", 600);
  EXPECT_EQ(get("d.example").status, LookupStatus::miss);
  for (auto n : {"a.example", "c.example", "e.example", "f.example"}) {
    EXPECT_EQ(get(n).status, LookupStatus::hit) << n;
  }
  EXPECT_EQ(cache->stats().entries, 4u);
  EXPECT_EQ(cache->stats().evictions, 1u);
}

TEST_F(CacheTest, ByteLimitEvictsAndNeverGrows) {
  Config c = base_config();
  c.max_bytes = 64 * 1024;
  c.max_entry_bytes = 1024;
  make(c);
  const std::vector<uint8_t> chain(200, 7);
  for (int i = 0; i < 2000; ++i) {
    ASSERT_NE(put_aaaa(test::numbered("h", i, ".example"), 600, {{{192, 0, 2, 1}}}, chain),
              InsertStatus::no_memory)
        << i << " used " << cache->stats().bytes_used << " retired "
        << cache->stats().bytes_retired;
    reader->quiescent();
  }
  const Stats s = cache->stats();
  EXPECT_LE(s.bytes_used + s.bytes_retired, s.bytes_capacity);
  EXPECT_GT(s.evictions, 1000u);
  EXPECT_EQ(s.insert_failures, 0u);
  EXPECT_EQ(get("h1999.example").status, LookupStatus::hit);
}

TEST_F(CacheTest, PoolExhaustedByALaggingReaderFailsAndCounts) {
  Config c = base_config();
  c.max_bytes = 8 * 1024;
  c.max_entry_bytes = 1024;
  c.headroom_bytes = 0;
  make(c);  // `reader` never reports below: everything retired stays held
  const std::vector<uint8_t> chain(200, 7);
  InsertStatus last = InsertStatus::inserted;
  int i = 0;
  for (; i < 100 && last != InsertStatus::no_memory; ++i) {
    last = put_aaaa(test::numbered("h", i, ".example"), 600, {}, chain);
  }
  EXPECT_EQ(last, InsertStatus::no_memory);
  Stats s = cache->stats();
  EXPECT_EQ(s.fail_no_memory, 1u);
  EXPECT_EQ(s.insert_failures, 1u);
  EXPECT_GT(s.bytes_retired, 0u);
  EXPECT_GT(s.reclaim_lag_epochs, 0u);
  reader->quiescent();  // the grace period ends: the next insert fits
  EXPECT_EQ(put_aaaa("after.example", 600, {}, chain), InsertStatus::inserted);
  EXPECT_EQ(get("after.example").status, LookupStatus::hit);
}

TEST_F(CacheTest, StalledReaderIsReportedAndOfflineReadersDoNotHoldMemory) {
  std::vector<std::pair<unsigned, uint64_t>> reports;
  Config c = base_config();
  c.stall_threshold_ms = 100;
  c.on_stalled = [&](unsigned id, uint64_t lag) { reports.emplace_back(id, lag); };
  make(c);
  Reader* healthy = cache->register_reader();
  ASSERT_NE(healthy, nullptr);
  put_aaaa("a.example", 60);
  put_aaaa("a.example", 60);  // retires the first copy; `reader` never reports
  healthy->quiescent();
  clock.now_ms.fetch_add(50);
  cache->maintain();
  EXPECT_EQ(cache->stats().stalled_readers, 0u);
  clock.now_ms.fetch_add(100);
  healthy->quiescent();
  cache->maintain();
  Stats s = cache->stats();
  EXPECT_EQ(s.stalled_readers, 1u);
  EXPECT_GE(s.reclaim_lag_ms, 150u);
  EXPECT_GT(s.bytes_retired, 0u);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].first, reader->id());
  cache->maintain();
  EXPECT_EQ(reports.size(), 1u);  // once per episode

  reader->offline();
  cache->maintain();
  s = cache->stats();
  EXPECT_EQ(s.stalled_readers, 0u);
  EXPECT_EQ(s.bytes_retired, 0u);
  reader->online();
  EXPECT_EQ(get("a.example").status, LookupStatus::hit);
}

TEST_F(CacheTest, RefreshCandidatesAreSampledNearExpiry) {
  Config c = base_config();
  c.refresh_percent = 10;
  c.refresh_sample_every = 2;
  make(c);
  put_aaaa("soon.example", 100);
  put_aaaa("later.example", 100);
  for (int i = 0; i < 4; ++i) get("soon.example");
  std::vector<RefreshCandidate> out;
  EXPECT_EQ(cache->drain_refresh(out), 0u);  // 100 s left of 100: not yet
  clock.advance_s(91);
  for (int i = 0; i < 4; ++i) get("soon.example");  // 9 s left: every 2nd hit is sampled
  EXPECT_EQ(cache->drain_refresh(out), 2u);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(std::ranges::equal(out[0].name_span(), wire("soon.example")));
  EXPECT_EQ(out[0].qtype, kAAAA);
  EXPECT_EQ(cache->stats().refresh_sampled, 2u);
  // A candidate whose entry went away meanwhile is dropped, not reported.
  get("soon.example");
  get("soon.example");
  const auto n = wire("soon.example");
  cache->erase(Key{n, kAAAA, kIN});
  out.clear();
  EXPECT_EQ(cache->drain_refresh(out), 0u);
  // Local data (static records) is never reported: its owner re-writes it.
  const auto local = wire("local.example");
  const std::vector<Ipv4> addr{{{192, 0, 2, 1}}};
  ASSERT_EQ(cache->insert_aaaa(Key{local, kAAAA, kIN}, 100, addr, {}, kLocal),
            InsertStatus::inserted);
  clock.advance_s(95);
  for (int i = 0; i < 4; ++i) get("local.example");
  EXPECT_EQ(cache->drain_refresh(out), 0u);
}

TEST_F(CacheTest, KeepStaleServesExpiredEntriesOnlyWhenAsked) {
  Config c = base_config();
  c.keep_stale = true;
  c.stale_ttl = 30;
  c.max_stale_seconds = 3600;
  make(c);
  put_aaaa("a.example", 60);
  clock.advance_s(61);
  EXPECT_EQ(get("a.example").status, LookupStatus::expired);
  const LookupResult r = get("a.example", kAAAA, kAllowStale);
  ASSERT_EQ(r.status, LookupStatus::stale);
  EXPECT_EQ(r.view.ttl(), 30u);
  EXPECT_EQ(cache->expire(), 0u);  // still within the stale window
  clock.advance_s(3600);
  EXPECT_EQ(get("a.example", kAAAA, kAllowStale).status, LookupStatus::expired);
  EXPECT_EQ(cache->expire(), 1u);
  EXPECT_EQ(cache->stats().stale_hits, 1u);
}

TEST_F(CacheTest, ExpireSweepRemovesOnlyExpired) {
  put_aaaa("short.example", 10);
  put_aaaa("long.example", 1000);
  clock.advance_s(10);
  EXPECT_EQ(cache->expire(), 1u);
  EXPECT_EQ(get("short.example").status, LookupStatus::miss);
  EXPECT_EQ(get("long.example").status, LookupStatus::hit);
  const Stats s = cache->stats();
  EXPECT_EQ(s.expired_removed, 1u);
  EXPECT_EQ(s.entries, 1u);
}

TEST_F(CacheTest, BurstLookupAgreesWithSingleLookups) {
  Config c = base_config();
  c.max_entries = 4096;
  make(c);
  std::vector<std::vector<uint8_t>> storage;
  for (int i = 0; i < 3000; ++i) {
    storage.push_back(wire(test::numbered("n", i, ".example.com")));
    if (i % 3 != 0)
      cache->insert_aaaa(Key{storage.back(), kAAAA, kIN}, 60, std::vector<Ipv4>{{{10, 0, 0, 1}}},
                         {});
  }
  std::vector<Key> keys;
  for (const auto& s : storage) keys.push_back(Key{s, kAAAA, kIN});
  std::vector<LookupResult> burst(keys.size());
  cache->lookup_burst(*reader, keys, clock.now(), burst);
  for (size_t i = 0; i < keys.size(); ++i) {
    const LookupResult one = cache->lookup(*reader, keys[i], clock.now());
    ASSERT_EQ(burst[i].status, one.status) << i;
    ASSERT_EQ(burst[i].status, i % 3 != 0 ? LookupStatus::hit : LookupStatus::miss) << i;
    if (one.status == LookupStatus::hit) {
      EXPECT_TRUE(std::ranges::equal(burst[i].view.name(), storage[i]));
    }
  }
}

// Regression: lookup_burst wrote out[i] for every key, past the end of a
// shorter `out` (ASan: heap-buffer-overflow). It now stops at out.size().
TEST_F(CacheTest, BurstLookupNeverWritesPastTheResults) {
  std::vector<std::vector<uint8_t>> storage;
  for (int i = 0; i < 40; ++i) {
    storage.push_back(wire(test::numbered("b", i, ".example")));
    cache->insert_aaaa(Key{storage.back(), kAAAA, kIN}, 60, std::vector<Ipv4>{{{10, 0, 0, 1}}}, {});
  }
  std::vector<Key> keys;
  for (const auto& s : storage) keys.push_back(Key{s, kAAAA, kIN});
  std::vector<LookupResult> out(33);  // more than one burst of 32, fewer than the keys
  cache->lookup_burst(*reader, keys, clock.now(), out);
  for (const LookupResult& r : out) EXPECT_EQ(r.status, LookupStatus::hit);
  EXPECT_EQ(cache->stats().hits, 33u);  // the 7 keys without a slot were not looked up
}

// Regression: quiescent() on an offline reader stored its epoch without
// online()'s fence (a store-load reordering could let the writer free what the
// next lookup found). It now goes through online(); the semantics stay: the
// reader is online and holds back what is retired after that point.
TEST_F(CacheTest, QuiescentOnAnOfflineReaderComesOnlineAndHoldsMemory) {
  reader->offline();
  EXPECT_FALSE(reader->is_online());
  put_aaaa("a.example", 60);
  reader->quiescent();
  EXPECT_TRUE(reader->is_online());
  ASSERT_EQ(get("a.example").status, LookupStatus::hit);
  put_aaaa("a.example", 60);  // retires the copy the reader may still hold
  cache->maintain();
  EXPECT_GT(cache->stats().bytes_retired, 0u);
  reader->quiescent();
  cache->maintain();
  EXPECT_EQ(cache->stats().bytes_retired, 0u);
}

TEST_F(CacheTest, ReaderSlotsAreBounded) {
  std::vector<Reader*> more;
  while (Reader* r = cache->register_reader()) more.push_back(r);
  EXPECT_EQ(more.size(), 3u);  // max_readers = 4, one taken in SetUp
  cache->unregister_reader(more.back());
  EXPECT_NE(cache->register_reader(), nullptr);
}

TEST_F(CacheTest, FullTableStaysBoundedAndCountsEvictions) {
  Config c = base_config();
  c.max_entries = 5000;
  make(c);
  reader->offline();  // an offline reader holds nothing back
  for (int i = 0; i < 20000; ++i) {
    ASSERT_NE(put_aaaa(test::numbered("k", i, ".example"), 600), InsertStatus::no_memory);
  }
  // Count evictions, plus rarely one when a key's whole probe window is full.
  const Stats s = cache->stats();
  EXPECT_LE(s.entries, 5000u);
  EXPECT_GE(s.entries, 4990u);
  EXPECT_EQ(s.evictions + s.entries, 20000u);
}

}  // namespace
}  // namespace dns64d::cache
