// Micro-benchmarks of the pure rooms: the per-packet work of a worker
// without the NIC. Run: build/release/bench/dns_bench
#include <benchmark/benchmark.h>

#include <array>
#include <cstring>
#include <vector>

#include "dataplane/dns/reader.hpp"
#include "dataplane/dns/writer.hpp"
#include "dataplane/dns64/prefix.hpp"
#include "dataplane/dns64/ptr.hpp"
#include "dataplane/respond/view.hpp"

namespace {

using namespace dns64d;

std::vector<std::uint8_t> make_query(const char* text, std::uint16_t qtype) {
  dns::Name n;
  dns::from_text(text, n);
  std::vector<std::uint8_t> q;
  auto put = [&q](std::initializer_list<int> bytes) {
    for (int b : bytes) q.push_back(static_cast<std::uint8_t>(b));
  };
  put({0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1});
  for (std::size_t i = 0; i < n.size; ++i) q.push_back(n.wire[i]);
  put({qtype >> 8, qtype & 0xff, 0, 1});
  put({0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0});  // OPT, 1232 octets
  return q;
}

void BM_ParseQuery(benchmark::State& state) {
  const auto q = make_query("www.Example.com", dns::type::AAAA);
  for (auto _ : state) {
    dns::Message m;
    benchmark::DoNotOptimize(dns::parse_message(q, m));
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseQuery);

// Parse the query, then write a reply with two synthesized AAAA records in
// the same buffer, as a worker does with a cache hit.
void BM_SynthesizedReply(benchmark::State& state) {
  const auto q = make_query("v4only.example.com", dns::type::AAAA);
  std::array<std::uint8_t, 2048> buf{};
  const dns64::Prefix prefix = dns64::well_known_prefix;
  const std::array<dns64::V4, 2> addrs{{{192, 0, 2, 1}, {198, 51, 100, 7}}};
  for (auto _ : state) {
    std::memcpy(buf.data(), q.data(), q.size());
    dns::Message m;
    if (dns::parse_message(dns::Bytes(buf.data(), q.size()), m) != dns::Error::ok)
      state.SkipWithError("parse");
    dns::Writer w(buf, m.opt.udp_size);
    (void)w.reuse_question(m.header, m.question.end, dns::rcode::NOERROR, dns::flag::RA);
    (void)w.want_opt(1232, m.opt.do_bit);
    for (const dns64::V4& a : addrs) {
      const dns64::V6 v6 = dns64::embed(prefix, a);
      (void)w.add_at(dns::Section::answer, 12, dns::type::AAAA, dns::cls::IN, 300, v6);
    }
    benchmark::DoNotOptimize(w.finish());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SynthesizedReply);

void BM_MapPtr(benchmark::State& state) {
  dns::Name q;
  dns64::ip6_arpa_name(dns64::embed(dns64::well_known_prefix, {192, 0, 2, 33}), q);
  for (auto _ : state) {
    dns::Name out;
    dns64::V4 v4;
    benchmark::DoNotOptimize(dns64::map_ptr(q.bytes(), dns64::well_known_prefix, out, v4));
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MapPtr);

void BM_Embed(benchmark::State& state) {
  dns64::Prefix p;
  dns64::parse_pref64("2001:db8:122::/48", p);
  dns64::V4 a{192, 0, 2, 33};
  for (auto _ : state) {
    benchmark::DoNotOptimize(dns64::embed(p, a));
    a[3] = static_cast<std::uint8_t>(a[3] + 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Embed);

// The client's view among N client networks (/56s under 2001:db8::/32, the
// way a carrier hands out prefixes), looked up for addresses inside them.
void BM_ClientViewV6(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  respond::ViewTable views;
  views.set_default(views.add_view(respond::View{}));
  const int v = views.add_view(respond::View{});
  std::vector<dns64::V6> clients;
  for (std::size_t i = 0; i < n; ++i) {
    dns64::V6 net{0x20, 0x01, 0x0d, 0xb8};
    net[4] = static_cast<std::uint8_t>(i >> 16);
    net[5] = static_cast<std::uint8_t>(i >> 8);
    net[6] = static_cast<std::uint8_t>(i);
    views.add_client_v6(net, 56, v);
    net[15] = 1;
    clients.push_back(net);
  }
  std::size_t k = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(views.for_v6(clients[k]));
    k = k + 1 == clients.size() ? 0 : k + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClientViewV6)->Arg(1)->Arg(100)->Arg(10000);

}  // namespace

BENCHMARK_MAIN();
