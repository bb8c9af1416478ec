// DNS Cookies: RFC 9018's test vectors (Appendix A), the lengths RFC 7873
// §5.2.2 allows, the lifetime window, and a secret rotation.
#include "dataplane/cookie/cookie.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dns64d::cookie {
namespace {

std::vector<std::uint8_t> hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string to_hex(std::span<const std::uint8_t> b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t x : b) {
    s += digits[x >> 4];
    s += digits[x & 15];
  }
  return s;
}

std::vector<std::uint8_t> address(const char* text) {
  std::vector<std::uint8_t> a(16);
  if (inet_pton(AF_INET, text, a.data()) == 1) {
    a.resize(4);
    return a;
  }
  EXPECT_EQ(inet_pton(AF_INET6, text, a.data()), 1) << text;
  return a;
}

Secret secret(std::string_view text) {
  Secret s{};
  EXPECT_TRUE(parse_secret(text, s)) << text;
  return s;
}

Settings with(std::string_view current, std::string_view previous = {}) {
  Settings s;
  s.enabled = true;
  s.secret = secret(current);
  if (!previous.empty()) {
    s.previous = secret(previous);
    s.has_previous = true;
  }
  return s;
}

// The option data of the reply to a query presenting `query` (hex).
std::string reply_to(const Settings& s, std::string_view query, const char* from,
                     std::uint32_t now, Presented* verdict = nullptr) {
  const std::vector<std::uint8_t> data = hex(query);
  std::array<std::uint8_t, reply_len> reply{};
  const Presented v = answer(s, data, address(from), now, reply);
  if (verdict != nullptr) *verdict = v;
  return to_hex(reply);
}

class Rfc9018 : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init()); }
};

TEST_F(Rfc9018, A1LearningANewServerCookie) {
  Presented v;
  EXPECT_EQ(reply_to(with("e5e973e5a6b2a43f48e7dc849e37bfcf"), "2464c4abcf10c957", "198.51.100.100",
                     1559731985, &v),
            "2464c4abcf10c957010000005cf79f111f8130c3eee29480");
  EXPECT_EQ(v, Presented::client_only);
}

TEST_F(Rfc9018, A2TheSameClientLearningARenewedServerCookie) {
  // The cookie of A.1, presented 40 minutes later: still ours, but worn.
  Presented v;
  EXPECT_EQ(reply_to(with("e5e973e5a6b2a43f48e7dc849e37bfcf"),
                     "2464c4abcf10c957010000005cf79f111f8130c3eee29480", "198.51.100.100",
                     1559734385, &v),
            "2464c4abcf10c957010000005cf7a871d4a564a1442aca77");
  EXPECT_EQ(v, Presented::valid);
}

TEST_F(Rfc9018, A3AnotherClientWithReservedOctetsSet) {
  // Another server of the set made this cookie, with its reserved octets
  // set; A.3's reply comes 1h52m after it was made, past its hour: a fresh one.
  const Settings s = with("e5e973e5a6b2a43f48e7dc849e37bfcf");
  const char* presented = "fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5";
  Presented v;
  EXPECT_EQ(reply_to(s, presented, "203.0.113.203", 1559734700, &v),
            "fc93fc62807ddb86010000005cf7a9acf73a7810aca2381e");
  EXPECT_EQ(v, Presented::unknown);
  // Within its hour it is ours (the reserved octets are in the hash) ...
  constexpr std::uint32_t made = 0x5cf78f71;
  reply_to(s, presented, "203.0.113.203", made + 1000, &v);
  EXPECT_EQ(v, Presented::valid);
  // ... but not from another address.
  reply_to(s, presented, "203.0.113.204", made + 1000, &v);
  EXPECT_EQ(v, Presented::unknown);
}

TEST_F(Rfc9018, A4AnIpv6ClientAfterTheSecretRolledOver) {
  const char* client = "2001:db8:220:1:59de:d0f4:8769:82b8";
  const char* old_cookie = "22681ab97d52c298010000005cf7c57926556bd0934c72f8";
  const char* renewed = "22681ab97d52c298010000005cf7c609a6bb79d16625507a";
  Presented v;
  // The new secret, with the old one still accepted: valid, and reissued.
  EXPECT_EQ(reply_to(with("445536bcd2513298075a5d379663c962", "dd3bdf9344b678b185a6f5cb60fca715"),
                     old_cookie, client, 1559741961, &v),
            renewed);
  EXPECT_EQ(v, Presented::valid);
  // Once the old secret is gone, the old cookie is not ours: a fresh one anyway.
  EXPECT_EQ(reply_to(with("445536bcd2513298075a5d379663c962"), old_cookie, client, 1559741961, &v),
            renewed);
  EXPECT_EQ(v, Presented::unknown);
}

TEST_F(Rfc9018, AYoungValidCookieIsHandedBackAsPresented) {
  const Settings s = with("e5e973e5a6b2a43f48e7dc849e37bfcf");
  Presented v;
  EXPECT_EQ(reply_to(s, "2464c4abcf10c957010000005cf79f111f8130c3eee29480", "198.51.100.100",
                     1559731985 + 600, &v),
            "2464c4abcf10c957010000005cf79f111f8130c3eee29480");
  EXPECT_EQ(v, Presented::valid);
  // A changed bit anywhere makes it someone else's.
  reply_to(s, "2464c4abcf10c957010000005cf79f111f8130c3eee29481", "198.51.100.100",
           1559731985 + 600, &v);
  EXPECT_EQ(v, Presented::unknown);
  reply_to(s, "2464c4abcf10c956010000005cf79f111f8130c3eee29480", "198.51.100.100",
           1559731985 + 600, &v);
  EXPECT_EQ(v, Presented::unknown);
  // Past its hour it holds no more.
  reply_to(s, "2464c4abcf10c957010000005cf79f111f8130c3eee29480", "198.51.100.100",
           1559731985 + 3601, &v);
  EXPECT_EQ(v, Presented::unknown);
}

TEST(Cookie, LengthsOfRfc7873) {
  struct Case {
    std::size_t len;
    Presented want;
  };
  for (const Case c : {Case{0, Presented::malformed}, Case{7, Presented::malformed},
                       Case{8, Presented::client_only}, Case{9, Presented::malformed},
                       Case{15, Presented::malformed}, Case{16, Presented::unknown},
                       Case{24, Presented::unknown}, Case{40, Presented::unknown},
                       Case{41, Presented::malformed}}) {
    std::vector<std::uint8_t> options = {0, 10, 0, static_cast<std::uint8_t>(c.len)};
    options.resize(4 + c.len, 0xab);
    std::span<const std::uint8_t> data;
    EXPECT_EQ(find(options, data), c.want) << c.len << " octets";
    if (c.want != Presented::malformed) {
      EXPECT_EQ(data.size(), c.len);
    }
  }
}

TEST(Cookie, TheFirstCookieOptionCountsAndOthersAreSkipped) {
  // Padding (12), then a client cookie, then a malformed second COOKIE.
  const std::vector<std::uint8_t> options = {0, 12, 0, 2, 0, 0,                       //
                                             0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8,     //
                                             0, 10, 0, 3, 1, 2, 3};
  std::span<const std::uint8_t> data;
  EXPECT_EQ(find(options, data), Presented::client_only);
  EXPECT_EQ(to_hex(data), "0102030405060708");
  std::span<const std::uint8_t> none;
  EXPECT_EQ(find(std::span(options).first(6), none), Presented::none);
  // An option that overruns the OPT's data ends the search.
  const std::vector<std::uint8_t> overrun = {0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(find(overrun, none), Presented::none);
}

TEST(Cookie, LifetimeWindowAcrossTheWrap) {
  constexpr std::uint32_t now = 1559731985;
  EXPECT_TRUE(usable(now, now));
  EXPECT_TRUE(usable(now - 3600, now));
  EXPECT_FALSE(usable(now - 3601, now));
  EXPECT_TRUE(usable(now + 300, now));
  EXPECT_FALSE(usable(now + 301, now));
  EXPECT_FALSE(worn(now - 1799, now));
  EXPECT_TRUE(worn(now - 1800, now));
  EXPECT_FALSE(worn(now + 10, now));
  // Stamped just before 2^32 seconds, read just after: an hour old.
  EXPECT_TRUE(usable(4294964696u, 1000));
  EXPECT_TRUE(worn(4294964696u, 1000));
}

TEST(Cookie, Secrets) {
  Secret s{};
  EXPECT_TRUE(parse_secret("E5E973E5A6B2A43F48E7DC849E37BFCF", s));
  EXPECT_EQ(s[0], 0xe5);
  EXPECT_FALSE(parse_secret("e5e973e5a6b2a43f48e7dc849e37bfc", s));
  EXPECT_FALSE(parse_secret("e5e973e5a6b2a43f48e7dc849e37bfcg", s));
  ASSERT_TRUE(init());
  EXPECT_NE(random_secret(), random_secret());
}

}  // namespace
}  // namespace dns64d::cookie
