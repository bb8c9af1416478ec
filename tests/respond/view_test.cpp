// ViewTable: the client lookup against the plain longest-prefix match it
// replaces (a walk over every network, longest first, the first given of
// equal ones winning), and the reverse prefixes of every view.
#include "dataplane/respond/view.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace {

using dns64d::dns64::V4;
using dns64d::dns64::V6;
using dns64d::respond::View;
using dns64d::respond::ViewTable;

template <typename Addr>
struct Net {
  Addr net;
  unsigned length;
  int view;
};

template <typename Addr>
bool covers(const Addr& net, unsigned length, const Addr& a) {
  for (unsigned bit = 0; bit < length; ++bit) {
    const unsigned byte = bit / 8, shift = 7 - bit % 8;
    if (((net[byte] >> shift) & 1) != ((a[byte] >> shift) & 1)) return false;
  }
  return true;
}

// `nets` sorted longest first, stably.
template <typename Addr>
int reference(const std::vector<Net<Addr>>& nets, const Addr& a, int otherwise) {
  for (const auto& n : nets) {
    if (covers(n.net, n.length, a)) return n.view;
  }
  return otherwise;
}

// An address near `base`: its first `keep` bits, the rest random.
template <typename Addr>
Addr near(const Addr& base, unsigned keep, std::mt19937& rng) {
  Addr a = base;
  for (unsigned bit = keep; bit < a.size() * 8; ++bit) {
    const unsigned byte = bit / 8, shift = 7 - bit % 8;
    a[byte] = static_cast<std::uint8_t>((a[byte] & ~(1u << shift)) | ((rng() & 1u) << shift));
  }
  return a;
}

template <typename Addr>
Addr random_addr(std::mt19937& rng) {
  Addr a;
  for (auto& b : a) b = static_cast<std::uint8_t>(rng());
  return a;
}

template <typename Addr>
void compare_with_reference(unsigned seed, std::size_t networks,
                            const std::vector<unsigned>& lengths, bool with_default) {
  std::mt19937 rng(seed);
  ViewTable table;
  std::vector<int> views;
  for (int i = 0; i < 16; ++i) views.push_back(table.add_view(View{}));
  const int otherwise = with_default ? views[0] : ViewTable::none;
  if (with_default) table.set_default(otherwise);
  std::vector<Net<Addr>> nets;
  for (std::size_t i = 0; i < networks; ++i) {
    // Some networks nest inside earlier ones, some repeat them exactly.
    Addr net = random_addr<Addr>(rng);
    const unsigned length = lengths[rng() % lengths.size()];
    if (!nets.empty() && rng() % 3 == 0) net = near(nets[rng() % nets.size()].net, 8, rng);
    if (!nets.empty() && rng() % 10 == 0) net = nets[rng() % nets.size()].net;
    const int view = views[rng() % views.size()];
    nets.push_back({net, length, view});
    if constexpr (sizeof(Addr) == 4) {
      table.add_client_v4(net, static_cast<std::uint8_t>(length), view);
    } else {
      table.add_client_v6(net, static_cast<std::uint8_t>(length), view);
    }
  }
  std::vector<Net<Addr>> sorted = nets;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Net<Addr>& x, const Net<Addr>& y) { return x.length > y.length; });
  for (int probe = 0; probe < 5000; ++probe) {
    const auto& n = nets[rng() % nets.size()];
    const Addr a = probe % 4 == 0 ? random_addr<Addr>(rng)
                                  : near(n.net, static_cast<unsigned>(rng() % (n.length + 1)), rng);
    int got = 0;
    if constexpr (sizeof(Addr) == 4) {
      got = table.for_v4(a);
    } else {
      got = table.for_v6(a);
    }
    ASSERT_EQ(got, reference(sorted, a, otherwise)) << "probe " << probe;
  }
}

TEST(ViewTable, NoClientNetworksGivesTheDefault) {
  ViewTable t;
  EXPECT_EQ(t.for_v4({192, 0, 2, 1}), ViewTable::none);
  EXPECT_EQ(t.for_v6(V6{}), ViewTable::none);
  const int v = t.add_view(View{});
  t.set_default(v);
  EXPECT_EQ(t.for_v4({192, 0, 2, 1}), v);
  EXPECT_EQ(t.for_v6(V6{0x20, 0x01}), v);
}

TEST(ViewTable, LongestMatchWinsAndTheFirstOfEqualNetworks) {
  ViewTable t;
  const int a = t.add_view(View{}), b = t.add_view(View{}), c = t.add_view(View{});
  t.add_client_v4({10, 0, 0, 0}, 8, a);
  t.add_client_v4({10, 1, 0, 0}, 16, b);
  t.add_client_v4({10, 1, 2, 3}, 16, c);  // the same /16 again: b keeps it
  t.add_client_v4({0, 0, 0, 0}, 0, c);
  EXPECT_EQ(t.for_v4({10, 1, 200, 1}), b);
  EXPECT_EQ(t.for_v4({10, 2, 0, 1}), a);
  EXPECT_EQ(t.for_v4({192, 0, 2, 1}), c);
  t.add_client_v6(*dns64d::dns64::parse_v6("2001:db8::"), 32, a);
  t.add_client_v6(*dns64d::dns64::parse_v6("2001:db8:0:1::"), 64, b);
  t.add_client_v6(*dns64d::dns64::parse_v6("2001:db8:0:1::5"), 128, c);
  EXPECT_EQ(t.for_v6(*dns64d::dns64::parse_v6("2001:db8:0:1::5")), c);
  EXPECT_EQ(t.for_v6(*dns64d::dns64::parse_v6("2001:db8:0:1::6")), b);
  EXPECT_EQ(t.for_v6(*dns64d::dns64::parse_v6("2001:db8:ffff::1")), a);
  EXPECT_EQ(t.for_v6(*dns64d::dns64::parse_v6("2001:db9::1")), ViewTable::none);
}

TEST(ViewTable, Ipv4MatchesThePlainWalk) {
  compare_with_reference<V4>(1, 5, {8, 16, 24}, true);
  compare_with_reference<V4>(2, 300, {0, 1, 7, 8, 12, 16, 20, 24, 31, 32}, false);
  compare_with_reference<V4>(3, 3000, {16, 24, 32}, true);
}

TEST(ViewTable, Ipv6MatchesThePlainWalk) {
  compare_with_reference<V6>(4, 5, {32, 48, 64}, true);
  compare_with_reference<V6>(5, 300, {0, 1, 32, 48, 56, 63, 64, 65, 96, 127, 128}, false);
  compare_with_reference<V6>(6, 3000, {48, 56, 64}, true);
}

// RFC 6147 §5.3.1: an ip6.arpa name maps back under any configured Pref64,
// the asking view's first (prefixes may overlap: a /64 holds every /96
// under it).
struct Reverse : ::testing::Test {
  Reverse() {
    View a;
    a.prefixes[0] = prefix("2001:db8:122:344::/64");
    a.prefix_count = 1;
    View b;
    b.prefixes[0] = prefix("2001:db8:122:344::/96");
    b.prefixes[1] = prefix("2001:db8:122:344::/96");  // listed twice: one entry
    b.prefix_count = 2;
    View c;
    c.prefixes[0] = dns64d::dns64::well_known_prefix;
    c.prefix_count = 1;
    c.prefix_map.push_back({{{203, 0, 113, 0}, 24}, prefix("2001:db8:65::/96"), false});
    va = table.add_view(a);
    vb = table.add_view(b);
    vc = table.add_view(c);
  }
  static dns64d::dns64::Prefix prefix(const char* text) {
    dns64d::dns64::Prefix p;
    EXPECT_EQ(dns64d::dns64::parse_pref64(text, p), dns64d::dns64::PrefixError::ok);
    return p;
  }
  // The ip6.arpa name of `a` cut to its last `nibbles` labels, read.
  static dns64d::dns64::Ip6Arpa name(const V6& a, std::size_t nibbles = 32) {
    dns64d::dns::Name n;
    dns64d::dns64::ip6_arpa_name(a, n);
    dns64d::dns64::Ip6Arpa out;
    EXPECT_EQ(dns64d::dns64::read_ip6_arpa(n.bytes().last(2 * nibbles + 10), out),
              dns64d::dns64::PtrResult::ok);
    return out;
  }
  dns64d::respond::ReverseMatch match(int view, const dns64d::dns64::Ip6Arpa& n) {
    in_addr = {};
    return table.match_reverse(table.view(view), n, in_addr);
  }
  ViewTable table;
  int va = 0, vb = 0, vc = 0;
  dns64d::dns::Name in_addr;
};

TEST_F(Reverse, TheAskingViewsPrefixesComeFirstThenEveryOthers) {
  using dns64d::respond::PtrMapping;
  EXPECT_EQ(table.reverse_prefixes().size(), 4u);  // /64, /96, the WKP, the map's
  EXPECT_EQ(table.view(vb).reverse.size(), 1u);
  // 192.0.2.33 under the /96 is 0.0.0.192 (and a suffix) under the /64.
  const auto n = name(dns64d::dns64::embed(prefix("2001:db8:122:344::/96"), {192, 0, 2, 33}));
  auto m = match(vb, n);
  EXPECT_EQ(m.mapping, PtrMapping::mapped);
  EXPECT_EQ(m.zone, 24);
  EXPECT_EQ(dns64d::dns::to_text(in_addr.bytes()), "33.2.0.192.in-addr.arpa");
  m = match(va, n);
  EXPECT_EQ(m.zone, 16);
  EXPECT_EQ(dns64d::dns::to_text(in_addr.bytes()), "192.0.0.0.in-addr.arpa");
  // A view with neither finds the first configured.
  m = match(vc, n);
  EXPECT_EQ(m.mapping, PtrMapping::mapped);
  EXPECT_EQ(m.zone, 16);
  // A prefix_map maps back only its range, whoever asks.
  const auto mapped = name(dns64d::dns64::embed(prefix("2001:db8:65::/96"), {203, 0, 113, 7}));
  EXPECT_EQ(match(va, mapped).mapping, PtrMapping::mapped);
  EXPECT_EQ(dns64d::dns::to_text(in_addr.bytes()), "7.113.0.203.in-addr.arpa");
  const auto outside = name(dns64d::dns64::embed(prefix("2001:db8:65::/96"), {8, 8, 8, 8}));
  EXPECT_EQ(match(va, outside).mapping, PtrMapping::none);
  EXPECT_EQ(match(vc, name(*dns64d::dns64::parse_v6("2001:db8:ffff::1"))).mapping,
            PtrMapping::none);
}

TEST_F(Reverse, PartialNamesTakeTheDeepestZoneThatHoldsThem) {
  using dns64d::respond::PtrMapping;
  const V6 a = dns64d::dns64::embed(prefix("2001:db8:122:344::/96"), {192, 0, 2, 33});
  const std::pair<std::size_t, std::uint8_t> cases[] = {{31, 24}, {24, 24}, {23, 16},
                                                        {16, 16}, {15, 0},  {1, 0}};
  for (const auto& [nibbles, zone] : cases) {
    for (const int v : {va, vb, vc}) {
      const auto m = match(v, name(a, nibbles));
      EXPECT_EQ(m.mapping, PtrMapping::partial) << nibbles;
      EXPECT_EQ(m.zone, zone) << nibbles << " view " << v;
    }
  }
  EXPECT_EQ(match(va, name(*dns64d::dns64::parse_v6("2001:db9::"), 8)).mapping, PtrMapping::none);
}

TEST_F(Reverse, ApexesAreTheReverseNamesOfThePrefixes) {
  const V6 a = dns64d::dns64::embed(prefix("2001:db8:122:344::/96"), {192, 0, 2, 33});
  EXPECT_EQ(table.reverse_apex(name(a, 24)), 24);
  EXPECT_EQ(table.reverse_apex(name(a, 16)), 16);
  EXPECT_EQ(table.reverse_apex(name(a, 20)), 0);
  EXPECT_EQ(table.reverse_apex(name(a, 32)), 0);
  EXPECT_EQ(table.reverse_apex(name(dns64d::dns64::well_known_prefix.addr, 24)), 24);
  EXPECT_EQ(table.reverse_apex(name(prefix("2001:db8:65::/96").addr, 24)), 24);
  EXPECT_EQ(table.reverse_apex(name(*dns64d::dns64::parse_v6("2001:db8:66::"), 24)), 0);
}

}  // namespace
