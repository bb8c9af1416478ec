// The real binary on net_pcap: what the views decide beyond synthesis.
// PTR names under any view's Pref64 (RFC 6147 §5.3.1), the reverse zones'
// own SOA and NS, and BIND's recursive-only and break-dnssec switches.
// The negative answer to a mapped name needs a negative cache entry, which
// nothing makes without an upstream: tests/respond covers it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "tests/pcap/harness.hpp"
#include "tests/pcap/pcap_support.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/packet.hpp"

namespace dns64d::test {
namespace {


const char* isp = "2001:db8:a096::1";     // cname mode, /96 prefix
const char* strict = "2001:db8:a066::1";  // ptr mode, every switch on
const char* other = "2001:db8:ffff::1";   // the default view: the WKP

const char* config = R"(
[upstream]
enabled = false

[[port]]
device = "net_pcap0"
ipv6 = ["2001:db8::53"]
mac = "02:00:00:00:00:53"

[[view]]
name = "isp"
clients = ["2001:db8:a096::/48"]
prefixes = ["2001:db8:122:344::/96"]
ptr_cname_ttl = 60
reverse_soa_contact = "hostmaster.isp.example"
[[view]]
name = "strict"
clients = ["2001:db8:a066::/48"]
prefixes = ["2001:db8:66::/96"]
ptr_mode = "ptr"
recursive_only = true
break_dnssec = true
reverse_soa_server = "ns.dns64.example"
reverse_soa_contact = "hostmaster.dns64.example"
[[view]]
name = "default"
prefixes = ["64:ff9b::/96"]

[[record]]
name = "ipv4only.example"
type = "A"
data = "192.0.2.33"
[[record]]
name = "dual.example"
type = "A"
data = "192.0.2.1"
[[record]]
name = "dual.example"
type = "AAAA"
data = "2001:db8::beef"
[[record]]
name = "33.2.0.192.in-addr.arpa"
type = "PTR"
data = "ipv4only.example"
)";

// 192.0.2.33 under each view's prefix, and the prefixes' reverse zones.
const char* under_isp = "1.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.4.4.3.0.2.2.1.0.8.b.d.0.1.0.0.2.ip6.arpa";
const char* under_strict =
    "1.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.6.6.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
const char* isp_apex = "0.0.0.0.0.0.0.0.4.4.3.0.2.2.1.0.8.b.d.0.1.0.0.2.ip6.arpa.";
const char* strict_apex = "0.0.0.0.0.0.0.0.0.0.0.0.6.6.0.0.8.b.d.0.1.0.0.2.ip6.arpa.";
const char* wkp_apex = "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa.";


Packet ask(const char* name, std::uint16_t type, std::uint16_t id, std::uint16_t flags = 0x0100,
           bool do_bit = false) {
  Packet q;
  q.header(id, flags, 1, 0, 0, 1).name(name).u16(type).u16(1).opt(1232, do_bit);
  return q;
}

using Check = std::function<void(ldns_pkt*)>;

class ViewsPcap : public ::testing::Test {
 protected:
  void send(const char* client, const Packet& dns, std::uint16_t id, Check check) {
    input_.push_back(udp6(to_us(), v6(client), our_v6,
                          static_cast<std::uint16_t>(40000 + id), 53, dns.bytes));
    expect_[id] = std::move(check);
  }

  RunResult run() {
    RunResult r = run_dns64d(config, input_);
    EXPECT_EQ(r.exit_code, 0) << r.log;
    EXPECT_EQ(r.counters["accounted"], r.counters["rx"]) << r.log;
    std::map<std::uint16_t, int> seen;
    for (const auto& f : r.frames) {
      const auto d = decode(f);
      if (!d || d->ip_version != 6 || d->protocol != 17) continue;
      const Pkt p = parse_dns(d->payload);
      EXPECT_NE(p, nullptr) << "reply does not parse";
      if (p == nullptr) continue;
      const std::uint16_t id = ldns_pkt_id(p.get());
      ++seen[id];
      const auto it = expect_.find(id);
      EXPECT_NE(it, expect_.end()) << "unexpected reply id " << id;
      if (it == expect_.end()) continue;
      SCOPED_TRACE("query id " + std::to_string(id));
      it->second(p.get());
    }
    for (const auto& [id, check] : expect_) EXPECT_EQ(seen[id], 1) << "id " << id;
    return r;
  }

  std::vector<std::vector<std::uint8_t>> input_;
  std::map<std::uint16_t, Check> expect_;
};

// A CNAME to 33.2.0.192.in-addr.arpa and its PTR, the CNAME's TTL at most `cname_ttl`.
Check cname_answer(std::uint32_t cname_ttl) {
  return [cname_ttl](ldns_pkt* p) {
    EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
    ldns_rr_list* an = ldns_pkt_answer(p);
    ASSERT_EQ(ldns_rr_list_rr_count(an), 2u);
    EXPECT_EQ(ldns_rr_get_type(ldns_rr_list_rr(an, 0)), LDNS_RR_TYPE_CNAME);
    EXPECT_EQ(text_of(ldns_rr_rdf(ldns_rr_list_rr(an, 0), 0)), "33.2.0.192.in-addr.arpa.");
    EXPECT_LE(ldns_rr_ttl(ldns_rr_list_rr(an, 0)), cname_ttl);
    EXPECT_EQ(text_of(ldns_rr_rdf(ldns_rr_list_rr(an, 1), 0)), "ipv4only.example.");
  };
}

// The PTR at the question's own name.
Check ptr_answer() {
  return [](ldns_pkt* p) {
    ldns_rr_list* an = ldns_pkt_answer(p);
    ASSERT_EQ(ldns_rr_list_rr_count(an), 1u);
    ldns_rr* ptr = ldns_rr_list_rr(an, 0);
    EXPECT_EQ(ldns_rr_get_type(ptr), LDNS_RR_TYPE_PTR);
    EXPECT_EQ(text_of(ldns_rr_owner(ptr)),
              text_of(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(p), 0))));
    EXPECT_EQ(text_of(ldns_rr_rdf(ptr, 0)), "ipv4only.example.");
  };
}

// A reverse zone's SOA, as `rr`.
void expect_soa(ldns_rr* rr, const char* apex, const char* mname, const char* rname,
                std::uint32_t ttl) {
  ASSERT_EQ(ldns_rr_get_type(rr), LDNS_RR_TYPE_SOA);
  EXPECT_EQ(text_of(ldns_rr_owner(rr)), apex);
  EXPECT_EQ(text_of(ldns_rr_rdf(rr, 0)), mname);
  EXPECT_EQ(text_of(ldns_rr_rdf(rr, 1)), rname);
  EXPECT_EQ(ldns_rdf2native_int32(ldns_rr_rdf(rr, 2)), 1u);       // serial
  EXPECT_EQ(ldns_rdf2native_int32(ldns_rr_rdf(rr, 3)), 28800u);   // refresh
  EXPECT_EQ(ldns_rdf2native_int32(ldns_rr_rdf(rr, 4)), 7200u);    // retry
  EXPECT_EQ(ldns_rdf2native_int32(ldns_rr_rdf(rr, 5)), 604800u);  // expire
  EXPECT_EQ(ldns_rdf2native_int32(ldns_rr_rdf(rr, 6)), ttl);      // minimum
  EXPECT_EQ(ldns_rr_ttl(rr), ttl);
}

TEST_F(ViewsPcap, PtrUnderAnyViewsPrefixInTheClientsForm) {
  send(isp, ask(under_strict, 12, 1), 1, cname_answer(60));
  send(strict, ask(under_isp, 12, 2), 2, ptr_answer());
  send(other, ask(under_strict, 12, 3), 3, cname_answer(300));
  // Fewer labels than an address, inside the WKP's zone: NODATA with its SOA.
  send(isp, ask("0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa", 12, 4), 4,
       [](ldns_pkt* p) {
         EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
         EXPECT_TRUE(ldns_pkt_aa(p));
         EXPECT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 0u);
         ASSERT_EQ(ldns_rr_list_rr_count(ldns_pkt_authority(p)), 1u);
         expect_soa(ldns_rr_list_rr(ldns_pkt_authority(p), 0), wkp_apex, wkp_apex,
                    "hostmaster.isp.example.", 3600);
       });
  RunResult r = run();
  EXPECT_EQ(r.counters["dns.answered_ptr_mapped"], 3u) << r.log;
  EXPECT_EQ(r.counters["dns.answered_ptr_partial"], 1u);
  EXPECT_EQ(r.counters["dns.punted_miss"], 0u);
}

TEST_F(ViewsPcap, ReverseZonesAnswerTheirSoaAndNs) {
  send(strict, ask(isp_apex, 6, 5), 5, [](ldns_pkt* p) {
    EXPECT_TRUE(ldns_pkt_aa(p));
    ASSERT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 1u);
    expect_soa(ldns_rr_list_rr(ldns_pkt_answer(p), 0), isp_apex, "ns.dns64.example.",
               "hostmaster.dns64.example.", 3600);
  });
  send(isp, ask(strict_apex, 2, 6), 6, [](ldns_pkt* p) {
    ASSERT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 1u);
    ldns_rr* ns = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
    EXPECT_EQ(ldns_rr_get_type(ns), LDNS_RR_TYPE_NS);
    EXPECT_EQ(text_of(ldns_rr_owner(ns)), strict_apex);
    EXPECT_EQ(text_of(ldns_rr_rdf(ns, 0)), strict_apex);  // no server: the zone's own name
  });
  send(strict, ask(strict_apex, 2, 7), 7, [](ldns_pkt* p) {
    ASSERT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 1u);
    EXPECT_EQ(text_of(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p), 0), 0)), "ns.dns64.example.");
  });
  RunResult r = run();
  EXPECT_EQ(r.counters["dns.answered_reverse_zone"], 3u) << r.log;
}

TEST_F(ViewsPcap, RecursiveOnlySynthesizesOnlyWithRd) {
  const auto one_aaaa = [](const char* expected) {
    return [expected](ldns_pkt* p) {
      ldns_rr_list* an = ldns_pkt_answer(p);
      ASSERT_EQ(ldns_rr_list_rr_count(an), 1u);
      EXPECT_EQ(text_of(ldns_rr_rdf(ldns_rr_list_rr(an, 0), 0)), expected);
    };
  };
  send(strict, ask("ipv4only.example", 28, 10), 10, one_aaaa("2001:db8:66::c000:221"));
  send(strict, ask("ipv4only.example", 28, 11, 0x0000), 11, [](ldns_pkt* p) {
    EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
    EXPECT_FALSE(ldns_pkt_rd(p));
    EXPECT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 0u);
  });
  send(strict, ask("dual.example", 28, 12, 0x0000), 12, one_aaaa("2001:db8::beef"));
  send(isp, ask("ipv4only.example", 28, 13, 0x0000), 13, one_aaaa("2001:db8:122:344::c000:221"));
  RunResult r = run();
  EXPECT_EQ(r.counters["dns.answered_aaaa_synth"], 2u) << r.log;
}

TEST_F(ViewsPcap, BreakDnssecMapsAndAnswersForValidatingClients) {
  constexpr std::uint16_t rd_cd = 0x0110;
  send(strict, ask(under_isp, 12, 20, rd_cd, true), 20, ptr_answer());
  send(strict, ask(strict_apex, 6, 21, rd_cd, true), 21,
       [](ldns_pkt* p) { EXPECT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 1u); });
  // Without break_dnssec: the upstream's answer (none here, so SERVFAIL).
  send(isp, ask(under_isp, 12, 22, rd_cd, true), 22,
       [](ldns_pkt* p) { EXPECT_EQ(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL); });
  RunResult r = run();
  EXPECT_EQ(r.counters["dns.answered_ptr_mapped"], 1u) << r.log;
  EXPECT_EQ(r.counters["dns.answered_reverse_zone"], 1u);
  EXPECT_EQ(r.counters["dns.punted_validating"], 1u);
}

}  // namespace
}  // namespace dns64d::test
