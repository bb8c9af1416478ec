#include "dataplane/dns64/ptr.hpp"

#include <gtest/gtest.h>

#include "tests/support/packet.hpp"

namespace dns64d::dns64 {
namespace {

Prefix prefix(const char* text) {
  Prefix p;
  EXPECT_EQ(parse_pref64(text, p), PrefixError::ok) << text;
  return p;
}

TEST(Ptr, MapsEveryLength) {
  const V4 a{192, 0, 2, 33};
  for (const char* text :
       {"2001:db8::/32", "2001:db8:100::/40", "2001:db8:122::/48", "2001:db8:122:300::/56",
        "2001:db8:122:344::/64", "2001:db8:122:344::/96", "64:ff9b::/96"}) {
    const Prefix p = prefix(text);
    dns::Name q;
    ip6_arpa_name(embed(p, a), q);
    dns::Name out;
    V4 got{};
    ASSERT_EQ(map_ptr(q.bytes(), p, out, got), PtrResult::ok) << text;
    EXPECT_EQ(got, a);
    EXPECT_EQ(dns::to_text(out.bytes()), "33.2.0.192.in-addr.arpa") << text;
  }
}

TEST(Ptr, Rfc6052SlashFortyName) {
  // 2001:db8:1c0:2:21:: under 2001:db8:100::/40 (RFC 6052 §2.4), written by hand.
  const auto name = test::wire(
      "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.2.0.0.2.0.0.0.0.c.1.0.8.b.d.0.1.0.0.2.ip6.arpa");
  dns::Name out;
  V4 got{};
  // 36 labels: four too many nibbles.
  EXPECT_EQ(map_ptr(name, prefix("2001:db8:100::/40"), out, got), PtrResult::too_many_labels);
  const auto ok =
      test::wire("0.0.0.0.0.0.0.0.0.0.0.0.1.2.0.0.2.0.0.0.0.c.1.0.8.b.d.0.1.0.0.2.ip6.arpa");
  ASSERT_EQ(map_ptr(ok, prefix("2001:db8:100::/40"), out, got), PtrResult::ok);
  EXPECT_EQ(dns::to_text(out.bytes()), "33.2.0.192.in-addr.arpa");
}

TEST(Ptr, CaseInsensitive) {
  const auto name =
      test::wire("21.2.0.0.0.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.B.9.F.F.4.6.0.0.IP6.ARPA");
  dns::Name out;
  V4 got{};
  // "21" is not a nibble.
  EXPECT_EQ(map_ptr(name, well_known_prefix, out, got), PtrResult::bad_nibble);
  const auto good =
      test::wire("1.2.2.0.0.0.0.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.B.9.F.F.4.6.0.0.IP6.ARPA");
  ASSERT_EQ(map_ptr(good, well_known_prefix, out, got), PtrResult::ok);
  EXPECT_EQ(got, (V4{192, 0, 2, 33}));
}

TEST(Ptr, BadNibbles) {
  dns::Name out;
  V4 got{};
  for (const char* text :
       {"g.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa",
        "-.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa",
        "10.2.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa"}) {
    EXPECT_EQ(map_ptr(test::wire(text), well_known_prefix, out, got), PtrResult::bad_nibble)
        << text;
  }
}

TEST(Ptr, EveryOctetValueInEveryNibblePosition) {
  // The whole-name path reads four labels at once: each position of each
  // block gets every octet value, and only the 22 hexadecimal digits pass.
  const V4 a{192, 0, 2, 33};
  dns::Name base;
  ip6_arpa_name(embed(well_known_prefix, a), base);
  for (std::size_t label = 0; label < 32; ++label) {
    for (int c = 0; c < 256; ++c) {
      dns::Name q = base;
      q.wire[2 * label + 1] = static_cast<std::uint8_t>(c);
      const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      dns::Name out;
      V4 got{};
      const PtrResult r = map_ptr(q.bytes(), well_known_prefix, out, got);
      if (!hex) {
        ASSERT_EQ(r, PtrResult::bad_nibble) << label << " " << c;
        continue;
      }
      // The changed nibble's value, where the old one was.
      const unsigned value =
          c <= '9' ? static_cast<unsigned>(c - '0') : static_cast<unsigned>((c | 0x20) - 'a' + 10);
      V6 want = embed(well_known_prefix, a);
      const std::size_t i = 31 - label;  // nibble of the address, 0 = most significant
      want[i / 2] = static_cast<std::uint8_t>(i % 2 == 0 ? (want[i / 2] & 0x0f) | value << 4
                                                         : (want[i / 2] & 0xf0) | value);
      if (i >= 24) {  // the IPv4 part of a /96
        ASSERT_EQ(r, PtrResult::ok) << label << " " << c;
        EXPECT_EQ(got, (V4{want[12], want[13], want[14], want[15]})) << label << " " << c;
      } else if (value == (i % 2 == 0 ? embed(well_known_prefix, a)[i / 2] >> 4
                                      : embed(well_known_prefix, a)[i / 2] & 0xf)) {
        ASSERT_EQ(r, PtrResult::ok) << label << " " << c;  // the same digit in another case
      } else {
        ASSERT_EQ(r, PtrResult::outside_prefix) << label << " " << c;
      }
    }
  }
}

TEST(Ptr, EveryLengthOctetOfAWholeNameIsChecked) {
  dns::Name base;
  ip6_arpa_name(embed(well_known_prefix, V4{192, 0, 2, 33}), base);
  for (std::size_t label = 0; label < 32; ++label) {
    for (int len : {0, 2, 3, 0x41, 0xc0}) {
      dns::Name q = base;
      q.wire[2 * label] = static_cast<std::uint8_t>(len);
      dns::Name out;
      V4 got{};
      const PtrResult r = map_ptr(q.bytes(), well_known_prefix, out, got);
      EXPECT_NE(r, PtrResult::ok) << label << " " << len;
    }
  }
}

TEST(Ptr, OutsidePrefix) {
  dns::Name out;
  V4 got{};
  const auto other =
      test::wire("1.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  EXPECT_EQ(map_ptr(other, well_known_prefix, out, got), PtrResult::outside_prefix);
  // Partial but already diverging from the prefix.
  EXPECT_EQ(map_ptr(test::wire("8.b.d.0.1.0.0.2.ip6.arpa"), well_known_prefix, out, got),
            PtrResult::outside_prefix);
}

TEST(Ptr, PartialNamesUnderThePrefix) {
  dns::Name out;
  V4 got{};
  EXPECT_EQ(map_ptr(test::wire("b.9.f.f.4.6.0.0.ip6.arpa"), well_known_prefix, out, got),
            PtrResult::too_few_labels);
  EXPECT_EQ(map_ptr(test::wire("0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa"),
                    well_known_prefix, out, got),
            PtrResult::too_few_labels);
  EXPECT_EQ(map_ptr(test::wire("ip6.arpa"), well_known_prefix, out, got),
            PtrResult::too_few_labels);
}

TEST(Ptr, NonZeroUOctet) {
  // 2001:db8:122:344:c1:2:2100:0 under /64: the u-octet (octet 8) is 0x00c1 >> 8 = 0, so
  // build one where octet 8 is 0x01 instead.
  const Prefix p = prefix("2001:db8:122:344::/64");
  V6 a = embed(p, V4{192, 0, 2, 33});
  a[8] = 0x01;
  dns::Name q;
  ip6_arpa_name(a, q);
  dns::Name out;
  V4 got{};
  EXPECT_EQ(map_ptr(q.bytes(), p, out, got), PtrResult::nonzero_u_octet);
}

TEST(Ptr, NotIp6Arpa) {
  dns::Name out;
  V4 got{};
  EXPECT_EQ(map_ptr(test::wire("33.2.0.192.in-addr.arpa"), well_known_prefix, out, got),
            PtrResult::not_ip6_arpa);
  EXPECT_EQ(map_ptr(test::wire("xip6.arpa"), well_known_prefix, out, got), PtrResult::not_ip6_arpa);
  // A label that merely ends in the octets of "\3ip6" is not under ip6.arpa.
  const std::vector<std::uint8_t> sly{6, 'x', 3, 'i', 'p', '6', 4, 'a', 'r', 'p', 'a', 0};
  EXPECT_EQ(map_ptr(sly, well_known_prefix, out, got), PtrResult::not_ip6_arpa);
}

TEST(Ptr, Names) {
  dns::Name n;
  in_addr_name(V4{10, 0, 20, 255}, n);
  EXPECT_EQ(dns::to_text(n.bytes()), "255.20.0.10.in-addr.arpa");
  ip6_arpa_name(*parse_v6("2001:db8::1"), n);
  EXPECT_EQ(dns::to_text(n.bytes()),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  EXPECT_EQ(to_string(PtrResult::bad_nibble), "bad_nibble");
  EXPECT_FALSE(describe(PtrResult::outside_prefix).empty());
}

}  // namespace
}  // namespace dns64d::dns64
