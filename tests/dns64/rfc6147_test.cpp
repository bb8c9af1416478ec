#include "dataplane/dns64/rfc6147.hpp"

#include <gtest/gtest.h>

#include "tests/support/packet.hpp"

namespace dns64d::dns64 {
namespace {

using test::Packet;
namespace type = dns::type;

constexpr std::uint16_t noerror = 0x8180, nxdomain = 0x8183, servfail = 0x8182, refused = 0x8185;

std::vector<std::uint8_t> aaaa_rdata(const char* text) {
  const V6 a = *parse_v6(text);
  return {a.begin(), a.end()};
}

// An upstream answer: header, question, then whatever the test appends.
struct Answer {
  Packet p;
  std::uint16_t an = 0, ns = 0;
  std::uint16_t flags;
  std::uint16_t qtype;
  std::string qname;

  Answer(const char* name, std::uint16_t qt, std::uint16_t f = noerror)
      : flags(f), qtype(qt), qname(name) {}
  Answer& rr(const char* owner, std::uint16_t t, std::uint32_t ttl,
             const std::vector<std::uint8_t>& rdata) {
    body.name(owner).rr_fixed(t, 1, ttl, rdata);
    ++an;
    return *this;
  }
  Answer& soa(std::uint32_t ttl, std::uint32_t minimum) {
    auth.name("example").rr_fixed(type::SOA, 1, ttl, test::soa_rdata(minimum));
    ++ns;
    return *this;
  }
  const Packet& build() {
    p = Packet{};
    p.header(1, flags, 1, an, ns, 0).name(qname).u16(qtype).u16(1).raw(body.bytes).raw(auth.bytes);
    EXPECT_EQ(dns::parse_message(p.span(), m), dns::Error::ok);
    return p;
  }
  Packet body, auth;
  dns::Message m;
};

AaaaDecision decide(Answer& a, const Client& c = {}, const Policy& pol = {}) {
  const Packet& p = a.build();
  return decide_aaaa(&a.m, p.span(), c, pol);
}

Synthesis synth(Answer& a, const AaaaDecision& d, const Prefix& pre = well_known_prefix,
                const Policy& pol = {}) {
  const Packet& p = a.build();
  return decide_synthesis(&a.m, p.span(), d, pre, pol);
}

TEST(Rfc6147, RealAaaaIsRelayed) {
  Answer a("dual.example", type::AAAA);
  a.rr("dual.example", type::AAAA, 300, aaaa_rdata("2001:db8::1"));
  const AaaaDecision d = decide(a);
  EXPECT_EQ(d.verdict, AaaaVerdict::relay);
  EXPECT_EQ(d.real, 1);
}

TEST(Rfc6147, OnlyExcludedAaaaMeansSynthesize) {
  Answer a("mapped.example", type::AAAA);
  a.rr("mapped.example", type::AAAA, 300, aaaa_rdata("::ffff:192.0.2.1"));
  const AaaaDecision d = decide(a);
  EXPECT_EQ(d.verdict, AaaaVerdict::synthesize);
  EXPECT_EQ(d.excluded, 1);
  EXPECT_EQ(d.real, 0);
}

TEST(Rfc6147, MixedAnswerIsFiltered) {
  Answer a("mixed.example", type::AAAA);
  a.rr("mixed.example", type::AAAA, 300, aaaa_rdata("::ffff:192.0.2.1"));
  a.rr("mixed.example", type::AAAA, 300, aaaa_rdata("2001:db8::7"));
  const AaaaDecision d = decide(a);
  EXPECT_EQ(d.verdict, AaaaVerdict::filter);
  EXPECT_EQ(d.real, 1);
  EXPECT_EQ(d.excluded, 1);
}

TEST(Rfc6147, ConfigurableExclusionList) {
  const std::array<V6Range, 2> list{ipv4_mapped_range, V6Range{*parse_v6("2001:db8:bad::"), 48}};
  Policy pol;
  pol.exclusions = list;
  Answer a("x.example", type::AAAA);
  a.rr("x.example", type::AAAA, 300, aaaa_rdata("2001:db8:bad::1"));
  EXPECT_EQ(decide(a, {}, pol).verdict, AaaaVerdict::synthesize);
  EXPECT_EQ(decide(a).verdict, AaaaVerdict::relay);
  EXPECT_TRUE(excluded(*parse_v6("::ffff:1.2.3.4"), default_exclusions));
  EXPECT_FALSE(excluded(*parse_v6("::1.2.3.4"), default_exclusions));
}

TEST(Rfc6147, NodataSynthesizesAndKeepsNegativeTtl) {
  Answer a("v4only.example", type::AAAA);
  a.soa(3600, 300);
  AaaaDecision d = decide(a);
  EXPECT_EQ(d.verdict, AaaaVerdict::synthesize);
  ASSERT_TRUE(d.negative_ttl.has_value());
  EXPECT_EQ(*d.negative_ttl, 300u);  // min(SOA TTL, MINIMUM)
  Answer b("v4only.example", type::AAAA);
  b.soa(120, 300);
  d = decide(b);
  EXPECT_EQ(*d.negative_ttl, 120u);
}

TEST(Rfc6147, NxdomainIsReturned) {
  Answer a("nx.example", type::AAAA, nxdomain);
  a.soa(3600, 300);
  EXPECT_EQ(decide(a).verdict, AaaaVerdict::nxdomain);
}

TEST(Rfc6147, OtherRcodesAreEmptyAnswers) {
  for (std::uint16_t f : {servfail, refused, std::uint16_t{0x8181}, std::uint16_t{0x8184}}) {
    Answer a("broken.example", type::AAAA, f);
    EXPECT_EQ(decide(a).verdict, AaaaVerdict::synthesize) << f;
    Policy strict;
    strict.servfail_on_error = true;
    EXPECT_EQ(decide(a, {}, strict).verdict, AaaaVerdict::servfail) << f;
  }
}

TEST(Rfc6147, TimeoutIsAnEmptyAnswer) {
  EXPECT_EQ(decide_aaaa(nullptr, {}, Client{}, Policy{}).verdict, AaaaVerdict::synthesize);
  Policy strict;
  strict.servfail_on_error = true;
  EXPECT_EQ(decide_aaaa(nullptr, {}, Client{}, strict).verdict, AaaaVerdict::servfail);
}

// What a failed AAAA query (timeout, an error RCODE) leads to is cached
// briefly: the name may well have AAAA records. An empty or NXDOMAIN
// answer is not a failure.
TEST(Rfc6147, AnswersAfterAFailedAaaaQueryAreShortLived) {
  Answer failed("dual.example", type::AAAA, servfail);
  const AaaaDecision f = decide(failed);
  EXPECT_TRUE(f.failed);
  EXPECT_TRUE(decide_aaaa(nullptr, {}, Client{}, Policy{}).failed);
  Answer empty("v4only.example", type::AAAA);
  empty.soa(3600, 3600);
  const AaaaDecision e = decide(empty);
  EXPECT_FALSE(e.failed);
  Answer nx("nx.example", type::AAAA, nxdomain);
  EXPECT_FALSE(decide(nx).failed);

  Answer a("dual.example", type::A);
  a.rr("dual.example", type::A, 3600, test::v4(93, 184, 216, 34));
  Policy pol;
  pol.failure_ttl = 20;
  EXPECT_EQ(synth(a, f, well_known_prefix, pol).ttls[0], 20u);
  EXPECT_EQ(synth(a, e, well_known_prefix, pol).ttls[0], 3600u);

  Answer nodata("dual.example", type::A);
  nodata.soa(3600, 900);
  const Synthesis n = synth(nodata, f, well_known_prefix, pol);
  EXPECT_EQ(n.verdict, SynthVerdict::nodata);
  EXPECT_EQ(n.negative_ttl, 20u);
  EXPECT_EQ(synth(nodata, e, well_known_prefix, pol).negative_ttl, 900u);
}

TEST(Rfc6147, ClassOtherThanInIsUntouched) {
  Answer a("v4only.example", type::AAAA);
  Client c;
  c.qclass = dns::cls::CH;
  EXPECT_EQ(decide(a, c).verdict, AaaaVerdict::relay);
  EXPECT_EQ(decide_aaaa(nullptr, {}, c, Policy{}).verdict, AaaaVerdict::relay);
}

TEST(Rfc6147, DoAndCdRules) {
  EXPECT_TRUE(synthesis_allowed(false, false));
  EXPECT_TRUE(synthesis_allowed(true, false));
  EXPECT_TRUE(synthesis_allowed(false, true));
  EXPECT_FALSE(synthesis_allowed(true, true));
  Answer a("v4only.example", type::AAAA);
  Client validating;
  validating.do_bit = true;
  validating.cd = true;
  EXPECT_EQ(decide(a, validating).verdict, AaaaVerdict::relay);
  Client do_only;
  do_only.do_bit = true;
  EXPECT_EQ(decide(a, do_only).verdict, AaaaVerdict::synthesize);
  EXPECT_EQ(synthesized_flags(0x81a0) & dns::flag::AD, 0);
  EXPECT_EQ(synthesized_flags(0x81a0), 0x8180);
}

TEST(Rfc6147, SynthesizeAllIgnoresRealAaaa) {
  Answer a("dual.example", type::AAAA);
  a.rr("dual.example", type::AAAA, 300, aaaa_rdata("2001:db8::1"));
  Policy all;
  all.synthesize_all = true;
  EXPECT_EQ(decide(a, {}, all).verdict, AaaaVerdict::synthesize);
}

TEST(Rfc6147, AaaaOfAnotherOwnerDoesNotCount) {
  Answer a("www.example", type::AAAA);
  a.rr("other.example", type::AAAA, 300, aaaa_rdata("2001:db8::1"));
  EXPECT_EQ(decide(a).verdict, AaaaVerdict::synthesize);
}

TEST(Rfc6147, TtlRule) {
  EXPECT_EQ(synthesized_ttl(60, 300u), 60u);
  EXPECT_EQ(synthesized_ttl(900, 300u), 300u);
  EXPECT_EQ(synthesized_ttl(900, std::nullopt), 600u);
  EXPECT_EQ(synthesized_ttl(30, std::nullopt), 30u);
  EXPECT_EQ(negative_ttl(3600, 300), 300u);
  EXPECT_EQ(negative_ttl(100, 300), 100u);
}

TEST(Rfc6147, SynthesisFromARecordsWithTtlRule) {
  Answer aaaa("v4only.example", type::AAAA);
  aaaa.soa(3600, 300);
  const AaaaDecision d = decide(aaaa);
  Answer a("v4only.example", type::A);
  a.rr("v4only.example", type::A, 900, test::v4(198, 51, 100, 1));
  a.rr("v4only.example", type::A, 60, test::v4(198, 51, 100, 2));
  Prefix nsp;
  ASSERT_EQ(parse_pref64("2001:db8:64::/96", nsp), PrefixError::ok);
  const Synthesis s = synth(a, d, nsp);
  ASSERT_EQ(s.verdict, SynthVerdict::synthesize);
  ASSERT_EQ(s.count, 2u);
  EXPECT_EQ(s.addresses[0], (V4{198, 51, 100, 1}));
  EXPECT_EQ(s.ttls[0], 300u);  // min(900, negative 300)
  EXPECT_EQ(s.ttls[1], 60u);
  EXPECT_EQ(s.chain.links, 0u);
}

TEST(Rfc6147, WithoutSoaTheCapIs600) {
  Answer aaaa("v4only.example", type::AAAA);
  const AaaaDecision d = decide(aaaa);
  EXPECT_FALSE(d.negative_ttl.has_value());
  Answer a("v4only.example", type::A);
  a.rr("v4only.example", type::A, 86400, test::v4(8, 8, 8, 8));
  const Synthesis s = synth(a, d);
  ASSERT_EQ(s.count, 1u);
  EXPECT_EQ(s.ttls[0], 600u);
}

TEST(Rfc6147, CnameChainIsFollowedAndKept) {
  Answer aaaa("www.example", type::AAAA);
  aaaa.rr("www.example", type::CNAME, 300, test::wire("web.example"));
  aaaa.rr("web.example", type::CNAME, 200, test::wire("v4.example"));
  aaaa.soa(3600, 100);
  const AaaaDecision d = decide(aaaa);
  EXPECT_EQ(d.verdict, AaaaVerdict::synthesize);
  Answer a("www.example", type::A);
  a.rr("www.example", type::CNAME, 300, test::wire("web.example"));
  a.rr("web.example", type::CNAME, 200, test::wire("v4.example"));
  a.rr("v4.example", type::A, 50, test::v4(8, 8, 4, 4));
  a.rr("unrelated.example", type::A, 50, test::v4(9, 9, 9, 9));
  const Synthesis s = synth(a, d);
  ASSERT_EQ(s.verdict, SynthVerdict::synthesize);
  ASSERT_EQ(s.count, 1u);
  EXPECT_EQ(s.addresses[0], (V4{8, 8, 4, 4}));
  EXPECT_EQ(s.chain.links, 2u);
  EXPECT_EQ(dns::to_text(s.chain.end.bytes()), "v4.example");
  EXPECT_TRUE(s.chain.complete);
}

TEST(Rfc6147, ChainEndingInRealAaaaIsRelayed) {
  Answer aaaa("www.example", type::AAAA);
  aaaa.rr("www.example", type::CNAME, 300, test::wire("dual.example"));
  aaaa.rr("dual.example", type::AAAA, 300, aaaa_rdata("2001:db8::5"));
  EXPECT_EQ(decide(aaaa).verdict, AaaaVerdict::relay);
}

TEST(Rfc6147, DnameChain) {
  Answer a("host.sub.example", type::A);
  a.rr("sub.example", type::DNAME, 300, test::wire("other.example"));
  a.rr("host.sub.example", type::CNAME, 300, test::wire("host.other.example"));
  a.rr("host.other.example", type::A, 60, test::v4(8, 8, 8, 8));
  const Synthesis s = synth(a, AaaaDecision{});
  ASSERT_EQ(s.count, 1u);
  EXPECT_EQ(s.chain.links, 2u);
  EXPECT_EQ(dns::to_text(s.chain.end.bytes()), "host.other.example");

  // Without the synthesized CNAME the substitution is done here.
  Answer b("host.sub.example", type::A);
  b.rr("sub.example", type::DNAME, 300, test::wire("other.example"));
  b.rr("host.other.example", type::A, 60, test::v4(8, 8, 8, 8));
  const Synthesis t = synth(b, AaaaDecision{});
  ASSERT_EQ(t.count, 1u);
  EXPECT_EQ(t.chain.links, 1u);
}

TEST(Rfc6147, CnameLoopIsBounded) {
  Answer a("a.example", type::A);
  a.rr("a.example", type::CNAME, 300, test::wire("b.example"));
  a.rr("b.example", type::CNAME, 300, test::wire("a.example"));
  const Synthesis s = synth(a, AaaaDecision{});
  EXPECT_EQ(s.verdict, SynthVerdict::nodata);
  EXPECT_FALSE(s.chain.complete);
  EXPECT_EQ(s.chain.links, Chain::max_links);
}

TEST(Rfc6147, EmptyOrFailedAQuery) {
  Answer nodata("v4less.example", type::A);
  nodata.soa(3600, 42);
  const Synthesis s = synth(nodata, AaaaDecision{});
  EXPECT_EQ(s.verdict, SynthVerdict::nodata);
  EXPECT_EQ(*s.negative_ttl, 42u);
  Answer nx("gone.example", type::A, nxdomain);
  const Synthesis t = synth(nx, AaaaDecision{});
  EXPECT_EQ(t.verdict, SynthVerdict::error);
  EXPECT_EQ(t.rcode, dns::rcode::NXDOMAIN);
  const Synthesis u = decide_synthesis(nullptr, {}, AaaaDecision{}, well_known_prefix, Policy{});
  EXPECT_EQ(u.verdict, SynthVerdict::error);
  EXPECT_EQ(u.rcode, dns::rcode::SERVFAIL);
}

TEST(Rfc6147, NeverMapAndWellKnownPrefixRule) {
  Answer a("private.example", type::A);
  a.rr("private.example", type::A, 60, test::v4(10, 1, 2, 3));
  a.rr("private.example", type::A, 60, test::v4(192, 0, 2, 1));
  a.rr("private.example", type::A, 60, test::v4(8, 8, 8, 8));
  Synthesis s = synth(a, AaaaDecision{});
  ASSERT_EQ(s.count, 1u);  // the WKP maps only the global one
  EXPECT_EQ(s.dropped, 2u);
  EXPECT_EQ(s.addresses[0], (V4{8, 8, 8, 8}));

  Prefix nsp;
  ASSERT_EQ(parse_pref64("2001:db8:64::/96", nsp), PrefixError::ok);
  s = synth(a, AaaaDecision{}, nsp);
  EXPECT_EQ(s.count, 3u);

  const std::array<V4Range, 1> never{V4Range{{8, 0, 0, 0}, 8}};
  Policy pol;
  pol.never_map = never;
  s = synth(a, AaaaDecision{}, nsp, pol);
  EXPECT_EQ(s.count, 2u);

  Policy relaxed;
  relaxed.wkp_relaxed = true;
  s = synth(a, AaaaDecision{}, well_known_prefix, relaxed);
  EXPECT_EQ(s.count, 3u);

  Answer only_private("p.example", type::A);
  only_private.rr("p.example", type::A, 60, test::v4(10, 0, 0, 1));
  s = synth(only_private, AaaaDecision{});
  EXPECT_EQ(s.verdict, SynthVerdict::nodata);
}

}  // namespace
}  // namespace dns64d::dns64
