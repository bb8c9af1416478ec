// ViewTable's client lookup against the plain longest-prefix match it
// replaces: a walk over every network, longest first, the first given of
// equal ones winning.
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

}  // namespace
