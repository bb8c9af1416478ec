#include "dataplane/dns64/prefix.hpp"

#include <gtest/gtest.h>

#include <random>

#include "dataplane/dns64/ipv4.hpp"

namespace dns64d::dns64 {
namespace {

Prefix prefix(const char* text) {
  Prefix p;
  EXPECT_EQ(parse_pref64(text, p), PrefixError::ok) << text;
  return p;
}

V6 v6(const char* text) { return *parse_v6(text); }

// RFC 6052 §2.4, the table of examples, row by row.
struct Example {
  const char* prefix;
  const char* v4;
  const char* embedded;
};
constexpr Example rfc6052_examples[] = {
    {"2001:db8::/32", "192.0.2.33", "2001:db8:c000:221::"},
    {"2001:db8:100::/40", "192.0.2.33", "2001:db8:1c0:2:21::"},
    {"2001:db8:122::/48", "192.0.2.33", "2001:db8:122:c000:2:2100::"},
    {"2001:db8:122:300::/56", "192.0.2.33", "2001:db8:122:3c0:0:221::"},
    {"2001:db8:122:344::/64", "192.0.2.33", "2001:db8:122:344:c0:2:2100:0"},
    {"2001:db8:122:344::/96", "192.0.2.33", "2001:db8:122:344::192.0.2.33"},
};

TEST(Rfc6052, ExampleTable) {
  for (const Example& e : rfc6052_examples) {
    const Prefix p = prefix(e.prefix);
    const V4 a = *parse_v4(e.v4);
    const V6 got = embed(p, a);
    EXPECT_EQ(got, v6(e.embedded)) << e.prefix << " gave " << to_text(got);
    const auto back = extract(p, v6(e.embedded));
    ASSERT_TRUE(back.has_value()) << e.prefix;
    EXPECT_EQ(*back, a);
  }
}

TEST(Rfc6052, WellKnownPrefixExample) {
  // RFC 6052 §2.4: 192.0.2.33 under 64:ff9b::/96 is 64:ff9b::192.0.2.33.
  EXPECT_EQ(embed(well_known_prefix, V4{192, 0, 2, 33}), v6("64:ff9b::c000:221"));
  EXPECT_EQ(to_text(embed(well_known_prefix, V4{192, 0, 2, 33})), "64:ff9b::c000:221");
}

TEST(Rfc6052, RoundTripEveryLengthManyAddresses) {
  std::mt19937 rng(6052);
  for (unsigned len : {32u, 40u, 48u, 56u, 64u, 96u}) {
    for (int i = 0; i < 2000; ++i) {
      Prefix p;
      for (unsigned b = 0; b < len / 8; ++b) p.addr[b] = static_cast<std::uint8_t>(rng());
      p.addr[0] = 0x20;  // keep clear of link-local and multicast
      if (len == 96) p.addr[8] = 0;
      p.length = static_cast<std::uint8_t>(len);
      ASSERT_EQ(validate_pref64(p), PrefixError::ok) << to_text(p.addr) << "/" << len;
      const std::uint32_t x = static_cast<std::uint32_t>(rng());
      const V4 a{static_cast<std::uint8_t>(x >> 24), static_cast<std::uint8_t>(x >> 16),
                 static_cast<std::uint8_t>(x >> 8), static_cast<std::uint8_t>(x)};
      const V6 e = embed(p, a);
      EXPECT_EQ(e[8], 0) << "u-octet";
      EXPECT_TRUE(in_prefix(e, p.addr, len));
      const auto back = extract(p, e);
      ASSERT_TRUE(back.has_value());
      EXPECT_EQ(*back, a);
    }
  }
}

TEST(Rfc6052, SuffixIsCopiedAndUOctetStaysZero) {
  V6 suffix;
  suffix.fill(0xee);
  const V6 e = embed(prefix("2001:db8::/32"), V4{192, 0, 2, 33}, suffix);
  EXPECT_EQ(e, v6("2001:db8:c000:221:ee:eeee:eeee:eeee"));
  EXPECT_EQ(*extract(prefix("2001:db8::/32"), e), (V4{192, 0, 2, 33}));
}

TEST(Rfc6052, ExtractRefusesOtherPrefixAndNonZeroUOctet) {
  const Prefix p = prefix("2001:db8:122::/48");
  EXPECT_FALSE(extract(p, v6("2001:db8:123:c000:2:2100::")).has_value());
  EXPECT_FALSE(extract(p, v6("2001:db8:122:c000:102:2100::")).has_value());  // u-octet 0x01
}

TEST(Rfc6052, ValidationRefusals) {
  struct Case {
    const char* text;
    PrefixError want;
  };
  const Case cases[] = {
      {"2001:db8::/33", PrefixError::bad_length},  {"2001:db8::/128", PrefixError::bad_length},
      {"2001:db8::/0", PrefixError::bad_length},   {"2001:db8::1/96", PrefixError::host_bits},
      {"2001:db8:1::/32", PrefixError::host_bits}, {"2001:db8:0:0:100::/96", PrefixError::u_octet},
      {"::/96", PrefixError::unspecified},         {"::1/96", PrefixError::loopback},
      {"::ffff:0:0/96", PrefixError::ipv4_mapped}, {"fe80::/64", PrefixError::link_local},
      {"febf::/32", PrefixError::link_local},      {"ff02::/32", PrefixError::multicast},
      {"2001:db8::", PrefixError::syntax},         {"2001:db8::/x", PrefixError::syntax},
      {"2001:db8::/96x", PrefixError::syntax},     {"not-an-address/96", PrefixError::syntax},
      {"2001:db8::/300", PrefixError::syntax},
  };
  for (const Case& c : cases) {
    Prefix p;
    EXPECT_EQ(parse_pref64(c.text, p), c.want)
        << c.text << ": " << describe(parse_pref64(c.text, p));
  }
  Prefix p;
  EXPECT_EQ(parse_pref64("64:ff9b::/96", p), PrefixError::ok);
  EXPECT_EQ(p, well_known_prefix);
  EXPECT_EQ(parse_pref64("64:ff9b:1::/48", p), PrefixError::ok);
  EXPECT_NE(describe(PrefixError::u_octet).find("u-octet"), std::string_view::npos);
}

TEST(Rfc6052, WellKnownPrefixRefusesNonGlobalIpv4) {
  const V4 non_global[] = {{10, 1, 2, 3},     {172, 16, 0, 1},      {172, 31, 255, 255},
                           {192, 168, 1, 1},  {127, 0, 0, 1},       {169, 254, 1, 1},
                           {100, 64, 0, 1},   {0, 1, 2, 3},         {192, 0, 2, 33},
                           {198, 51, 100, 1}, {203, 0, 113, 9},     {198, 18, 0, 1},
                           {224, 0, 0, 1},    {255, 255, 255, 255}, {192, 0, 0, 9}};
  for (const V4& a : non_global) {
    EXPECT_FALSE(is_global_v4(a)) << int{a[0]} << "." << int{a[1]};
    EXPECT_FALSE(may_map(well_known_prefix, a));
    EXPECT_TRUE(may_map(well_known_prefix, a, /*relaxed=*/true));
    EXPECT_TRUE(may_map(prefix("2001:db8:64::/96"), a));  // only the WKP is restricted
  }
  const V4 global[] = {
      {8, 8, 8, 8}, {172, 32, 0, 1}, {100, 128, 0, 1}, {1, 1, 1, 1}, {93, 184, 216, 34}};
  for (const V4& a : global) {
    EXPECT_TRUE(is_global_v4(a));
    EXPECT_TRUE(may_map(well_known_prefix, a));
  }
}

TEST(Rfc6052, FastGlobalCheckMatchesTheTable) {
  // Every /16 with a few third octets: the switch must agree with the table.
  for (unsigned a = 0; a < 256; ++a) {
    for (unsigned b = 0; b < 256; ++b) {
      for (unsigned c : {0u, 2u, 99u, 100u, 113u, 255u}) {
        const V4 v{static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b),
                   static_cast<std::uint8_t>(c), 1};
        ASSERT_EQ(is_global_v4(v), !in_special_purpose_table(v))
            << a << "." << b << "." << c << ".1";
      }
    }
  }
}

TEST(Rfc6052, DiscoveryAddressesMapUnderTheWellKnownPrefix) {
  // RFC 7050: ipv4only.arpa's 192.0.0.170/171 are non-global but must be synthesized.
  EXPECT_FALSE(is_global_v4({192, 0, 0, 170}));
  EXPECT_TRUE(may_map(well_known_prefix, {192, 0, 0, 170}));
  EXPECT_TRUE(may_map(well_known_prefix, {192, 0, 0, 171}));
  EXPECT_FALSE(may_map(well_known_prefix, {192, 0, 0, 172}));
}

TEST(Rfc6052, Ipv4Ranges) {
  const V4Range r{{198, 51, 100, 0}, 24};
  EXPECT_TRUE(in_range({198, 51, 100, 200}, r));
  EXPECT_FALSE(in_range({198, 51, 101, 0}, r));
  EXPECT_TRUE(in_range({1, 2, 3, 4}, V4Range{{0, 0, 0, 0}, 0}));
}

}  // namespace
}  // namespace dns64d::dns64
