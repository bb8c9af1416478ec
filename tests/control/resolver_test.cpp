// Replay tests of the resolver, in the spirit of Unbound's testdata/*.rpl:
// a client query goes in as the worker punts it, the upstream exchanges
// come from a script, the clock is fake, and the test checks what was
// asked upstream, what the client got and what the cache holds afterwards.
#include "control/resolver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/dns/reader.hpp"
#include "dataplane/dns64/ptr.hpp"
#include "tests/support/packet.hpp"
#include "tests/support/views.hpp"

namespace dns64d::control {
namespace {

using Octets = std::vector<std::uint8_t>;
namespace type = dns::type;
namespace rcode = dns::rcode;

// ---- records and upstream answers ----

struct Rr {
  std::string owner;
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  Octets rdata;
};

Rr rr_a(std::string owner, std::uint32_t ttl, const char* v4) {
  const dns64::V4 a = *dns64::parse_v4(v4);
  return {std::move(owner), type::A, ttl, Octets(a.begin(), a.end())};
}
Rr rr_aaaa(std::string owner, std::uint32_t ttl, const char* v6) {
  const dns64::V6 a = *dns64::parse_v6(v6);
  return {std::move(owner), type::AAAA, ttl, Octets(a.begin(), a.end())};
}
Rr rr_name(std::string owner, std::uint16_t t, std::uint32_t ttl, const std::string& target) {
  return {std::move(owner), t, ttl, test::wire(target)};
}
Rr rr_cname(std::string owner, std::uint32_t ttl, const std::string& target) {
  return rr_name(std::move(owner), type::CNAME, ttl, target);
}
Rr rr_dname(std::string owner, std::uint32_t ttl, const std::string& target) {
  return rr_name(std::move(owner), type::DNAME, ttl, target);
}
Rr rr_mx(std::string owner, std::uint32_t ttl, std::uint16_t pref, const std::string& host) {
  test::Packet p;
  p.u16(pref).raw(test::wire(host));
  return {std::move(owner), type::MX, ttl, p.bytes};
}
Rr rr_txt(std::string owner, std::uint32_t ttl, const std::string& text) {
  Octets rdata{static_cast<std::uint8_t>(text.size())};
  rdata.insert(rdata.end(), text.begin(), text.end());
  return {std::move(owner), type::TXT, ttl, rdata};
}
// RFC 2308: the negative TTL is min(SOA TTL, MINIMUM).
Rr rr_soa(std::string zone, std::uint32_t ttl, std::uint32_t minimum) {
  return {std::move(zone), type::SOA, ttl, test::soa_rdata(minimum)};
}
// A signature over `covered` by example. (its bytes are never checked here).
Rr rr_rrsig(std::string owner, std::uint32_t ttl, std::uint16_t covered) {
  test::Packet p;
  p.u16(covered).u8(13).u8(2).u32(ttl).u32(1'900'000'000).u32(1'700'000'000).u16(4242);
  p.name("example");
  for (int i = 0; i < 64; ++i) p.u8(static_cast<std::uint8_t>(i));
  return {std::move(owner), type::RRSIG, ttl, p.bytes};
}
// An NSEC from `owner` to `next`, with A and RRSIG in its bitmap.
Rr rr_nsec(std::string owner, std::uint32_t ttl, const std::string& next) {
  test::Packet p;
  p.name(next).u8(0).u8(6).u8(0x40).u8(0).u8(0).u8(0).u8(0).u8(0x02);  // A; RRSIG (46)
  return {std::move(owner), type::NSEC, ttl, p.bytes};
}

// What the script answers one upstream query with.
struct Answer {
  enum class Kind : std::uint8_t { reply, timeout, failed, held };
  Kind kind = Kind::reply;
  std::uint8_t rcode = rcode::NOERROR;
  std::vector<Rr> answer;
  std::vector<Rr> authority;
  std::uint16_t flags = 0;  // header bits besides QR, RD, RA and the rcode (AA, AD)
  int ede = -1;             // an Extended DNS Error (RFC 8914) in an OPT, when >= 0
};

Answer records(std::vector<Rr> answer, std::uint16_t flags = 0) {
  return {Answer::Kind::reply, rcode::NOERROR, std::move(answer), {}, flags};
}
Answer nodata(Rr soa, std::vector<Rr> chain = {}, std::uint16_t flags = 0) {
  return {Answer::Kind::reply, rcode::NOERROR, std::move(chain), {std::move(soa)}, flags};
}
Answer nxdomain(Rr soa, std::vector<Rr> chain = {}) {
  return {Answer::Kind::reply, rcode::NXDOMAIN, std::move(chain), {std::move(soa)}, 0};
}
Answer error_rcode(std::uint8_t rc) { return {Answer::Kind::reply, rc, {}, {}, 0}; }
Answer timeout() { return {Answer::Kind::timeout, 0, {}, {}, 0}; }
Answer held() { return {Answer::Kind::held, 0, {}, {}, 0}; }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// The upstream's message for a query: its question echoed, the records as scripted.
Octets response_to(dns::Bytes qname_wire, std::uint16_t qtype, std::uint16_t qclass,
                   const Answer& a) {
  test::Packet p;
  const auto flags = static_cast<std::uint16_t>(0x8180 | a.flags | a.rcode);
  p.header(0x4242, flags, 1, static_cast<std::uint16_t>(a.answer.size()),
           static_cast<std::uint16_t>(a.authority.size()), a.ede >= 0 ? 1 : 0);
  p.raw(Octets(qname_wire.begin(), qname_wire.end())).u16(qtype).u16(qclass);
  for (const std::vector<Rr>* section : {&a.answer, &a.authority}) {
    for (const Rr& r : *section) p.name(r.owner).rr_fixed(r.type, dns::cls::IN, r.ttl, r.rdata);
  }
  if (a.ede >= 0) {
    p.opt(1232, false, {0, 15, 0, 2, static_cast<std::uint8_t>(a.ede >> 8),
                        static_cast<std::uint8_t>(a.ede)});
  }
  return p.bytes;
}

// ---- the scripted transport and the recording requester ----

struct Sent {
  std::string name;  // as asked, in presentation form without the final dot
  std::uint16_t qtype = 0, qclass = 0;
  bool do_bit = false, cd = false;
  std::uint64_t cookie = 0;
};

class ScriptedTransport final : public upstream::Transport {
 public:
  // Every later query for (name, type) gets `a`; unscripted ones are held.
  // `cd`: only for queries with CD set (the retry of a SERVFAIL, or a
  // validating client's); those fall back to the plain script.
  void on(const std::string& name, std::uint16_t qtype, Answer a, bool cd = false) {
    script_[{lower(name), qtype | (cd ? cd_key : 0u)}] = std::move(a);
  }
  // Answers a held query; false when none for (name, type) is held.
  bool release(const std::string& name, std::uint16_t qtype, const Answer& a) {
    for (auto it = held_.begin(); it != held_.end(); ++it) {
      if (it->sent.name == lower(name) && it->sent.qtype == qtype) {
        const Held h = *it;
        held_.erase(it);
        complete(h.sent, h.wire, a);
        return true;
      }
    }
    return false;
  }

  bool start(const upstream::Request& r) override {
    if (refuse) return false;
    Sent s{dns::to_text(r.qname_wire), r.qtype, r.qclass, r.do_bit, r.cd, r.cookie};
    s.name = lower(s.name);
    sent.push_back(s);
    auto it = script_.end();
    if (r.cd) it = script_.find({s.name, r.qtype | cd_key});
    if (it == script_.end()) it = script_.find({s.name, r.qtype});
    const Octets wire(r.qname_wire.begin(), r.qname_wire.end());
    if (it == script_.end() || it->second.kind == Answer::Kind::held) {
      held_.push_back({s, wire});
    } else {
      complete(s, wire, it->second);
    }
    return true;
  }
  void drive() override {}
  void take_completed(std::vector<upstream::Completion>& out) override {
    for (upstream::Completion& c : ready_) out.push_back(std::move(c));
    ready_.clear();
  }

  std::size_t held_count() const { return held_.size(); }
  // A completion for a query answered before (a late duplicate).
  void answer_again(const Sent& s, const Answer& a) { complete(s, test::wire(s.name), a); }

  std::vector<Sent> sent;
  bool refuse = false;

 private:
  struct Held {
    Sent sent;
    Octets wire;
  };
  void complete(const Sent& s, const Octets& wire, const Answer& a) {
    upstream::Completion c;
    c.cookie = s.cookie;
    switch (a.kind) {
      case Answer::Kind::reply:
        c.status = upstream::Status::ok;
        c.response = response_to(wire, s.qtype, s.qclass, a);
        break;
      case Answer::Kind::timeout:
        c.status = upstream::Status::timeout;
        break;
      case Answer::Kind::failed:
      case Answer::Kind::held:
        c.status = upstream::Status::failed;
        break;
    }
    ready_.push_back(std::move(c));
  }

  static constexpr std::uint32_t cd_key = 0x10000;
  std::map<std::pair<std::string, std::uint32_t>, Answer> script_;
  std::vector<Held> held_;
  std::vector<upstream::Completion> ready_;
};

struct Delivered {
  ReplyTo to;
  Octets bytes;  // empty: no answer
};

class RecordingRequester final : public Requester {
 public:
  void answer(const ReplyTo& to, std::span<const std::uint8_t> reply) override {
    replies.push_back({to, Octets(reply.begin(), reply.end())});
  }
  std::vector<Delivered> replies;
};

// ---- replies as text ----

std::string type_name(std::uint16_t t) {
  switch (t) {
    case type::A:
      return "A";
    case type::AAAA:
      return "AAAA";
    case type::CNAME:
      return "CNAME";
    case type::DNAME:
      return "DNAME";
    case type::PTR:
      return "PTR";
    case type::MX:
      return "MX";
    case type::TXT:
      return "TXT";
    case type::SOA:
      return "SOA";
    default:
      return "TYPE" + std::to_string(t);
  }
}

std::string name_at(dns::Bytes msg, std::size_t pos) {
  dns::Name n;
  if (dns::read_name(msg, pos, n, dns::Case::keep) != dns::Error::ok) return "<bad name>";
  return dns::to_text(n.bytes());
}

// "owner TTL TYPE rdata", names in the case they were written (compression followed).
std::string rr_text(dns::Bytes msg, const dns::RR& rr) {
  std::string out =
      name_at(msg, rr.offset) + " " + std::to_string(rr.ttl) + " " + type_name(rr.type) + " ";
  switch (rr.type) {
    case type::A:
      if (rr.rdata.size() == 4) {
        out += std::to_string(rr.rdata[0]) + "." + std::to_string(rr.rdata[1]) + "." +
               std::to_string(rr.rdata[2]) + "." + std::to_string(rr.rdata[3]);
      }
      break;
    case type::AAAA:
      if (rr.rdata.size() == 16) {
        dns64::V6 a;
        std::copy(rr.rdata.begin(), rr.rdata.end(), a.begin());
        out += dns64::to_text(a);
      }
      break;
    case type::CNAME:
    case type::DNAME:
    case type::PTR:
      out += name_at(msg, rr.rdata_offset);
      break;
    case type::MX:
      out += std::to_string(dns::load16(rr.rdata.data())) + " " + name_at(msg, rr.rdata_offset + 2);
      break;
    case type::TXT:
      out += std::string(rr.rdata.begin() + 1, rr.rdata.end());
      break;
    default:
      out += std::to_string(rr.rdata.size()) + " octets";
  }
  return out;
}

struct Reply {
  dns::Message m;
  std::string question;  // in the case it was written
  std::vector<std::string> answer, authority;
  std::size_t size = 0;
};

Reply parse_reply(const Octets& bytes) {
  Reply r;
  r.size = bytes.size();
  const dns::Bytes msg(bytes.data(), bytes.size());
  EXPECT_EQ(dns::parse_message(msg, r.m), dns::Error::ok);
  r.question = name_at(msg, dns::header_size);
  dns::Reader rd(msg);
  rd.seek(r.m.sections.answer);
  for (std::uint16_t i = 0; i < r.m.header.ancount + r.m.header.nscount; ++i) {
    dns::RR rr;
    if (rd.rr(rr) != dns::Error::ok) {
      ADD_FAILURE() << "record " << i << " unreadable";
      break;
    }
    (i < r.m.header.ancount ? r.answer : r.authority).push_back(rr_text(msg, rr));
  }
  return r;
}

std::string ip6_arpa(const char* v6) {
  dns::Name n;
  dns64::ip6_arpa_name(*dns64::parse_v6(v6), n);
  return dns::to_text(n.bytes());
}

// ---- the replay harness ----

struct Query {
  std::string name;
  std::uint16_t qtype = type::AAAA;
  std::string client = "2001:db8:ffff::1";  // the default view (64:ff9b::/96)
  int edns = -1;                            // the OPT's payload size; -1: no OPT
  bool do_bit = false;
  bool cd = false;
  std::uint16_t id = 0x1234;
  ReplyTo::Kind kind = ReplyTo::Kind::datagram;
};

// Clients of the views the harness builds.
constexpr const char* nsp_client = "2001:db8:aaaa::1";     // 2001:db8:122:344::/64, ptr mode
constexpr const char* always_client = "2001:db8:bbbb::1";  // 64:ff9b::/96, AAAA ignored

struct Replay {
  explicit Replay(ResolverConfig config = {})
      : cache(cache_config(), [this] { return now; }),
        reader(cache.register_reader()),
        resolver(
            transport, cache, reader, requester, [this] { return now; }, config) {
    test::add_test_views(snap.views);
  }
  static cache::Config cache_config() {
    cache::Config c;
    c.max_entries = 1024;
    c.max_bytes = 1 << 20;
    c.seed = 1;
    c.keep_stale = true;  // served only when the resolver asks for stale entries
    c.stale_ttl = 30;
    return c;
  }

  // The query as a worker sees it: respond() must punt it, and its key
  // goes to the resolver. Returns the tag its reply will carry.
  std::uint64_t submit(const Query& q) {
    test::Packet p;
    const auto flags = static_cast<std::uint16_t>(dns::flag::RD | (q.cd ? dns::flag::CD : 0));
    p.header(q.id, flags, 1, 0, 0, q.edns >= 0 ? 1 : 0).name(q.name).u16(q.qtype).u16(1);
    if (q.edns >= 0) p.opt(static_cast<std::uint16_t>(q.edns), q.do_bit);
    Octets buf = p.bytes;
    buf.resize(4096);
    respond::Client client;
    client.is_v6 = q.client.find(':') != std::string::npos;
    if (client.is_v6) {
      client.v6 = *dns64::parse_v6(q.client);
    } else {
      client.v4 = *dns64::parse_v4(q.client);
    }
    respond::Context ctx{&snap.views, &cache, reader, now, snap.edns_udp_size};
    respond::QuestionKey key;
    const respond::Result r = respond::respond(buf, p.size(), client, ctx, &key);
    EXPECT_TRUE(respond::is_punt(r.outcome)) << q.name << ": " << respond::to_string(r.outcome);
    ReplyTo to;
    to.kind = q.kind;
    to.stream = ++tag;  // which client a reply is for
    resolver.submit(key, client, to, snap);
    return tag;
  }
  void run() {
    for (int i = 0; i < 6; ++i) resolver.step();
  }
  // The one reply for `t`, parsed; fails the test when there is not exactly one.
  Reply reply_for(std::uint64_t t) const {
    const Delivered* found = nullptr;
    int n = 0;
    for (const Delivered& d : requester.replies) {
      if (d.to.stream == t) {
        found = &d;
        ++n;
      }
    }
    EXPECT_EQ(n, 1) << "replies for client " << t;
    if (found == nullptr || found->bytes.empty()) {
      ADD_FAILURE() << "no answer for client " << t;
      return {};
    }
    return parse_reply(found->bytes);
  }
  cache::LookupResult lookup(const std::string& name, std::uint16_t key_type) {
    return cache.lookup(*reader, {test::wire(lower(name)), key_type, dns::cls::IN}, now);
  }
  std::uint64_t count(ResolverCounter c) const { return resolver.stats()[c]; }

  std::uint64_t now = 1'000'000;
  std::uint64_t tag = 0;
  ScriptedTransport transport;
  RecordingRequester requester;
  cache::Cache cache;
  cache::Reader* reader;
  dataplane::Snapshot snap;
  Resolver resolver;
};

// ---- the table ----

struct Exchange {
  std::string name;
  std::uint16_t qtype;
  Answer answer;
  bool cd = false;  // asked with CD (and without DO): the retry of a SERVFAIL
};

struct CacheCheck {
  std::string name;
  std::uint16_t key_type;
  bool hit;
  cache::Kind kind = cache::Kind::rrset;
  std::uint32_t ttl = 0;
  std::uint8_t rcode = 0;  // negative entries
};

struct Case {
  std::string title;
  Query query;
  std::vector<Exchange> upstream = {};  // asked in this order, answered as scripted
  std::uint8_t rcode = rcode::NOERROR;
  std::vector<std::string> answer = {};  // "owner TTL TYPE rdata"
  std::vector<CacheCheck> cache = {};
  ResolverConfig config = {};
  std::uint16_t flag_mask = 0, flags = 0;   // reply header bits: (flags & flag_mask) == flags
  std::uint64_t synthesized = 0;            // lookups that ended in synthesis
  std::uint64_t stray_soa = 0;              // answers with a SOA of another zone
  std::vector<std::string> authority = {};  // owners of the reply's authority records, if given
  int ede = -1;  // the reply's Extended DNS Error; -1: none
};

// The INFO-CODE of the first EDE option of a reply's OPT, or -1.
int ede_of(const dns::Message& m) {
  const dns::Bytes o = m.opt.options;
  for (std::size_t i = 0; i + 4 <= o.size();) {
    const std::size_t len = dns::load16(o.data() + i + 2);
    if (dns::load16(o.data() + i) == 15 && len >= 2 && i + 6 <= o.size()) {
      return dns::load16(o.data() + i + 4);
    }
    i += 4 + len;
  }
  return -1;
}

constexpr std::uint16_t tc = dns::flag::TC, ad = dns::flag::AD, aa = dns::flag::AA;

Rr soa_example(std::uint32_t ttl = 3600, std::uint32_t minimum = 900) {
  return rr_soa("example", ttl, minimum);
}

std::vector<Case> cases() {
  const std::string ptr_wkp = ip6_arpa("64:ff9b::102:304");
  // The reverse zone of 64:ff9b::/96, whose SOA a negative mapped answer carries.
  const std::string wkp_reverse_zone = "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa";
  const std::string ptr_nsp = ip6_arpa("2001:db8:122:344:1:203:400:0");
  const std::string ptr_plain = ip6_arpa("2001:db8::1");
  ResolverConfig servfail_on_error;
  servfail_on_error.servfail_on_error = true;
  return {
      // RFC 6147 §5.1.1: real AAAA records go to the client as they are.
      {.title = "AaaaRecordsAreRelayedWithoutSynthesis",
       .query = {.name = "v6.example"},
       .upstream = {{"v6.example", type::AAAA,
                     records({rr_aaaa("v6.example", 300, "2001:db8::1")})}},
       .answer = {"v6.example 300 AAAA 2001:db8::1"},
       .cache = {{"v6.example", type::AAAA, true, cache::Kind::rrset, 300}}},
      // §5.1.2 and §5.1.7: NODATA, then the A records under the prefix; the
      // TTL is the smaller of the A TTL and the SOA's negative TTL.
      {.title = "NodataIsSynthesizedUnderTheWellKnownPrefix",
       .query = {.name = "v4.example"},
       .upstream = {{"v4.example", type::AAAA, nodata(soa_example())},
                    {"v4.example", type::A,
                     records({rr_a("v4.example", 300, "1.2.3.4"),
                              rr_a("v4.example", 300, "8.8.8.8")})}},
       .answer = {"v4.example 300 AAAA 64:ff9b::102:304", "v4.example 300 AAAA 64:ff9b::808:808"},
       .cache = {{"v4.example", type::AAAA, true, cache::Kind::synth_aaaa, 300}},
       .synthesized = 1},
      {.title = "SynthesizedTtlIsCappedBySoaMinimum",
       .query = {.name = "short.example"},
       .upstream = {{"short.example", type::AAAA, nodata(soa_example(3600, 60))},
                    {"short.example", type::A, records({rr_a("short.example", 300, "1.2.3.4")})}},
       .answer = {"short.example 60 AAAA 64:ff9b::102:304"},
       .cache = {{"short.example", type::AAAA, true, cache::Kind::synth_aaaa, 60}},
       .synthesized = 1},
      {.title = "SynthesizedTtlIsCappedBySoaTtl",
       .query = {.name = "short.example"},
       .upstream = {{"short.example", type::AAAA, nodata(soa_example(45, 900))},
                    {"short.example", type::A, records({rr_a("short.example", 300, "1.2.3.4")})}},
       .answer = {"short.example 45 AAAA 64:ff9b::102:304"},
       .cache = {{"short.example", type::AAAA, true, cache::Kind::synth_aaaa, 45}},
       .synthesized = 1},
      // RFC 6052 §2.2: under a /64 the address skips bits 64-71 (the u octet).
      {.title = "NodataIsSynthesizedUnderTheViewsSlash64",
       .query = {.name = "v4.example", .client = nsp_client},
       .upstream = {{"v4.example", type::AAAA, nodata(soa_example())},
                    {"v4.example", type::A, records({rr_a("v4.example", 300, "1.2.3.4")})}},
       .answer = {"v4.example 300 AAAA 2001:db8:122:344:1:203:400:0"},
       .cache = {{"v4.example", type::AAAA, true, cache::Kind::synth_aaaa, 300}},
       .synthesized = 1},
      // §5.1.7: without a SOA in the AAAA answer the TTL is at most 600.
      {.title = "ExcludedAaaaWithoutSoaCapsTheTtlAt600",
       .query = {.name = "mapped.example"},
       .upstream = {{"mapped.example", type::AAAA,
                     records({rr_aaaa("mapped.example", 3600, "::ffff:1.2.3.4")})},
                    {"mapped.example", type::A,
                     records({rr_a("mapped.example", 3600, "5.6.7.8")})}},
       .answer = {"mapped.example 600 AAAA 64:ff9b::506:708"},
       .cache = {{"mapped.example", type::AAAA, true, cache::Kind::synth_aaaa, 600}},
       .synthesized = 1},
      // A view whose policy ignores real AAAA asks for A alone, and its
      // entry lives under the policy's own key type.
      {.title = "IgnoreAaaaPolicySynthesizesWithoutAskingAaaa",
       .query = {.name = "dual.example", .client = always_client},
       .upstream = {{"dual.example", type::A, records({rr_a("dual.example", 3600, "1.2.3.4")})}},
       .answer = {"dual.example 600 AAAA 64:ff9b::102:304"},
       .cache = {{"dual.example", respond::aaaa_key_type(1), true, cache::Kind::synth_aaaa, 600},
                 {"dual.example", type::AAAA, false}},
       .synthesized = 1},
      // A forced name without A records: its real AAAA (Unbound's
      // dns64-ignore-aaaa), so IPv6-only names stay reachable.
      {.title = "ForcedNameWithoutARecordsFallsBackToItsRealAaaa",
       .query = {.name = "v6only.example", .client = always_client},
       .upstream = {{"v6only.example", type::A, nodata(soa_example())},
                    {"v6only.example", type::AAAA,
                     records({rr_aaaa("v6only.example", 300, "2001:db8::66")})}},
       .answer = {"v6only.example 300 AAAA 2001:db8::66"},
       .cache = {{"v6only.example", respond::aaaa_key_type(1), true, cache::Kind::rrset, 300},
                 {"v6only.example", type::AAAA, false}}},
      {.title = "ForcedNameWithNeitherIsNodata",
       .query = {.name = "nothing.example", .client = always_client},
       .upstream = {{"nothing.example", type::A, nodata(soa_example(3600, 300))},
                    {"nothing.example", type::AAAA, nodata(soa_example(3600, 120))}},
       .answer = {},
       .cache = {{"nothing.example", respond::aaaa_key_type(1), true, cache::Kind::negative, 120}}},
      {.title = "ForcedNameThatDoesNotExistIsNxdomainWithoutAnAaaaQuery",
       .query = {.name = "gone.example", .client = always_client},
       .upstream = {{"gone.example", type::A, nxdomain(soa_example(3600, 300))}},
       .rcode = rcode::NXDOMAIN,
       .cache = {{"gone.example", respond::aaaa_key_type(1), true, cache::Kind::negative, 300,
                  rcode::NXDOMAIN}}},
      // §5.5: a denial the validating upstream found bogus is no reason to
      // synthesize (the downgrade §5.5 warns of): SERVFAIL, with its EDE.
      {.title = "BogusAaaaDenialWithADnssecEdeIsServfail",
       .query = {.name = "bogus.example", .edns = 1232},
       .upstream = {{"bogus.example", type::AAAA,
                     {Answer::Kind::reply, rcode::SERVFAIL, {}, {}, 0, 6}}},
       .rcode = rcode::SERVFAIL,
       .cache = {{"bogus.example", type::AAAA, false}},
       .ede = 6},
      // BIND 9.18 says nothing: the retry with CD set that succeeds says it.
      {.title = "BogusAaaaDenialWithoutAnEdeIsFoundByTheCdRetry",
       .query = {.name = "bogus.example", .edns = 1232},
       .upstream = {{"bogus.example", type::AAAA, error_rcode(rcode::SERVFAIL)},
                    {"bogus.example", type::AAAA, nodata(soa_example()), true}},
       .rcode = rcode::SERVFAIL,
       .cache = {{"bogus.example", type::AAAA, false}},
       .ede = 6},
      // An EDE that is not about DNSSEC: the upstream failed, as configured (§5.1.3).
      {.title = "AaaaServfailWithAnotherEdeIsSynthesizedWithoutARetry",
       .query = {.name = "unreachable.example"},
       .upstream = {{"unreachable.example", type::AAAA,
                     {Answer::Kind::reply, rcode::SERVFAIL, {}, {}, 0, 22}},
                    {"unreachable.example", type::A,
                     records({rr_a("unreachable.example", 300, "1.2.3.4")})}},
       .answer = {"unreachable.example 30 AAAA 64:ff9b::102:304"},
       .cache = {{"unreachable.example", type::AAAA, true, cache::Kind::synth_aaaa, 30}},
       .synthesized = 1},
      // The upstream's EDE reaches the client; where nothing came back, ours.
      {.title = "AnUpstreamsEdeIsRelayed",
       .query = {.name = "sig.example", .qtype = type::TXT, .edns = 1232},
       .upstream = {{"sig.example", type::TXT,
                     {Answer::Kind::reply, rcode::SERVFAIL, {}, {}, 0, 7}}},
       .rcode = rcode::SERVFAIL,
       .ede = 7},
      {.title = "ATimeoutGetsNoReachableAuthority",
       .query = {.name = "silent.example", .qtype = type::TXT, .edns = 1232},
       .upstream = {{"silent.example", type::TXT, timeout()}},
       .rcode = rcode::SERVFAIL,
       .ede = 22},
      // DNSSEC records reach clients that set DO, from the cache as fresh,
      // and never the others (RFC 4035 §3.2.1); the cache is filled with
      // DO set (every upstream query asks with DO).
      {.title = "DoClientGetsTheSignatureOfAnAnswer",
       .query = {.name = "sig.example", .qtype = type::TXT, .edns = 1232, .do_bit = true},
       .upstream = {{"sig.example", type::TXT,
                     records({rr_txt("sig.example", 300, "x"),
                              rr_rrsig("sig.example", 300, type::TXT)})}},
       .answer = {"sig.example 300 TXT x", "sig.example 300 TYPE46 91 octets"},
       .cache = {{"sig.example", type::TXT, true, cache::Kind::rrset, 300}}},
      {.title = "PlainClientGetsNoSignature",
       .query = {.name = "sig.example", .qtype = type::TXT, .edns = 1232},
       .upstream = {{"sig.example", type::TXT,
                     records({rr_txt("sig.example", 300, "x"),
                              rr_rrsig("sig.example", 300, type::TXT)})}},
       .answer = {"sig.example 300 TXT x"},
       .cache = {{"sig.example", type::TXT, true, cache::Kind::rrset, 300}}},
      {.title = "DoClientGetsTheProofsOfANegativeAnswer",
       .query = {.name = "none.example", .qtype = type::TXT, .edns = 1232, .do_bit = true},
       .upstream = {{"none.example", type::TXT,
                     {Answer::Kind::reply,
                      rcode::NOERROR,
                      {},
                      {soa_example(), rr_rrsig("example", 3600, type::SOA),
                       rr_nsec("none.example", 900, "z.example"),
                       rr_rrsig("none.example", 900, type::NSEC)},
                      0}}},
       .cache = {{"none.example", type::TXT, true, cache::Kind::negative, 900, rcode::NOERROR}},
       .authority = {"example", "example", "none.example", "none.example"}},
      {.title = "PlainClientGetsOnlyTheSoaOfANegativeAnswer",
       .query = {.name = "none.example", .qtype = type::TXT, .edns = 1232},
       .upstream = {{"none.example", type::TXT,
                     {Answer::Kind::reply,
                      rcode::NOERROR,
                      {},
                      {soa_example(), rr_rrsig("example", 3600, type::SOA),
                       rr_nsec("none.example", 900, "z.example"),
                       rr_rrsig("none.example", 900, type::NSEC)},
                      0}}},
       .cache = {{"none.example", type::TXT, true, cache::Kind::negative, 900, rcode::NOERROR}},
       .authority = {"example"}},
      // §5.5: synthesized AAAA carry no signatures, whatever the A answer had.
      {.title = "SynthesisForADoClientCarriesNoSignatures",
       .query = {.name = "v4.example", .edns = 1232, .do_bit = true},
       .upstream = {{"v4.example", type::AAAA,
                     {Answer::Kind::reply,
                      rcode::NOERROR,
                      {},
                      {soa_example(), rr_rrsig("example", 3600, type::SOA),
                       rr_nsec("v4.example", 900, "z.example")},
                      0}},
                    {"v4.example", type::A,
                     records({rr_a("v4.example", 300, "1.2.3.4"),
                              rr_rrsig("v4.example", 300, type::A)})}},
       .answer = {"v4.example 300 AAAA 64:ff9b::102:304"},
       .cache = {{"v4.example", type::AAAA, true, cache::Kind::synth_aaaa, 300}},
       .synthesized = 1},
      // §5.5: DO without CD: synthesis, and never AD on synthesized data.
      {.title = "DoClientGetsSynthesisWithoutAd",
       .query = {.name = "v4.example", .edns = 1232, .do_bit = true},
       .upstream = {{"v4.example", type::AAAA, nodata(soa_example(), {}, ad)},
                    {"v4.example", type::A, records({rr_a("v4.example", 300, "1.2.3.4")}, ad)}},
       .answer = {"v4.example 300 AAAA 64:ff9b::102:304"},
       .cache = {{"v4.example", type::AAAA, true, cache::Kind::synth_aaaa, 300}},
       .flag_mask = ad,
       .flags = 0,
       .synthesized = 1},
      // §5.1.6: after NODATA for AAAA, the A query's NXDOMAIN is the answer.
      {.title = "ANxdomainAfterAaaaNodataIsNxdomain",
       .query = {.name = "racy.example"},
       .upstream = {{"racy.example", type::AAAA, nodata(soa_example())},
                    {"racy.example", type::A, nxdomain(soa_example(3600, 120))}},
       .rcode = rcode::NXDOMAIN,
       .cache = {{"racy.example", type::AAAA, true, cache::Kind::negative, 120, rcode::NXDOMAIN}}},
      {.title = "NxdomainAfterAFailedAaaaQueryIsCachedForFailureTtl",
       .query = {.name = "slow.example"},
       .upstream = {{"slow.example", type::AAAA, timeout()},
                    {"slow.example", type::A, nxdomain(soa_example(3600, 900))}},
       .rcode = rcode::NXDOMAIN,
       .cache = {{"slow.example", type::AAAA, true, cache::Kind::negative, 30, rcode::NXDOMAIN}}},
      // §5.1.2: NXDOMAIN is the answer; no A query.
      {.title = "NxdomainOnAaaaIsRelayedWithoutAnAQuery",
       .query = {.name = "gone.example"},
       .upstream = {{"gone.example", type::AAAA, nxdomain(soa_example(3600, 60))}},
       .rcode = rcode::NXDOMAIN,
       .cache = {{"gone.example", type::AAAA, true, cache::Kind::negative, 60, rcode::NXDOMAIN}}},
      // §5.1.4: AAAA records in ::ffff:0:0/96 count as none.
      {.title = "ExcludedAaaaIsReplacedBySynthesis",
       .query = {.name = "mapped.example"},
       .upstream = {{"mapped.example", type::AAAA,
                     records({rr_aaaa("mapped.example", 300, "::ffff:1.2.3.4")})},
                    {"mapped.example", type::A, records({rr_a("mapped.example", 300, "5.6.7.8")})}},
       .answer = {"mapped.example 300 AAAA 64:ff9b::506:708"},
       .cache = {{"mapped.example", type::AAAA, true, cache::Kind::synth_aaaa, 300}},
       .synthesized = 1},
      // §5.1.3 then §5.1.2: a timeout is SERVFAIL, treated as an empty answer;
      // what the failure decided is cached for failure_ttl at most.
      {.title = "AaaaTimeoutIsSynthesizedForFailureTtl",
       .query = {.name = "slow.example"},
       .upstream = {{"slow.example", type::AAAA, timeout()},
                    {"slow.example", type::A, records({rr_a("slow.example", 300, "1.2.3.4")})}},
       .answer = {"slow.example 30 AAAA 64:ff9b::102:304"},
       .cache = {{"slow.example", type::AAAA, true, cache::Kind::synth_aaaa, 30}},
       .synthesized = 1},
      {.title = "AaaaServfailIsSynthesizedForFailureTtl",
       .query = {.name = "broken.example"},
       .upstream = {{"broken.example", type::AAAA, error_rcode(rcode::SERVFAIL)},
                    {"broken.example", type::AAAA, error_rcode(rcode::SERVFAIL), true},
                    {"broken.example", type::A, records({rr_a("broken.example", 300, "1.2.3.4")})}},
       .answer = {"broken.example 30 AAAA 64:ff9b::102:304"},
       .cache = {{"broken.example", type::AAAA, true, cache::Kind::synth_aaaa, 30}},
       .synthesized = 1},
      {.title = "AaaaTimeoutIsServfailWhenConfiguredSo",
       .query = {.name = "slow.example"},
       .upstream = {{"slow.example", type::AAAA, timeout()}},
       .rcode = rcode::SERVFAIL,
       .cache = {{"slow.example", type::AAAA, false}},
       .config = servfail_on_error},
      {.title = "NodataAfterAFailedAaaaQueryIsCachedForFailureTtl",
       .query = {.name = "slow.example"},
       .upstream = {{"slow.example", type::AAAA, timeout()},
                    {"slow.example", type::A, nodata(soa_example(3600, 900))}},
       .cache = {{"slow.example", type::AAAA, true, cache::Kind::negative, 30, rcode::NOERROR}}},
      {.title = "AQueryTimeoutIsServfail",
       .query = {.name = "v4.example"},
       .upstream = {{"v4.example", type::AAAA, nodata(soa_example())},
                    {"v4.example", type::A, timeout()}},
       .rcode = rcode::SERVFAIL,
       .cache = {{"v4.example", type::AAAA, false}}},
      // §5.5: DO and CD: the upstream's own answer, asked with DO and CD,
      // never synthesized and never cached.
      // AD is passed on only from an upstream trusted with it ([upstream] trust_ad).
      {.title = "ValidatingClientGetsNodataUnsynthesized",
       .query = {.name = "v4.example", .edns = 1232, .do_bit = true, .cd = true},
       .upstream = {{"v4.example", type::AAAA, nodata(soa_example(), {}, ad)}},
       .cache = {{"v4.example", type::AAAA, false}},
       .flag_mask = ad,
       .flags = 0},
      {.title = "ValidatingClientGetsTheTrustedUpstreamsAd",
       .query = {.name = "v4.example", .edns = 1232, .do_bit = true, .cd = true},
       .upstream = {{"v4.example", type::AAAA, nodata(soa_example(), {}, ad)}},
       .cache = {{"v4.example", type::AAAA, false}},
       .config = {.trust_ad = true},
       .flag_mask = ad,
       .flags = ad},
      {.title = "ValidatingClientGetsRealAaaaUncached",
       .query = {.name = "v6.example", .edns = 1232, .do_bit = true, .cd = true},
       .upstream = {{"v6.example", type::AAAA,
                     records({rr_aaaa("v6.example", 300, "2001:db8::1")})}},
       .answer = {"v6.example 300 AAAA 2001:db8::1"},
       .cache = {{"v6.example", type::AAAA, false}}},
      // Other types: relayed once, then cached.
      {.title = "MxIsRelayedAndCached",
       .query = {.name = "mail.example", .qtype = type::MX},
       .upstream = {{"mail.example", type::MX,
                     records({rr_mx("mail.example", 300, 10, "mx.example")}, aa)}},
       .answer = {"mail.example 300 MX 10 mx.example"},
       .cache = {{"mail.example", type::MX, true, cache::Kind::rrset, 300}}},
      {.title = "TxtIsRelayedAndCached",
       .query = {.name = "text.example", .qtype = type::TXT},
       .upstream = {{"text.example", type::TXT, records({rr_txt("text.example", 120, "hello")})}},
       .answer = {"text.example 120 TXT hello"},
       .cache = {{"text.example", type::TXT, true, cache::Kind::rrset, 120}}},
      // RFC 2308 §5: NODATA of another type, cached for min(SOA TTL, MINIMUM).
      {.title = "MxNodataIsCachedAsNegative",
       .query = {.name = "nomail.example", .qtype = type::MX},
       .upstream = {{"nomail.example", type::MX, nodata(soa_example(3600, 120))}},
       .cache = {{"nomail.example", type::MX, true, cache::Kind::negative, 120, rcode::NOERROR}}},
      // §5.1.5: the chain from the question to the A records, then the AAAA.
      {.title = "CnameChainToAOnlyIsSynthesizedWithTheChain",
       .query = {.name = "www.example"},
       .upstream = {{"www.example", type::AAAA,
                     nodata(soa_example(), {rr_cname("www.example", 600, "v4.example")})},
                    {"www.example", type::A,
                     records({rr_cname("www.example", 600, "v4.example"),
                              rr_a("v4.example", 300, "1.2.3.4")})}},
       .answer = {"www.example 300 CNAME v4.example", "v4.example 300 AAAA 64:ff9b::102:304"},
       .cache = {{"www.example", type::AAAA, true, cache::Kind::synth_aaaa, 300}},
       .synthesized = 1},
      {.title = "DnameInTheChainIsKept",
       .query = {.name = "a.old.example"},
       .upstream = {{"a.old.example", type::AAAA,
                     nodata(soa_example(), {rr_dname("old.example", 600, "new.example"),
                                            rr_cname("a.old.example", 600, "a.new.example")})},
                    {"a.old.example", type::A,
                     records({rr_dname("old.example", 600, "new.example"),
                              rr_cname("a.old.example", 600, "a.new.example"),
                              rr_a("a.new.example", 300, "1.2.3.4")})}},
       .answer = {"old.example 300 DNAME new.example", "a.old.example 300 CNAME a.new.example",
                  "a.new.example 300 AAAA 64:ff9b::102:304"},
       .cache = {{"a.old.example", type::AAAA, true, cache::Kind::synth_aaaa, 300}},
       .synthesized = 1},
      {.title = "ChainToNxdomainIsRelayedAndNotCached",
       .query = {.name = "dangling.example"},
       .upstream = {{"dangling.example", type::AAAA,
                     nxdomain(soa_example(), {rr_cname("dangling.example", 300, "gone.example")})}},
       .rcode = rcode::NXDOMAIN,
       .answer = {"dangling.example 300 CNAME gone.example"},
       .cache = {{"dangling.example", type::AAAA, false}}},
      {.title = "ChainToNodataOnBothQueriesIsRelayedWithTheChain",
       .query = {.name = "alias.example"},
       .upstream = {{"alias.example", type::AAAA,
                     nodata(soa_example(), {rr_cname("alias.example", 300, "empty.example")})},
                    {"alias.example", type::A,
                     nodata(soa_example(), {rr_cname("alias.example", 300, "empty.example")})}},
       .answer = {"alias.example 300 CNAME empty.example"},
       .cache = {{"alias.example", type::AAAA, false}}},
      // §5.3.1: PTR under the prefix: the upstream is asked the in-addr.arpa
      // name; the client gets a CNAME to it (cname mode) or the PTR renamed.
      {.title = "PtrUnderThePrefixAsksInAddrArpaCnameMode",
       .query = {.name = ptr_wkp, .qtype = type::PTR},
       .upstream = {{"4.3.2.1.in-addr.arpa", type::PTR,
                     records({rr_name("4.3.2.1.in-addr.arpa", type::PTR, 300, "host.example")})}},
       .answer = {ptr_wkp + " 300 CNAME 4.3.2.1.in-addr.arpa",
                  "4.3.2.1.in-addr.arpa 300 PTR host.example"},
       .cache = {{"4.3.2.1.in-addr.arpa", type::PTR, true, cache::Kind::rrset, 300},
                 {ptr_wkp, type::PTR, false}}},
      {.title = "PtrUnderASlash64AsksInAddrArpaPtrMode",
       .query = {.name = ptr_nsp, .qtype = type::PTR, .client = nsp_client},
       .upstream = {{"4.3.2.1.in-addr.arpa", type::PTR,
                     records({rr_name("4.3.2.1.in-addr.arpa", type::PTR, 300, "host.example")})}},
       .answer = {ptr_nsp + " 300 PTR host.example"},
       .cache = {{"4.3.2.1.in-addr.arpa", type::PTR, true, cache::Kind::rrset, 300}}},
      // A TTL of 0 is not cached: the upstream's answer is relayed, mapped
      // back to the client's name the view's way.
      {.title = "UncacheablePtrIsRelayedWithTheCnameInCnameMode",
       .query = {.name = ptr_wkp, .qtype = type::PTR},
       .upstream = {{"4.3.2.1.in-addr.arpa", type::PTR,
                     records({rr_name("4.3.2.1.in-addr.arpa", type::PTR, 0, "host.example")})}},
       .answer = {ptr_wkp + " 0 CNAME 4.3.2.1.in-addr.arpa",
                  "4.3.2.1.in-addr.arpa 0 PTR host.example"},
       .cache = {{"4.3.2.1.in-addr.arpa", type::PTR, false}}},
      {.title = "UncacheablePtrIsRelayedRenamedInPtrMode",
       .query = {.name = ptr_nsp, .qtype = type::PTR, .client = nsp_client},
       .upstream = {{"4.3.2.1.in-addr.arpa", type::PTR,
                     records({rr_name("4.3.2.1.in-addr.arpa", type::PTR, 0, "host.example")})}},
       .answer = {ptr_nsp + " 0 PTR host.example"},
       .cache = {{"4.3.2.1.in-addr.arpa", type::PTR, false}}},
      {.title = "PtrUnderThePrefixWithoutAnInAddrNameIsNxdomain",
       .query = {.name = ptr_wkp, .qtype = type::PTR},
       .upstream = {{"4.3.2.1.in-addr.arpa", type::PTR,
                     nxdomain(rr_soa("in-addr.arpa", 3600, 300))}},
       .rcode = rcode::NXDOMAIN,
       .cache = {{"4.3.2.1.in-addr.arpa", type::PTR, true, cache::Kind::negative, 300,
                  rcode::NXDOMAIN}},
       .authority = {wkp_reverse_zone}},
      // Not cached (a SOA TTL of 0): the same answer, built from the relay.
      {.title = "UncacheableNegativePtrCarriesTheReverseZonesSoaAndNoCname",
       .query = {.name = ptr_wkp, .qtype = type::PTR},
       .upstream = {{"4.3.2.1.in-addr.arpa", type::PTR, nxdomain(rr_soa("in-addr.arpa", 0, 300))}},
       .rcode = rcode::NXDOMAIN,
       .cache = {{"4.3.2.1.in-addr.arpa", type::PTR, false}},
       .authority = {wkp_reverse_zone}},
      {.title = "PtrOutsideThePrefixIsAskedAsIs",
       .query = {.name = ptr_plain, .qtype = type::PTR},
       .upstream = {{ptr_plain, type::PTR,
                     records({rr_name(ptr_plain, type::PTR, 300, "v6.example")})}},
       .answer = {ptr_plain + " 300 PTR v6.example"},
       .cache = {{ptr_plain, type::PTR, true, cache::Kind::rrset, 300}}},
      // The question is echoed in the client's case; the key is folded.
      {.title = "QueryNameCaseIsEchoed",
       .query = {.name = "MiXeD.ExAmPle", .qtype = type::A},
       .upstream = {{"mixed.example", type::A, records({rr_a("mixed.example", 300, "1.2.3.4")})}},
       .answer = {"MiXeD.ExAmPle 300 A 1.2.3.4"},
       .cache = {{"mixed.example", type::A, true, cache::Kind::rrset, 300}}},
      {.title = "SynthesizedAnswerEchoesTheCase",
       .query = {.name = "V4.Example"},
       .upstream = {{"v4.example", type::AAAA, nodata(soa_example())},
                    {"v4.example", type::A, records({rr_a("v4.example", 300, "1.2.3.4")})}},
       .answer = {"V4.Example 300 AAAA 64:ff9b::102:304"},
       .cache = {{"v4.example", type::AAAA, true, cache::Kind::synth_aaaa, 300}},
       .synthesized = 1},
      // A negative answer is cached only with a SOA owned by the name it
      // answers or an ancestor: another zone's SOA is left out, the rcode
      // stays, nothing is cached.
      {.title = "NxdomainWithAnUnrelatedSoaIsNotCached",
       .query = {.name = "gone.example", .qtype = type::MX},
       .upstream = {{"gone.example", type::MX, nxdomain(rr_soa("victim.test", 3600, 86400))}},
       .rcode = rcode::NXDOMAIN,
       .cache = {{"gone.example", type::MX, false}},
       .stray_soa = 1},
      {.title = "NodataWithAChildZonesSoaIsNotCached",
       .query = {.name = "nomail.example", .qtype = type::MX},
       .upstream = {{"nomail.example", type::MX, nodata(rr_soa("sub.nomail.example", 3600, 900))}},
       .cache = {{"nomail.example", type::MX, false}},
       .stray_soa = 1},
      {.title = "AaaaNxdomainWithAnUnrelatedSoaIsNotCached",
       .query = {.name = "gone.example"},
       .upstream = {{"gone.example", type::AAAA, nxdomain(rr_soa("victim.test", 3600, 86400))}},
       .rcode = rcode::NXDOMAIN,
       .cache = {{"gone.example", type::AAAA, false}},
       .stray_soa = 1},
      // §5.1.6: the A query's negative answer is ours only with its zone's SOA.
      {.title = "ANxdomainWithAnUnrelatedSoaIsNotCached",
       .query = {.name = "racy.example"},
       .upstream = {{"racy.example", type::AAAA, nodata(soa_example())},
                    {"racy.example", type::A, nxdomain(rr_soa("victim.test", 3600, 86400))}},
       .rcode = rcode::NXDOMAIN,
       .cache = {{"racy.example", type::AAAA, false}},
       .stray_soa = 1},
      // §5.1.7: a stray SOA on the AAAA NODATA is no SOA: the cap is 600,
      // not the stray SOA's negative TTL.
      {.title = "StraySoaOnAaaaNodataDoesNotSetTheSynthesizedTtl",
       .query = {.name = "v4.example"},
       .upstream = {{"v4.example", type::AAAA, nodata(rr_soa("victim.test", 86400, 86400))},
                    {"v4.example", type::A, records({rr_a("v4.example", 3600, "1.2.3.4")})}},
       .answer = {"v4.example 600 AAAA 64:ff9b::102:304"},
       .cache = {{"v4.example", type::AAAA, true, cache::Kind::synth_aaaa, 600}},
       .synthesized = 1,
       .stray_soa = 1},
      // Beside the zone's own SOA a stray one is dropped; the entry is cached.
      {.title = "StraySoaBesideTheZonesSoaIsLeftOut",
       .query = {.name = "gone.example", .qtype = type::MX},
       .upstream = {{"gone.example",
                     type::MX,
                     {Answer::Kind::reply,
                      rcode::NXDOMAIN,
                      {},
                      {rr_soa("victim.test", 3600, 86400), soa_example(3600, 60)},
                      0}}},
       .rcode = rcode::NXDOMAIN,
       .cache = {{"gone.example", type::MX, true, cache::Kind::negative, 60, rcode::NXDOMAIN}},
       .stray_soa = 1,
       .authority = {"example"}},
      {.title = "SoaOwnedByTheNameItselfIsCached",
       .query = {.name = "apex.example", .qtype = type::MX},
       .upstream = {{"apex.example", type::MX, nodata(rr_soa("APEX.example", 3600, 120))}},
       .cache = {{"apex.example", type::MX, true, cache::Kind::negative, 120, rcode::NOERROR}},
       .authority = {"apex.example"}},
      // Behind a CNAME the SOA is the chain end's zone's, which need not be
      // above the question's name; the question's own zone is not above the end.
      {
          .title = "ChainToNodataInAnotherZoneKeepsThatZonesSoa",
          .query = {.name = "www.example"},
          .upstream = {{"www.example", type::AAAA,
                        nodata(rr_soa("cdn.test", 3600, 300),
                               {rr_cname("www.example", 600, "edge.cdn.test")})},
                       {"www.example", type::A,
                        nodata(rr_soa("cdn.test", 3600, 300),
                               {rr_cname("www.example", 600, "edge.cdn.test")})}},
          .answer = {"www.example 600 CNAME edge.cdn.test"},
          .cache = {{"www.example", type::AAAA, false}},
          .authority = {"cdn.test"}},
      {.title = "ChainToNxdomainInAnotherZoneKeepsThatZonesSoa",
       .query = {.name = "dangling.example", .qtype = type::MX},
       .upstream = {{"dangling.example", type::MX,
                     nxdomain(rr_soa("cdn.test", 3600, 300),
                              {rr_cname("dangling.example", 300, "gone.cdn.test")})}},
       .rcode = rcode::NXDOMAIN,
       .answer = {"dangling.example 300 CNAME gone.cdn.test"},
       .cache = {{"dangling.example", type::MX, false}},
       .authority = {"cdn.test"}},
      {.title = "ChainToNxdomainWithTheQuestionsZoneSoaLeavesItOut",
       .query = {.name = "dangling.example", .qtype = type::MX},
       .upstream = {{"dangling.example", type::MX,
                     nxdomain(soa_example(),
                              {rr_cname("dangling.example", 300, "gone.cdn.test")})}},
       .rcode = rcode::NXDOMAIN,
       .answer = {"dangling.example 300 CNAME gone.cdn.test"},
       .cache = {{"dangling.example", type::MX, false}},
       .stray_soa = 1},
      {.title = "DnameChainKeepsTheTargetZonesSoa",
       .query = {.name = "a.old.example", .qtype = type::MX},
       .upstream = {{"a.old.example", type::MX,
                     nodata(rr_soa("new.test", 3600, 300),
                            {rr_dname("old.example", 600, "new.test"),
                             rr_cname("a.old.example", 600, "a.new.test")})}},
       .answer = {"old.example 600 DNAME new.test", "a.old.example 600 CNAME a.new.test"},
       .cache = {{"a.old.example", type::MX, false}},
       .authority = {"new.test"}},
  };
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.title; }

class ReplayCase : public ::testing::TestWithParam<Case> {};

// Each case runs twice: with the A query sent only once the AAAA answer
// asks for it (the order RFC 6147 describes), and sent with the AAAA query
// ([upstream] parallel_a, the default). The client's answer and the cache
// must not differ; the parallel run may ask one A query more, which nothing
// answers when the AAAA answer made it useless.
void replay(const Case& c, bool parallel) {
  ResolverConfig config = c.config;
  config.parallel_a = parallel;
  Replay r(config);
  for (const Exchange& e : c.upstream) r.transport.on(e.name, e.qtype, e.answer, e.cd);
  const std::uint64_t client = r.submit(c.query);
  r.run();

  // Upstream: exactly the scripted queries, in order, with DO and CD only
  // for a validating client.
  const bool validating = c.query.do_bit && c.query.cd;
  // In parallel, the A query leaves second; where no A query was scripted
  // it is one more, held unanswered.
  std::vector<Exchange> expected = c.upstream;
  std::vector<Sent>& sent = r.transport.sent;
  std::size_t held = 0;
  if (parallel && sent.size() >= 2 && sent[0].qtype == type::AAAA && sent[1].qtype == type::A &&
      sent[1].name == sent[0].name) {
    const auto a = std::find_if(expected.begin() + 1, expected.end(), [&](const Exchange& e) {
      return e.qtype == type::A && lower(e.name) == sent[0].name && !e.cd;
    });
    if (a != expected.end()) {
      const Exchange moved = *a;
      expected.erase(a);
      expected.insert(expected.begin() + 1, moved);
    } else {
      held = r.transport.held_count();
      sent.erase(sent.begin() + 1);
    }
  }
  EXPECT_LE(held, 1u);
  ASSERT_EQ(sent.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const Sent& s = sent[i];
    EXPECT_EQ(s.name, lower(expected[i].name)) << "query " << i;
    EXPECT_EQ(s.qtype, expected[i].qtype) << "query " << i;
    EXPECT_EQ(s.qclass, dns::cls::IN);
    EXPECT_TRUE(s.do_bit) << "query " << i;  // always: the cache keeps signatures
    EXPECT_EQ(s.cd, validating || expected[i].cd) << "query " << i;
  }
  EXPECT_EQ(r.transport.held_count(), held);

  // The client: its ID and question back, the rcode and the records.
  const Reply reply = r.reply_for(client);
  EXPECT_TRUE(reply.m.header.qr());
  EXPECT_EQ(reply.m.header.id, c.query.id);
  EXPECT_EQ(reply.question, dns::to_text(test::wire(c.query.name)));
  EXPECT_EQ(reply.m.question.qtype, c.query.qtype);
  EXPECT_EQ(reply.m.header.rcode(), c.rcode);
  EXPECT_EQ(reply.answer, c.answer);
  EXPECT_EQ(reply.m.header.flags & c.flag_mask, c.flags);
  EXPECT_TRUE(reply.m.header.rd());  // as the client sent it
  EXPECT_EQ(reply.m.header.cd(), c.query.cd);
  EXPECT_TRUE(reply.m.header.flags & dns::flag::RA);
  EXPECT_EQ(reply.m.opt.present, c.query.edns >= 0);
  EXPECT_EQ(ede_of(reply.m), c.ede);
  EXPECT_LE(reply.size, 512u);
  EXPECT_EQ(r.count(ResolverCounter::answered), 1u);
  EXPECT_EQ(r.count(ResolverCounter::synthesized), c.synthesized);
  EXPECT_EQ(r.count(ResolverCounter::stray_soa), c.stray_soa);
  std::vector<std::string> owners;
  for (const std::string& rr : reply.authority) owners.push_back(rr.substr(0, rr.find(' ')));
  if (!c.authority.empty() || c.stray_soa > 0) {
    // A SOA of another zone never reaches the client.
    EXPECT_EQ(owners, c.authority);
  } else if (c.answer.empty() && c.rcode != rcode::SERVFAIL) {
    // A negative answer names its zone's SOA.
    ASSERT_EQ(reply.authority.size(), 1u);
    EXPECT_NE(reply.authority[0].find(" SOA "), std::string::npos) << reply.authority[0];
  }

  for (const CacheCheck& k : c.cache) {
    const cache::LookupResult l = r.lookup(k.name, k.key_type);
    ASSERT_EQ(l.status == cache::LookupStatus::hit, k.hit) << k.name << " " << k.key_type;
    if (!k.hit) continue;
    EXPECT_EQ(l.view.kind(), k.kind) << k.name;
    EXPECT_EQ(l.view.ttl(), k.ttl) << k.name;
    if (k.kind == cache::Kind::negative) {
      EXPECT_EQ(l.view.rcode(), k.rcode) << k.name;
    }
  }
  EXPECT_EQ(r.resolver.pending(), 0u);
  EXPECT_EQ(r.resolver.waiting(), 0u);
}

TEST_P(ReplayCase, Replays) {
  {
    SCOPED_TRACE("the A query after the AAAA answer");
    replay(GetParam(), false);
  }
  {
    SCOPED_TRACE("the A query with the AAAA query");
    replay(GetParam(), true);
  }
}

INSTANTIATE_TEST_SUITE_P(Rfc6147, ReplayCase, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return i.param.title; });

// ---- focused replays ----

TEST(Resolver, CoalescesClientsOfOneNameAcrossViewsOfOnePolicy) {
  Replay r;
  r.transport.on("v4.example", type::AAAA, nodata(soa_example()));
  r.transport.on("v4.example", type::A, records({rr_a("v4.example", 300, "1.2.3.4")}));
  std::vector<std::uint64_t> clients;
  for (std::uint16_t i = 0; i < 5; ++i) {
    clients.push_back(r.submit({.name = "v4.example",
                                .client = i % 2 == 0 ? "2001:db8:ffff::1" : nsp_client,
                                .id = static_cast<std::uint16_t>(100 + i)}));
  }
  EXPECT_EQ(r.resolver.pending(), 1u);
  EXPECT_EQ(r.resolver.waiting(), 5u);
  r.run();
  ASSERT_EQ(r.transport.sent.size(), 2u);  // one AAAA, one A
  EXPECT_EQ(r.count(ResolverCounter::lookups), 1u);
  EXPECT_EQ(r.count(ResolverCounter::coalesced), 4u);
  EXPECT_EQ(r.count(ResolverCounter::answered), 5u);
  ASSERT_EQ(r.requester.replies.size(), 5u);
  for (std::uint16_t i = 0; i < 5; ++i) {
    const Reply reply = r.reply_for(clients[i]);
    EXPECT_EQ(reply.m.header.id, 100 + i);
    EXPECT_EQ(reply.answer, std::vector<std::string>{
                                i % 2 == 0 ? "v4.example 300 AAAA 64:ff9b::102:304"
                                           : "v4.example 300 AAAA 2001:db8:122:344:1:203:400:0"});
  }
  EXPECT_EQ(r.resolver.waiting(), 0u);
  EXPECT_EQ(r.resolver.pending(), 0u);
}

TEST(Resolver, PoliciesAndValidatingClientsHaveLookupsOfTheirOwn) {
  Replay r;
  r.transport.on("dual.example", type::AAAA,
                 records({rr_aaaa("dual.example", 300, "2001:db8::6")}));
  r.transport.on("dual.example", type::A, records({rr_a("dual.example", 300, "1.2.3.4")}));
  const auto normal = r.submit({.name = "dual.example"});
  const auto normal2 = r.submit({.name = "dual.example", .id = 2});
  const auto always = r.submit({.name = "dual.example", .client = always_client});
  const auto validating =
      r.submit({.name = "dual.example", .edns = 1232, .do_bit = true, .cd = true});
  EXPECT_EQ(r.resolver.pending(), 3u);
  r.run();
  EXPECT_EQ(r.count(ResolverCounter::lookups), 3u);
  EXPECT_EQ(r.count(ResolverCounter::coalesced), 1u);
  // Normal: AAAA, and A with it. Ignore-AAAA policy: straight to A.
  // Validating: AAAA with DO+CD.
  int aaaa_plain = 0, aaaa_validating = 0, a = 0;
  for (const Sent& s : r.transport.sent) {
    if (s.qtype == type::A) ++a;
    if (s.qtype == type::AAAA) ++(s.cd ? aaaa_validating : aaaa_plain);
  }
  EXPECT_EQ(aaaa_plain, 1);
  EXPECT_EQ(aaaa_validating, 1);
  EXPECT_EQ(a, 2);
  EXPECT_EQ(r.count(ResolverCounter::parallel_a), 1u);
  const std::vector<std::string> real{"dual.example 300 AAAA 2001:db8::6"};
  EXPECT_EQ(r.reply_for(normal).answer, real);
  EXPECT_EQ(r.reply_for(normal2).answer, real);
  EXPECT_EQ(r.reply_for(validating).answer, real);
  EXPECT_EQ(r.reply_for(always).answer,
            std::vector<std::string>{"dual.example 300 AAAA 64:ff9b::102:304"});
  // Each policy's entry under its own key type.
  const int always_policy = r.snap.views.view(2).aaaa_policy;
  ASSERT_NE(always_policy, 0);
  EXPECT_EQ(r.lookup("dual.example", type::AAAA).view.kind(), cache::Kind::rrset);
  EXPECT_EQ(
      r.lookup("dual.example", respond::aaaa_key_type(static_cast<std::size_t>(always_policy)))
          .view.kind(),
      cache::Kind::synth_aaaa);
}

TEST(Resolver, ServesStaleWhenTheUpstreamFails) {
  for (const Answer& failure : {timeout(), error_rcode(rcode::SERVFAIL)}) {
    ResolverConfig config;
    config.serve_stale = true;
    Replay r(config);
    r.transport.on("stale.example", type::A, records({rr_a("stale.example", 10, "1.2.3.4")}));
    r.submit({.name = "stale.example", .qtype = type::A});
    r.run();
    ASSERT_EQ(r.lookup("stale.example", type::A).status, cache::LookupStatus::hit);

    r.now += 20'000;  // expired ten seconds ago
    EXPECT_EQ(r.lookup("stale.example", type::A).status, cache::LookupStatus::expired);
    r.transport.on("stale.example", type::A, failure);
    const auto late = r.submit({.name = "stale.example", .qtype = type::A});
    r.run();
    EXPECT_EQ(r.transport.sent.size(), 2u);
    const Reply reply = r.reply_for(late);
    EXPECT_EQ(reply.m.header.rcode(), rcode::NOERROR);
    EXPECT_EQ(reply.answer, std::vector<std::string>{"stale.example 30 A 1.2.3.4"});  // RFC 8767
    EXPECT_EQ(r.count(ResolverCounter::stale), 1u);
    EXPECT_EQ(r.count(ResolverCounter::servfail), 0u);
  }
}

TEST(Resolver, StaleIsNotServedWhenTheUpstreamAnswers) {
  ResolverConfig config;
  config.serve_stale = true;
  Replay r(config);
  r.transport.on("stale.example", type::A, records({rr_a("stale.example", 10, "1.2.3.4")}));
  r.submit({.name = "stale.example", .qtype = type::A});
  r.run();
  r.now += 20'000;
  r.transport.on("stale.example", type::A, nxdomain(soa_example(3600, 60)));
  const auto late = r.submit({.name = "stale.example", .qtype = type::A});
  r.run();
  const Reply reply = r.reply_for(late);
  EXPECT_EQ(reply.m.header.rcode(), rcode::NXDOMAIN);
  EXPECT_TRUE(reply.answer.empty());
  EXPECT_EQ(r.count(ResolverCounter::stale), 0u);
}

TEST(Resolver, WithoutServeStaleAnExpiredEntryGivesServfail) {
  Replay r;
  r.transport.on("stale.example", type::A, records({rr_a("stale.example", 10, "1.2.3.4")}));
  r.submit({.name = "stale.example", .qtype = type::A});
  r.run();
  r.now += 20'000;
  r.transport.on("stale.example", type::A, timeout());
  const auto late = r.submit({.name = "stale.example", .qtype = type::A});
  r.run();
  EXPECT_EQ(r.reply_for(late).m.header.rcode(), rcode::SERVFAIL);
  EXPECT_EQ(r.count(ResolverCounter::stale), 0u);
  EXPECT_EQ(r.count(ResolverCounter::servfail), 1u);
}

TEST(Resolver, StaleSynthesisWhenBothQueriesFail) {
  ResolverConfig config;
  config.serve_stale = true;
  Replay r(config);
  r.transport.on("v4.example", type::AAAA, nodata(soa_example()));
  r.transport.on("v4.example", type::A, records({rr_a("v4.example", 10, "1.2.3.4")}));
  r.submit({.name = "v4.example"});
  r.run();
  r.now += 20'000;
  r.transport.on("v4.example", type::AAAA, timeout());
  r.transport.on("v4.example", type::A, timeout());
  const auto late = r.submit({.name = "v4.example"});
  r.run();
  EXPECT_EQ(r.reply_for(late).answer,
            std::vector<std::string>{"v4.example 30 AAAA 64:ff9b::102:304"});
  EXPECT_EQ(r.count(ResolverCounter::stale), 1u);
}

TEST(Resolver, RefreshAsksOnceAndReplacesTheEntry) {
  Replay r;
  r.transport.on("r.example", type::A, records({rr_a("r.example", 100, "1.2.3.4")}));
  r.submit({.name = "r.example", .qtype = type::A});
  r.run();
  ASSERT_EQ(r.requester.replies.size(), 1u);
  r.now += 95'000;  // five seconds left
  ASSERT_EQ(r.lookup("r.example", type::A).view.ttl(), 5u);

  r.transport.on("r.example", type::A, held());
  const Octets name = test::wire("r.example");
  ASSERT_TRUE(r.resolver.refresh(name, type::A, dns::cls::IN, r.snap));
  EXPECT_FALSE(r.resolver.refresh(name, type::A, dns::cls::IN, r.snap));  // in flight already
  EXPECT_EQ(r.resolver.pending(), 1u);
  r.run();
  ASSERT_TRUE(
      r.transport.release("r.example", type::A, records({rr_a("r.example", 200, "5.6.7.8")})));
  r.run();
  EXPECT_EQ(r.transport.sent.size(), 2u);
  EXPECT_EQ(r.requester.replies.size(), 1u);  // nobody waited
  EXPECT_EQ(r.count(ResolverCounter::refreshes), 1u);
  EXPECT_EQ(r.resolver.pending(), 0u);
  const cache::LookupResult l = r.lookup("r.example", type::A);
  ASSERT_EQ(l.status, cache::LookupStatus::hit);
  EXPECT_EQ(l.view.ttl(), 200u);
  // The worker now answers the new address from the cache.
  test::Packet q = test::query("r.example", type::A);
  Octets buf = q.bytes;
  buf.resize(512);
  respond::Client client;
  client.is_v6 = true;
  client.v6 = *dns64::parse_v6("2001:db8:ffff::1");
  const respond::Result res = respond::respond(
      buf, q.size(), client, {&r.snap.views, &r.cache, r.reader, r.now, r.snap.edns_udp_size});
  ASSERT_TRUE(respond::is_answer(res.outcome));
  buf.resize(res.reply_len);
  EXPECT_EQ(parse_reply(buf).answer, std::vector<std::string>{"r.example 200 A 5.6.7.8"});
}

TEST(Resolver, RefreshOfAnAaaaEntryDecidesSynthesisAgain) {
  Replay r;
  r.transport.on("v4.example", type::AAAA, nodata(soa_example()));
  r.transport.on("v4.example", type::A, records({rr_a("v4.example", 300, "1.2.3.4")}));
  ASSERT_TRUE(r.resolver.refresh(test::wire("v4.example"), type::AAAA, dns::cls::IN, r.snap));
  r.run();
  ASSERT_EQ(r.transport.sent.size(), 2u);
  EXPECT_EQ(r.transport.sent[0].qtype, type::AAAA);
  EXPECT_EQ(r.transport.sent[1].qtype, type::A);
  EXPECT_TRUE(r.requester.replies.empty());
  EXPECT_EQ(r.lookup("v4.example", type::AAAA).view.kind(), cache::Kind::synth_aaaa);
}

TEST(Resolver, RefreshWhileAClientsLookupIsInFlightIsRefused) {
  Replay r;
  r.transport.on("busy.example", type::A, held());
  const auto client = r.submit({.name = "busy.example", .qtype = type::A});
  EXPECT_FALSE(r.resolver.refresh(test::wire("busy.example"), type::A, dns::cls::IN, r.snap));
  EXPECT_EQ(r.transport.sent.size(), 1u);
  EXPECT_EQ(r.count(ResolverCounter::refreshes), 0u);
  ASSERT_TRUE(r.transport.release("busy.example", type::A,
                                  records({rr_a("busy.example", 300, "1.2.3.4")})));
  r.run();
  EXPECT_EQ(r.reply_for(client).answer, std::vector<std::string>{"busy.example 300 A 1.2.3.4"});
}

TEST(Resolver, ClientJoinsARefreshInFlight) {
  Replay r;
  r.transport.on("j.example", type::A, held());
  ASSERT_TRUE(r.resolver.refresh(test::wire("j.example"), type::A, dns::cls::IN, r.snap));
  const auto client = r.submit({.name = "j.example", .qtype = type::A});
  EXPECT_EQ(r.count(ResolverCounter::coalesced), 1u);
  ASSERT_TRUE(
      r.transport.release("j.example", type::A, records({rr_a("j.example", 300, "1.2.3.4")})));
  r.run();
  EXPECT_EQ(r.transport.sent.size(), 1u);
  EXPECT_EQ(r.reply_for(client).answer, std::vector<std::string>{"j.example 300 A 1.2.3.4"});
}

// ---- budgets ----

struct Budget {
  const char* title;
  ResolverConfig config;
  ResolverCounter counter;
  bool same_name;  // the clients ask one name (waiters) or one each (pending, waiting)
};

void PrintTo(const Budget& b, std::ostream* os) { *os << b.title; }

class OverBudget : public ::testing::TestWithParam<std::tuple<Budget, OverLimit>> {};

TEST_P(OverBudget, ShedsTheClientBeyondItAndFreesItAfterwards) {
  Budget b = std::get<0>(GetParam());
  b.config.over_limit = std::get<1>(GetParam());
  Replay r(b.config);
  auto name = [&](int i) {
    return b.same_name ? std::string("b.example") : "b" + std::to_string(i) + ".example";
  };
  // Two clients fit, the third does not.
  r.submit({.name = name(0), .qtype = type::A});
  r.submit({.name = name(1), .qtype = type::A, .id = 2});
  EXPECT_EQ(r.resolver.waiting(), 2u);
  EXPECT_TRUE(r.requester.replies.empty());
  const auto shed = r.submit({.name = name(2), .qtype = type::A, .id = 3});
  EXPECT_EQ(r.count(b.counter), 1u);
  EXPECT_EQ(r.resolver.waiting(), 2u);
  ASSERT_EQ(r.requester.replies.size(), 1u);
  EXPECT_EQ(r.requester.replies[0].to.stream, shed);
  if (b.config.over_limit == OverLimit::drop) {
    EXPECT_TRUE(r.requester.replies[0].bytes.empty());
  } else {
    const Reply reply = parse_reply(r.requester.replies[0].bytes);
    EXPECT_EQ(reply.m.header.rcode(), rcode::SERVFAIL);
    EXPECT_EQ(reply.m.header.id, 3);
    EXPECT_EQ(reply.question, name(2));
    EXPECT_EQ(r.count(ResolverCounter::servfail), 1u);
  }
  // The lookups complete: the budget is whole again.
  for (int i = 0; i < (b.same_name ? 1 : 2); ++i) {
    ASSERT_TRUE(r.transport.release(name(i), type::A, records({rr_a(name(i), 300, "1.2.3.4")})));
  }
  r.run();
  EXPECT_EQ(r.requester.replies.size(), 3u);
  EXPECT_EQ(r.resolver.waiting(), 0u);
  EXPECT_EQ(r.resolver.pending(), 0u);
  r.submit({.name = "c1.example", .qtype = type::A});
  r.submit({.name = "c2.example", .qtype = type::A});
  EXPECT_EQ(r.resolver.waiting(), 2u);
  EXPECT_EQ(r.count(b.counter), 1u);
}

ResolverConfig limits(std::size_t waiting, std::size_t pending, std::size_t waiters,
                      std::size_t per_prefix = 1024) {
  ResolverConfig c;
  c.max_waiting = waiting;
  c.max_pending = pending;
  c.max_waiters = waiters;
  c.max_waiting_per_prefix = per_prefix;
  return c;
}

INSTANTIATE_TEST_SUITE_P(
    Budgets, OverBudget,
    ::testing::Combine(
        ::testing::Values(
            Budget{"MaxWaiting", limits(2, 8, 8), ResolverCounter::shed_waiting, false},
            Budget{"MaxPending", limits(8, 2, 8), ResolverCounter::shed_pending, false},
            Budget{"MaxWaiters", limits(8, 8, 2), ResolverCounter::shed_waiters, true},
            Budget{"MaxWaitingPerPrefix", limits(8, 8, 8, 2), ResolverCounter::shed_prefix, false}),
        ::testing::Values(OverLimit::servfail, OverLimit::drop)),
    [](const auto& i) {
      return std::string(std::get<0>(i.param).title) +
             (std::get<1>(i.param) == OverLimit::drop ? "Drop" : "Servfail");
    });

// A flood of misses from one prefix takes only its share: clients of the
// same /56 (IPv6) or /24 (IPv4) beyond it are shed, other prefixes are not.
TEST(Resolver, OnePrefixCannotTakeTheWholeWaitingBudget) {
  Replay r(limits(64, 64, 8, 3));
  for (int i = 0; i < 5; ++i) {
    const std::string client = "2001:db8:ffff:" + std::to_string(10 + i) + "::1";  // one /56
    r.submit({.name = "w" + std::to_string(i) + ".example", .qtype = type::A, .client = client});
  }
  EXPECT_EQ(r.count(ResolverCounter::shed_prefix), 2u);
  for (int i = 0; i < 4; ++i) {
    const std::string client = "198.51.100." + std::to_string(1 + i);  // one /24
    r.submit({.name = "v" + std::to_string(i) + ".example", .qtype = type::A, .client = client});
  }
  EXPECT_EQ(r.count(ResolverCounter::shed_prefix), 3u);
  // Another /56 and another /24 still get in.
  r.submit({.name = "x.example", .qtype = type::A, .client = "2001:db8:ffff:100::1"});
  r.submit({.name = "y.example", .qtype = type::A, .client = "198.51.101.1"});
  EXPECT_EQ(r.count(ResolverCounter::shed_prefix), 3u);
  EXPECT_EQ(r.resolver.waiting(), 8u);
  // Answered, the prefixes' shares are free again.
  for (const char* n : {"w0", "w1", "w2", "v0", "v1", "v2", "x", "y"}) {
    const std::string name = std::string(n) + ".example";
    ASSERT_TRUE(r.transport.release(name, type::A, records({rr_a(name, 300, "1.2.3.4")}))) << n;
  }
  r.run();
  EXPECT_EQ(r.resolver.waiting(), 0u);
  r.submit({.name = "z.example", .qtype = type::A, .client = "2001:db8:ffff:10::1"});
  EXPECT_EQ(r.resolver.waiting(), 1u);
  EXPECT_EQ(r.count(ResolverCounter::shed_prefix), 3u);
}

// A burst of upstream answers is finished a bounded number per step.
TEST(Resolver, CompletionsAreFinishedWithinABudgetPerStep) {
  ResolverConfig c;
  c.max_completions_per_step = 2;
  Replay r(c);
  for (int i = 0; i < 5; ++i) {
    const std::string name = "s" + std::to_string(i) + ".example";
    r.transport.on(name, type::A, held());
    r.submit({.name = name, .qtype = type::A});
  }
  for (int i = 0; i < 5; ++i) {
    const std::string name = "s" + std::to_string(i) + ".example";
    ASSERT_TRUE(r.transport.release(name, type::A, records({rr_a(name, 300, "1.2.3.4")})));
  }
  r.resolver.step();
  EXPECT_EQ(r.requester.replies.size(), 2u);
  r.resolver.step();
  EXPECT_EQ(r.requester.replies.size(), 4u);
  r.resolver.step();
  EXPECT_EQ(r.requester.replies.size(), 5u);
  EXPECT_EQ(r.resolver.pending(), 0u);
}

// ---- sizes ----

Answer big_txt(const std::string& name) {
  std::vector<Rr> rrs;
  for (char c = 'a'; c < 'e'; ++c) rrs.push_back(rr_txt(name, 300, std::string(200, c)));
  return records(rrs);
}

TEST(Resolver, StreamClientGetsTheWholeAnswerDatagramClientGetsTc) {
  Replay r;
  r.transport.on("big.example", type::TXT, big_txt("big.example"));
  const auto stream =
      r.submit({.name = "big.example", .qtype = type::TXT, .kind = ReplyTo::Kind::stream});
  const auto plain = r.submit({.name = "big.example", .qtype = type::TXT, .id = 2});
  const auto edns = r.submit({.name = "big.example", .qtype = type::TXT, .edns = 1232, .id = 3});
  r.run();
  EXPECT_EQ(r.transport.sent.size(), 1u);

  const Reply s = r.reply_for(stream);
  EXPECT_GT(s.size, 512u);
  EXPECT_FALSE(s.m.header.tc());
  EXPECT_EQ(s.answer.size(), 4u);

  const Reply p = r.reply_for(plain);
  EXPECT_LE(p.size, 512u);
  EXPECT_TRUE(p.m.header.tc());

  const Reply e = r.reply_for(edns);
  EXPECT_GT(e.size, 512u);
  EXPECT_LE(e.size, 1232u);
  EXPECT_FALSE(e.m.header.tc());
  EXPECT_EQ(e.answer.size(), 4u);
}

TEST(Resolver, RelayedAnswerThatDoesNotFitIsTruncated) {
  // A validating client's answer is relayed, never cached: the relay path
  // must honour the client's size too.
  Replay r;
  r.transport.on("big.example", type::TXT, big_txt("big.example"));
  const auto small = r.submit(
      {.name = "big.example", .qtype = type::TXT, .edns = 512, .do_bit = true, .cd = true});
  const auto stream = r.submit({.name = "big.example",
                                .qtype = type::TXT,
                                .edns = 512,
                                .do_bit = true,
                                .cd = true,
                                .id = 2,
                                .kind = ReplyTo::Kind::stream});
  r.run();
  const Reply p = r.reply_for(small);
  EXPECT_LE(p.size, 512u);
  EXPECT_TRUE(p.m.header.tc());
  EXPECT_TRUE(p.m.opt.present);
  const Reply s = r.reply_for(stream);
  EXPECT_GT(s.size, 512u);
  EXPECT_FALSE(s.m.header.tc());
  EXPECT_EQ(s.answer.size(), 4u);
  EXPECT_EQ(r.lookup("big.example", type::TXT).status, cache::LookupStatus::miss);
}

TEST(Resolver, TransportThatCannotStartGivesServfail) {
  Replay r;
  r.transport.refuse = true;
  const auto client = r.submit({.name = "v4.example", .qtype = type::A});
  r.run();
  EXPECT_EQ(r.reply_for(client).m.header.rcode(), rcode::SERVFAIL);
  EXPECT_EQ(r.count(ResolverCounter::upstream_queries), 0u);
  EXPECT_EQ(r.resolver.pending(), 0u);
}

TEST(Resolver, CompletionOfAFinishedLookupIsIgnored) {
  // One pending slot, so the second lookup reuses the first one's: the
  // first lookup's late answer must not finish the second.
  Replay r(limits(8, 1, 8));
  r.transport.on("one.example", type::A, records({rr_a("one.example", 300, "1.1.1.1")}));
  r.transport.on("two.example", type::A, held());
  r.submit({.name = "one.example", .qtype = type::A});
  r.run();
  ASSERT_EQ(r.requester.replies.size(), 1u);
  const auto second = r.submit({.name = "two.example", .qtype = type::A});
  ASSERT_EQ(r.transport.sent.size(), 2u);
  EXPECT_EQ(r.transport.sent[0].cookie & 0xffffffffu, r.transport.sent[1].cookie & 0xffffffffu);
  r.transport.answer_again(r.transport.sent[0], records({rr_a("one.example", 300, "9.9.9.9")}));
  r.run();
  EXPECT_EQ(r.requester.replies.size(), 1u);  // nothing for the second yet
  EXPECT_EQ(r.resolver.pending(), 1u);
  ASSERT_TRUE(
      r.transport.release("two.example", type::A, records({rr_a("two.example", 300, "2.2.2.2")})));
  r.run();
  EXPECT_EQ(r.reply_for(second).answer, std::vector<std::string>{"two.example 300 A 2.2.2.2"});
  EXPECT_EQ(r.lookup("one.example", type::A).view.kind(), cache::Kind::rrset);
}

// ---- the A query with the AAAA query, and the client's deadline ----

bool answered(const Replay& r, std::uint64_t t) {
  for (const Delivered& d : r.requester.replies) {
    if (d.to.stream == t) return true;
  }
  return false;
}

TEST(Deadline, AStallingAaaaQueryIsSynthesizedFromTheAAnswerAtTheDeadline) {
  ResolverConfig config;
  config.client_deadline_ms = 1500;
  Replay r(config);
  r.transport.on("stall.example", type::AAAA, held());
  r.transport.on("stall.example", type::A, records({rr_a("stall.example", 300, "1.2.3.4")}));
  const auto first = r.submit({.name = "stall.example"});
  r.run();
  r.now += 1000;
  const auto second = r.submit({.name = "stall.example", .id = 2});  // joins: the first's deadline
  r.run();
  EXPECT_FALSE(answered(r, first));
  EXPECT_EQ(r.count(ResolverCounter::parallel_a), 1u);
  r.now += 499;
  r.run();
  EXPECT_FALSE(answered(r, first));
  r.now += 1;
  r.run();
  // §5.1.2-3: the AAAA query "timed out", so the A answer is synthesized,
  // for no longer than failure_ttl: the stall, not the name, decided it.
  const std::vector<std::string> want{"stall.example 30 AAAA 64:ff9b::102:304"};
  EXPECT_EQ(r.reply_for(first).answer, want);
  EXPECT_EQ(r.reply_for(second).answer, want);
  EXPECT_EQ(r.count(ResolverCounter::deadline), 1u);
  EXPECT_EQ(r.resolver.pending(), 0u);
  EXPECT_EQ(r.resolver.waiting(), 0u);
  EXPECT_EQ(r.lookup("stall.example", type::AAAA).view.ttl(), 30u);
  // The AAAA answer that comes after all finds its lookup gone.
  EXPECT_TRUE(r.transport.release("stall.example", type::AAAA, nodata(soa_example())));
  r.run();
  EXPECT_EQ(r.requester.replies.size(), 2u);
}

TEST(Deadline, AnAAnswerBeforeTheAaaaAnswerWaitsForIt) {
  Replay r;
  r.transport.on("slow.example", type::AAAA, held());
  r.transport.on("slow.example", type::A, records({rr_a("slow.example", 300, "1.2.3.4")}));
  const auto client = r.submit({.name = "slow.example"});
  r.run();
  r.now += 700;
  EXPECT_FALSE(answered(r, client));
  // An empty AAAA answer: synthesized from the A answer kept, with §5.1.7's TTL.
  EXPECT_TRUE(r.transport.release("slow.example", type::AAAA, nodata(soa_example(3600, 120))));
  r.run();
  EXPECT_EQ(r.reply_for(client).answer,
            std::vector<std::string>{"slow.example 120 AAAA 64:ff9b::102:304"});
  EXPECT_EQ(r.count(ResolverCounter::deadline), 0u);
  EXPECT_EQ(r.count(ResolverCounter::upstream_queries), 2u);
}

TEST(Deadline, RealAaaaRecordsMakeTheEarlyAAnswerUseless) {
  Replay r;
  r.transport.on("dual.example", type::AAAA, held());
  r.transport.on("dual.example", type::A, records({rr_a("dual.example", 300, "1.2.3.4")}));
  const auto client = r.submit({.name = "dual.example"});
  r.run();
  EXPECT_TRUE(r.transport.release("dual.example", type::AAAA,
                                  records({rr_aaaa("dual.example", 300, "2001:db8::6")})));
  r.run();
  EXPECT_EQ(r.reply_for(client).answer,
            std::vector<std::string>{"dual.example 300 AAAA 2001:db8::6"});
  EXPECT_EQ(r.count(ResolverCounter::synthesized), 0u);
  EXPECT_EQ(r.lookup("dual.example", type::AAAA).view.kind(), cache::Kind::rrset);
}

TEST(Deadline, BothQueriesStallingGiveServfailAtTheDeadline) {
  Replay r;  // the default deadline, 2 s
  r.transport.on("dead.example", type::AAAA, held());
  r.transport.on("dead.example", type::A, held());
  r.transport.on("dead.example", type::TXT, held());
  const auto aaaa = r.submit({.name = "dead.example"});
  const auto txt = r.submit({.name = "dead.example", .qtype = type::TXT});
  r.now += 1999;
  r.run();
  EXPECT_FALSE(answered(r, aaaa));
  EXPECT_FALSE(answered(r, txt));
  r.now += 1;
  r.run();
  EXPECT_EQ(r.reply_for(aaaa).m.header.rcode(), rcode::SERVFAIL);
  EXPECT_EQ(r.reply_for(txt).m.header.rcode(), rcode::SERVFAIL);
  EXPECT_EQ(r.count(ResolverCounter::deadline), 2u);
  EXPECT_EQ(r.resolver.pending(), 0u);
}

TEST(Deadline, DuringTheCdRetryItIsServfailNeverSynthesis) {
  Replay r;
  r.transport.on("bogus.example", type::AAAA, error_rcode(rcode::SERVFAIL));
  r.transport.on("bogus.example", type::AAAA, held(), true);  // the CD retry stalls
  r.transport.on("bogus.example", type::A, records({rr_a("bogus.example", 300, "1.2.3.4")}));
  const auto client = r.submit({.name = "bogus.example"});
  r.run();
  EXPECT_EQ(r.count(ResolverCounter::cd_retries), 1u);
  EXPECT_FALSE(answered(r, client));
  r.now += 2000;
  r.run();
  EXPECT_EQ(r.reply_for(client).m.header.rcode(), rcode::SERVFAIL);
  EXPECT_EQ(r.count(ResolverCounter::synthesized), 0u);
  EXPECT_NE(r.lookup("bogus.example", type::AAAA).status, cache::LookupStatus::hit);
}

TEST(Deadline, NoQueryIsAskedWhenItPasses) {
  ResolverConfig config;
  config.parallel_a = false;
  Replay r(config);
  r.transport.on("stall.example", type::AAAA, held());
  r.transport.on("stall.example", type::A, records({rr_a("stall.example", 300, "1.2.3.4")}));
  const auto client = r.submit({.name = "stall.example"});
  r.now += 2000;
  r.run();
  // Nothing about A is known: SERVFAIL, without an A query sent to no one's use.
  EXPECT_EQ(r.reply_for(client).m.header.rcode(), rcode::SERVFAIL);
  EXPECT_EQ(r.count(ResolverCounter::upstream_queries), 1u);
}

TEST(Ede, OnlyASERVFAILCarriesIt) {
  Replay r;
  // The AAAA query fails with an EDE, the A answer is an empty NODATA
  // without SOA: the client's NOERROR says nothing of the AAAA failure.
  r.transport.on("nosoa.example", type::AAAA,
                 {Answer::Kind::reply, rcode::SERVFAIL, {}, {}, 0, 22});
  r.transport.on("nosoa.example", type::A, records({}));
  const auto client = r.submit({.name = "nosoa.example", .edns = 1232});
  r.run();
  const Reply reply = r.reply_for(client);
  EXPECT_EQ(reply.m.header.rcode(), rcode::NOERROR);
  EXPECT_TRUE(reply.m.opt.present);
  EXPECT_EQ(ede_of(reply.m), -1);
}

TEST(Deadline, ZeroLeavesItToTheUpstreamAttempts) {
  ResolverConfig config;
  config.client_deadline_ms = 0;
  config.parallel_a = false;
  Replay r(config);
  r.transport.on("wait.example", type::AAAA, held());
  const auto client = r.submit({.name = "wait.example"});
  r.now += 60'000;
  r.run();
  EXPECT_FALSE(answered(r, client));
  EXPECT_EQ(r.count(ResolverCounter::parallel_a), 0u);
  EXPECT_EQ(r.count(ResolverCounter::upstream_queries), 1u);
  EXPECT_TRUE(r.transport.release("wait.example", type::AAAA, nodata(soa_example())));
  r.run();
  EXPECT_EQ(r.count(ResolverCounter::upstream_queries), 2u);  // the A query, now
}

// ---- AD from a trusted upstream ----

TEST(TrustAd, EntriesAreMarkedValidatedOnlyWhenTrustedAndEverythingValidated) {
  struct Row {
    bool trust, aaaa_ad, a_ad, want;
  };
  for (const Row& row : {Row{true, true, true, true}, Row{true, true, false, false},
                         Row{true, false, true, false}, Row{false, true, true, false}}) {
    ResolverConfig config;
    config.trust_ad = row.trust;
    Replay r(config);
    r.transport.on("v4.example", type::AAAA,
                   nodata(soa_example(), {}, row.aaaa_ad ? dns::flag::AD : 0));
    r.transport.on("v4.example", type::A,
                   records({rr_a("v4.example", 300, "1.2.3.4")}, row.a_ad ? dns::flag::AD : 0));
    r.transport.on("txt.example", type::TXT,
                   records({rr_txt("txt.example", 300, "x")}, row.aaaa_ad ? dns::flag::AD : 0));
    r.submit({.name = "v4.example"});
    r.submit({.name = "txt.example", .qtype = type::TXT});
    r.run();
    const cache::LookupResult synth = r.lookup("v4.example", type::AAAA);
    ASSERT_EQ(synth.view.kind(), cache::Kind::synth_aaaa);
    EXPECT_EQ(synth.view.validated(), row.want)
        << row.trust << row.aaaa_ad << row.a_ad;
    const cache::LookupResult txt = r.lookup("txt.example", type::TXT);
    ASSERT_EQ(txt.view.kind(), cache::Kind::rrset);
    EXPECT_EQ(txt.view.validated(), row.trust && row.aaaa_ad);
  }
}

}  // namespace
}  // namespace dns64d::control
