// Snapshot building from a configuration and the ports' facts, without DPDK.
#include <gtest/gtest.h>

#include "control/snapshot_builder.hpp"
#include "dataplane/dns64/prefix.hpp"

namespace dns64d::control {
namespace {

const char* two_ports = R"(
[dataplane]
edns_udp_size = 4096
dns_ports = [53, 5353]
[[port]]
device = "net_tap0"
ipv4 = ["192.0.2.53/24"]
exception = "dns64x0"
[[port]]
device = "net_tap1"
ipv6 = ["2001:db8::53"]
mac = "02:00:00:00:00:53"
[[view]]
name = "isp"
clients = ["2001:db8:aaaa::/48", "198.51.100.0/24"]
prefixes = ["2001:db8:64::/96"]
ptr_mode = "ptr"
exclude_domains = ["no64.example"]
[[view]]
name = "default"
prefixes = ["64:ff9b::/96"]
)";

std::unique_ptr<dataplane::Snapshot> build(const char* text, std::vector<PortFacts> ports,
                                           std::vector<std::string>& notes) {
  return build_snapshot(config::parse(text, "t.toml"), ports, notes);
}

TEST(Snapshot, ReplySizeIsCutToWhatTheSmallestMtuCarries) {
  std::vector<std::string> notes;
  const auto s = build(two_ports, {{0, 1500, {}, false}, {1, 1280, {}, true}}, notes);
  EXPECT_EQ(s->edns_udp_size, 1280 - 48);
  ASSERT_EQ(notes.size(), 2u);  // 4096 -> 1452, then -> 1232
  EXPECT_NE(notes.back().find("MTU 1280"), std::string::npos) << notes.back();
  std::vector<std::string> none;
  EXPECT_EQ(build(two_ports, {{0, 9000, {}, false}, {1, 0, {}, false}}, none)->edns_udp_size, 4096);
  EXPECT_TRUE(none.empty());
}

TEST(Snapshot, PortsGetTheirAddressesMacsAndChecksumOffload) {
  std::vector<std::string> notes;
  const net::Mac device_mac{0x02, 0xaa, 0, 0, 0, 1};
  const auto s = build(two_ports, {{3, 1500, device_mac, false}, {5, 1500, {}, true}}, notes);
  const net::LocalAddrs& a = s->local[3];
  EXPECT_EQ(a.mac, device_mac);  // none configured: the device's
  ASSERT_EQ(a.n_v4, 1);
  EXPECT_EQ(a.v4[0], (net::V4{192, 0, 2, 53}));
  ASSERT_EQ(a.n_v4_broadcast, 1);  // 192.0.2.53/24
  EXPECT_EQ(a.v4_broadcast[0], (net::V4{192, 0, 2, 255}));
  EXPECT_TRUE(a.exception_path);
  ASSERT_EQ(a.n_ports, 2);
  EXPECT_EQ(a.dns_ports[1], 5353);
  const net::LocalAddrs& b = s->local[5];
  EXPECT_EQ(b.mac, (net::Mac{0x02, 0, 0, 0, 0, 0x53}));  // configured wins
  EXPECT_EQ(b.n_v6, 1);
  EXPECT_FALSE(b.exception_path);
  EXPECT_FALSE(s->tx_udp_checksum[3]);
  EXPECT_TRUE(s->tx_udp_checksum[5]);
  EXPECT_EQ(s->local[0].n_v4, 0);  // ports not configured stay empty
}

TEST(Snapshot, ViewsChooseByClientWithTheirPoliciesAndDefault) {
  std::vector<std::string> notes;
  const auto s = build(two_ports, {{0, 1500, {}, false}, {1, 1500, {}, false}}, notes);
  const respond::ViewTable& v = s->views;
  ASSERT_EQ(v.size(), 2u);
  const int isp = v.for_v6(*dns64::parse_v6("2001:db8:aaaa::1"));
  ASSERT_EQ(isp, 0);
  EXPECT_EQ(v.for_v4({198, 51, 100, 9}), 0);
  EXPECT_EQ(v.for_v4({203, 0, 113, 9}), 1);  // the view without clients is the default
  const respond::View& view = v.view(isp);
  EXPECT_EQ(view.ptr_mode, respond::PtrMode::ptr);
  EXPECT_EQ(view.prefix_count, 1);
  // exclude_domains has a policy of its own that never synthesizes.
  EXPECT_NE(view.exclude_policy, view.aaaa_policy);
  EXPECT_EQ(v.policy(view.exclude_policy).mode, respond::Synthesis::none);
  const std::uint8_t under[] = {1,   'x', 4,   'n', 'o', '6', '4', 7,
                                'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
  EXPECT_EQ(view.policy_for(under), view.exclude_policy);
}

TEST(Snapshot, ViewSwitchesReachTheViews) {
  const std::string text = std::string(two_ports) + R"(
[[view]]
name = "strict"
clients = ["2001:db8:cccc::/48"]
prefixes = ["2001:db8:66::/96"]
recursive_only = true
break_dnssec = true
reverse_soa_server = "ns.dns64.example"
reverse_soa_contact = "hostmaster.dns64.example"
)";
  std::vector<std::string> notes;
  const auto s = build(text.c_str(), {{0, 1500, {}, false}, {1, 1500, {}, false}}, notes);
  const respond::ViewTable& t = s->views;
  const respond::View& strict = t.view(t.for_v6(*dns64::parse_v6("2001:db8:cccc::1")));
  EXPECT_TRUE(strict.recursive_only);
  EXPECT_TRUE(strict.break_dnssec);
  // Queries without RD get the policy that never synthesizes, with the
  // view's exclusions: the one exclude_domains of the isp view already has.
  const std::uint8_t name[] = {1, 'x', 0};
  EXPECT_EQ(strict.policy_for(name, true), strict.aaaa_policy);
  EXPECT_EQ(strict.policy_for(name, false), strict.no_synthesis_policy);
  EXPECT_EQ(t.policy(strict.no_synthesis_policy).mode, respond::Synthesis::none);
  EXPECT_EQ(strict.no_synthesis_policy, t.view(0).exclude_policy);
  EXPECT_EQ(strict.exclude_policy, strict.aaaa_policy);  // no exclude_domains
  EXPECT_EQ(strict.reverse_soa_server,
            (std::vector<std::uint8_t>{2, 'n', 's', 5, 'd', 'n', 's', '6', '4', 7, 'e', 'x', 'a',
                                       'm', 'p', 'l', 'e', 0}));
  EXPECT_EQ(strict.reverse_soa_contact.size(), 26u);
  // The others keep the defaults: no server (the zone's own name), the root as contact.
  const respond::View& isp = t.view(0);
  EXPECT_FALSE(isp.recursive_only);
  EXPECT_FALSE(isp.break_dnssec);
  EXPECT_EQ(isp.policy_for(name, false), isp.aaaa_policy);
  EXPECT_TRUE(isp.reverse_soa_server.empty());
  EXPECT_EQ(isp.reverse_soa_contact, std::vector<std::uint8_t>{0});
  // Every view's reverse prefixes, each once.
  EXPECT_EQ(t.reverse_prefixes().size(), 3u);
}

TEST(Snapshot, FactsMustMatchThePorts) {
  std::vector<std::string> notes;
  EXPECT_THROW(build(two_ports, {{0, 1500, {}, false}}, notes), std::runtime_error);
  EXPECT_THROW(
      build(two_ports, {{0, 1500, {}, false}, {dataplane::max_ports, 1500, {}, false}}, notes),
      std::runtime_error);
}

}  // namespace
}  // namespace dns64d::control
