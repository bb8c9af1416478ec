#include "dataplane/respond/respond.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/dns/reader.hpp"
#include "dataplane/dns64/ptr.hpp"
#include "tests/support/packet.hpp"

namespace dns64d::respond {
namespace {

using test::query;

struct Fixture : ::testing::Test {
  Fixture() : cache(make_config(), [this] { return now; }) {
    reader = cache.register_reader();
    View def;
    def.name = "default";
    def.prefixes[0] = dns64::well_known_prefix;
    def.prefix_count = 1;
    views.set_default(views.add_view(def));
    View nsp;
    nsp.name = "nsp";
    dns64::parse_pref64("2001:db8:64::/96", nsp.prefixes[0]);
    dns64::parse_pref64("2001:db8:100::/40", nsp.prefixes[1]);
    nsp.prefix_count = 2;
    nsp.ptr_mode = PtrMode::ptr;
    views.add_client_v6(*dns64::parse_v6("2001:db8:aaaa::"), 48, views.add_view(nsp));
  }
  static cache::Config make_config() {
    cache::Config c;
    c.max_entries = 1024;
    c.max_bytes = 1 << 20;
    c.seed = 1;
    c.keep_stale = true;  // only lookups that allow stale ones ever see them
    c.stale_ttl = 30;
    return c;
  }

  Result ask(const test::Packet& q, const char* client = "2001:db8:ffff::1") {
    buf.assign(q.bytes.begin(), q.bytes.end());
    buf.resize(1500);
    Client c;
    c.is_v6 = true;
    c.v6 = *dns64::parse_v6(client);
    Context ctx{&views, &cache, reader, now, 1232};
    ctx.cookies = cookies;
    ctx.unix_now = unix_now;
    Result r = respond(buf, q.size(), c, ctx, &punted);
    if (is_answer(r.outcome)) {
      EXPECT_EQ(dns::parse_message(dns::Bytes(buf.data(), r.reply_len), reply, false),
                dns::Error::ok);
    }
    return r;
  }
  std::vector<dns::RR> answers() {
    std::vector<dns::RR> out;
    dns::Reader rd(dns::Bytes(buf.data(), buf.size()));
    rd.seek(reply.sections.answer);
    for (int i = 0; i < reply.header.ancount; ++i) {
      dns::RR rr;
      EXPECT_EQ(rd.rr(rr), dns::Error::ok);
      out.push_back(rr);
    }
    return out;
  }
  static dns64::Prefix prefix(const char* text) {
    dns64::Prefix p;
    EXPECT_EQ(dns64::parse_pref64(text, p), dns64::PrefixError::ok) << text;
    return p;
  }
  static Client client6(const char* text) {
    Client c;
    c.is_v6 = true;
    c.v6 = *dns64::parse_v6(text);
    return c;
  }
  // The reply's one authority record, read as a SOA.
  struct ReverseSoa {
    std::string owner, mname, rname;
    std::uint32_t ttl = 0;
    std::array<std::uint32_t, 5> timers{};  // serial, refresh, retry, expire, minimum
  };
  ReverseSoa authority_soa() {
    ReverseSoa out;
    const dns::Bytes msg(buf.data(), reply.sections.end);
    dns::Reader rd(msg);
    rd.seek(reply.sections.authority);
    dns::RR rr;
    EXPECT_EQ(rd.rr(rr), dns::Error::ok);
    EXPECT_EQ(rr.type, dns::type::SOA);
    out.owner = dns::to_text(rr.owner.bytes());
    out.ttl = rr.ttl;
    std::size_t at = rr.rdata_offset;
    dns::Name n;
    if (dns::read_name(msg, at, n) != dns::Error::ok) return out;
    out.mname = dns::to_text(n.bytes());
    if (dns::read_name(msg, at, n) != dns::Error::ok) return out;
    out.rname = dns::to_text(n.bytes());
    for (std::size_t i = 0; i < 5 && at + 4 <= msg.size(); ++i, at += 4) {
      out.timers[i] = dns::load32(msg.data() + at);
    }
    return out;
  }
  void synth(const char* name, std::vector<cache::Ipv4> v4, std::uint32_t ttl = 300,
             std::vector<std::uint8_t> chain = {}) {
    const auto w = test::wire(name);
    ASSERT_EQ(cache.insert_aaaa({w, dns::type::AAAA, 1}, ttl, v4, chain),
              cache::InsertStatus::inserted);
  }

  std::uint64_t now = 1'000'000;
  const cookie::Settings* cookies = nullptr;
  std::uint32_t unix_now = 0;
  QuestionKey punted;
  cache::Cache cache;
  cache::Reader* reader;
  ViewTable views;
  std::vector<std::uint8_t> buf;
  dns::Message reply;
};

TEST_F(Fixture, SynthesizesUnderTheClientsPrefixes) {
  synth("v4.example", {{{8, 8, 8, 8}}, {{1, 1, 1, 1}}});
  Result r = ask(query("v4.example", dns::type::AAAA, 9));
  ASSERT_EQ(r.outcome, DnsOutcome::answered_aaaa_synth);
  EXPECT_EQ(reply.header.id, 9);
  EXPECT_TRUE(reply.header.qr());
  auto an = answers();
  ASSERT_EQ(an.size(), 2u);
  EXPECT_EQ(dns64::to_text(*reinterpret_cast<const dns64::V6*>(an[0].rdata.data())),
            "64:ff9b::808:808");
  EXPECT_EQ(an[0].ttl, 300u);

  // The other view has two prefixes: one record per address and prefix.
  r = ask(query("v4.example", dns::type::AAAA, 10), "2001:db8:aaaa::5");
  ASSERT_EQ(r.outcome, DnsOutcome::answered_aaaa_synth);
  an = answers();
  ASSERT_EQ(an.size(), 4u);
  EXPECT_EQ(dns64::to_text(*reinterpret_cast<const dns64::V6*>(an[0].rdata.data())),
            "2001:db8:64::808:808");
  EXPECT_EQ(dns64::to_text(*reinterpret_cast<const dns64::V6*>(an[2].rdata.data())),
            "2001:db8:108:808:8::");
}

TEST_F(Fixture, FoldsEveryOctetLikeTheReader) {
  // Labels with every octet value, upper case among them, in both cases:
  // the fast path's eight-at-a-time folding must agree with dns::fold.
  for (int start = 1; start < 256; start += 50) {
    test::Packet q;
    q.header(3, 0x0100, 1, 0, 0, 0);
    std::vector<std::uint8_t> name;
    for (int l = 0; l < 3; ++l) {
      const int len = 13 + l * 7;
      name.push_back(static_cast<std::uint8_t>(len));
      for (int k = 0; k < len; ++k)
        name.push_back(static_cast<std::uint8_t>((start + l * 31 + k * 5) % 255 + 1));
    }
    name.push_back(0);
    q.raw(name).u16(dns::type::AAAA).u16(1);
    std::vector<std::uint8_t> folded = name;
    for (std::size_t k = 0; k < folded.size(); ++k) folded[k] = dns::fold(folded[k]);
    ASSERT_EQ(cache.insert_aaaa({folded, dns::type::AAAA, 1}, 60,
                                std::vector<cache::Ipv4>{{{8, 8, 8, 8}}}, {}),
              cache::InsertStatus::inserted);
    EXPECT_EQ(ask(q).outcome, DnsOutcome::answered_aaaa_synth) << start;
  }
}

TEST_F(Fixture, FoldsEachOctetValueInEveryLaneOfTheBlocks) {
  // A 16-octet block, an 8-octet block and the tail each see every value:
  // the range edges '@', 'A', 'Z', '[' and the octets above 0x7f among them.
  for (int v = 1; v < 256; ++v) {
    test::Packet q;
    q.header(4, 0x0100, 1, 0, 0, 0);
    std::vector<std::uint8_t> name;
    name.push_back(29);
    for (int k = 0; k < 29; ++k) name.push_back(static_cast<std::uint8_t>(v));
    name.push_back(0);
    q.raw(name).u16(dns::type::AAAA).u16(1);
    std::vector<std::uint8_t> folded = name;
    for (std::size_t k = 0; k < folded.size(); ++k) folded[k] = dns::fold(folded[k]);
    cache.erase({folded, dns::type::AAAA, 1});  // "a" was "A"'s entry before
    EXPECT_EQ(ask(q).outcome, DnsOutcome::punted_miss) << v;
    ASSERT_EQ(cache.insert_aaaa({folded, dns::type::AAAA, 1}, 60,
                                std::vector<cache::Ipv4>{{{8, 8, 8, 8}}}, {}),
              cache::InsertStatus::inserted);
    EXPECT_EQ(ask(q).outcome, DnsOutcome::answered_aaaa_synth) << v;
  }
}

TEST_F(Fixture, TtlIsWhatRemains) {
  synth("v4.example", {{{8, 8, 8, 8}}}, 300);
  now += 100'500;
  ask(query("v4.example", dns::type::AAAA));
  EXPECT_EQ(answers()[0].ttl, 199u);
  now += 200'000;
  EXPECT_EQ(ask(query("v4.example", dns::type::AAAA)).outcome, DnsOutcome::punted_miss);
}

TEST_F(Fixture, StaleOnlyWhenTheContextAllowsIt) {
  synth("v4.example", {{{8, 8, 8, 8}}}, 10);
  now += 20'000;
  EXPECT_EQ(ask(query("v4.example", dns::type::AAAA)).outcome, DnsOutcome::punted_miss);
  buf = query("v4.example", dns::type::AAAA).bytes;
  buf.resize(1500);
  Client c;
  c.is_v6 = true;
  c.v6 = *dns64::parse_v6("2001:db8:ffff::1");
  Context ctx{&views, &cache, reader, now, 1232};
  ctx.allow_stale = true;
  const Result r = respond(buf, query("v4.example", dns::type::AAAA).size(), c, ctx);
  ASSERT_EQ(r.outcome, DnsOutcome::answered_aaaa_synth);
  ASSERT_EQ(dns::parse_message(dns::Bytes(buf.data(), r.reply_len), reply), dns::Error::ok);
  EXPECT_EQ(answers()[0].ttl, 30u);  // the stale TTL of RFC 8767
}

TEST_F(Fixture, MissLeavesTheQueryUntouched) {
  const auto q = query("nothing.example", dns::type::AAAA, 77, 1232, true);
  EXPECT_EQ(ask(q).outcome, DnsOutcome::punted_miss);
  EXPECT_TRUE(std::equal(q.bytes.begin(), q.bytes.end(), buf.begin()));
}

TEST_F(Fixture, CnameChainIsWritten) {
  test::Packet chain;
  chain.name("www.example").rr_fixed(dns::type::CNAME, 1, 300, test::wire("v4.example"));
  synth("www.example", {{{8, 8, 4, 4}}}, 300, chain.bytes);
  ASSERT_EQ(ask(query("www.example", dns::type::AAAA)).outcome, DnsOutcome::answered_aaaa_synth);
  auto an = answers();
  ASSERT_EQ(an.size(), 2u);
  EXPECT_EQ(an[0].type, dns::type::CNAME);
  EXPECT_EQ(an[1].type, dns::type::AAAA);
  EXPECT_EQ(dns::to_text(an[1].owner.bytes()), "v4.example");
}

TEST_F(Fixture, DnameTargetIsNotCompressed) {
  test::Packet chain;
  chain.name("a.example").rr_fixed(dns::type::DNAME, 1, 300, test::wire("b.example"));
  chain.name("www.a.example").rr_fixed(dns::type::CNAME, 1, 300, test::wire("www.b.example"));
  synth("www.a.example", {{{8, 8, 4, 4}}}, 300, chain.bytes);
  ASSERT_EQ(ask(query("www.a.example", dns::type::AAAA)).outcome, DnsOutcome::answered_aaaa_synth);
  auto an = answers();
  ASSERT_EQ(an.size(), 3u);
  EXPECT_EQ(an[0].type, dns::type::DNAME);
  const auto target = test::wire("b.example");
  EXPECT_TRUE(std::equal(an[0].rdata.begin(), an[0].rdata.end(), target.begin(), target.end()));
  EXPECT_EQ(an[1].type, dns::type::CNAME);
  EXPECT_EQ(an[2].type, dns::type::AAAA);
  EXPECT_EQ(dns::to_text(an[2].owner.bytes()), "www.b.example");
}

TEST_F(Fixture, WellKnownPrefixSkipsNonGlobal) {
  synth("private.example", {{{10, 0, 0, 1}}, {{8, 8, 8, 8}}});
  ask(query("private.example", dns::type::AAAA));
  EXPECT_EQ(answers().size(), 1u);
}

// Every A record excluded for the client's view: NODATA that carries the
// AAAA query's SOA (RFC 2308 §5), at the synthesis's TTL (§5.1.7), on the
// fast path and behind a CNAME chain alike; without a SOA, as before.
TEST_F(Fixture, AnAllExcludedSynthesisIsNodataWithTheAaaaQuerysSoa) {
  test::Packet soa;
  soa.name("example").rr_fixed(dns::type::SOA, 1, 3600, test::soa_rdata(300));
  const std::vector<cache::Ipv4> private_v4{{{10, 1, 2, 3}}};
  const auto plain = test::wire("private.example");
  ASSERT_EQ(cache.insert_aaaa({plain, dns::type::AAAA, 1}, 120, private_v4, {},
                              cache::kNoEntryFlags, soa.bytes),
            cache::InsertStatus::inserted);
  test::Packet chain;
  chain.name("alias.example").rr_fixed(dns::type::CNAME, 1, 300, test::wire("private.example"));
  const auto alias = test::wire("alias.example");
  ASSERT_EQ(cache.insert_aaaa({alias, dns::type::AAAA, 1}, 120, private_v4, chain.bytes,
                              cache::kNoEntryFlags, soa.bytes),
            cache::InsertStatus::inserted);
  for (const char* name : {"private.example", "alias.example"}) {
    ASSERT_EQ(ask(query(name, dns::type::AAAA, 3, 1232)).outcome, DnsOutcome::answered_aaaa_synth)
        << name;
    EXPECT_EQ(reply.header.rcode(), dns::rcode::NOERROR);
    EXPECT_EQ(reply.header.nscount, 1) << name;
    dns::Reader rd(dns::Bytes(buf.data(), buf.size()));
    rd.seek(reply.sections.authority);
    dns::RR rr;
    ASSERT_EQ(rd.rr(rr), dns::Error::ok);
    EXPECT_EQ(rr.type, dns::type::SOA);
    EXPECT_EQ(dns::to_text(rr.owner.bytes()), "example");
    EXPECT_EQ(rr.ttl, 120u);
    for (const dns::RR& an : answers()) EXPECT_NE(an.type, dns::type::AAAA) << name;
  }
  // A client whose view maps the address gets it, and no SOA.
  ASSERT_EQ(ask(query("private.example", dns::type::AAAA), "2001:db8:aaaa::5").outcome,
            DnsOutcome::answered_aaaa_synth);
  EXPECT_EQ(answers().size(), 2u);
  EXPECT_EQ(reply.header.nscount, 0);
}

// AD only for clients that set DO, only from entries the upstream validated.
TEST_F(Fixture, ValidatedEntriesGiveAdToDoClientsOnly) {
  test::Packet rr;
  rr.u16(owner_is_qname).rr_fixed(dns::type::A, 1, 60, test::v4(192, 0, 2, 1));
  const std::vector<std::uint16_t> offs{6};
  const auto signed_name = test::wire("signed.example");
  const auto plain_name = test::wire("plain.example");
  ASSERT_EQ(cache.insert_rrset({signed_name, dns::type::A, 1}, 60, rr.bytes, offs,
                               cache::kValidated),
            cache::InsertStatus::inserted);
  ASSERT_EQ(cache.insert_rrset({plain_name, dns::type::A, 1}, 60, rr.bytes, offs),
            cache::InsertStatus::inserted);
  const std::vector<cache::Ipv4> v4{{{8, 8, 8, 8}}};
  ASSERT_EQ(cache.insert_aaaa({signed_name, dns::type::AAAA, 1}, 60, v4, {}, cache::kValidated),
            cache::InsertStatus::inserted);
  struct Row {
    const char* name;
    std::uint16_t qtype;
    bool do_bit, ad;
  };
  for (const Row& row : {Row{"signed.example", dns::type::A, true, true},
                         Row{"signed.example", dns::type::A, false, false},
                         Row{"signed.example", dns::type::AAAA, true, true},
                         Row{"signed.example", dns::type::AAAA, false, false},
                         Row{"plain.example", dns::type::A, true, false}}) {
    const Result r = ask(query(row.name, row.qtype, 5, 1232, row.do_bit));
    ASSERT_TRUE(is_answer(r.outcome)) << row.name;
    EXPECT_EQ((reply.header.flags & dns::flag::AD) != 0, row.ad)
        << row.name << " " << row.qtype << " DO " << row.do_bit;
    EXPECT_EQ(answers().size(), 1u);
  }
}

// Signatures and proofs only for clients that set DO (RFC 4035 §3.2.1),
// on the fast path and the Writer's alike.
TEST_F(Fixture, DnssecRecordsOnlyForDoClients) {
  test::Packet a, sig;
  a.u16(owner_is_qname).rr_fixed(dns::type::A, 1, 60, test::v4(192, 0, 2, 1));
  sig.u16(owner_is_qname).rr_fixed(dns::type::RRSIG, 1, 60, std::vector<std::uint8_t>(30, 7));
  const std::vector<std::uint16_t> offs{6};
  const auto name = test::wire("signed.example");
  ASSERT_EQ(cache.insert_signed({name, dns::type::A, 1}, cache::Kind::rrset, 60, 0, a.bytes, offs,
                                sig.bytes, offs, cache::kNoEntryFlags),
            cache::InsertStatus::inserted);
  for (const bool do_bit : {false, true}) {
    ASSERT_EQ(ask(query("signed.example", dns::type::A, 1, 1232, do_bit)).outcome,
              DnsOutcome::answered_cached);
    const std::vector<dns::RR> an = answers();
    ASSERT_EQ(an.size(), do_bit ? 2u : 1u) << "DO " << do_bit;
    EXPECT_EQ(an[0].type, dns::type::A);
    if (do_bit) {
      EXPECT_EQ(an[1].type, dns::type::RRSIG);
    }
  }
  // A negative answer: the SOA alone, or with its proofs.
  test::Packet soa, nsec;
  soa.name("example").rr_fixed(dns::type::SOA, 1, 60, test::soa_rdata(60));
  nsec.name("nx.example").rr_fixed(dns::type::NSEC, 1, 60, test::wire("z.example"));
  const auto nx = test::wire("nx.example");
  ASSERT_EQ(cache.insert_signed({nx, dns::type::TXT, 1}, cache::Kind::negative, 60,
                                dns::rcode::NXDOMAIN, soa.bytes,
                                std::vector<std::uint16_t>{13}, nsec.bytes,
                                std::vector<std::uint16_t>{16}, cache::kNoEntryFlags),
            cache::InsertStatus::inserted);
  for (const bool do_bit : {false, true}) {
    ASSERT_EQ(ask(query("nx.example", dns::type::TXT, 2, 1232, do_bit)).outcome,
              DnsOutcome::answered_negative);
    EXPECT_EQ(reply.header.rcode(), dns::rcode::NXDOMAIN);
    EXPECT_EQ(reply.header.nscount, do_bit ? 2 : 1) << "DO " << do_bit;
  }
}

TEST_F(Fixture, RrsetsAndNegativeEntries) {
  test::Packet rr;
  rr.u16(owner_is_qname).rr_fixed(dns::type::A, 1, 60, test::v4(192, 0, 2, 1));
  const std::vector<std::uint16_t> offs{6};
  const auto a = test::wire("a.example");
  ASSERT_EQ(cache.insert_rrset({a, dns::type::A, 1}, 60, rr.bytes, offs),
            cache::InsertStatus::inserted);
  ASSERT_EQ(ask(query("A.Example", dns::type::A)).outcome, DnsOutcome::answered_cached);
  auto an = answers();
  ASSERT_EQ(an.size(), 1u);
  EXPECT_EQ(dns::load16(buf.data() + an[0].offset), owner_is_qname);  // a pointer to the question

  // Two records, 25 seconds later, with EDNS: both TTLs are what remains.
  test::Packet two;
  two.u16(owner_is_qname).rr_fixed(dns::type::A, 1, 60, test::v4(192, 0, 2, 1));
  const auto second = static_cast<std::uint16_t>(two.bytes.size() + 6);
  two.u16(owner_is_qname).rr_fixed(dns::type::A, 1, 60, test::v4(192, 0, 2, 2));
  const std::vector<std::uint16_t> two_offs{6, second};
  const auto b = test::wire("b.example");
  ASSERT_EQ(cache.insert_rrset({b, dns::type::A, 1}, 60, two.bytes, two_offs),
            cache::InsertStatus::inserted);
  now += 25'000;
  ASSERT_EQ(ask(query("b.example", dns::type::A, 1, 1232)).outcome, DnsOutcome::answered_cached);
  an = answers();
  ASSERT_EQ(an.size(), 2u);
  EXPECT_EQ(an[0].ttl, 35u);
  EXPECT_EQ(an[1].ttl, 35u);
  EXPECT_EQ(an[1].rdata[3], 2);
  EXPECT_TRUE(reply.opt.present);
  EXPECT_FALSE(reply.header.tc());
  now -= 25'000;

  test::Packet soa;
  soa.name("example").rr_fixed(dns::type::SOA, 1, 30, test::soa_rdata(30));
  const std::vector<std::uint16_t> soa_off{
      static_cast<std::uint16_t>(test::wire("example").size() + 4)};
  const auto nx = test::wire("nx.example");
  ASSERT_EQ(
      cache.insert_negative({nx, dns::type::AAAA, 1}, 30, dns::rcode::NXDOMAIN, soa.bytes, soa_off),
      cache::InsertStatus::inserted);
  ASSERT_EQ(ask(query("nx.example", dns::type::AAAA)).outcome, DnsOutcome::answered_negative);
  EXPECT_EQ(reply.header.rcode(), dns::rcode::NXDOMAIN);
  EXPECT_EQ(reply.header.nscount, 1);
}

// RFC 6147 §5.5: a client with DO and CD validates for itself and must get
// the upstream's records with their signatures. The cache holds neither
// (its records were asked for without DO, and some are synthesized or
// filtered), so every entry kind is punted, on both paths; DO alone or CD
// alone is answered from the cache.
TEST_F(Fixture, ValidatingClientsAreNeverAnsweredFromTheCache) {
  synth("v4.example", {{{8, 8, 8, 8}}});
  test::Packet rr;
  rr.u16(owner_is_qname).rr_fixed(dns::type::A, 1, 60, test::v4(192, 0, 2, 1));
  ASSERT_EQ(cache.insert_rrset({test::wire("a.example"), dns::type::A, 1}, 60, rr.bytes,
                               std::vector<std::uint16_t>{6}),
            cache::InsertStatus::inserted);
  test::Packet soa;
  soa.name("example").rr_fixed(dns::type::SOA, 1, 30, test::soa_rdata(30));
  ASSERT_EQ(
      cache.insert_negative(
          {test::wire("nodata.example"), dns::type::AAAA, 1}, 30, dns::rcode::NOERROR, soa.bytes,
          std::vector<std::uint16_t>{static_cast<std::uint16_t>(test::wire("example").size() + 4)}),
      cache::InsertStatus::inserted);
  const std::vector<std::pair<const char*, std::uint16_t>> names = {
      {"v4.example", dns::type::AAAA},
      {"a.example", dns::type::A},
      {"nodata.example", dns::type::AAAA}};
  auto with_flags = [](const char* name, std::uint16_t type, std::uint16_t flags, bool do_bit) {
    test::Packet q;
    q.header(9, flags, 1, 0, 0, 1).name(name).u16(type).u16(1).opt(1232, do_bit);
    return q;
  };
  for (const auto& [name, type] : names) {
    SCOPED_TRACE(name);
    const test::Packet validating = with_flags(name, type, 0x0110, true);  // RD, CD; DO
    EXPECT_EQ(ask(validating).outcome, DnsOutcome::punted_validating);
    EXPECT_TRUE(std::equal(validating.bytes.begin(), validating.bytes.end(), buf.begin()));
    // The general path (a query the fast parse left alone) decides the same.
    buf.assign(validating.bytes.begin(), validating.bytes.end());
    buf.resize(1500);
    Client c;
    c.is_v6 = true;
    c.v6 = *dns64::parse_v6("2001:db8:ffff::1");
    const Context ctx{&views, &cache, reader, now, 1232};
    EXPECT_EQ(respond(buf, validating.size(), c, ctx, Prepared{}).outcome,
              DnsOutcome::punted_validating);
    EXPECT_TRUE(is_answer(ask(with_flags(name, type, 0x0100, true)).outcome));   // DO only
    EXPECT_TRUE(is_answer(ask(with_flags(name, type, 0x0110, false)).outcome));  // CD only
  }
  // Local data (a static record) has no upstream answer to defer to.
  ASSERT_EQ(cache.insert_aaaa({test::wire("local.example"), dns::type::AAAA, 1}, 60,
                              std::vector<cache::Ipv4>{{{8, 8, 8, 8}}}, {}, cache::kLocal),
            cache::InsertStatus::inserted);
  EXPECT_EQ(ask(with_flags("local.example", dns::type::AAAA, 0x0110, true)).outcome,
            DnsOutcome::answered_aaaa_synth);
  EXPECT_EQ(ask(with_flags("missing.example", dns::type::AAAA, 0x0110, true)).outcome,
            DnsOutcome::punted_validating);
}

TEST_F(Fixture, PtrModesAndPartialNames) {
  test::Packet rr;
  rr.u16(owner_is_qname).rr_fixed(dns::type::PTR, 1, 300, test::wire("host.example"));
  const std::vector<std::uint16_t> offs{6};
  const auto key = test::wire("8.8.8.8.in-addr.arpa");
  ASSERT_EQ(cache.insert_rrset({key, dns::type::PTR, 1}, 300, rr.bytes, offs),
            cache::InsertStatus::inserted);
  dns::Name q;
  dns64::ip6_arpa_name(dns64::embed(dns64::well_known_prefix, {8, 8, 8, 8}), q);
  const std::string qtext = dns::to_text(q.bytes());
  ASSERT_EQ(ask(query(qtext, dns::type::PTR)).outcome, DnsOutcome::answered_ptr_mapped);
  auto an = answers();
  ASSERT_EQ(an.size(), 2u);
  EXPECT_EQ(an[0].type, dns::type::CNAME);
  EXPECT_EQ(an[1].type, dns::type::PTR);
  EXPECT_EQ(dns::to_text(an[1].owner.bytes()), "8.8.8.8.in-addr.arpa");

  dns64::Prefix nsp;
  dns64::parse_pref64("2001:db8:64::/96", nsp);
  dns64::ip6_arpa_name(dns64::embed(nsp, {8, 8, 8, 8}), q);
  ASSERT_EQ(ask(query(dns::to_text(q.bytes()), dns::type::PTR), "2001:db8:aaaa::1").outcome,
            DnsOutcome::answered_ptr_mapped);
  an = answers();
  ASSERT_EQ(an.size(), 1u);
  EXPECT_EQ(an[0].type, dns::type::PTR);
  EXPECT_EQ(an[0].owner.size, q.size);

  EXPECT_EQ(ask(query("b.9.f.f.4.6.0.0.ip6.arpa", dns::type::PTR)).outcome,
            DnsOutcome::answered_ptr_partial);
  EXPECT_EQ(reply.header.ancount, 0);
  dns64::ip6_arpa_name(dns64::embed(dns64::well_known_prefix, {9, 9, 9, 9}), q);
  EXPECT_EQ(ask(query(dns::to_text(q.bytes()), dns::type::PTR)).outcome, DnsOutcome::punted_miss);
}

// A view with its own AAAA policies, domain lists and an IPv4 → prefix map.
struct PolicyFixture : Fixture {
  PolicyFixture() {
    View v;
    v.name = "lists";
    dns64::parse_pref64("2001:db8:64::/96", v.prefixes[0]);
    v.prefix_count = 1;
    AaaaPolicy never, always;
    never.mode = Synthesis::none;
    always.mode = Synthesis::all;
    v.exclude_policy = static_cast<std::uint8_t>(views.add_policy(never));
    v.force_policy = static_cast<std::uint8_t>(views.add_policy(always));
    v.exclude_domains.push_back(test::wire("intra.example"));
    v.force_domains.push_back(test::wire("broken-v6.example"));
    v.prefix_map.push_back({{{203, 0, 113, 0}, 24}, *pref("2001:db8:65::/96")});
    views.add_client_v6(*dns64::parse_v6("2001:db8:bbbb::"), 48, views.add_view(v));
  }
  static std::optional<dns64::Prefix> pref(const char* text) {
    dns64::Prefix p;
    if (dns64::parse_pref64(text, p) != dns64::PrefixError::ok) return std::nullopt;
    return p;
  }
  static constexpr const char* client = "2001:db8:bbbb::9";
};

TEST_F(PolicyFixture, PoliciesAreSharedAndKeyedByTheirOwnTypes) {
  EXPECT_EQ(views.policy_count(), 3u);  // standard, none, all
  AaaaPolicy again;
  again.mode = Synthesis::none;
  EXPECT_EQ(views.add_policy(again), 1);
  EXPECT_EQ(aaaa_key_type(0), dns::type::AAAA);
  EXPECT_EQ(views.policy_of_type(aaaa_key_type(2)), 2);
  EXPECT_EQ(views.policy_of_type(dns::type::A), -1);
  const View& v = views.view(views.for_v6(*dns64::parse_v6(client)));
  EXPECT_EQ(v.policy_for(test::wire("www.intra.example")), 1);
  EXPECT_EQ(v.policy_for(test::wire("intra.example")), 1);
  EXPECT_EQ(v.policy_for(test::wire("xintra.example")), 0);  // a label boundary, not a suffix
  EXPECT_EQ(v.policy_for(test::wire("a.broken-v6.example")), 2);
  EXPECT_EQ(v.policy_for(test::wire("example")), 0);
}

TEST_F(PolicyFixture, DomainListsChooseTheCacheEntry) {
  // The standard entry (what other views see) and the `all` entry differ:
  // under force_domains this view reads the latter.
  const auto name = test::wire("www.broken-v6.example");
  test::Packet real;
  real.u16(owner_is_qname)
      .rr_fixed(dns::type::AAAA, 1, 300,
                std::vector<std::uint8_t>{0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  ASSERT_EQ(cache.insert_rrset({name, dns::type::AAAA, 1}, 300, real.bytes,
                               std::vector<std::uint16_t>{6}),
            cache::InsertStatus::inserted);
  EXPECT_EQ(ask(query("www.broken-v6.example", dns::type::AAAA)).outcome,
            DnsOutcome::answered_aaaa_real);
  // The forcing view misses until its own entry exists, then synthesizes.
  EXPECT_EQ(ask(query("www.broken-v6.example", dns::type::AAAA), client).outcome,
            DnsOutcome::punted_miss);
  ASSERT_EQ(cache.insert_aaaa({name, aaaa_key_type(2), 1}, 300,
                              std::vector<cache::Ipv4>{{{8, 8, 4, 4}}}, {}),
            cache::InsertStatus::inserted);
  ASSERT_EQ(ask(query("WWW.Broken-V6.example", dns::type::AAAA), client).outcome,
            DnsOutcome::answered_aaaa_synth);
  auto an = answers();
  ASSERT_EQ(an.size(), 1u);
  EXPECT_EQ(dns64::to_text(*reinterpret_cast<const dns64::V6*>(an[0].rdata.data())),
            "2001:db8:64::808:404");
  // Clients cannot read the private types directly.
  EXPECT_EQ(ask(query("www.broken-v6.example", aaaa_key_type(2)), client).outcome,
            DnsOutcome::answered_refused);
}

TEST_F(PolicyFixture, PrefixMapChoosesThePrefixPerAddress) {
  synth("mixed.example", {{{8, 8, 8, 8}}, {{203, 0, 113, 7}}});
  ASSERT_EQ(ask(query("mixed.example", dns::type::AAAA), client).outcome,
            DnsOutcome::answered_aaaa_synth);
  auto an = answers();
  ASSERT_EQ(an.size(), 2u);
  EXPECT_EQ(dns64::to_text(*reinterpret_cast<const dns64::V6*>(an[0].rdata.data())),
            "2001:db8:64::808:808");
  EXPECT_EQ(dns64::to_text(*reinterpret_cast<const dns64::V6*>(an[1].rdata.data())),
            "2001:db8:65::cb00:7107");
  // Other views do not have the map.
  ASSERT_EQ(ask(query("mixed.example", dns::type::AAAA)).outcome, DnsOutcome::answered_aaaa_synth);
  EXPECT_EQ(answers().size(), 1u);  // 203.0.113.7 is not global: not under the WKP

  // PTR under the mapped prefix maps back, for addresses in its range only.
  test::Packet rr;
  rr.u16(owner_is_qname).rr_fixed(dns::type::PTR, 1, 300, test::wire("host.example"));
  ASSERT_EQ(cache.insert_rrset({test::wire("7.113.0.203.in-addr.arpa"), dns::type::PTR, 1}, 300,
                               rr.bytes, std::vector<std::uint16_t>{6}),
            cache::InsertStatus::inserted);
  dns::Name q;
  dns64::ip6_arpa_name(dns64::embed(*pref("2001:db8:65::/96"), {203, 0, 113, 7}), q);
  EXPECT_EQ(ask(query(dns::to_text(q.bytes()), dns::type::PTR), client).outcome,
            DnsOutcome::answered_ptr_mapped);
  dns64::ip6_arpa_name(dns64::embed(*pref("2001:db8:65::/96"), {8, 8, 8, 8}), q);
  EXPECT_EQ(ask(query(dns::to_text(q.bytes()), dns::type::PTR), client).outcome,
            DnsOutcome::punted_miss);  // not ours to map: an ordinary PTR query
}

TEST_F(Fixture, PtrModeKeepsTheOwnersOfAChain) {
  // RFC 2317: the in-addr.arpa name is a CNAME to a name that holds the PTR.
  // The ptr mode renames only the key's own records: renaming the PTR too
  // would put a CNAME and a PTR at the query's name.
  test::Packet rr;
  rr.u16(owner_is_qname)
      .rr_fixed(dns::type::CNAME, 1, 300, test::wire("8.0-25.8.8.8.in-addr.arpa"));
  const auto first = static_cast<std::uint16_t>(rr.bytes.size());
  rr.name("8.0-25.8.8.8.in-addr.arpa").rr_fixed(dns::type::PTR, 1, 300, test::wire("h.example"));
  const std::vector<std::uint16_t> offs{
      6, static_cast<std::uint16_t>(first + test::wire("8.0-25.8.8.8.in-addr.arpa").size() + 4)};
  const auto key = test::wire("8.8.8.8.in-addr.arpa");
  ASSERT_EQ(cache.insert_rrset({key, dns::type::PTR, 1}, 300, rr.bytes, offs),
            cache::InsertStatus::inserted);
  dns64::Prefix nsp;
  dns64::parse_pref64("2001:db8:64::/96", nsp);
  dns::Name q;
  dns64::ip6_arpa_name(dns64::embed(nsp, {8, 8, 8, 8}), q);
  ASSERT_EQ(ask(query(dns::to_text(q.bytes()), dns::type::PTR), "2001:db8:aaaa::1").outcome,
            DnsOutcome::answered_ptr_mapped);
  auto an = answers();
  ASSERT_EQ(an.size(), 2u);
  EXPECT_EQ(an[0].type, dns::type::CNAME);
  EXPECT_TRUE(an[0].owner == q);
  EXPECT_EQ(an[1].type, dns::type::PTR);
  EXPECT_EQ(dns::to_text(an[1].owner.bytes()), "8.0-25.8.8.8.in-addr.arpa");
}

TEST_F(Fixture, RepliesNeverExceedTheClientsLimit) {
  // 32 addresses under two prefixes, and 64 long PTR records: far over 512.
  std::vector<cache::Ipv4> many;
  for (std::uint8_t k = 0; k < 32; ++k) many.push_back({{8, 8, 8, k}});
  synth("big.example", many);
  test::Packet rr;
  std::vector<std::uint16_t> offs;
  for (int k = 0; k < 64; ++k) {
    offs.push_back(static_cast<std::uint16_t>(rr.bytes.size() + 6));
    rr.u16(owner_is_qname)
        .rr_fixed(
            dns::type::PTR, 1, 300,
            test::wire("a-rather-long-label-to-fill-the-reply-" + std::to_string(k) + ".example"));
  }
  ASSERT_EQ(cache.insert_rrset({test::wire("9.8.8.8.in-addr.arpa"), dns::type::PTR, 1}, 300,
                               rr.bytes, offs),
            cache::InsertStatus::inserted);
  // The same records as an ordinary cached RRset, asked for by name.
  ASSERT_EQ(
      cache.insert_rrset({test::wire("many.example"), dns::type::PTR, 1}, 300, rr.bytes, offs),
      cache::InsertStatus::inserted);
  dns64::Prefix nsp;
  dns64::parse_pref64("2001:db8:64::/96", nsp);
  dns::Name wkp_q, nsp_q;
  dns64::ip6_arpa_name(dns64::embed(dns64::well_known_prefix, {8, 8, 8, 9}), wkp_q);
  dns64::ip6_arpa_name(dns64::embed(nsp, {8, 8, 8, 9}), nsp_q);
  struct Case {
    std::string name;
    std::uint16_t qtype;
    const char* client;
  };
  const Case cases[] = {{"big.example", dns::type::AAAA, "2001:db8:ffff::1"},
                        {"big.example", dns::type::AAAA, "2001:db8:aaaa::1"},
                        {dns::to_text(wkp_q.bytes()), dns::type::PTR, "2001:db8:ffff::1"},
                        {dns::to_text(nsp_q.bytes()), dns::type::PTR, "2001:db8:aaaa::1"},
                        {"many.example", dns::type::PTR, "2001:db8:ffff::1"}};
  for (const Case& c : cases) {
    for (int edns : {-1, 0, 600, 1232, 4096}) {
      const Result r = ask(query(c.name, c.qtype, 1, edns), c.client);
      ASSERT_TRUE(is_answer(r.outcome)) << c.name << " " << edns;
      const std::size_t limit = edns < 0 ? 512 : std::clamp(edns, 512, 1232);
      EXPECT_LE(r.reply_len, limit) << c.name << " " << edns;
      EXPECT_EQ(reply.opt.present, edns >= 0);
      if (c.name == "many.example") {
        // 64 records of about 60 octets: over every limit (1232 at most).
        EXPECT_EQ(reply.header.tc(), true) << edns;
        EXPECT_EQ(r.outcome, DnsOutcome::answered_cached);
      }
    }
  }
}

TEST_F(Fixture, ErrorsAndRefusals) {
  test::Packet bad;
  bad.header(5, 0x0100, 0, 0, 0, 0);
  EXPECT_EQ(ask(bad).outcome, DnsOutcome::answered_formerr);
  EXPECT_EQ(reply.header.rcode(), dns::rcode::FORMERR);
  auto resp = query("x.example", 1);
  resp.bytes[2] |= 0x80;
  EXPECT_EQ(ask(resp).outcome, DnsOutcome::dropped_response);
  EXPECT_EQ(ask(query("x.example", 1, 1, -1, false, dns::cls::CH)).outcome,
            DnsOutcome::answered_refused_class);
  EXPECT_EQ(reply.header.rcode(), dns::rcode::REFUSED);
  test::Packet tiny;
  tiny.raw({1, 2, 3});
  EXPECT_EQ(ask(tiny).outcome, DnsOutcome::dropped_short);

  ViewTable only;
  View v;
  v.name = "v";
  v.prefixes[0] = dns64::well_known_prefix;
  v.prefix_count = 1;
  only.add_client_v6(*dns64::parse_v6("2001:db8:1::"), 48, only.add_view(v));
  buf = query("x.example", 28).bytes;
  buf.resize(512);
  Client c;
  c.is_v6 = true;
  c.v6 = *dns64::parse_v6("2001:db8:2::1");
  Context ctx{&only, &cache, reader, now, 1232};
  EXPECT_EQ(respond(buf, query("x.example", 28).size(), c, ctx).outcome,
            DnsOutcome::answered_refused);
}

// The key of a query the cache cannot answer, as respond() punts it.
QuestionKey punted_key(Fixture& f, const test::Packet& q, const char* client = "2001:db8:ffff::1") {
  f.buf.assign(q.bytes.begin(), q.bytes.end());
  f.buf.resize(1500);
  Client c;
  c.is_v6 = true;
  c.v6 = *dns64::parse_v6(client);
  Context ctx{&f.views, &f.cache, f.reader, f.now, 1232};
  QuestionKey key;
  const Result r = respond(f.buf, q.size(), c, ctx, &key);
  EXPECT_TRUE(is_punt(r.outcome)) << to_string(r.outcome);
  return key;
}

TEST_F(Fixture, AnyGetsTheMinimalAnswerOfRfc8482) {
  synth("v4.example", {{{8, 8, 8, 8}}});  // cached, yet never handed out whole
  for (const char* name : {"v4.example", "nothing.example"}) {
    ASSERT_EQ(ask(query(name, dns::type::ANY, 3, 1232)).outcome, DnsOutcome::answered_any_minimal)
        << name;
    EXPECT_EQ(reply.header.rcode(), dns::rcode::NOERROR);
    const auto an = answers();
    ASSERT_EQ(an.size(), 1u);
    EXPECT_EQ(an[0].type, dns::type::HINFO);
    EXPECT_EQ(an[0].ttl, 3600u);
    EXPECT_EQ(std::vector<std::uint8_t>(an[0].rdata.begin(), an[0].rdata.end()),
              (std::vector<std::uint8_t>{7, 'R', 'F', 'C', '8', '4', '8', '2', 0}));
  }
}

TEST_F(Fixture, ChaosSaysWhatTheConfigurationAllowsAndOtherClassesAreRefused) {
  const ServerInfo server{"dns64-a", "dns64d 1.0"};
  const auto chaos = [&](const char* name, std::uint16_t type, std::uint16_t cls = dns::cls::CH,
                         const ServerInfo* info = nullptr) {
    buf = query(name, type, 9, -1, false, cls).bytes;
    const std::size_t len = buf.size();
    buf.resize(1500);
    Client c;
    c.is_v6 = true;
    c.v6 = *dns64::parse_v6("2001:db8:ffff::1");
    Context ctx{&views, &cache, reader, now, 1232};
    ctx.server = info;
    const Result r = respond(buf, len, c, ctx);
    EXPECT_EQ(dns::parse_message(dns::Bytes(buf.data(), r.reply_len), reply, false),
              dns::Error::ok);
    return r.outcome;
  };
  const auto txt = [&] {
    const auto an = answers();
    return an.size() == 1 && an[0].rdata.size() > 1
               ? std::string(an[0].rdata.begin() + 1, an[0].rdata.end())
               : std::string("-");
  };
  EXPECT_EQ(chaos("version.bind", dns::type::TXT, dns::cls::CH, &server),
            DnsOutcome::answered_chaos);
  EXPECT_TRUE(reply.header.flags & dns::flag::AA);
  EXPECT_EQ(txt(), "dns64d 1.0");
  EXPECT_EQ(chaos("VERSION.server", dns::type::TXT, dns::cls::CH, &server),
            DnsOutcome::answered_chaos);
  EXPECT_EQ(txt(), "dns64d 1.0");
  EXPECT_EQ(chaos("hostname.bind", dns::type::TXT, dns::cls::CH, &server),
            DnsOutcome::answered_chaos);
  EXPECT_EQ(txt(), "dns64-a");
  EXPECT_EQ(chaos("id.server", dns::type::ANY, dns::cls::CH, &server), DnsOutcome::answered_chaos);
  EXPECT_EQ(txt(), "dns64-a");
  // Unset, unknown names, other types and other classes: REFUSED, never relayed.
  const ServerInfo unset;
  EXPECT_EQ(chaos("version.bind", dns::type::TXT, dns::cls::CH, &unset),
            DnsOutcome::answered_refused_class);
  EXPECT_EQ(reply.header.rcode(), dns::rcode::REFUSED);
  EXPECT_EQ(chaos("version.bind", dns::type::TXT), DnsOutcome::answered_refused_class);
  EXPECT_EQ(chaos("authors.bind", dns::type::TXT, dns::cls::CH, &server),
            DnsOutcome::answered_refused_class);
  EXPECT_EQ(chaos("version.bind", dns::type::A, dns::cls::CH, &server),
            DnsOutcome::answered_refused_class);
  EXPECT_EQ(chaos("example.com", dns::type::A, 4 /* HS */, &server),
            DnsOutcome::answered_refused_class);
  EXPECT_EQ(chaos("example.com", dns::type::A, dns::cls::ANY, &server),
            DnsOutcome::answered_refused_class);
}

TEST_F(Fixture, AnswerRcodeKeepsQuestionAndEdns) {
  const QuestionKey key = punted_key(*this, query("Miss.Example", dns::type::AAAA, 44, 4096, true));
  buf.assign(1500, 0);
  const std::size_t len = answer_rcode(key, buf, dns::rcode::SERVFAIL, 1232);
  ASSERT_GT(len, 0u);
  ASSERT_EQ(dns::parse_message(dns::Bytes(buf.data(), len), reply), dns::Error::ok);
  EXPECT_EQ(reply.header.id, 44);
  EXPECT_EQ(reply.header.rcode(), dns::rcode::SERVFAIL);
  EXPECT_TRUE(reply.header.rd());
  EXPECT_TRUE(reply.opt.present);
  EXPECT_TRUE(reply.opt.do_bit);
  EXPECT_EQ(reply.opt.udp_size, 1232);
  // The question as the client wrote it.
  EXPECT_EQ(std::vector<std::uint8_t>(buf.begin() + 12, buf.begin() + 12 + 14),
            test::wire("Miss.Example"));
}

TEST_F(Fixture, PuntedKeyCarriesWhatTheAnswerNeeds) {
  const auto q = test::Packet()
                     .header(7, 0x0110, 1, 0, 0, 1)
                     .name("WWW.Example.ORG")
                     .u16(dns::type::AAAA)
                     .u16(dns::cls::IN)
                     .opt(1400, false, {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});
  const QuestionKey k = punted_key(*this, q, "2001:db8:aaaa::5");
  EXPECT_EQ(k.id, 7);
  EXPECT_EQ(k.flags, 0x0110);
  EXPECT_EQ(k.qtype, dns::type::AAAA);
  EXPECT_EQ(k.key_type, dns::type::AAAA);
  EXPECT_EQ(k.view, 1);  // "nsp", by the client's address
  EXPECT_FALSE(k.validating);
  EXPECT_FALSE(k.ptr_mapped);
  EXPECT_TRUE(k.opt);
  EXPECT_EQ(k.udp_size, 1400);
  EXPECT_EQ(std::vector<std::uint8_t>(k.qname().begin(), k.qname().end()),
            test::wire("WWW.Example.ORG"));
  EXPECT_EQ(std::vector<std::uint8_t>(k.key_name().begin(), k.key_name().end()),
            test::wire("www.example.org"));
  EXPECT_EQ(std::vector<std::uint8_t>(k.edns_options().begin(), k.edns_options().end()),
            (std::vector<std::uint8_t>{0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST_F(Fixture, FastAndGeneralPathsGiveTheSameKey) {
  // The same question, once plain (fast path) and once with a compression
  // pointer in a second, ignored position that sends it the general way:
  // a query with ARCOUNT 2 is not the fast path's shape.
  const QuestionKey fast = punted_key(*this, query("Same.Example", dns::type::A, 9, 1232));
  const auto general = test::Packet()
                           .header(9, 0x0100, 1, 0, 0, 2)
                           .name("Same.Example")
                           .u16(dns::type::A)
                           .u16(dns::cls::IN)
                           .opt(1232, false)
                           .raw({0, 0, 16, 0, 1, 0, 0, 0, 0, 0, 0});
  const QuestionKey slow = punted_key(*this, general);
  EXPECT_EQ(fast.id, slow.id);
  EXPECT_EQ(fast.flags, slow.flags);
  EXPECT_EQ(fast.key_type, slow.key_type);
  EXPECT_EQ(fast.view, slow.view);
  EXPECT_EQ(fast.udp_size, slow.udp_size);
  EXPECT_EQ(std::vector<std::uint8_t>(fast.qname().begin(), fast.qname().end()),
            std::vector<std::uint8_t>(slow.qname().begin(), slow.qname().end()));
  EXPECT_EQ(std::vector<std::uint8_t>(fast.key_name().begin(), fast.key_name().end()),
            std::vector<std::uint8_t>(slow.key_name().begin(), slow.key_name().end()));
}

TEST_F(Fixture, PtrUnderAPrefixIsKeyedByItsInAddrName) {
  const char* name = "1.0.0.c.0.0.2.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa";
  const QuestionKey k = punted_key(*this, query(name, dns::type::PTR));
  EXPECT_TRUE(k.ptr_mapped);
  EXPECT_EQ(std::vector<std::uint8_t>(k.key_name().begin(), k.key_name().end()),
            test::wire("1.192.0.194.in-addr.arpa"));
  // A validating client's PTR is not mapped: it gets the upstream's own answer.
  const QuestionKey v = punted_key(*this, test::Packet()
                                              .header(1, 0x0110, 1, 0, 0, 1)
                                              .name(name)
                                              .u16(dns::type::PTR)
                                              .u16(dns::cls::IN)
                                              .opt(1232, true));
  EXPECT_TRUE(v.validating);
  EXPECT_FALSE(v.ptr_mapped);
}

TEST_F(Fixture, AnswerFromCacheMatchesTheWorkersAnswer) {
  const auto q = query("Late.Example", dns::type::AAAA, 77, 1232);
  const QuestionKey key = punted_key(*this, q);
  synth("late.example", {{{8, 8, 4, 4}}});
  // What the worker now writes for the query itself...
  ASSERT_EQ(ask(q).outcome, DnsOutcome::answered_aaaa_synth);
  const std::size_t worker_len =
      dns::parse_message(dns::Bytes(buf.data(), buf.size()), reply) == dns::Error::ok
          ? reply.sections.end
          : 0;
  const std::vector<std::uint8_t> from_worker(buf.begin(),
                                              buf.begin() + static_cast<long>(worker_len));
  // ...and what the control plane writes from the key alone.
  std::vector<std::uint8_t> out(1500);
  Context ctx{&views, &cache, reader, now, 1232};
  const Result r = answer_from_cache(key, out, ctx);
  ASSERT_EQ(r.outcome, DnsOutcome::answered_aaaa_synth);
  EXPECT_EQ(std::vector<std::uint8_t>(out.begin(), out.begin() + static_cast<long>(r.reply_len)),
            from_worker);
  EXPECT_EQ(out[13], 'L');  // the client's case
}

TEST_F(Fixture, AnswerFromCacheGivesValidatingClientsLocalEntriesOnly) {
  const auto q = test::Packet()
                     .header(1, 0x0110, 1, 0, 0, 1)
                     .name("signed.example")
                     .u16(dns::type::A)
                     .u16(dns::cls::IN)
                     .opt(1232, true);
  const QuestionKey key = punted_key(*this, q);
  ASSERT_TRUE(key.validating);
  const auto rdata = test::v4(192, 0, 2, 1);
  test::Packet rr;
  rr.u16(owner_is_qname).rr_fixed(dns::type::A, 1, 300, rdata);
  ASSERT_EQ(cache.insert_rrset({test::wire("signed.example"), dns::type::A, 1}, 300, rr.bytes,
                               std::vector<std::uint16_t>{6}),
            cache::InsertStatus::inserted);
  std::vector<std::uint8_t> out(1500);
  Context ctx{&views, &cache, reader, now, 1232};
  EXPECT_EQ(answer_from_cache(key, out, ctx).outcome, DnsOutcome::punted_validating);
}

// RFC 6147 §5.3.1 matches every locally configured Pref64: the reverse
// prefixes of every view, the client's own first; its view decides the form.
TEST_F(Fixture, PtrUnderAnotherViewsPrefixIsMappedInTheClientsForm) {
  test::Packet rr;
  rr.u16(owner_is_qname).rr_fixed(dns::type::PTR, 1, 300, test::wire("host.example"));
  ASSERT_EQ(cache.insert_rrset({test::wire("8.8.8.8.in-addr.arpa"), dns::type::PTR, 1}, 300,
                               rr.bytes, std::vector<std::uint16_t>{6}),
            cache::InsertStatus::inserted);
  dns::Name q;
  // The default view (WKP, cname mode) asking under nsp's prefix: a CNAME.
  dns64::ip6_arpa_name(dns64::embed(prefix("2001:db8:64::/96"), {8, 8, 8, 8}), q);
  ASSERT_EQ(ask(query(dns::to_text(q.bytes()), dns::type::PTR)).outcome,
            DnsOutcome::answered_ptr_mapped);
  auto an = answers();
  ASSERT_EQ(an.size(), 2u);
  EXPECT_EQ(an[0].type, dns::type::CNAME);
  EXPECT_EQ(an[1].type, dns::type::PTR);
  // nsp (ptr mode) asking under the WKP: the PTR at the question's name.
  dns64::ip6_arpa_name(dns64::embed(dns64::well_known_prefix, {8, 8, 8, 8}), q);
  ASSERT_EQ(ask(query(dns::to_text(q.bytes()), dns::type::PTR), "2001:db8:aaaa::1").outcome,
            DnsOutcome::answered_ptr_mapped);
  an = answers();
  ASSERT_EQ(an.size(), 1u);
  EXPECT_EQ(an[0].type, dns::type::PTR);
  EXPECT_TRUE(an[0].owner == q);
  // A miss is keyed by its in-addr.arpa name with the matched prefix's zone
  // (nsp's /40: ten nibbles), on both paths.
  dns64::ip6_arpa_name(dns64::embed(prefix("2001:db8:100::/40"), {9, 9, 9, 9}), q);
  const auto miss = query(dns::to_text(q.bytes()), dns::type::PTR);
  const QuestionKey k = punted_key(*this, miss);
  EXPECT_EQ(k.view, 0);
  EXPECT_TRUE(k.ptr_mapped);
  EXPECT_EQ(k.ptr_zone, 10);
  EXPECT_EQ(std::vector<std::uint8_t>(k.key_name().begin(), k.key_name().end()),
            test::wire("9.9.9.9.in-addr.arpa"));
  buf.assign(miss.bytes.begin(), miss.bytes.end());
  buf.resize(1500);
  QuestionKey slow;
  const Context ctx{&views, &cache, reader, now, 1232};
  ASSERT_EQ(respond(buf, miss.size(), client6("2001:db8:ffff::1"), ctx, Prepared{}, &slow).outcome,
            DnsOutcome::punted_miss);
  EXPECT_TRUE(slow.ptr_mapped);
  EXPECT_EQ(slow.ptr_zone, 10);
}

// A mapped name whose in-addr.arpa name does not exist (or has no PTR):
// the rcode and the SOA of the Pref64's reverse zone, which covers the
// question, never a CNAME to nothing or the in-addr.arpa zone's SOA.
TEST_F(Fixture, NegativeMappedPtrCarriesOnlyTheReverseZonesSoa) {
  const auto negative = [&](const char* in_addr, std::uint8_t rcode, std::uint32_t ttl) {
    test::Packet soa;
    soa.name("in-addr.arpa").rr_fixed(dns::type::SOA, 1, ttl, test::soa_rdata(ttl));
    ASSERT_EQ(cache.insert_negative({test::wire(in_addr), dns::type::PTR, 1}, ttl, rcode, soa.bytes,
                                    std::vector<std::uint16_t>{static_cast<std::uint16_t>(
                                        test::wire("in-addr.arpa").size() + 4)}),
              cache::InsertStatus::inserted);
  };
  dns::Name q;
  dns64::ip6_arpa_name(dns64::embed(dns64::well_known_prefix, {9, 9, 9, 9}), q);
  const auto nx = query(dns::to_text(q.bytes()), dns::type::PTR, 5, 1232);
  const QuestionKey key = punted_key(*this, nx);
  negative("9.9.9.9.in-addr.arpa", dns::rcode::NXDOMAIN, 120);
  now += 20'000;
  ASSERT_EQ(ask(nx).outcome, DnsOutcome::answered_negative);
  EXPECT_EQ(reply.header.rcode(), dns::rcode::NXDOMAIN);
  EXPECT_EQ(reply.header.ancount, 0);
  ASSERT_EQ(reply.header.nscount, 1);
  ReverseSoa soa = authority_soa();
  EXPECT_EQ(soa.owner, "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa");
  EXPECT_EQ(soa.ttl, 100u);
  EXPECT_EQ(soa.mname, soa.owner);
  EXPECT_EQ(soa.rname, ".");
  EXPECT_EQ(soa.timers, (std::array<std::uint32_t, 5>{1, 28800, 7200, 604800, 100}));
  const std::vector<std::uint8_t> from_worker(buf.begin(),
                                              buf.begin() + static_cast<long>(reply.sections.end));
  // The control plane writes the same from the key alone.
  std::vector<std::uint8_t> out(1500);
  const Context ctx{&views, &cache, reader, now, 1232};
  const Result r = answer_from_cache(key, out, ctx);
  ASSERT_EQ(r.outcome, DnsOutcome::answered_negative);
  EXPECT_EQ(std::vector<std::uint8_t>(out.begin(), out.begin() + static_cast<long>(r.reply_len)),
            from_worker);
  // So does the general path.
  buf.assign(nx.bytes.begin(), nx.bytes.end());
  buf.resize(1500);
  const Result g = respond(buf, nx.size(), client6("2001:db8:ffff::1"), ctx, Prepared{});
  ASSERT_EQ(g.outcome, DnsOutcome::answered_negative);
  EXPECT_EQ(std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<long>(g.reply_len)),
            from_worker);
  // An answer the control plane did not cache, with the TTL it gives.
  const std::size_t n = answer_reverse_negative(key, out, dns::rcode::NXDOMAIN, 50, ctx);
  ASSERT_GT(n, 0u);
  ASSERT_EQ(dns::parse_message(dns::Bytes(out.data(), n), reply), dns::Error::ok);
  buf = out;
  soa = authority_soa();
  EXPECT_EQ(reply.header.rcode(), dns::rcode::NXDOMAIN);
  EXPECT_EQ(soa.ttl, 50u);
  EXPECT_EQ(soa.timers[4], 50u);
  EXPECT_TRUE(reply.opt.present);
  const std::vector<std::uint8_t> padding{0, 12, 0, 2, 0, 0};
  const std::size_t with =
      answer_reverse_negative(key, out, dns::rcode::NXDOMAIN, 50, ctx, padding);
  ASSERT_EQ(dns::parse_message(dns::Bytes(out.data(), with), reply), dns::Error::ok);
  EXPECT_EQ(std::vector<std::uint8_t>(reply.opt.options.begin(), reply.opt.options.end()), padding);
  QuestionKey plain = key;
  plain.ptr_mapped = false;
  EXPECT_EQ(answer_reverse_negative(plain, out, dns::rcode::NXDOMAIN, 50, ctx), 0u);

  // NODATA in ptr mode, under nsp's /40: the zone of ten nibbles.
  dns64::ip6_arpa_name(dns64::embed(prefix("2001:db8:100::/40"), {10, 10, 10, 10}), q);
  negative("10.10.10.10.in-addr.arpa", dns::rcode::NOERROR, 60);
  ASSERT_EQ(ask(query(dns::to_text(q.bytes()), dns::type::PTR), "2001:db8:aaaa::1").outcome,
            DnsOutcome::answered_negative);
  EXPECT_EQ(reply.header.rcode(), dns::rcode::NOERROR);
  EXPECT_EQ(reply.header.ancount, 0);
  soa = authority_soa();
  EXPECT_EQ(soa.owner, "1.0.8.b.d.0.1.0.0.2.ip6.arpa");
  EXPECT_EQ(soa.ttl, 60u);
}

// Names with fewer labels than an address: NODATA, with the SOA of the
// deepest reverse zone that holds them; none above every apex.
TEST_F(Fixture, PartialNamesInsideAReverseZoneCarryItsSoa) {
  dns::Name full;
  dns64::ip6_arpa_name(dns64::embed(dns64::well_known_prefix, {8, 8, 8, 8}), full);
  const auto last = [&](std::size_t nibbles) {
    return dns::to_text(full.bytes().last(2 * nibbles + 10));
  };
  for (const std::size_t nibbles : {24u, 25u, 31u}) {
    ASSERT_EQ(ask(query(last(nibbles), dns::type::PTR)).outcome, DnsOutcome::answered_ptr_partial);
    EXPECT_EQ(reply.header.rcode(), dns::rcode::NOERROR);
    EXPECT_EQ(reply.header.ancount, 0);
    EXPECT_TRUE(reply.header.flags & dns::flag::AA);
    ASSERT_EQ(reply.header.nscount, 1) << nibbles;
    const ReverseSoa soa = authority_soa();
    EXPECT_EQ(soa.owner, last(24));
    EXPECT_EQ(soa.ttl, reverse_zone_ttl);
    EXPECT_EQ(soa.timers[4], reverse_zone_ttl);
  }
  ASSERT_EQ(ask(query(last(8), dns::type::PTR)).outcome, DnsOutcome::answered_ptr_partial);
  EXPECT_EQ(reply.header.nscount, 0);
}

// BIND's dns64 zones: SOA and NS at the apex of each Pref64's reverse zone.
TEST_F(Fixture, ReverseZoneApexesAnswerSoaAndNs) {
  const char* wkp_apex = "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.B.9.F.F.4.6.0.0.ip6.arpa";
  ASSERT_EQ(ask(query(wkp_apex, dns::type::SOA, 1, 1232)).outcome,
            DnsOutcome::answered_reverse_zone);
  EXPECT_TRUE(reply.header.flags & dns::flag::AA);
  EXPECT_EQ(reply.header.ancount, 1);
  EXPECT_TRUE(reply.opt.present);
  auto an = answers();
  ASSERT_EQ(an.size(), 1u);
  EXPECT_EQ(an[0].type, dns::type::SOA);
  EXPECT_EQ(an[0].ttl, reverse_zone_ttl);
  // nsp's /96 apex, asked by the default view's client: NS to the zone's name.
  const char* nsp_apex = "0.0.0.0.0.0.0.0.0.0.0.0.4.6.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
  ASSERT_EQ(ask(query(nsp_apex, dns::type::NS)).outcome, DnsOutcome::answered_reverse_zone);
  an = answers();
  ASSERT_EQ(an.size(), 1u);
  EXPECT_EQ(an[0].type, dns::type::NS);
  dns::Name target;
  std::size_t at = an[0].rdata_offset;
  ASSERT_EQ(dns::read_name(dns::Bytes(buf.data(), reply.sections.end), at, target), dns::Error::ok);
  EXPECT_EQ(dns::to_text(target.bytes()), nsp_apex);
  // Not an apex: the global DNS's business.
  EXPECT_EQ(ask(query(std::string(nsp_apex).substr(2), dns::type::NS)).outcome,
            DnsOutcome::punted_miss);
  EXPECT_EQ(ask(query("0." + std::string(nsp_apex), dns::type::SOA)).outcome,
            DnsOutcome::punted_miss);
  EXPECT_EQ(ask(query("ip6.arpa", dns::type::SOA)).outcome, DnsOutcome::punted_miss);
  // A validating client gets the upstream's answer, as for every mapping.
  EXPECT_EQ(ask(test::Packet()
                    .header(1, 0x0110, 1, 0, 0, 1)
                    .name(wkp_apex)
                    .u16(dns::type::SOA)
                    .u16(dns::cls::IN)
                    .opt(1232, true))
                .outcome,
            DnsOutcome::punted_validating);
}

// A view with BIND's other dns64 switches: recursive-only, break-dnssec
// and the reverse zones' server and contact.
struct SwitchFixture : Fixture {
  SwitchFixture() {
    View v;
    v.name = "switches";
    v.prefixes[0] = prefix("2001:db8:66::/96");
    v.prefix_count = 1;
    v.recursive_only = true;
    v.break_dnssec = true;
    v.reverse_soa_server = test::wire("ns.dns64.example");
    v.reverse_soa_contact = test::wire("hostmaster.dns64.example");
    AaaaPolicy never;
    never.mode = Synthesis::none;
    v.no_synthesis_policy = static_cast<std::uint8_t>(views.add_policy(never));
    views.add_client_v6(*dns64::parse_v6("2001:db8:cccc::"), 48, views.add_view(v));
  }
  static constexpr const char* client = "2001:db8:cccc::1";
  static test::Packet with_flags(const char* name, std::uint16_t type, std::uint16_t flags,
                                 bool do_bit) {
    test::Packet q;
    q.header(9, flags, 1, 0, 0, 1).name(name).u16(type).u16(1).opt(1232, do_bit);
    return q;
  }
};

TEST_F(SwitchFixture, ReverseSoaNamesComeFromTheClientsView) {
  const char* wkp_apex = "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa";
  ASSERT_EQ(ask(query(wkp_apex, dns::type::SOA), client).outcome,
            DnsOutcome::answered_reverse_zone);
  const auto an = answers();
  ASSERT_EQ(an.size(), 1u);
  std::size_t at = an[0].rdata_offset;
  dns::Name mname, rname;
  const dns::Bytes msg(buf.data(), reply.sections.end);
  ASSERT_EQ(dns::read_name(msg, at, mname), dns::Error::ok);
  ASSERT_EQ(dns::read_name(msg, at, rname), dns::Error::ok);
  EXPECT_EQ(dns::to_text(mname.bytes()), "ns.dns64.example");
  EXPECT_EQ(dns::to_text(rname.bytes()), "hostmaster.dns64.example");
  ASSERT_EQ(ask(query(wkp_apex, dns::type::NS), client).outcome, DnsOutcome::answered_reverse_zone);
  std::size_t ns_at = answers()[0].rdata_offset;
  ASSERT_EQ(dns::read_name(dns::Bytes(buf.data(), reply.sections.end), ns_at, mname),
            dns::Error::ok);
  EXPECT_EQ(dns::to_text(mname.bytes()), "ns.dns64.example");
}

TEST_F(SwitchFixture, RecursiveOnlySynthesizesOnlyForRecursiveQueries) {
  synth("v4.example", {{{8, 8, 8, 8}}});
  const View& v = views.view(views.for_v6(*dns64::parse_v6(client)));
  EXPECT_EQ(v.policy_for(test::wire("v4.example"), true), v.aaaa_policy);
  EXPECT_EQ(v.policy_for(test::wire("v4.example"), false), v.no_synthesis_policy);
  EXPECT_EQ(ask(with_flags("v4.example", dns::type::AAAA, 0x0100, false), client).outcome,
            DnsOutcome::answered_aaaa_synth);
  // Without RD: the policy that never synthesizes, on both paths.
  const auto norec = with_flags("v4.example", dns::type::AAAA, 0x0000, false);
  const QuestionKey k = punted_key(*this, norec, client);
  EXPECT_EQ(k.key_type, aaaa_key_type(v.no_synthesis_policy));
  buf.assign(norec.bytes.begin(), norec.bytes.end());
  buf.resize(1500);
  QuestionKey slow;
  const Context ctx{&views, &cache, reader, now, 1232};
  ASSERT_EQ(respond(buf, norec.size(), client6(client), ctx, Prepared{}, &slow).outcome,
            DnsOutcome::punted_miss);
  EXPECT_EQ(slow.key_type, k.key_type);
  // What the resolver caches under that policy (here NODATA) answers it.
  test::Packet soa;
  soa.name("example").rr_fixed(dns::type::SOA, 1, 30, test::soa_rdata(30));
  ASSERT_EQ(
      cache.insert_negative(
          {test::wire("v4.example"), k.key_type, 1}, 30, dns::rcode::NOERROR, soa.bytes,
          std::vector<std::uint16_t>{static_cast<std::uint16_t>(test::wire("example").size() + 4)}),
      cache::InsertStatus::inserted);
  ASSERT_EQ(ask(norec, client).outcome, DnsOutcome::answered_negative);
  EXPECT_EQ(reply.header.ancount, 0);
  EXPECT_FALSE(reply.header.rd());
  // Other views synthesize without RD.
  EXPECT_EQ(ask(norec).outcome, DnsOutcome::answered_aaaa_synth);
}

TEST_F(SwitchFixture, BreakDnssecSynthesizesForValidatingClients) {
  synth("v4.example", {{{8, 8, 8, 8}}});
  const auto validating = with_flags("v4.example", dns::type::AAAA, 0x0110, true);  // RD, CD; DO
  ASSERT_EQ(ask(validating, client).outcome, DnsOutcome::answered_aaaa_synth);
  EXPECT_TRUE(reply.header.cd());
  auto an = answers();
  ASSERT_EQ(an.size(), 1u);
  EXPECT_EQ(dns64::to_text(*reinterpret_cast<const dns64::V6*>(an[0].rdata.data())),
            "2001:db8:66::808:808");
  // The general path decides the same; a miss is not a validating one.
  buf.assign(validating.bytes.begin(), validating.bytes.end());
  buf.resize(1500);
  const Context ctx{&views, &cache, reader, now, 1232};
  EXPECT_EQ(respond(buf, validating.size(), client6(client), ctx, Prepared{}).outcome,
            DnsOutcome::answered_aaaa_synth);
  const QuestionKey k =
      punted_key(*this, with_flags("miss.example", dns::type::AAAA, 0x0110, true), client);
  EXPECT_FALSE(k.validating);
  // Mapped PTR too.
  dns::Name q;
  dns64::ip6_arpa_name(dns64::embed(prefix("2001:db8:66::/96"), {7, 7, 7, 7}), q);
  const std::string qtext = dns::to_text(q.bytes());
  const QuestionKey p =
      punted_key(*this, with_flags(qtext.c_str(), dns::type::PTR, 0x0110, true), client);
  EXPECT_TRUE(p.ptr_mapped);
  EXPECT_FALSE(p.validating);
  // Other views still relay for validating clients.
  EXPECT_EQ(ask(validating).outcome, DnsOutcome::punted_validating);
}

// DNS Cookies (RFC 7873, RFC 9018).
struct Cookies : Fixture {
  Cookies() {
    EXPECT_TRUE(cookie::parse_secret("e5e973e5a6b2a43f48e7dc849e37bfcf", settings.secret));
    settings.enabled = true;
    unix_now = 1559731985;
    synth("v4.example", {{{8, 8, 4, 4}}});
  }
  // A query whose OPT carries `options`.
  static test::Packet with_options(const char* name, std::uint16_t qtype,
                                   const std::vector<std::uint8_t>& options) {
    test::Packet q;
    q.header(7, 0x0100, 1, 0, 0, 1).name(name).u16(qtype).u16(1).opt(1232, false, options);
    return q;
  }
  static std::vector<std::uint8_t> cookie_option(const std::vector<std::uint8_t>& data) {
    std::vector<std::uint8_t> o(4 + data.size());
    o[1] = 10;
    o[3] = static_cast<std::uint8_t>(data.size());
    std::copy(data.begin(), data.end(), o.begin() + 4);
    return o;
  }
  // The reply's OPT RDATA.
  std::vector<std::uint8_t> reply_options() const {
    if (!reply.opt.present) return {};
    return {reply.opt.options.begin(), reply.opt.options.end()};
  }
  // The COOKIE option data we expect for a fresh server cookie.
  std::vector<std::uint8_t> fresh(const std::vector<std::uint8_t>& c,
                                  const char* from = "2001:db8:ffff::1") const {
    std::array<std::uint8_t, cookie::server_len> server;
    const dns64::V6 a = *dns64::parse_v6(from);
    cookie::server_cookie(settings.secret, c, a, unix_now, server);
    std::vector<std::uint8_t> data(c.size() + server.size());
    std::copy(c.begin(), c.end(), data.begin());
    std::copy(server.begin(), server.end(), data.begin() + c.size());
    return cookie_option(data);
  }

  cookie::Settings settings;
  const std::vector<std::uint8_t> client = {1, 2, 3, 4, 5, 6, 7, 8};
};

TEST_F(Cookies, OffTheOptionIsIgnored) {
  const Result r = ask(with_options("v4.example", dns::type::AAAA, cookie_option(client)));
  ASSERT_EQ(r.outcome, DnsOutcome::answered_aaaa_synth);
  EXPECT_TRUE(reply.opt.present);
  EXPECT_TRUE(reply_options().empty());
  EXPECT_FALSE(r.cookie_valid);
}

TEST_F(Cookies, AClientCookieGetsAServerCookieOnEveryPath) {
  cookies = &settings;
  // The fast path, from the cache.
  Result r = ask(with_options("v4.example", dns::type::AAAA, cookie_option(client)));
  ASSERT_EQ(r.outcome, DnsOutcome::answered_aaaa_synth);
  EXPECT_EQ(reply_options(), fresh(client));
  EXPECT_EQ(answers().size(), 1u);
  EXPECT_FALSE(r.cookie_valid);
  // The general path (ANY's HINFO), with other options beside the cookie.
  const std::vector<std::uint8_t> c = cookie_option(client);
  std::vector<std::uint8_t> options(6 + c.size());
  options[1] = 12;  // padding first
  options[3] = 2;
  std::copy(c.begin(), c.end(), options.begin() + 6);
  r = ask(with_options("v4.example", dns::type::ANY, options));
  ASSERT_EQ(r.outcome, DnsOutcome::answered_any_minimal);
  EXPECT_EQ(reply_options(), fresh(client));
  // A miss: the punted key carries it for the control plane's reply.
  r = ask(with_options("miss.example", dns::type::AAAA, cookie_option(client)));
  ASSERT_EQ(r.outcome, DnsOutcome::punted_miss);
  const std::vector<std::uint8_t> want = fresh(client);
  ASSERT_EQ(punted.cookie.len, want.size());
  EXPECT_TRUE(std::equal(want.begin(), want.end(), punted.cookie.option.begin()));
  std::array<std::uint8_t, 512> out;
  const std::size_t n = answer_rcode(punted, out, dns::rcode::SERVFAIL, 1232);
  ASSERT_EQ(dns::parse_message(dns::Bytes(out.data(), n), reply, false), dns::Error::ok);
  EXPECT_EQ(reply_options(), want);
  // Without an OPT there is no cookie to answer.
  r = ask(query("v4.example", dns::type::AAAA));
  ASSERT_EQ(r.outcome, DnsOutcome::answered_aaaa_synth);
  EXPECT_FALSE(reply.opt.present);
}

TEST_F(Cookies, AServerCookieOfOursIsValidAndHandedBack) {
  cookies = &settings;
  ask(with_options("v4.example", dns::type::AAAA, cookie_option(client)));
  std::vector<std::uint8_t> presented = reply_options();
  ASSERT_EQ(presented.size(), 28u);
  presented.erase(presented.begin(), presented.begin() + 4);
  unix_now += 60;  // a minute later, from the same address
  Result r = ask(with_options("v4.example", dns::type::AAAA, cookie_option(presented)));
  ASSERT_EQ(r.outcome, DnsOutcome::answered_aaaa_synth);
  EXPECT_TRUE(r.cookie_valid);
  EXPECT_EQ(reply_options(), cookie_option(presented));  // young: as presented
  r = ask(with_options("miss.example", dns::type::AAAA, cookie_option(presented)));
  ASSERT_EQ(r.outcome, DnsOutcome::punted_miss);
  EXPECT_TRUE(punted.cookie.valid);
  // From another address it is not ours: a fresh one, and no exemption.
  r = ask(with_options("v4.example", dns::type::AAAA, cookie_option(presented)),
          "2001:db8:ffff::2");
  EXPECT_FALSE(r.cookie_valid);
  EXPECT_EQ(reply_options(), fresh(client, "2001:db8:ffff::2"));
}

TEST_F(Cookies, AMalformedCookieGetsFormerr) {
  cookies = &settings;
  for (const std::size_t len : {0u, 7u, 9u, 15u, 41u}) {
    const std::vector<std::uint8_t> data(len, 0xab);
    for (const std::uint16_t qtype : {dns::type::AAAA, dns::type::ANY}) {
      const Result r = ask(with_options("v4.example", qtype, cookie_option(data)));
      ASSERT_EQ(r.outcome, DnsOutcome::answered_formerr_cookie) << len << " octets";
      EXPECT_EQ(reply.header.rcode(), dns::rcode::FORMERR);
      EXPECT_TRUE(reply.opt.present);
      EXPECT_TRUE(reply_options().empty());
      EXPECT_EQ(reply.header.ancount, 0);
    }
  }
}

}  // namespace
}  // namespace dns64d::respond
