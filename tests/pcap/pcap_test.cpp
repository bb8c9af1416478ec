// The real binary on net_pcap: every reply checked field by field (frame
// and IP/UDP headers by tests/support/frames.hpp, DNS by ldns), and every
// malformed input checked for its defined outcome.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <functional>
#include <ctime>
#include <map>
#include <memory>
#include <string>

#include "dataplane/cookie/cookie.hpp"
#include "dataplane/dns/reader.hpp"
#include "tests/pcap/harness.hpp"
#include "tests/pcap/pcap_support.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/packet.hpp"

namespace dns64d::test {
namespace {

std::string text6(const ldns_rdf* rdf) { return text_of(rdf); }

const char* config = R"(
[dataplane]
edns_udp_size = 1232

# No upstream: a test never sends queries off this machine.
[upstream]
enabled = false

[[port]]
device = "net_pcap0"
ipv4 = ["192.0.2.53"]
ipv6 = ["2001:db8::53"]
mac = "02:00:00:00:00:53"

[[view]]
name = "p32"
clients = ["2001:db8:a032::/48"]
prefixes = ["2001:db8::/32"]
[[view]]
name = "p40"
clients = ["2001:db8:a040::/48"]
prefixes = ["2001:db8:100::/40"]
[[view]]
name = "p48"
clients = ["2001:db8:a048::/48"]
prefixes = ["2001:db8:122::/48"]
[[view]]
name = "p56"
clients = ["2001:db8:a056::/48"]
prefixes = ["2001:db8:122:300::/56"]
[[view]]
name = "p64"
clients = ["2001:db8:a064::/48"]
prefixes = ["2001:db8:122:344::/64"]
ptr_mode = "ptr"
[[view]]
name = "p96"
clients = ["2001:db8:a096::/48", "198.51.100.0/24"]
prefixes = ["2001:db8:122:344::/96"]
ptr_cname_ttl = 60
[[view]]
name = "default"
prefixes = ["64:ff9b::/96"]

[[record]]
name = "ipv4only.example"
type = "A"
ttl = 300
data = "192.0.2.33"
[[record]]
name = "global.example"
type = "A"
ttl = 120
data = "93.184.216.34"
[[record]]
name = "dual.example"
type = "A"
ttl = 300
data = "192.0.2.1"
[[record]]
name = "dual.example"
type = "AAAA"
ttl = 300
data = "2001:db8::beef"
[[record]]
name = "33.2.0.192.in-addr.arpa"
type = "PTR"
ttl = 300
data = "ipv4only.example"
)";

std::string many_records() {
  std::string s;
  for (int i = 1; i <= 30; ++i) {
    s += "[[record]]\nname = \"many.example\"\ntype = \"A\"\nttl = 100\ndata = \"8.8.8." +
         std::to_string(i) + "\"\n";
  }
  return s;
}


// An IPv4 query with MF set: the first fragment of a datagram, its header
// checksum right.
std::vector<std::uint8_t> first_fragment_of_a_query() {
  auto f = udp4(to_us(), {198, 51, 100, 3}, our_v4, 40000, 53, query("x.example", 28, 63).bytes);
  f[14 + 6] = 0x20;  // more fragments
  f[14 + 10] = f[14 + 11] = 0;
  std::uint32_t sum = 0;
  for (int k = 0; k < 20; k += 2) sum += (f[14 + k] << 8) | f[14 + k + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  f[14 + 10] = static_cast<std::uint8_t>(~sum >> 8);
  f[14 + 11] = static_cast<std::uint8_t>(~sum);
  return f;
}

class PcapRun : public ::testing::Test {
 protected:
  struct Sent {
    std::string what;
    std::function<void(const Decoded&, ldns_pkt*)> check;
  };

  // A DNS query from an IPv6 client; the reply is matched by `id`.
  void ask6(const char* client, const Packet& dns, std::uint16_t id, std::string what,
            std::function<void(const Decoded&, ldns_pkt*)> check,
            std::vector<std::uint16_t> vlans = {}) {
    input_.push_back(udp6(to_us(std::move(vlans)), v6(client), our_v6,
                          static_cast<std::uint16_t>(40000 + id), 53, dns.bytes));
    expect_[id] = {std::move(what), std::move(check)};
  }
  void ask4(Ip4 client, const Packet& dns, std::uint16_t id, std::string what,
            std::function<void(const Decoded&, ldns_pkt*)> check,
            std::vector<std::uint16_t> vlans = {}) {
    input_.push_back(udp4(to_us(std::move(vlans)), client, our_v4,
                          static_cast<std::uint16_t>(40000 + id), 53, dns.bytes));
    expect_[id] = {std::move(what), std::move(check)};
  }

  // Runs dns64d and checks every reply; returns the run for counter checks.
  RunResult run(const std::string& cfg, const std::string& lcores = "0") {
    RunResult r = run_dns64d(cfg, input_, lcores);
    EXPECT_EQ(r.exit_code, 0) << r.log;
    EXPECT_EQ(r.counters["rx"], input_.size()) << r.log;
    EXPECT_EQ(r.counters["accounted"], r.counters["rx"]) << r.log;
    check_frames(r);
    return r;
  }

  void check_frames(const RunResult& r) {
    std::map<std::uint16_t, int> seen;
    for (const auto& f : r.frames) {
      const auto d = decode(f);
      ASSERT_TRUE(d.has_value());
      EXPECT_EQ(d->src, our_mac);
      EXPECT_EQ(d->dst, client_mac);
      if (d->ethertype == 0x0806 || d->protocol == 58) {
        other_.push_back(*d);
        continue;
      }
      EXPECT_TRUE(d->ip_checksum_ok);
      EXPECT_TRUE(d->l4_checksum_ok);
      EXPECT_EQ(d->sport, 53);
      Pkt p = parse_dns(d->payload);
      ASSERT_NE(p, nullptr) << "reply does not parse";
      const std::uint16_t id = ldns_pkt_id(p.get());
      EXPECT_EQ(d->dport, 40000 + id) << "ports swapped";
      EXPECT_TRUE(ldns_pkt_qr(p.get()));
      ++seen[id];
      auto it = expect_.find(id);
      ASSERT_NE(it, expect_.end()) << "unexpected reply id " << id;
      SCOPED_TRACE(it->second.what);
      if (d->ip_version == 4) {
        EXPECT_TRUE(std::equal(our_v4.begin(), our_v4.end(), d->ip_src.begin()));
      } else {
        EXPECT_EQ(d->ip_src, our_v6);
      }
      it->second.check(*d, p.get());
    }
    for (const auto& [id, e] : expect_) {
      EXPECT_EQ(seen[id], e.check ? 1 : 0) << e.what << " (id " << id << ")";
    }
  }

  std::vector<std::vector<std::uint8_t>> input_;
  std::map<std::uint16_t, Sent> expect_;
  std::vector<Decoded> other_;
};

// One AAAA answer synthesized under `prefix` for 192.0.2.33 (RFC 6052 §2.4).
std::function<void(const Decoded&, ldns_pkt*)> one_aaaa(const char* expected,
                                                        std::uint32_t ttl_max = 300) {
  return [expected, ttl_max](const Decoded&, ldns_pkt* p) {
    EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
    EXPECT_FALSE(ldns_pkt_tc(p));
    EXPECT_FALSE(ldns_pkt_ad(p));
    EXPECT_TRUE(ldns_pkt_ra(p));
    ldns_rr_list* an = ldns_pkt_answer(p);
    ASSERT_EQ(ldns_rr_list_rr_count(an), 1u);
    ldns_rr* rr = ldns_rr_list_rr(an, 0);
    EXPECT_EQ(ldns_rr_get_type(rr), LDNS_RR_TYPE_AAAA);
    EXPECT_EQ(text6(ldns_rr_rdf(rr, 0)), expected);
    EXPECT_LE(ldns_rr_ttl(rr), ttl_max);
    EXPECT_GE(ldns_rr_ttl(rr), ttl_max - 5);
    EXPECT_EQ(text6(ldns_rr_owner(rr)),
              text6(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(p), 0))));
  };
}

TEST_F(PcapRun, SynthesisForEveryPrefixLengthAndView) {
  // RFC 6052 §2.4: 192.0.2.33 under each example prefix, one client view per length.
  ask6("2001:db8:a032::1", query("ipv4only.example", 28, 1), 1, "/32",
       one_aaaa("2001:db8:c000:221::"));
  ask6("2001:db8:a040::1", query("ipv4only.example", 28, 2), 2, "/40",
       one_aaaa("2001:db8:1c0:2:21::"));
  ask6("2001:db8:a048::1", query("ipv4only.example", 28, 3), 3, "/48",
       one_aaaa("2001:db8:122:c000:2:2100::"));
  ask6("2001:db8:a056::1", query("ipv4only.example", 28, 4), 4, "/56",
       one_aaaa("2001:db8:122:3c0:0:221::"));
  ask6("2001:db8:a064::1", query("ipv4only.example", 28, 5), 5, "/64",
       one_aaaa("2001:db8:122:344:c0:2:2100:0"));
  ask6("2001:db8:a096::1", query("IPv4Only.Example", 28, 6), 6, "/96 case kept",
       [](const Decoded& d, ldns_pkt* p) {
         one_aaaa("2001:db8:122:344::c000:221")(d, p);
         EXPECT_EQ(text6(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(p), 0))),
                   "IPv4Only.Example.");
       });
  // An IPv4 client inside the /96 view's IPv4 range.
  ask4({198, 51, 100, 7}, query("ipv4only.example", 28, 7), 7, "v4 client in p96",
       one_aaaa("2001:db8:122:344::c000:221"));
  // The default view's well-known prefix may not map 192.0.2.33 (RFC 6052 §3.1)...
  ask6("2001:db8:ffff::1", query("ipv4only.example", 28, 8), 8, "wkp non-global",
       [](const Decoded&, ldns_pkt* p) {
         EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
         EXPECT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 0u);
       });
  // ...but maps a global address.
  ask6("2001:db8:ffff::1", query("global.example", 28, 9), 9, "wkp global",
       one_aaaa("64:ff9b::5db8:d822", 120));
  ask4({203, 0, 113, 9}, query("global.example", 28, 10), 10, "wkp v4 client",
       one_aaaa("64:ff9b::5db8:d822", 120));
  RunResult r = run(config);
  EXPECT_EQ(r.counters["dns.answered_aaaa_synth"], 10u) << r.log;
}

TEST_F(PcapRun, RealAaaaARecordsAndEdns) {
  ask6("2001:db8:a096::1", query("dual.example", 28, 20), 20, "real AAAA wins",
       [](const Decoded&, ldns_pkt* p) {
         ldns_rr_list* an = ldns_pkt_answer(p);
         ASSERT_EQ(ldns_rr_list_rr_count(an), 1u);
         EXPECT_EQ(text6(ldns_rr_rdf(ldns_rr_list_rr(an, 0), 0)), "2001:db8::beef");
       });
  ask6("2001:db8:a096::1", query("ipv4only.example", 1, 21), 21, "A query",
       [](const Decoded&, ldns_pkt* p) {
         ldns_rr_list* an = ldns_pkt_answer(p);
         ASSERT_EQ(ldns_rr_list_rr_count(an), 1u);
         EXPECT_EQ(ldns_rr_get_type(ldns_rr_list_rr(an, 0)), LDNS_RR_TYPE_A);
         EXPECT_EQ(text6(ldns_rr_rdf(ldns_rr_list_rr(an, 0), 0)), "192.0.2.33");
       });
  ask6("2001:db8:a096::1", query("ipv4only.example", 28, 22, 4096, true), 22, "EDNS with DO",
       [](const Decoded&, ldns_pkt* p) {
         EXPECT_TRUE(ldns_pkt_edns(p));
         EXPECT_TRUE(ldns_pkt_edns_do(p));
         EXPECT_EQ(ldns_pkt_edns_udp_size(p), 1232);  // ours, not the client's 4096
         EXPECT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 1u);
       });
  ask6("2001:db8:a096::1", query("ipv4only.example", 28, 23, 1232, false), 23, "EDNS without DO",
       [](const Decoded&, ldns_pkt* p) {
         EXPECT_TRUE(ldns_pkt_edns(p));
         EXPECT_FALSE(ldns_pkt_edns_do(p));
       });
  ask6("2001:db8:a096::1", query("ipv4only.example", 28, 24), 24, "no EDNS, no OPT",
       [](const Decoded&, ldns_pkt* p) { EXPECT_FALSE(ldns_pkt_edns(p)); });
  // 30 A records: 30 AAAA of 28 octets do not fit 512 octets without EDNS.
  ask6("2001:db8:a096::1", query("many.example", 28, 25), 25, "TC at 512",
       [](const Decoded& d, ldns_pkt* p) {
         EXPECT_TRUE(ldns_pkt_tc(p));
         EXPECT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 0u);
         EXPECT_LE(d.payload.size(), 512u);
       });
  ask6("2001:db8:a096::1", query("many.example", 28, 26, 1232), 26, "fits 1232",
       [](const Decoded& d, ldns_pkt* p) {
         EXPECT_FALSE(ldns_pkt_tc(p));
         EXPECT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 30u);
         EXPECT_LE(d.payload.size(), 1232u);
       });
  ask6("2001:db8:a096::1", query("many.example", 28, 27, 100), 27, "EDNS size below 512 means 512",
       [](const Decoded& d, ldns_pkt* p) {
         EXPECT_TRUE(ldns_pkt_tc(p));
         EXPECT_LE(d.payload.size(), 512u);
         EXPECT_TRUE(ldns_pkt_edns(p));
       });
  // VLAN tags are kept on the reply.
  ask6("2001:db8:a096::1", query("ipv4only.example", 28, 28), 28, "one VLAN tag",
       [](const Decoded& d, ldns_pkt*) { EXPECT_EQ(d.vlans, (std::vector<std::uint16_t>{100})); },
       {100});
  ask4({198, 51, 100, 8}, query("ipv4only.example", 28, 29), 29, "QinQ",
       [](const Decoded& d, ldns_pkt*) {
         EXPECT_EQ(d.vlans, (std::vector<std::uint16_t>{200, 300}));
       },
       {200, 300});
  RunResult r = run(std::string(config) + many_records());
  EXPECT_EQ(r.counters["dns.answered_aaaa_real"], 1u);
  EXPECT_EQ(r.counters["dns.answered_cached"], 1u);
}

TEST_F(PcapRun, PtrUnderPrefixes) {
  // 2001:db8:122:344::c000:221 under the /96 view: CNAME mode with a capped TTL.
  ask6("2001:db8:a096::1",
       query("1.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.4.4.3.0.2.2.1.0.8.b.d.0.1.0.0.2.ip6.arpa", 12, 30),
       30, "ptr cname", [](const Decoded&, ldns_pkt* p) {
         ldns_rr_list* an = ldns_pkt_answer(p);
         ASSERT_EQ(ldns_rr_list_rr_count(an), 2u);
         ldns_rr* cname = ldns_rr_list_rr(an, 0);
         EXPECT_EQ(ldns_rr_get_type(cname), LDNS_RR_TYPE_CNAME);
         EXPECT_EQ(text6(ldns_rr_rdf(cname, 0)), "33.2.0.192.in-addr.arpa.");
         EXPECT_LE(ldns_rr_ttl(cname), 60u);
         ldns_rr* ptr = ldns_rr_list_rr(an, 1);
         EXPECT_EQ(ldns_rr_get_type(ptr), LDNS_RR_TYPE_PTR);
         EXPECT_EQ(text6(ldns_rr_owner(ptr)), "33.2.0.192.in-addr.arpa.");
         EXPECT_EQ(text6(ldns_rr_rdf(ptr, 0)), "ipv4only.example.");
       });
  // 2001:db8:122:344:c0:2:2100:0 under the /64 view: PTR mode, owner is the ip6.arpa name.
  ask6("2001:db8:a064::1",
       query("0.0.0.0.0.0.1.2.2.0.0.0.0.c.0.0.4.4.3.0.2.2.1.0.8.b.d.0.1.0.0.2.ip6.arpa", 12, 31),
       31, "ptr mode", [](const Decoded&, ldns_pkt* p) {
         ldns_rr_list* an = ldns_pkt_answer(p);
         ASSERT_EQ(ldns_rr_list_rr_count(an), 1u);
         ldns_rr* ptr = ldns_rr_list_rr(an, 0);
         EXPECT_EQ(ldns_rr_get_type(ptr), LDNS_RR_TYPE_PTR);
         EXPECT_EQ(text6(ldns_rr_owner(ptr)),
                   "0.0.0.0.0.0.1.2.2.0.0.0.0.c.0.0.4.4.3.0.2.2.1.0.8.b.d.0.1.0.0.2.ip6.arpa.");
         EXPECT_EQ(text6(ldns_rr_rdf(ptr, 0)), "ipv4only.example.");
       });
  // A partial name under the prefix: NODATA.
  ask6("2001:db8:a096::1", query("4.4.3.0.2.2.1.0.8.b.d.0.1.0.0.2.ip6.arpa", 12, 32), 32, "partial",
       [](const Decoded&, ldns_pkt* p) {
         EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
         EXPECT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 0u);
       });
  // The in-addr.arpa name itself, asked directly.
  ask4({198, 51, 100, 9}, query("33.2.0.192.in-addr.arpa", 12, 33), 33, "plain PTR",
       [](const Decoded&, ldns_pkt* p) {
         ASSERT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 1u);
       });
  RunResult r = run(config);
  EXPECT_EQ(r.counters["dns.answered_ptr_mapped"], 2u);
  EXPECT_EQ(r.counters["dns.answered_ptr_partial"], 1u);
}

TEST_F(PcapRun, MissesAndOddQueriesGoThroughTheControlPlane) {
  ask6("2001:db8:a096::1", query("unknown.example", 28, 40), 40, "miss: SERVFAIL without upstream",
       [](const Decoded&, ldns_pkt* p) { EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL); });
  ask6("2001:db8:a096::1", query("version.bind", 16, 41, -1, false, 3), 41,
       "class CH, nothing configured: REFUSED by the worker",
       [](const Decoded&, ldns_pkt* p) { EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED); });
  ask4({198, 51, 100, 1}, query("unknown.example", 1, 42, 1232), 42, "miss over IPv4 with EDNS",
       [](const Decoded&, ldns_pkt* p) {
         EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
         EXPECT_TRUE(ldns_pkt_edns(p));
       });
  RunResult r = run(config);
  EXPECT_EQ(r.counters["dns.punted_miss"], 2u);
  EXPECT_EQ(r.counters["dns.answered_refused_class"], 1u);
  EXPECT_EQ(r.counters["control.answered_servfail"], 2u);
  EXPECT_EQ(r.counters["control.answered_refused"], 0u);
  EXPECT_EQ(r.counters["returned"], 2u);
}

// ANY and the classes other than IN are the worker's own business: RFC
// 8482's HINFO, the CHAOS names from [server], REFUSED otherwise; none
// reaches the control plane or an upstream.
TEST_F(PcapRun, AnyAndOtherClassesAreAnsweredByTheWorker) {
  const std::string cfg = std::string(config) + R"(
[server]
identity = "dns64-test"
version = "dns64d test"
)";
  const auto txt_is = [](std::string want) {
    return [want](const Decoded&, ldns_pkt* p) {
      EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
      EXPECT_TRUE(ldns_pkt_aa(p));
      ASSERT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 1u);
      ldns_rr* rr = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
      EXPECT_EQ(ldns_rr_get_type(rr), LDNS_RR_TYPE_TXT);
      EXPECT_EQ(ldns_rr_get_class(rr), LDNS_RR_CLASS_CH);
      EXPECT_EQ(text6(ldns_rr_rdf(rr, 0)), "\"" + want + "\"");
    };
  };
  ask6("2001:db8:a096::1", query("version.bind", 16, 60, -1, false, 3), 60, "version.bind",
       txt_is("dns64d test"));
  ask4({198, 51, 100, 1}, query("id.server", 16, 61, 1232, false, 3), 61, "id.server",
       txt_is("dns64-test"));
  ask6("2001:db8:a096::1", query("authors.bind", 16, 62, -1, false, 3), 62, "authors.bind",
       [](const Decoded&, ldns_pkt* p) { EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED); });
  ask6("2001:db8:a096::1", query("ipv4only.example", 1, 63, -1, false, 4), 63, "class HS",
       [](const Decoded&, ldns_pkt* p) { EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED); });
  for (const std::uint16_t id : {std::uint16_t{64}, std::uint16_t{65}}) {
    ask6("2001:db8:a096::1",
         query(id == 64 ? "ipv4only.example" : "unknown.example", 255, id, 1232), id, "ANY",
         [](const Decoded&, ldns_pkt* p) {
           EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
           ASSERT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 1u);
           ldns_rr* rr = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
           EXPECT_EQ(ldns_rr_get_type(rr), LDNS_RR_TYPE_HINFO);
           EXPECT_EQ(text6(ldns_rr_rdf(rr, 0)), "\"RFC8482\"");
         });
  }
  RunResult r = run(cfg);
  EXPECT_EQ(r.counters["dns.answered_chaos"], 2u);
  EXPECT_EQ(r.counters["dns.answered_refused_class"], 2u);
  EXPECT_EQ(r.counters["dns.answered_any_minimal"], 2u);
  EXPECT_EQ(r.counters["control.punted"], 0u);
}

TEST_F(PcapRun, MalformedInputGetsItsDefinedOutcome) {
  const char* c = "2001:db8:a096::1";
  Packet response = query("ipv4only.example", 28, 50);
  response.bytes[2] |= 0x80;  // QR
  ask6(c, response, 50, "QR set: no reply", nullptr);
  Packet noq;
  noq.header(51, 0x0100, 0, 0, 0, 0);
  ask6(c, noq, 51, "qdcount 0",
       [](const Decoded&, ldns_pkt* p) { EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR); });
  Packet two;
  two.header(52, 0x0100, 2, 0, 0, 0)
      .name("a.example")
      .u16(1)
      .u16(1)
      .name("b.example")
      .u16(1)
      .u16(1);
  ask6(c, two, 52, "qdcount 2",
       [](const Decoded&, ldns_pkt* p) { EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR); });
  Packet loop;
  loop.header(53, 0x0100, 1, 0, 0, 0).u8(1).u8('a').pointer(12).u16(28).u16(1);
  ask6(c, loop, 53, "compression loop",
       [](const Decoded&, ldns_pkt* p) { EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR); });
  Packet cut = query("ipv4only.example", 28, 54);
  cut.bytes.resize(cut.bytes.size() - 3);
  ask6(c, cut, 54, "question cut short",
       [](const Decoded&, ldns_pkt* p) { EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR); });
  Packet status = query("ipv4only.example", 28, 55);
  status.bytes[2] = static_cast<std::uint8_t>(status.bytes[2] | (2 << 3));  // opcode STATUS
  ask6(c, status, 55, "opcode STATUS",
       [](const Decoded&, ldns_pkt* p) { EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_NOTIMPL); });
  Packet v1;
  v1.header(56, 0x0100, 1, 0, 0, 1).name("ipv4only.example").u16(28).u16(1);
  v1.u8(0).u16(41).u16(1232).u32(0x00010000).u16(0);  // EDNS version 1
  ask6(c, v1, 56, "EDNS version 1", [](const Decoded& d, ldns_pkt*) {
    // ldns folds the extended RCODE away; read it from the wire: BADVERS = 16.
    ASSERT_GE(d.payload.size(), 12u + 22 + 11);
    const std::size_t opt = d.payload.size() - 11;
    EXPECT_EQ(d.payload[opt + 5], 1) << "extended rcode";
    EXPECT_EQ(d.payload[3] & 0xf, 0);
  });
  // Frames that never reach DNS.
  input_.push_back(std::vector<std::uint8_t>(10, 0xab));  // runt
  auto bad_csum =
      udp4(to_us(), {198, 51, 100, 3}, our_v4, 40000, 53, query("x.example", 28, 57).bytes);
  bad_csum[14 + 10] ^= 0xff;
  input_.push_back(bad_csum);
  input_.push_back(
      udp4(to_us(), {198, 51, 100, 3}, our_v4, 0, 53, query("x.example", 28, 58).bytes));
  L2 bcast = to_us();
  bcast.src = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  input_.push_back(
      udp4(bcast, {198, 51, 100, 3}, our_v4, 40000, 53, query("x.example", 28, 59).bytes));
  input_.push_back(udp4(to_us(), {198, 51, 100, 3}, {192, 0, 2, 99}, 40000, 53,
                        query("x.example", 28, 60).bytes));
  auto long_udp = udp6(to_us(), v6(c), our_v6, 40000, 53, query("x.example", 28, 62).bytes);
  long_udp[14 + 40 + 5] =
      static_cast<std::uint8_t>(long_udp[14 + 40 + 5] + 8);  // UDP length beyond the IP payload
  input_.push_back(long_udp);
  input_.push_back(first_fragment_of_a_query());
  Packet tiny;
  tiny.raw({0, 61, 1, 0, 0});
  input_.push_back(udp6(to_us(), v6(c), our_v6, 40061, 53, tiny.bytes));
  RunResult r = run(config);
  EXPECT_EQ(r.counters["dns.dropped_response"], 1u);
  EXPECT_EQ(r.counters["dns.answered_formerr"], 4u);
  EXPECT_EQ(r.counters["dns.answered_notimp"], 1u);
  EXPECT_EQ(r.counters["dns.answered_badvers"], 1u);
  EXPECT_EQ(r.counters["dns.dropped_short"], 1u);
  EXPECT_EQ(r.counters["net.drop_too_short"], 1u);
  EXPECT_EQ(r.counters["net.drop_bad_ipv4_checksum"], 1u);
  EXPECT_EQ(r.counters["net.drop_source_port_zero"], 1u);
  EXPECT_EQ(r.counters["net.drop_bad_source"], 1u);
  EXPECT_EQ(r.counters["net.drop_not_for_us"], 1u);
  EXPECT_EQ(r.counters["net.drop_bad_udp_length"], 1u);
  EXPECT_EQ(r.counters["net.exc_ipv4_fragment"],
            1u);  // to the control plane, which has no kernel path yet
  EXPECT_EQ(r.counters["control.exceptions_freed"], 1u);
}

// [dataplane] fragments = "drop": a fragmented query is counted and dropped
// at the worker instead of going to the exception path.
TEST_F(PcapRun, FragmentsAreDroppedWhenConfiguredSo) {
  input_.push_back(first_fragment_of_a_query());
  std::string cfg = config;
  cfg.replace(cfg.find("[dataplane]\n"), 12, "[dataplane]\nfragments = \"drop\"\n");
  RunResult r = run(cfg);
  EXPECT_EQ(r.counters["net.drop_fragment"], 1u);
  EXPECT_EQ(r.counters["net.exc_ipv4_fragment"], 0u);
  EXPECT_EQ(r.counters["control.exceptions"], 0u);
  EXPECT_TRUE(r.frames.empty());
}

TEST_F(PcapRun, ArpAndNeighborDiscovery) {
  input_.push_back(arp_request(L2{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, client_mac, {}},
                               {192, 0, 2, 1}, our_v4));
  input_.push_back(neighbor_solicit(to_us(), v6("2001:db8::1"), our_v6));
  RunResult r = run(config);
  EXPECT_EQ(r.counters["net.arp_request"], 1u);
  EXPECT_EQ(r.counters["net.nd_solicit"], 1u);
  ASSERT_EQ(other_.size(), 2u);
  const Decoded& arp = other_[0].ethertype == 0x0806 ? other_[0] : other_[1];
  const Decoded& na = other_[0].ethertype == 0x0806 ? other_[1] : other_[0];
  ASSERT_GE(arp.payload.size(), 28u);
  EXPECT_EQ(arp.payload[7], 2);  // reply
  EXPECT_TRUE(std::equal(our_mac.begin(), our_mac.end(), arp.payload.begin() + 8));
  EXPECT_TRUE(std::equal(our_v4.begin(), our_v4.end(), arp.payload.begin() + 14));
  EXPECT_TRUE(std::equal(client_mac.begin(), client_mac.end(), arp.payload.begin() + 18));
  ASSERT_GE(na.payload.size(), 24u);
  EXPECT_EQ(na.payload[0], 136);  // neighbor advertisement
  EXPECT_TRUE(na.l4_checksum_ok);
  EXPECT_EQ(na.payload[4] & 0x60, 0x60);  // solicited, override
  EXPECT_TRUE(std::equal(our_v6.begin(), our_v6.end(), na.payload.begin() + 8));
  EXPECT_EQ(na.ip_src, our_v6);
  EXPECT_EQ(na.ip_dst, v6("2001:db8::1"));
}

TEST_F(PcapRun, WorkerOnItsOwnLcore) {
  for (std::uint16_t id = 70; id < 90; ++id) {
    ask6("2001:db8:a096::1", query("ipv4only.example", 28, id), id, "burst",
         one_aaaa("2001:db8:122:344::c000:221"));
  }
  ask6("2001:db8:a096::1", query("unknown.example", 28, 90), 90, "miss through the rings",
       [](const Decoded&, ldns_pkt* p) { EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL); });
  RunResult r = run(config, "0,1");
  EXPECT_NE(r.log.find("multi lcore"), std::string::npos) << r.log;
  EXPECT_EQ(r.counters["dns.answered_aaaa_synth"], 20u);
}

// edns_udp_size above what the port's MTU (1500 on net_pcap) carries: the
// largest UDP reply is 1500 - 48 octets, so a client offering 4096 gets TC
// for 60 AAAA records (1,700 octets) rather than a frame the link drops,
// and a smaller answer still comes whole.
TEST_F(PcapRun, RepliesFitThePortMtu) {
  std::string big_config(config);
  const std::string from = "edns_udp_size = 1232";
  big_config.replace(big_config.find(from), from.size(), "edns_udp_size = 4096");
  for (int i = 1; i <= 60; ++i) {
    big_config +=
        "[[record]]\nname = \"big.example\"\ntype = \"AAAA\"\nttl = 100\n"
        "data = \"2001:db8:b16::" +
        std::to_string(i) + "\"\n";
  }
  ask6("2001:db8:a096::1", query("big.example", 28, 110, 4096), 110, "TC at the MTU",
       [](const Decoded& d, ldns_pkt* p) {
         EXPECT_TRUE(ldns_pkt_tc(p));
         EXPECT_LE(d.payload.size(), 1452u);
         EXPECT_EQ(ldns_pkt_edns_udp_size(p), 1452);
       });
  ask6("2001:db8:a096::1", query("dual.example", 28, 111, 4096), 111, "small answers whole",
       [](const Decoded&, ldns_pkt* p) {
         EXPECT_FALSE(ldns_pkt_tc(p));
         EXPECT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 1u);
       });
  RunResult r = run(big_config);
  EXPECT_NE(r.log.find("edns_udp_size 4096 is more than port 0's MTU 1500 carries: 1452"),
            std::string::npos)
      << r.log;
}

// A static CNAME answers A and AAAA with its target's static records: AAAA
// synthesized under the client's prefix (owned by the target, the CNAME
// first), a real AAAA, the A records; CNAME queries get the CNAME alone.
TEST_F(PcapRun, StaticCnameLeadsToItsTargetsRecords) {
  const std::string aliases = R"(
[[record]]
name = "alias.example"
type = "CNAME"
ttl = 60
data = "IPv4Only.Example"
[[record]]
name = "alias6.example"
type = "CNAME"
data = "dual.example"
)";
  auto chain_then = [](ldns_rr_type type, const char* owner, const char* data,
                       std::uint32_t ttl_max) {
    return [=](const Decoded&, ldns_pkt* p) {
      EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
      ldns_rr_list* an = ldns_pkt_answer(p);
      ASSERT_EQ(ldns_rr_list_rr_count(an), 2u);
      ldns_rr* cname = ldns_rr_list_rr(an, 0);
      EXPECT_EQ(ldns_rr_get_type(cname), LDNS_RR_TYPE_CNAME);
      // The target as configured (alias.example's is written in mixed case).
      std::string target = text6(ldns_rr_rdf(cname, 0));
      for (char& ch : target) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      EXPECT_EQ(target, owner);
      ldns_rr* rr = ldns_rr_list_rr(an, 1);
      EXPECT_EQ(ldns_rr_get_type(rr), type);
      EXPECT_EQ(text6(ldns_rr_owner(rr)), owner);
      EXPECT_EQ(text6(ldns_rr_rdf(rr, 0)), data);
      EXPECT_LE(ldns_rr_ttl(rr), ttl_max);
    };
  };
  ask6("2001:db8:a096::1", query("alias.example", 28, 120), 120, "synthesized behind a CNAME",
       chain_then(LDNS_RR_TYPE_AAAA, "ipv4only.example.", "2001:db8:122:344::c000:221", 60));
  ask4({198, 51, 100, 8}, query("alias.example", 28, 121), 121, "the view's own prefix",
       chain_then(LDNS_RR_TYPE_AAAA, "ipv4only.example.", "2001:db8:122:344::c000:221", 60));
  ask6("2001:db8:a032::1", query("alias.example", 1, 122), 122, "A behind a CNAME",
       chain_then(LDNS_RR_TYPE_A, "ipv4only.example.", "192.0.2.33", 60));
  ask6("2001:db8:a032::1", query("alias6.example", 28, 123), 123, "a real AAAA behind a CNAME",
       chain_then(LDNS_RR_TYPE_AAAA, "dual.example.", "2001:db8::beef", 300));
  ask6("2001:db8:a032::1", query("alias.example", 5, 124), 124, "the CNAME itself",
       [](const Decoded&, ldns_pkt* p) {
         ASSERT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 1u);
         EXPECT_EQ(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p), 0)), LDNS_RR_TYPE_CNAME);
       });
  RunResult r = run(std::string(config) + aliases);
  EXPECT_EQ(r.counters["dns.answered_aaaa_synth"], 2u);
  EXPECT_EQ(r.counters["dns.answered_aaaa_real"], 1u);
}

// RFC 6147 §5.5: a validating client (DO and CD) gets no synthesis from
// what the cache learnt upstream, but local data has no upstream answer to
// defer to: a static record is answered (synthesized like any), anything
// else goes to the control plane (here without upstream: SERVFAIL).
TEST_F(PcapRun, ValidatingClientsGetLocalDataFromTheWorker) {
  auto validating = [](const char* name, std::uint16_t id) {
    Packet q;
    q.header(id, 0x0110, 1, 0, 0, 1).name(name).u16(28).u16(1).opt(1232, true);
    return q;
  };
  ask6("2001:db8:a096::1", validating("ipv4only.example", 130), 130, "static, DO+CD",
       one_aaaa("2001:db8:122:344::c000:221"));
  ask6("2001:db8:a096::1", validating("elsewhere.example", 131), 131, "not local, DO+CD",
       [](const Decoded&, ldns_pkt* p) { EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL); });
  RunResult r = run(config);
  EXPECT_EQ(r.counters["dns.answered_aaaa_synth"], 1u);
  EXPECT_EQ(r.counters["dns.punted_validating"], 1u);
}

TEST_F(PcapRun, ClientsOutsideEveryViewAreRefused) {
  const std::string no_default = R"(
[upstream]
enabled = false
[[port]]
device = "net_pcap0"
ipv6 = ["2001:db8::53"]
mac = "02:00:00:00:00:53"
[[view]]
name = "only"
clients = ["2001:db8:a096::/48"]
prefixes = ["64:ff9b::/96"]
)";
  ask6("2001:db8:bbbb::1", query("ipv4only.example", 28, 100), 100, "refused",
       [](const Decoded&, ldns_pkt* p) { EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED); });
  RunResult r = run(no_default);
  EXPECT_EQ(r.counters["dns.answered_refused"], 1u);
}

}  // namespace
}  // namespace dns64d::test

namespace dns64d::test {
namespace {

// A UDP socket on loopback that is never read: an upstream that never
// answers (a port with nothing bound would refuse at once).
struct SilentUpstream {
  SilentUpstream() {
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
    port = ntohs(a.sin_port);
  }
  ~SilentUpstream() { close(fd); }
  int fd = -1;
  std::uint16_t port = 0;
};

// Clients waiting for an upstream hold records, never the port's buffers:
// 2,048 names under a silent upstream asked five times each, with a
// waiting budget far larger than the RX pool, and then 1,000 cache hits
// are all answered, with no RX buffer ever missing.
TEST(PcapBudget, ClientsWaitingForASilentUpstreamTakeNoBuffersFromCacheHits) {
  SilentUpstream silent;
  const std::string cfg = std::string(R"(
[dataplane]
mbufs = 1023
[upstream]
servers = ["127.0.0.1:)") +
                          std::to_string(silent.port) + R"("]
timeout_ms = 2000
attempts = 2
max_pending = 4096
max_waiters = 64
max_waiting = 20000
max_waiting_per_prefix = 0   # one client sends everything here
[[port]]
device = "net_pcap0"
ipv4 = ["192.0.2.53"]
ipv6 = ["2001:db8::53"]
mac = "02:00:00:00:00:53"
[[view]]
name = "default"
prefixes = ["64:ff9b::/96"]
[[record]]
name = "global.example"
type = "A"
ttl = 120
data = "93.184.216.34"
)";
  std::vector<std::vector<std::uint8_t>> input;
  const Ip6 client = v6("2001:db8:a096::1");
  for (int copy = 0; copy < 5; ++copy) {
    for (int i = 0; i < 2048; ++i) {
      const std::string name = "n" + std::to_string(i) + ".silent.example";
      input.push_back(udp6(to_us(), client, our_v6, 30000, 53,
                           query(name, 28, static_cast<std::uint16_t>(i)).bytes));
    }
  }
  constexpr int hits = 1000;
  for (int i = 0; i < hits; ++i) {
    input.push_back(udp6(to_us(), client, our_v6, 40000, 53,
                         query("global.example", 28, static_cast<std::uint16_t>(10000 + i)).bytes));
  }
  RunResult r = run_dns64d(cfg, input);
  ASSERT_EQ(r.exit_code, 0) << r.log;
  EXPECT_EQ(r.counters["rx"], input.size());
  EXPECT_EQ(r.counters["accounted"], r.counters["rx"]);
  EXPECT_EQ(r.counters["dns.answered_aaaa_synth"], static_cast<std::uint64_t>(hits)) << r.log;
  EXPECT_NE(r.log.find("rx_nombuf 0"), std::string::npos) << r.log;
  // Every miss is waiting (coalesced onto one lookup per name), none shed.
  EXPECT_EQ(r.counters["resolver.lookups"], 2048u) << r.log;
  EXPECT_EQ(r.counters["resolver.coalesced"], 4u * 2048u) << r.log;
  EXPECT_EQ(r.counters["resolver.shed_waiting"], 0u);
  int answered = 0;
  for (const auto& f : r.frames) {
    const auto d = decode(f);
    ASSERT_TRUE(d.has_value());
    Pkt p = parse_dns(d->payload);
    ASSERT_NE(p, nullptr);
    if (d->dport != 40000) continue;
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOERROR);
    ASSERT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p.get())), 1u);
    EXPECT_EQ(text6(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p.get()), 0), 0)),
              "64:ff9b::5db8:d822");
    ++answered;
  }
  EXPECT_EQ(answered, hits);
}

// Over the waiting budget the over_limit action applies, counted: with one
// client allowed to wait, the other misses get SERVFAIL at once.
TEST(PcapBudget, ClientsBeyondTheWaitingBudgetGetTheOverLimitAction) {
  SilentUpstream silent;
  const std::string cfg = std::string(R"(
[upstream]
servers = ["127.0.0.1:)") +
                          std::to_string(silent.port) + R"("]
timeout_ms = 2000
max_waiting = 1
[[port]]
device = "net_pcap0"
ipv4 = ["192.0.2.53"]
mac = "02:00:00:00:00:53"
[[view]]
name = "default"
prefixes = ["64:ff9b::/96"]
)";
  std::vector<std::vector<std::uint8_t>> input;
  for (int i = 0; i < 5; ++i) {
    input.push_back(
        udp4(to_us(), {198, 51, 100, 7}, our_v4, static_cast<std::uint16_t>(50000 + i), 53,
             query("w" + std::to_string(i) + ".example", 28, static_cast<std::uint16_t>(i), 1232)
                 .bytes));
  }
  RunResult r = run_dns64d(cfg, input);
  ASSERT_EQ(r.exit_code, 0) << r.log;
  EXPECT_EQ(r.counters["resolver.shed_waiting"], 4u) << r.log;
  EXPECT_EQ(r.counters["resolver.lookups"], 1u);
  ASSERT_EQ(r.frames.size(), 4u);
  for (const auto& f : r.frames) {
    const auto d = decode(f);
    ASSERT_TRUE(d.has_value());
    EXPECT_TRUE(d->ip_checksum_ok);
    EXPECT_TRUE(d->l4_checksum_ok);
    EXPECT_EQ(d->dst, client_mac);
    EXPECT_EQ(d->src, our_mac);
    Pkt p = parse_dns(d->payload);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_SERVFAIL);
    EXPECT_EQ(d->dport, 50000 + ldns_pkt_id(p.get()));
    EXPECT_TRUE(ldns_pkt_edns(p.get()));
  }
}

}  // namespace
}  // namespace dns64d::test

namespace dns64d::test {
namespace {

// Response rate limiting: one /24 floods a static name, another /24 and an
// IPv6 client ask a few times. The flood gets its burst answered, then every
// second limited reply is a slip (TC=1, the question only) and the rest are
// dropped; the others are answered in full; every frame is counted once.
TEST(PcapRrl, AFloodingPrefixGetsItsBurstThenSlipsAndDrops) {
  const std::string cfg = R"(
[upstream]
enabled = false
[rrl]
enabled = true
responses_per_second = 1   # a burst of 20, then one a second: a slow run cannot
window = 20                # add many
slip = 2
[[port]]
device = "net_pcap0"
ipv4 = ["192.0.2.53"]
ipv6 = ["2001:db8::53"]
mac = "02:00:00:00:00:53"
[[view]]
name = "default"
prefixes = ["64:ff9b::/96"]
[[record]]
name = "global.example"
type = "A"
ttl = 120
data = "93.184.216.34"
)";
  constexpr int flood = 200, others = 5;
  std::vector<std::vector<std::uint8_t>> input;
  for (int i = 0; i < flood; ++i) {
    const Ip4 src{198, 51, 100, static_cast<std::uint8_t>(1 + i % 200)};
    input.push_back(udp4(to_us(), src, our_v4, static_cast<std::uint16_t>(40000 + i), 53,
                         query("global.example", 28, static_cast<std::uint16_t>(i)).bytes));
    if (i % 40 == 0) {
      const int k = i / 40;
      input.push_back(
          udp4(to_us(), {203, 0, 113, static_cast<std::uint8_t>(9 + k)}, our_v4,
               static_cast<std::uint16_t>(41000 + k), 53,
               query("global.example", 28, static_cast<std::uint16_t>(1000 + k)).bytes));
      input.push_back(
          udp6(to_us(), v6("2001:db8:ffff:1::1"), our_v6, static_cast<std::uint16_t>(42000 + k), 53,
               query("global.example", 28, static_cast<std::uint16_t>(2000 + k)).bytes));
    }
  }
  ASSERT_EQ(input.size(), static_cast<std::size_t>(flood + 2 * others));
  RunResult r = run_dns64d(cfg, input);
  ASSERT_EQ(r.exit_code, 0) << r.log;
  EXPECT_EQ(r.counters["rx"], input.size());
  EXPECT_EQ(r.counters["accounted"], r.counters["rx"]) << r.log;

  int flood_answered = 0, flood_slipped = 0, other_answered = 0;
  for (const auto& f : r.frames) {
    const auto d = decode(f);
    ASSERT_TRUE(d.has_value());
    EXPECT_TRUE(d->ip_checksum_ok);
    EXPECT_TRUE(d->l4_checksum_ok);
    Pkt p = parse_dns(d->payload);
    ASSERT_NE(p, nullptr) << "reply does not parse";
    const std::uint16_t id = ldns_pkt_id(p.get());
    EXPECT_EQ(ldns_rr_list_rr_count(ldns_pkt_question(p.get())), 1u);
    EXPECT_EQ(text6(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(p.get()), 0))),
              "global.example.");
    if (ldns_pkt_tc(p.get())) {
      EXPECT_LT(id, flood) << "only the flooding prefix is limited";
      EXPECT_EQ(ldns_pkt_ancount(p.get()), 0u);
      EXPECT_EQ(ldns_pkt_nscount(p.get()), 0u);
      EXPECT_EQ(ldns_pkt_arcount(p.get()), 0u);
      ++flood_slipped;
      continue;
    }
    ASSERT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p.get())), 1u);
    EXPECT_EQ(text6(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p.get()), 0), 0)),
              "64:ff9b::5db8:d822");
    ++(id < flood ? flood_answered : other_answered);
  }
  EXPECT_EQ(other_answered, 2 * others);
  // A burst of 20, and one more for each second the run takes.
  EXPECT_GE(flood_answered, 20);
  EXPECT_LE(flood_answered, 25);
  const int limited = flood - flood_answered;
  EXPECT_NEAR(flood_slipped, limited / 2, 1);
  EXPECT_EQ(r.counters["dns.limited_slipped"], static_cast<std::uint64_t>(flood_slipped)) << r.log;
  EXPECT_EQ(r.counters["dns.limited_dropped"], static_cast<std::uint64_t>(limited - flood_slipped));
  EXPECT_EQ(r.counters["dns.answered_aaaa_synth"],
            static_cast<std::uint64_t>(flood_answered + 2 * others));
  EXPECT_NE(r.log.find("dns64d: rrl: 198.51.100.0/24 limited"), std::string::npos) << r.log;
  EXPECT_EQ(r.log.find("203.0.113.0/24 limited"), std::string::npos) << r.log;
  EXPECT_EQ(r.log.find("2001:db8:ffff::/56 limited"), std::string::npos) << r.log;
}

}  // namespace
}  // namespace dns64d::test

namespace dns64d::test {
namespace {

// What the control plane answers is limited too: misses (here answered
// SERVFAIL, no upstream) from one /24 get the burst, then slips and drops.
TEST(PcapRrl, TheControlPlanesAnswersAreLimitedToo) {
  const std::string cfg = R"(
[upstream]
enabled = false
[rrl]
enabled = true
responses_per_second = 1
window = 10
slip = 2
[[port]]
device = "net_pcap0"
ipv4 = ["192.0.2.53"]
mac = "02:00:00:00:00:53"
[[view]]
name = "default"
prefixes = ["64:ff9b::/96"]
)";
  constexpr int misses = 60;
  std::vector<std::vector<std::uint8_t>> input;
  for (int i = 0; i < misses; ++i) {
    input.push_back(udp4(
        to_us(), {198, 51, 100, static_cast<std::uint8_t>(1 + i % 200)}, our_v4, 40000, 53,
        query("m" + std::to_string(i) + ".example", 1, static_cast<std::uint16_t>(i), 1232).bytes));
  }
  RunResult r = run_dns64d(cfg, input);
  ASSERT_EQ(r.exit_code, 0) << r.log;
  EXPECT_EQ(r.counters["dns.punted_miss"], static_cast<std::uint64_t>(misses));
  int full = 0, slipped = 0;
  for (const auto& f : r.frames) {
    const auto d = decode(f);
    ASSERT_TRUE(d.has_value());
    EXPECT_TRUE(d->l4_checksum_ok);
    Pkt p = parse_dns(d->payload);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_SERVFAIL);
    EXPECT_TRUE(ldns_pkt_edns(p.get())) << "a slip keeps the OPT";
    ++(ldns_pkt_tc(p.get()) ? slipped : full);
  }
  // A burst of 10, one more for each second the run takes.
  EXPECT_GE(full, 10);
  EXPECT_LE(full, 14);
  EXPECT_EQ(r.counters["control.rrl_slipped"], static_cast<std::uint64_t>(slipped));
  EXPECT_NEAR(slipped, (misses - full) / 2, 1);
  EXPECT_EQ(r.counters["control.rrl_dropped"], static_cast<std::uint64_t>(misses - full - slipped));
}

// DNS Cookies: every reply to a query with a COOKIE option carries a server
// cookie (from the worker and from the control plane), a malformed one gets
// FORMERR, and a client presenting a valid server cookie is not rate-limited.
TEST(PcapCookies, ServerCookiesFormerrAndTheRrlExemption) {
  const std::string cfg = R"(
[upstream]
enabled = false
[cookies]
secret = "e5e973e5a6b2a43f48e7dc849e37bfcf"
[rrl]
enabled = true
responses_per_second = 1
window = 5
slip = 0
[[port]]
device = "net_pcap0"
ipv4 = ["192.0.2.53"]
mac = "02:00:00:00:00:53"
[[view]]
name = "default"
prefixes = ["64:ff9b::/96"]
[[record]]
name = "global.example"
type = "A"
ttl = 120
data = "93.184.216.34"
)";
  cookie::Secret secret{};
  ASSERT_TRUE(cookie::parse_secret("e5e973e5a6b2a43f48e7dc849e37bfcf", secret));
  const std::vector<std::uint8_t> client = {0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57};
  const auto with_cookie = [](const char* name, std::uint16_t id,
                              const std::vector<std::uint8_t>& data) {
    std::vector<std::uint8_t> option(4 + data.size());
    option[1] = 10;
    option[3] = static_cast<std::uint8_t>(data.size());
    std::copy(data.begin(), data.end(), option.begin() + 4);
    Packet q;
    q.header(id, 0x0100, 1, 0, 0, 1).name(name).u16(28).u16(1).opt(1232, false, option);
    return q.bytes;
  };
  const Ip4 first{198, 51, 100, 7}, known{198, 51, 100, 9}, plain{198, 51, 100, 10};
  // The cookie the server would have given `known` a moment ago.
  std::vector<std::uint8_t> presented = client;
  presented.resize(cookie::reply_len);
  cookie::server_cookie(secret, client, known, static_cast<std::uint32_t>(std::time(nullptr)),
                        std::span<std::uint8_t, cookie::server_len>(presented.data() + 8, 16));

  constexpr int each = 100;
  std::vector<std::vector<std::uint8_t>> input;
  input.push_back(udp4(to_us(), first, our_v4, 40001, 53, with_cookie("global.example", 1, client)));
  input.push_back(udp4(to_us(), first, our_v4, 40002, 53,
                       with_cookie("global.example", 2, std::vector<std::uint8_t>(9, 1))));
  input.push_back(udp4(to_us(), first, our_v4, 40003, 53, with_cookie("miss.example", 3, client)));
  input.push_back(udp4(to_us(), first, our_v4, 40004, 53, query("global.example", 28, 4, 1232).bytes));
  for (int i = 0; i < each; ++i) {
    input.push_back(udp4(to_us(), known, our_v4, 41000, 53,
                         with_cookie("global.example", static_cast<std::uint16_t>(100 + i), presented)));
    input.push_back(udp4(to_us(), plain, our_v4, 42000, 53,
                         query("global.example", 28, static_cast<std::uint16_t>(300 + i)).bytes));
  }
  RunResult r = run_dns64d(cfg, input);
  ASSERT_EQ(r.exit_code, 0) << r.log;
  EXPECT_EQ(r.counters["accounted"], r.counters["rx"]) << r.log;

  int known_answered = 0, plain_answered = 0;
  std::map<int, bool> seen;
  for (const auto& f : r.frames) {
    const auto d = decode(f);
    ASSERT_TRUE(d.has_value());
    dns::Message m;
    ASSERT_EQ(dns::parse_message(dns::Bytes(d->payload.data(), d->payload.size()), m, false),
              dns::Error::ok);
    const int id = m.header.id;
    seen[id] = true;
    const std::vector<std::uint8_t> options(m.opt.options.begin(), m.opt.options.end());
    if (id >= 300) {
      ++plain_answered;
      EXPECT_FALSE(m.opt.present);
      continue;
    }
    if (id >= 100) {
      ++known_answered;
      EXPECT_EQ(m.header.rcode(), dns::rcode::NOERROR);
      // Young and ours: handed back as presented.
      ASSERT_EQ(options.size(), 28u);
      EXPECT_TRUE(std::equal(presented.begin(), presented.end(), options.begin() + 4));
      continue;
    }
    switch (id) {
      case 1:
      case 3: {
        EXPECT_EQ(m.header.rcode(), id == 1 ? dns::rcode::NOERROR : dns::rcode::SERVFAIL);
        EXPECT_EQ(m.header.ancount, id == 1 ? 1 : 0);
        ASSERT_EQ(options.size(), 28u) << "query " << id;
        EXPECT_EQ(options[1], 10);
        EXPECT_EQ(options[3], 24);
        EXPECT_TRUE(std::equal(client.begin(), client.end(), options.begin() + 4));
        // Our server cookie for this client, stamped when it was made.
        const std::uint32_t ts = static_cast<std::uint32_t>(options[16]) << 24 |
                                 static_cast<std::uint32_t>(options[17]) << 16 |
                                 static_cast<std::uint32_t>(options[18]) << 8 | options[19];
        EXPECT_LE(static_cast<std::int64_t>(ts) - std::time(nullptr), 1);
        std::array<std::uint8_t, cookie::server_len> want;
        cookie::server_cookie(secret, client, first, ts, want);
        EXPECT_TRUE(std::equal(want.begin(), want.end(), options.begin() + 12));
        break;
      }
      case 2:
        EXPECT_EQ(m.header.rcode(), dns::rcode::FORMERR);
        EXPECT_TRUE(m.opt.present);
        EXPECT_TRUE(options.empty());
        break;
      case 4:
        EXPECT_TRUE(m.opt.present);
        EXPECT_TRUE(options.empty()) << "no cookie asked, none given";
        break;
      default:
        ADD_FAILURE() << "unexpected reply " << id;
    }
  }
  for (const int id : {1, 2, 3, 4}) EXPECT_TRUE(seen[id]) << "no reply to query " << id;
  EXPECT_EQ(known_answered, each) << "a valid server cookie is exempt from RRL";
  EXPECT_GE(plain_answered, 1);
  EXPECT_LE(plain_answered, 6) << "a burst of 5 for the /24, less what the others took";
  EXPECT_EQ(r.counters["dns.answered_formerr_cookie"], 1u);
  EXPECT_EQ(r.counters["dns.limited_dropped"], static_cast<std::uint64_t>(each - plain_answered));
}

}  // namespace
}  // namespace dns64d::test
