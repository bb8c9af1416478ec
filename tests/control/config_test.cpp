#include "control/config.hpp"

#include <gtest/gtest.h>

namespace dns64d::config {
namespace {

const char* minimal = R"(
[[port]]
device = "net_pcap0"
ipv4 = ["192.0.2.53"]
)";

std::string error_of(const std::string& text) {
  try {
    parse(text, "t.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, ShippedExampleLoads) {
  const Config c = load(DNS64D_SOURCE_DIR "/etc/dns64d.toml");
  ASSERT_EQ(c.ports.size(), 1u);
  EXPECT_EQ(c.ports[0].device, "net_tap0");
  EXPECT_EQ(c.ports[0].ipv4.size(), 1u);
  EXPECT_EQ(c.ports[0].ipv6.size(), 1u);
  EXPECT_EQ(c.dns_ports, std::vector<std::uint16_t>{53});
  EXPECT_EQ(c.edns_udp_size, 1232);
  ASSERT_EQ(c.views.size(), 2u);
  EXPECT_EQ(c.views[0].name, "enterprise");
  EXPECT_EQ(c.views[0].clients_v6.size(), 1u);
  EXPECT_EQ(c.views[0].clients_v4.size(), 1u);
  EXPECT_EQ(c.views[0].prefixes[0].length, 96);
  EXPECT_EQ(c.views[0].never_map.size(), 1u);
  ASSERT_EQ(c.views[0].exclude_domains.size(), 1u);
  EXPECT_EQ(dns::to_text(c.views[0].exclude_domains[0].bytes()), "corp.example");
  ASSERT_EQ(c.views[0].prefix_map.size(), 1u);
  EXPECT_EQ(c.views[0].prefix_map[0].ipv4.length, 24);
  EXPECT_EQ(c.views[1].prefixes[0], dns64::well_known_prefix);
  EXPECT_EQ(c.ports[0].ipv4_len[0], 24);
  EXPECT_TRUE(c.ports[0].exception.empty());
  EXPECT_EQ(c.tcp.max_connections, 512u);
  EXPECT_TRUE(c.upstream.enabled);
  ASSERT_EQ(c.upstream.servers.size(), 1u);
  EXPECT_EQ(c.upstream.servers[0], "127.0.0.1:5353");
  EXPECT_EQ(c.upstream.timeout_ms, 800u);
  EXPECT_EQ(c.upstream.failure_ttl, 30u);
  EXPECT_FALSE(c.upstream.randomize_case);
  EXPECT_TRUE(c.upstream.parallel_a);
  EXPECT_EQ(c.upstream.client_deadline_ms, 2000u);
  EXPECT_FALSE(c.upstream.trust_ad);
  EXPECT_EQ(c.cache.refresh_percent, 10u);
  EXPECT_EQ(c.cache.refresh_sample_every, 16u);
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.records[0].type, dns::type::A);
  EXPECT_EQ(c.records[1].type, dns::type::PTR);
}

TEST(Config, DefaultsWithoutViews) {
  const Config c = parse(minimal);
  ASSERT_EQ(c.views.size(), 1u);
  EXPECT_EQ(c.views[0].prefixes[0], dns64::well_known_prefix);
  ASSERT_EQ(c.views[0].exclude_aaaa.size(), 1u);
  EXPECT_EQ(c.burst, 32u);
  EXPECT_EQ(c.cache.entries, 1u << 20);
}

TEST(Config, ViewSwitchesOfOtherDns64s) {
  const Config off = parse(std::string(minimal) + "[[view]]\nname = \"v\"\n");
  ASSERT_EQ(off.views.size(), 1u);
  EXPECT_FALSE(off.views[0].recursive_only);
  EXPECT_FALSE(off.views[0].break_dnssec);
  EXPECT_FALSE(off.views[0].reverse_soa_server.has_value());
  EXPECT_EQ(dns::to_text(off.views[0].reverse_soa_contact.bytes()), ".");
  const Config on = parse(std::string(minimal) + R"([[view]]
name = "v"
recursive_only = true
break_dnssec = true
reverse_soa_server = "NS.DNS64.Example."
reverse_soa_contact = "hostmaster.dns64.example"
)");
  const ViewConfig& v = on.views[0];
  EXPECT_TRUE(v.recursive_only);
  EXPECT_TRUE(v.break_dnssec);
  ASSERT_TRUE(v.reverse_soa_server.has_value());
  EXPECT_EQ(dns::to_text(v.reverse_soa_server->bytes()), "ns.dns64.example");  // folded
  EXPECT_EQ(dns::to_text(v.reverse_soa_contact.bytes()), "hostmaster.dns64.example");
  const std::string view = std::string(minimal) + "[[view]]\nname = \"v\"\n";
  EXPECT_NE(error_of(view + "recursive_only = 1\n").find("view[0].recursive_only: must be true"),
            std::string::npos);
  EXPECT_NE(error_of(view + "break_dnssec = \"yes\"\n").find("view[0].break_dnssec"),
            std::string::npos);
  EXPECT_NE(error_of(view + "reverse_soa_server = \"a..b\"\n")
                .find("view[0].reverse_soa_server: not a domain name"),
            std::string::npos);
  EXPECT_NE(error_of(view + "reverse_soa_contact = \"\"\n")
                .find("view[0].reverse_soa_contact: not a domain name"),
            std::string::npos);
}

TEST(Config, RecordNamesAreFolded) {
  const Config c = parse(std::string(minimal) + R"(
[[record]]
name = "WWW.Example.COM"
type = "aaaa"
data = "2001:db8::1"
)");
  ASSERT_EQ(c.records.size(), 1u);
  EXPECT_EQ(dns::to_text(c.records[0].name.bytes()), "www.example.com");
  EXPECT_EQ(c.records[0].type, dns::type::AAAA);
  EXPECT_EQ(c.records[0].ttl, 300u);
}

TEST(Config, ErrorsNameTheKey) {
  struct Case {
    std::string text;
    std::string expect;
  };
  const std::string port = minimal;
  const Case cases[] = {
      {port + "[dataplane]\nburts = 3\n", "dataplane.burts: unknown key"},
      {port + "bogus = 1\n", "bogus: unknown key"},
      {port + "[dataplane]\nburst = 0\n", "dataplane.burst: must be between 1 and 256"},
      {port + "[dataplane]\nburst = \"x\"\n", "dataplane.burst: must be an integer"},
      {port + "[dataplane]\nring_size = 1000\n", "dataplane.ring_size: must be a power of two"},
      {port + "[dataplane]\ndns_ports = [0]\n", "dataplane.dns_ports"},
      {port + "[[view]]\nname = \"v\"\nprefixes = [\"2001:db8::/33\"]\n",
       "view[0].prefixes: 2001:db8::/33: length"},
      {port + "[[view]]\nname = \"v\"\nprefixes = [\"64:ff9b::1/96\"]\n", "bits beyond the prefix"},
      {port + "[[view]]\nname = \"v\"\nclients = [\"nonsense\"]\n", "view[0].clients"},
      {port + "[[view]]\nname = \"v\"\nptr_mode = \"x\"\n", "view[0].ptr_mode"},
      {port + "[[view]]\nname = \"a\"\n[[view]]\nname = \"b\"\n",
       "only one view may leave out clients"},
      {port + "[[view]]\nprefixes = []\n", "view[0].name: is required"},
      {port + "[[record]]\nname = \"a\"\ntype = \"A\"\ndata = \"2001:db8::1\"\n",
       "record[0].data: does not fit"},
      {port + "[[record]]\nname = \"a\"\ntype = \"SRV\"\ndata = \"x\"\n", "record[0].type"},
      {port + "[cache]\nmin_ttl = 100\nmax_ttl = 10\n", "cache.min_ttl: is above cache.max_ttl"},
      {port + "[upstream]\ntimeout = 5\n", "upstream.timeout: unknown key"},
      {port + "[upstream]\nattempts = 0\n", "upstream.attempts: must be between 1 and 10"},
      {port + "[dataplane]\ndns_ports = [53, 5353, 53]\n",
       "dataplane.dns_ports: port 53 is named twice"},
      {port + "[[port]]\ndevice = \"y\"\nipv4 = [\"192.0.2.53/24\"]\n",
       "port[1].ipv4: 192.0.2.53 is also an address of port[0]"},
      {"[[port]]\ndevice = \"x\"\nipv6 = [\"2001:db8::53\", \"2001:DB8::53/64\"]\n",
       "port[0].ipv6: 2001:db8::53 is also an address of port[0]"},
      {port + "[cache]\nrefresh_percent = 51\n", "cache.refresh_percent: must be between 0 and 50"},
      {port + "[[record]]\nname = \"a.example\"\ntype = \"CNAME\"\ndata = \"b.example\"\n",
       "record[0].data: the CNAME's target has no static A or AAAA records"},
      {port + "[[record]]\nname = \"a.example\"\ntype = \"CNAME\"\ndata = \"b.example\"\n"
              "[[record]]\nname = \"B.example\"\ntype = \"A\"\ndata = \"192.0.2.1\"\n"
              "[[record]]\nname = \"a.example\"\ntype = \"A\"\ndata = \"192.0.2.2\"\n",
       "record[0]: a CNAME must be the only record of its name (record[2] is another)"},
      {port + "[upstream]\nfailure_ttl = 301\n", "upstream.failure_ttl: must be between 1 and 300"},
      {port + "[upstream]\nservers = \"x\"\n", "upstream.servers: must be an array of strings"},
      {"[[port]]\nipv4 = [\"192.0.2.1\"]\n", "port[0].device: is required"},
      {"[[port]]\ndevice = \"x\"\n", "port[0]: needs at least one address"},
      {"[[port]]\ndevice = \"x\"\nipv4 = [\"300.1.1.1\"]\n", "port[0].ipv4: not an IPv4 address"},
      {"[[port]]\ndevice = \"x\"\nipv4 = [\"1.1.1.1\"]\nmac = \"zz\"\n", "port[0].mac"},
      {"[[port]]\ndevice = \"x\"\nipv4 = [\"1.1.1.1/33\"]\n", "port[0].ipv4: not an IPv4 address"},
      {"[[port]]\ndevice = \"x\"\nipv6 = [\"2001:db8::1\"]\nexception = \"a-very-long-name0\"\n",
       "port[0].exception: interface names have at most 15"},
      {port + "[upstream]\nover_limit = \"ignore\"\n", "upstream.over_limit: must be"},
      {port + "[dataplane]\nfragments = \"reassemble\"\n", "dataplane.fragments: must be"},
      {port + "[upstream]\nrandomize_case = 1\n", "upstream.randomize_case: must be true or false"},
      {port + "[upstream]\nclient_deadline_ms = 60001\n",
       "upstream.client_deadline_ms: must be between 0 and 60000"},
      {port + "[server]\nversion = \"a\\nb\"\n", "server.version: printable ASCII only"},
      {port + "[server]\nname = \"x\"\n", "server"},
      {port + "[tcp]\nmax_connections = 0\n", "tcp.max_connections: must be between"},
      {port + "[tcp]\nkeepalive = 1\n", "tcp.keepalive: unknown key"},
      {port + "[[view]]\nname = \"v\"\nexclude_domains = [\"a..b\"]\n",
       "view[0].exclude_domains: not a domain name"},
      {port + "[[view]]\nname = \"v\"\nprefix_map = [\"10.0.0.0/8\"]\n",
       "view[0].prefix_map: expected"},
      {port + "[[view]]\nname = \"v\"\nprefix_map = [\"10.0.0.0/8 2001:db8::/33\"]\n",
       "view[0].prefix_map: 10.0.0.0/8 2001:db8::/33"},
      {"", "port: at least one [[port]] is required"},
      {"[[port]\n", "t.toml:1:"},
  };
  for (const Case& c : cases) {
    const std::string e = error_of(c.text);
    EXPECT_NE(e.find(c.expect), std::string::npos) << "text:\n" << c.text << "\nerror: " << e;
    EXPECT_EQ(e.rfind("t.toml", 0), 0u) << e;
  }
}

TEST(Config, PortAddressesWithLengthsAndExceptionInterface) {
  const Config c = parse(R"(
[upstream]
over_limit = "drop"
max_waiting = 300
max_waiting_per_prefix = 7
client_prefix_v6 = 48
randomize_case = true
parallel_a = false
client_deadline_ms = 0
trust_ad = true
[tcp]
idle_timeout_ms = 2000
[server]
identity = "dns64-a"
[[port]]
device = "net_af_packet0"
ipv4 = ["192.0.2.53/24", "198.51.100.53"]
ipv6 = ["2001:db8::53/64"]
exception = "dns64x0"
)");
  ASSERT_EQ(c.ports.size(), 1u);
  const Port& p = c.ports[0];
  EXPECT_EQ(p.exception, "dns64x0");
  ASSERT_EQ(p.ipv4.size(), 2u);
  EXPECT_EQ(p.ipv4[0], (dns64::V4{192, 0, 2, 53}));
  EXPECT_EQ(p.ipv4_len, (std::vector<std::uint8_t>{24, 32}));
  ASSERT_EQ(p.ipv6_len.size(), 1u);
  EXPECT_EQ(p.ipv6_len[0], 64);
  EXPECT_TRUE(c.upstream.drop_over_limit);
  EXPECT_EQ(c.upstream.max_waiting, 300u);
  EXPECT_EQ(c.upstream.max_waiting_per_prefix, 7u);
  EXPECT_EQ(c.upstream.client_prefix_v4, 24);
  EXPECT_EQ(c.upstream.client_prefix_v6, 48);
  EXPECT_TRUE(c.upstream.randomize_case);
  EXPECT_FALSE(c.upstream.parallel_a);
  EXPECT_EQ(c.upstream.client_deadline_ms, 0u);
  EXPECT_TRUE(c.upstream.trust_ad);
  EXPECT_EQ(c.server.identity, "dns64-a");
  EXPECT_TRUE(c.server.version.empty());
  EXPECT_TRUE(c.tcp.enabled);
  EXPECT_EQ(c.tcp.idle_timeout_ms, 2000u);
}

TEST(Config, Networks) {
  const auto v4 = parse_v4_net("198.51.100.0/24");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->length, 24);
  EXPECT_FALSE(parse_v4_net("198.51.100.0/33"));
  const auto v6 = parse_v6_net("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->length, 32);
  EXPECT_EQ(parse_v6_net("2001:db8::1")->length, 128);
  EXPECT_FALSE(parse_v6_net("2001:db8::/129"));
}

TEST(Config, RateLimitingIsOffByDefaultAndOneSectionTurnsItOn) {
  const Config off = parse(minimal);
  EXPECT_FALSE(off.rrl.enabled);
  EXPECT_EQ(off.rrl.responses_per_second, 20u);
  EXPECT_EQ(off.rrl.window, 5u);
  EXPECT_EQ(off.rrl.slip, 2u);
  EXPECT_EQ(off.rrl.ipv4_prefix, 24);
  EXPECT_EQ(off.rrl.ipv6_prefix, 56);
  EXPECT_EQ(off.rrl.table_size, 65536u);
  EXPECT_FALSE(load(DNS64D_SOURCE_DIR "/etc/dns64d.toml").rrl.enabled);

  const Config on = parse(std::string(minimal) + R"(
[rrl]
enabled = true
responses_per_second = 100
window = 2
slip = 0
ipv4_prefix = 32
ipv6_prefix = 48
table_size = 1024
)");
  EXPECT_TRUE(on.rrl.enabled);
  EXPECT_EQ(on.rrl.responses_per_second, 100u);
  EXPECT_EQ(on.rrl.window, 2u);
  EXPECT_EQ(on.rrl.slip, 0u);
  EXPECT_EQ(on.rrl.ipv4_prefix, 32);
  EXPECT_EQ(on.rrl.ipv6_prefix, 48);
  EXPECT_EQ(on.rrl.table_size, 1024u);

  const std::string port = minimal;
  const std::pair<std::string, std::string> bad[] = {
      {"[rrl]\nrate = 5\n", "rrl.rate: unknown key"},
      {"[rrl]\nresponses_per_second = 0\n", "rrl.responses_per_second: must be between"},
      {"[rrl]\nwindow = 0\n", "rrl.window: must be between"},
      {"[rrl]\nslip = 11\n", "rrl.slip: must be between"},
      {"[rrl]\nipv4_prefix = 33\n", "rrl.ipv4_prefix: must be between"},
      {"[rrl]\nipv6_prefix = 65\n", "rrl.ipv6_prefix: must be between"},
      {"[rrl]\ntable_size = 1000\n", "rrl.table_size: must be a power of two"},
      {"[rrl]\nenabled = 1\n", "rrl.enabled: must be true or false"},
  };
  for (const auto& [text, expect] : bad) {
    const std::string e = error_of(port + text);
    EXPECT_NE(e.find(expect), std::string::npos) << text << "error: " << e;
  }
  EXPECT_NE(error_of("rrl = 1\n" + port).find("rrl: must be a table"), std::string::npos);
}

TEST(Config, CookiesAreOnByDefaultWithARandomSecret) {
  const Config a = parse(minimal);
  const Config b = parse(minimal);
  EXPECT_TRUE(a.cookies.enabled);
  EXPECT_TRUE(a.cookie_secret_random);
  EXPECT_FALSE(a.cookies.has_previous);
  EXPECT_NE(a.cookies.secret, b.cookies.secret) << "drawn at each load";

  const Config set = parse(std::string(minimal) + R"(
[cookies]
secret = "445536bcd2513298075a5d379663c962"
previous_secret = "DD3BDF9344B678B185A6F5CB60FCA715"
)");
  EXPECT_TRUE(set.cookies.enabled);
  EXPECT_FALSE(set.cookie_secret_random);
  EXPECT_EQ(set.cookies.secret[0], 0x44);
  EXPECT_TRUE(set.cookies.has_previous);
  EXPECT_EQ(set.cookies.previous[15], 0x15);
  EXPECT_FALSE(parse(std::string(minimal) + "[cookies]\nenabled = false\n").cookies.enabled);

  const std::pair<std::string, std::string> bad[] = {
      {"[cookies]\nsecret = \"e5e973e5\"\n", "cookies.secret: must be 32 hexadecimal digits"},
      {"[cookies]\nsecret = \"e5e973e5a6b2a43f48e7dc849e37bfcx\"\n",
       "cookies.secret: must be 32 hexadecimal digits"},
      {"[cookies]\nprevious_secret = \"e5e973e5a6b2a43f48e7dc849e37bfcf\"\n",
       "cookies.previous_secret: needs cookies.secret"},
      {"[cookies]\nsecret = \"e5e973e5a6b2a43f48e7dc849e37bfcf\"\nprevious_secret = \"x\"\n",
       "cookies.previous_secret: must be 32 hexadecimal digits"},
      {"[cookies]\nsecrets = 1\n", "cookies.secrets: unknown key"},
  };
  for (const auto& [text, expect] : bad) {
    const std::string e = error_of(std::string(minimal) + text);
    EXPECT_NE(e.find(expect), std::string::npos) << text << "error: " << e;
  }
}

}  // namespace
}  // namespace dns64d::config
