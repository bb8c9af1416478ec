// Whole-dataplane throughput: prebuilt query frames through the real worker
// code (worker_poll on a net_ring port), one core, cache hits only.
//
//   dataplane_bench [--names N] [--packets N] [--mix aaaa,ptr,a] [--zipf S] [--offload]
//                   [--rrl] [--cookies] [-- EAL args]
//
// --rrl turns response rate limiting on at a rate nothing reaches, so the
// difference is the cost of the check on every answer. --cookies has every
// query carry a client cookie (RFC 7873) and every reply a server cookie:
// one SipHash-2-4 per query.
//
// Prints Mpps, ns and cycles per packet per mix. Only the time inside
// worker_poll counts; refilling the RX ring with the next queries and
// checking every reply (a wrong one fails the run) do not.
// For instruction counts:
//   valgrind --tool=callgrind --toggle-collect='*worker_poll*' build/release/bench/dataplane_bench
//   --packets 200000
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dataplane/cache/cache.hpp"
#include "dataplane/dns/name.hpp"
#include "dataplane/dns/reader.hpp"
#include "dataplane/dns64/ptr.hpp"
#include "dataplane/port.hpp"
#include "dataplane/respond/respond.hpp"
#include "dataplane/worker.hpp"

namespace {

using namespace dns64d;

struct Options {
  std::size_t names = 1'000'000;
  std::size_t packets = 20'000'000;
  double zipf = 0.9;
  std::vector<std::string> mixes{"aaaa", "ptr", "a", "mixed"};
  // As on a port with checksum offload: frames arrive marked good, replies
  // leave with only the pseudo-header sum for the port to finish.
  bool offload = false;
  // Each mix is measured this many times; the best and the median are
  // printed, since one run on a shared machine says more about the neighbours.
  std::size_t rounds = 1;
  unsigned burst = 32;  // frames per poll, as `burst` in the config
  bool rrl = false;     // response rate limiting on, never limiting
  bool cookies = false;  // every query with a client cookie
};

// The client cookie of every query under --cookies.
constexpr std::uint8_t client_cookie[8] = {0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57};

const net::Mac our_mac{0x02, 0, 0, 0, 0, 0x53};
const std::uint8_t client_mac[6] = {0x02, 0, 0, 0, 0, 0x01};

std::uint16_t sum16(const std::uint8_t* p, std::size_t n, std::uint32_t acc = 0) {
  for (std::size_t i = 0; i + 1 < n; i += 2) acc += (std::uint32_t{p[i]} << 8) | p[i + 1];
  if (n & 1) acc += std::uint32_t{p[n - 1]} << 8;
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(acc);
}

// Appends octets to a frame under construction (plain stores: GCC 12 warns
// falsely about vector inserts at -O3).
struct Out {
  std::array<std::uint8_t, 512> b{};
  std::size_t n = 0;
  void put(std::initializer_list<int> v) {
    for (int x : v) b[n++] = static_cast<std::uint8_t>(x);
  }
  void put(const std::uint8_t* p, std::size_t len) {
    for (std::size_t i = 0; i < len; ++i) b[n++] = p[i];
  }
};

// An IPv6/UDP query frame from a client in 2001:db8:1::/48 to 2001:db8::53.
std::vector<std::uint8_t> query_frame(const dns::Name& qname, std::uint16_t qtype,
                                      std::uint16_t id, bool cookie) {
  const std::uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34};
  const std::uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53};
  const std::size_t dns_len = 12 + qname.size + 4 + 11 + (cookie ? 12 : 0);
  const std::size_t udp_len = 8 + dns_len;
  Out f;
  f.put(our_mac.data(), 6);
  f.put(client_mac, 6);
  f.put({0x86, 0xdd, 0x60, 0, 0, 0, static_cast<int>(udp_len >> 8),
         static_cast<int>(udp_len & 0xff), 17, 64});
  f.put(src, 16);
  f.put(dst, 16);
  const std::size_t udp = f.n;
  f.put(
      {0x9c, 0x40, 0, 53, static_cast<int>(udp_len >> 8), static_cast<int>(udp_len & 0xff), 0, 0});
  f.put({id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1});
  f.put(qname.wire.data(), qname.size);
  f.put({qtype >> 8, qtype & 0xff, 0, 1});
  f.put({0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, cookie ? 12 : 0});  // OPT, 1232 octets
  if (cookie) {
    f.put({0, 10, 0, 8});
    f.put(client_cookie, sizeof client_cookie);
  }
  const std::uint32_t pseudo =
      sum16(src, 16) + sum16(dst, 16) + 17 + static_cast<std::uint32_t>(udp_len);
  std::uint16_t c = static_cast<std::uint16_t>(~sum16(f.b.data() + udp, udp_len, pseudo));
  if (c == 0) c = 0xffff;
  f.b[udp + 6] = static_cast<std::uint8_t>(c >> 8);
  f.b[udp + 7] = static_cast<std::uint8_t>(c);
  return std::vector<std::uint8_t>(f.b.begin(), f.b.begin() + static_cast<long>(f.n));
}

dns::Name bench_name(std::size_t i) {
  char text[64];
  std::snprintf(text, sizeof text, "n%zu.z%zu.example.com", i, i % 1000);
  dns::Name n;
  dns::from_text(text, n);
  return n;
}

dns64::V4 bench_v4(std::size_t i) {
  return {static_cast<std::uint8_t>(100 + (i >> 24) % 100), static_cast<std::uint8_t>(i >> 16),
          static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
}

// What a reply must be, checked outside the timed part: a fast wrong answer
// is a failure. The frame goes back to the client (its MAC, address and
// port), and the DNS message answers query `id` with NOERROR and, for AAAA,
// the address synthesized under the well-known prefix; for A the address;
// for PTR (CNAME mode) the CNAME to the in-addr.arpa name and its PTR.
// Returns an empty string, or what is wrong.
std::string check_reply(const rte_mbuf* m, std::uint16_t qtype, std::uint16_t id,
                        const dns64::V4& v4, bool cookie) {
  const std::uint8_t* f = rte_pktmbuf_mtod(m, const std::uint8_t*);
  const std::size_t len = rte_pktmbuf_data_len(m);
  constexpr std::size_t dns_at = 14 + 40 + 8;
  if (len < dns_at + 12) return "frame too short";
  if (std::memcmp(f, client_mac, 6) != 0 || std::memcmp(f + 6, our_mac.data(), 6) != 0)
    return "MACs";
  const std::uint8_t client[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0,    0,
                                   0,    0,    0,    0,    0, 0, 0x12, 0x34};
  if (std::memcmp(f + 14 + 24, client, 16) != 0) return "IPv6 destination";
  if (dns::load16(f + 54) != 53 || dns::load16(f + 56) != 40000) return "UDP ports";
  dns::Message msg;
  const dns::Bytes dns(f + dns_at, len - dns_at);
  if (dns::parse_message(dns, msg) != dns::Error::ok) return "DNS reply does not parse";
  if (!msg.header.qr() || msg.header.id != id) return "QR or ID";
  if (msg.header.rcode() != dns::rcode::NOERROR || msg.header.tc()) {
    return "rcode " + std::to_string(msg.header.rcode()) + (msg.header.tc() ? " TC" : "");
  }
  if (msg.question.qtype != qtype) return "question type";
  if (cookie) {
    // The client cookie back, and a server cookie of RFC 9018's 16 octets.
    const dns::Bytes o = msg.opt.options;
    if (o.size() != 28 || dns::load16(o.data()) != 10 || dns::load16(o.data() + 2) != 24 ||
        std::memcmp(o.data() + 4, client_cookie, 8) != 0 || o[12] != 1) {
      return "no server cookie";
    }
  }
  dns::Reader rd(dns);
  rd.seek(msg.sections.answer);
  dns::RR rr;
  bool found = false;
  for (std::uint16_t i = 0; i < msg.header.ancount; ++i) {
    if (rd.rr(rr) != dns::Error::ok) return "answer record";
    if (rr.type != qtype) continue;
    if (qtype == dns::type::AAAA) {
      const dns64::V6 want = dns64::embed(dns64::well_known_prefix, v4);
      found = found ||
              (rr.rdata.size() == 16 && std::equal(want.begin(), want.end(), rr.rdata.begin()));
    } else if (qtype == dns::type::A) {
      found = found || (rr.rdata.size() == 4 && std::equal(v4.begin(), v4.end(), rr.rdata.begin()));
    } else {
      found = true;  // a PTR record, after the CNAME to its in-addr.arpa name
    }
  }
  return found ? std::string() : "no answer of the asked type with the expected data";
}

// Zipf-like ranks: P(rank k) ~ 1/k^s, drawn by inverting the continuous CDF.
std::vector<std::uint32_t> zipf_sequence(std::size_t n, std::size_t count, double s,
                                         std::mt19937_64& rng) {
  std::vector<std::uint32_t> perm(n);
  for (std::size_t i = 0; i < n; ++i) perm[i] = static_cast<std::uint32_t>(i);
  std::shuffle(perm.begin(), perm.end(), rng);  // popularity unrelated to insertion order
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::uint32_t> out(count);
  const double a = 1 - s, hn = (std::pow(static_cast<double>(n), a) - 1) / a;
  for (auto& o : out) {
    const double x = std::pow(u(rng) * hn * a + 1, 1 / a);
    std::size_t k = static_cast<std::size_t>(x) - 1;
    if (k >= n) k = n - 1;
    o = perm[k];
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<char*> eal{argv[0]};
  int i = 1;
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "--names" && i + 1 < argc)
      o.names = std::stoul(argv[++i]);
    else if (a == "--packets" && i + 1 < argc)
      o.packets = std::stoul(argv[++i]);
    else if (a == "--zipf" && i + 1 < argc)
      o.zipf = std::stod(argv[++i]);
    else if (a == "--rounds" && i + 1 < argc)
      o.rounds = std::max<std::size_t>(1, std::stoul(argv[++i]));
    else if (a == "--burst" && i + 1 < argc)
      o.burst = std::clamp<unsigned>(static_cast<unsigned>(std::stoul(argv[++i])), 1,
                                     dataplane::max_burst);
    else if (a == "--offload")
      o.offload = true;
    else if (a == "--rrl")
      o.rrl = true;
    else if (a == "--cookies")
      o.cookies = true;
    else if (a == "--mix" && i + 1 < argc) {
      o.mixes.clear();
      std::string list = argv[++i];
      std::size_t p = 0;
      while (p <= list.size()) {
        const std::size_t c = list.find(',', p);
        o.mixes.push_back(list.substr(p, c == std::string::npos ? std::string::npos : c - p));
        if (c == std::string::npos) break;
        p = c + 1;
      }
    } else {
      std::fprintf(stderr,
                   "usage: dataplane_bench [--names N] [--packets N] [--zipf S] [--mix "
                   "aaaa,ptr,a,mixed] [--offload] [--rrl] [--cookies] [--rounds R] [--burst B] "
                   "[-- EAL]\n");
      return 2;
    }
  }
  bool have_eal_mem = false;
  for (; i < argc; ++i) {
    eal.push_back(argv[i]);
    have_eal_mem = true;
  }
  static char a1[] = "--no-pci", a2[] = "--no-huge", a3[] = "-m", a4[] = "1024",
              a5[] = "--no-shconf", a6[] = "-l", a7[] = "0", a8[] = "--log-level=*:warning";
  if (!have_eal_mem) {
    for (char* s : {a1, a2, a3, a4, a5, a6, a7, a8}) eal.push_back(s);
  }
  if (rte_eal_init(static_cast<int>(eal.size()), eal.data()) < 0) {
    std::fprintf(stderr, "EAL init failed\n");
    return 1;
  }
  const std::uint64_t hz = rte_get_tsc_hz();

  rte_mempool* pool = rte_pktmbuf_pool_create("bench", 4095, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  rte_ring* rx_ring = rte_ring_create("bench_rx", 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
  rte_ring* tx_ring = rte_ring_create("bench_tx", 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
  const int port = rte_eth_from_rings("bench0", &rx_ring, 1, &tx_ring, 1, 0);
  if (pool == nullptr || rx_ring == nullptr || tx_ring == nullptr || port < 0) {
    std::fprintf(stderr, "cannot create the net_ring port\n");
    return 1;
  }
  const std::string err =
      dataplane::setup_port({static_cast<std::uint16_t>(port), 1, 1024, 1024, pool});
  if (!err.empty()) {
    std::fprintf(stderr, "port: %s\n", err.c_str());
    return 1;
  }

  cache::Config cc;
  cc.max_entries = o.names * 4 + 1024;  // room: an eviction would make a query miss
  cc.max_bytes = (o.names * 3 + 1024) * 192;
  cc.seed = 42;
  cache::Cache answer_cache(cc, [hz] { return dataplane::now_ms(hz); });
  std::printf("filling the cache: %zu names x (AAAA synth, A, PTR)\n", o.names);
  for (std::size_t n = 0; n < o.names; ++n) {
    const dns::Name name = bench_name(n);
    const dns64::V4 v4 = bench_v4(n);
    const cache::Ipv4 ip{{v4[0], v4[1], v4[2], v4[3]}};
    answer_cache.insert_aaaa({name.bytes(), dns::type::AAAA, 1}, 3600, std::span(&ip, 1), {});
    const std::array<std::uint8_t, 16> rr{0xc0, 0x0c, 0, 1, 0,     1,     0,     0,
                                          0x0e, 0x10, 0, 4, v4[0], v4[1], v4[2], v4[3]};
    const std::uint16_t off = 6;
    answer_cache.insert_rrset({name.bytes(), dns::type::A, 1}, 3600, rr, std::span(&off, 1));
    dns::Name in_addr;
    dns64::in_addr_name(v4, in_addr);
    Out ptr;
    ptr.put({0xc0, 0x0c, 0, 12, 0, 1, 0, 0, 0x0e, 0x10, 0, name.size});
    ptr.put(name.wire.data(), name.size);
    answer_cache.insert_rrset({in_addr.bytes(), dns::type::PTR, 1}, 3600,
                              std::span(ptr.b.data(), ptr.n), std::span(&off, 1));
  }
  const cache::Stats st = answer_cache.stats();
  std::printf("cache: %lu entries, %lu insert failures, %lu evictions\n",
              static_cast<unsigned long>(st.entries),
              static_cast<unsigned long>(st.insert_failures),
              static_cast<unsigned long>(st.evictions));

  auto snap = std::make_unique<dataplane::Snapshot>();
  net::LocalAddrs& l = snap->local[port];
  l.mac = our_mac;
  snap->tx_udp_checksum[port] = o.offload;
  l.add_v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53});
  respond::View v;
  v.name = "bench";
  v.prefixes[0] = dns64::well_known_prefix;
  v.prefix_count = 1;
  snap->views.set_default(snap->views.add_view(v));
  if (o.cookies) {
    snap->cookies.enabled = true;
    snap->cookies.secret = {0xe5, 0xe9, 0x73, 0xe5, 0xa6, 0xb2, 0xa4, 0x3f,
                            0x48, 0xe7, 0xdc, 0x84, 0x9e, 0x37, 0xbf, 0xcf};
  }
  if (o.rrl) {
    snap->rrl.enabled = true;
    snap->rrl.responses_per_second = 10'000'000;
    snap->rrl.window = 3600;
  }
  std::atomic<const dataplane::Snapshot*> current{snap.get()};

  dataplane::Worker w;
  w.queues.push_back({static_cast<std::uint16_t>(port), 0});
  w.punt_ring = dataplane::create_punt_ring("bench_punt", 1024, 0);
  w.exception_ring = rte_ring_create("bench_exception", 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
  w.return_ring = nullptr;
  w.reader = answer_cache.register_reader();
  w.cache = &answer_cache;
  w.snapshot = &current;
  w.burst = o.burst;
  w.tsc_hz = hz;
  if (snap->rrl.enabled) w.rrl = std::make_unique<rrl::Limiter>(snap->rrl, 1);
  dataplane::prepare_worker(w);

  std::mt19937_64 rng(6147);
  const std::size_t distinct = std::min<std::size_t>(o.packets, 1u << 20);
  const std::vector<std::uint32_t> order = zipf_sequence(o.names, distinct, o.zipf, rng);
  for (const std::string& mix : o.mixes) {
    // Frames prebuilt for `distinct` draws, replayed in order.
    std::vector<std::vector<std::uint8_t>> frames(distinct);
    std::vector<std::uint16_t> kinds(distinct);  // each query's type, for the reply check
    for (std::size_t k = 0; k < distinct; ++k) {
      const std::size_t n = order[k];
      int kind = mix == "aaaa"  ? 0
                 : mix == "ptr" ? 1
                 : mix == "a"   ? 2
                                : (k % 10 < 8    ? 0
                                   : k % 10 == 8 ? 1
                                                 : 2);
      if (kind == 1) {
        dns::Name q;
        dns64::ip6_arpa_name(dns64::embed(dns64::well_known_prefix, bench_v4(n)), q);
        kinds[k] = dns::type::PTR;
        frames[k] = query_frame(q, dns::type::PTR, static_cast<std::uint16_t>(k), o.cookies);
      } else {
        kinds[k] = kind == 0 ? dns::type::AAAA : dns::type::A;
        frames[k] =
            query_frame(bench_name(n), kinds[k], static_cast<std::uint16_t>(k), o.cookies);
      }
    }
    std::vector<rte_mbuf*> mb(o.burst);
    if (rte_pktmbuf_alloc_bulk(pool, mb.data(), o.burst) != 0) return 1;
    std::vector<double> per_packet;  // cycles, one figure per round
    std::size_t next = 0;
    std::uint64_t cycles = 0, done = 0;
    while (per_packet.size() < o.rounds) {
      for (auto* m : mb) {
        const auto& f = frames[next++ % distinct];
        m->data_off = RTE_PKTMBUF_HEADROOM;
        std::memcpy(rte_pktmbuf_mtod(m, void*), f.data(), f.size());
        m->data_len = static_cast<std::uint16_t>(f.size());
        m->pkt_len = static_cast<std::uint32_t>(f.size());
        m->port = static_cast<std::uint16_t>(port);
        m->nb_segs = 1;
        m->ol_flags = o.offload ? RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD : 0;
      }
      rte_ring_sp_enqueue_bulk(rx_ring, reinterpret_cast<void**>(mb.data()), o.burst, nullptr);
      const std::uint64_t t0 = rte_rdtsc_precise();
      dataplane::worker_poll(w);
      cycles += rte_rdtsc_precise() - t0;
      const unsigned out =
          rte_ring_sc_dequeue_bulk(tx_ring, reinterpret_cast<void**>(mb.data()), o.burst, nullptr);
      if (out != o.burst) {
        std::fprintf(
            stderr, "mix %s: only %u of %u answered (punted %lu)\n", mix.c_str(), out, o.burst,
            static_cast<unsigned long>(
                w.stats.outcomes[respond::counter_of(respond::DnsOutcome::punted_miss)].get()));
        return 1;
      }
      for (unsigned r = 0; r < out; ++r) {
        const std::size_t k = (next - out + r) % distinct;
        const std::string wrong =
            check_reply(mb[r], kinds[k], static_cast<std::uint16_t>(k), bench_v4(order[k]),
                        o.cookies);
        if (!wrong.empty()) {
          std::fprintf(stderr, "mix %s: wrong reply to query %zu: %s\n", mix.c_str(), k,
                       wrong.c_str());
          return 1;
        }
      }
      done += o.burst;
      if (done >= o.packets) {  // a round ends
        per_packet.push_back(static_cast<double>(cycles) / static_cast<double>(done));
        cycles = done = 0;
      }
    }
    rte_pktmbuf_free_bulk(mb.data(), o.burst);
    std::sort(per_packet.begin(), per_packet.end());
    const auto report = [&](const char* what, double c) {
      const double ns = c * 1e9 / static_cast<double>(hz);
      std::printf(
          "mix %-6s %10lu packets  %6.2f Mpps  %6.1f ns/packet  %6.0f cycles/packet (TSC %.2f "
          "GHz)%s\n",
          mix.c_str(), static_cast<unsigned long>(o.packets), 1e3 / ns, ns, c,
          static_cast<double>(hz) / 1e9, what);
    };
    if (o.rounds == 1) {
      report("", per_packet[0]);
    } else {
      report("  best", per_packet.front());
      report("  median", per_packet[per_packet.size() / 2]);
    }
  }
  rte_eal_cleanup();
  return 0;
}
