#include "control/daemon.hpp"

#include <netinet/in.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>

#include "control/control_plane.hpp"
#include "control/exception.hpp"
#include "control/metrics.hpp"
#include "control/ports.hpp"
#include "control/resolver.hpp"
#include "control/snapshot_builder.hpp"
#include "control/static_records.hpp"
#include "control/tcp_server.hpp"
#include "control/upstream/client.hpp"
#include "dataplane/worker.hpp"

namespace dns64d::control {

namespace {

// One socket per upstream attempt in flight (up to twice max_pending) and
// one per TCP connection: the open-file limit is raised to what that may
// take, as far as the hard limit allows, and a shortfall is said at start
// rather than found as send errors under load.
void raise_open_file_limit(const config::Config& cfg) {
  const rlim_t need = rlim_t{cfg.upstream.enabled ? cfg.upstream.max_pending * 2u : 0u} +
                      (cfg.tcp.enabled ? cfg.tcp.max_connections : 0u) + 256u;
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur >= need) return;
  const rlim_t before = r.rlim_cur;
  r.rlim_cur = r.rlim_max == RLIM_INFINITY ? need : std::min(need, r.rlim_max);
  if (setrlimit(RLIMIT_NOFILE, &r) != 0) r.rlim_cur = before;
  if (r.rlim_cur < need) {
    std::printf(
        "dns64d: open-file limit %lu is below the %lu that upstream.max_pending and "
        "tcp.max_connections may take: lookups beyond it fail\n",
        static_cast<unsigned long>(r.rlim_cur), static_cast<unsigned long>(need));
  }
}

cache::Config cache_config(const config::Config& cfg, unsigned readers) {
  cache::Config cc;
  cc.max_entries = cfg.cache.entries;
  cc.max_bytes = cfg.cache.bytes;
  cc.min_ttl = cfg.cache.min_ttl;
  cc.max_ttl = cfg.cache.max_ttl;
  cc.refresh_percent = cfg.cache.refresh_percent;
  cc.refresh_sample_every = cfg.cache.refresh_sample_every;
  cc.max_readers = readers;
  cc.keep_stale = cfg.upstream.enabled && cfg.upstream.serve_stale;
  cc.stale_ttl = cfg.upstream.stale_ttl;
  cc.max_stale_seconds = cfg.upstream.max_stale_seconds;
  // A reader that stops reporting holds every retired block: say so.
  cc.on_stalled = [](unsigned reader, std::uint64_t lag_ms) {
    std::fprintf(stderr, "dns64d: cache reader %u has not passed a quiescent point for %lu ms\n",
                 reader, static_cast<unsigned long>(lag_ms));
  };
  return cc;
}

ResolverConfig resolver_config(const config::Config& cfg) {
  ResolverConfig rc;
  rc.max_pending = cfg.upstream.max_pending;
  rc.max_waiters = cfg.upstream.max_waiters;
  rc.max_waiting = cfg.upstream.max_waiting;
  rc.max_waiting_per_prefix = cfg.upstream.max_waiting_per_prefix;
  rc.client_prefix_v4 = cfg.upstream.client_prefix_v4;
  rc.client_prefix_v6 = cfg.upstream.client_prefix_v6;
  rc.over_limit = cfg.upstream.drop_over_limit ? OverLimit::drop : OverLimit::servfail;
  rc.servfail_on_error = cfg.upstream.servfail_on_error;
  rc.serve_stale = cfg.upstream.serve_stale;
  rc.failure_ttl = cfg.upstream.failure_ttl;
  rc.parallel_a = cfg.upstream.parallel_a;
  rc.client_deadline_ms = cfg.upstream.client_deadline_ms;
  rc.trust_ad = cfg.upstream.trust_ad;
  return rc;
}

using Labels = std::vector<std::pair<std::string, std::string>>;

// Each worker's outcome tables and counters, labelled by worker, and the
// audit that every received frame landed in exactly one outcome.
void add_worker_metrics(Metrics& m, const std::vector<dataplane::Worker*>& workers) {
  m.add([workers](std::vector<Sample>& out) {
    for (const dataplane::Worker* w : workers) {
      const Labels worker{{"worker", std::to_string(w->index)}};
      const dataplane::WorkerStats& s = w->stats;
      std::uint64_t accounted = 0;
      for (std::size_t i = 0; i < net::outcome_count; ++i) {
        const auto o = static_cast<net::Outcome>(i);
        out.push_back({"net." + std::string(net::to_string(o)), std::string(net::describe(o)),
                       worker, w->stats.outcomes[respond::counter_of(o)]});
      }
      for (std::size_t i = 0; i < respond::dns_outcome_count; ++i) {
        const auto o = static_cast<respond::DnsOutcome>(i);
        out.push_back({"dns." + std::string(respond::to_string(o)),
                       std::string(respond::describe(o)), worker,
                       w->stats.outcomes[respond::counter_of(o)]});
      }
      for (std::size_t i = 0; i < dataplane::glue_outcome_count; ++i) {
        const auto o = static_cast<dataplane::GlueOutcome>(i);
        out.push_back({"glue." + std::string(dataplane::to_string(o)),
                       std::string(dataplane::describe(o)), worker,
                       w->stats.outcomes[respond::reply_failed_counter + i]});
      }
      for (const Counter& c : s.outcomes) accounted += c;
#define DNS64D_X(name, help) out.push_back({#name, help, worker, s.name});
      DNS64D_WORKER_COUNTERS(DNS64D_X)
#undef DNS64D_X
      out.push_back({"accounted", "frames counted in exactly one outcome", worker, accounted});
    }
  });
}

void add_upstream_metrics(Metrics& m, const upstream::Client& client) {
  m.add([&client](std::vector<Sample>& out) {
    add_each(out, "upstream.", client.counters());
    for (const upstream::UpstreamStats& u : client.upstreams()) {
      const Labels server{{"server", u.endpoint.to_string()}};
      const std::pair<const char*, std::pair<const char*, std::uint64_t>> fields[] = {
          {"queries", {"UDP attempts sent to the server", u.queries}},
          {"tcp_queries", {"TCP attempts sent to the server", u.tcp_queries}},
          {"answers", {"answers accepted from the server", u.answers}},
          {"timeouts", {"attempts the server left unanswered", u.timeouts}},
          {"errors", {"send, TCP or ICMP failures with the server", u.errors}},
          {"marked_down", {"times the server was taken out of rotation", u.marked_down}},
          {"probes", {"single queries sent to see whether it is back", u.probes}},
      };
      for (const auto& [name, rest] : fields) {
        out.push_back({std::string("upstream.server.") + name, rest.first, server, rest.second});
      }
    }
  });
}

// The workers' rate limiting events (a prefix starts or stops being
// limited), one line each on stderr, but at most `per_second` lines a
// second over all workers: the rest are counted and summed up in one line.
class RrlLog {
 public:
  static constexpr unsigned per_second = 5;

  void drain(const std::vector<dataplane::Worker*>& workers, rrl::Limiter* control) {
    for (dataplane::Worker* w : workers) {
      if (w->rrl) drain(*w->rrl);
    }
    if (control != nullptr) drain(*control);
  }
  void drain(rrl::Limiter& limiter) {
    rrl::Event e;
    while (limiter.events().pop(e)) {
      if (budget_ == 0) {
        ++suppressed_;
        continue;
      }
      --budget_;
      std::fprintf(stderr, "dns64d: rrl: %s\n", rrl::describe(e).c_str());
    }
  }
  void second() {
    if (unsaid_ != suppressed_) {
      std::fprintf(stderr, "dns64d: rrl: %lu more event(s) not logged\n",
                   static_cast<unsigned long>(suppressed_.get() - unsaid_));
      unsaid_ = suppressed_;
    }
    budget_ = per_second;
  }
  std::uint64_t suppressed() const { return suppressed_; }

 private:
  unsigned budget_ = per_second;
  Counter suppressed_;
  std::uint64_t unsaid_ = 0;
};

// Everything the daemon holds, set up in order by the named steps below.
struct Daemon {
  Daemon(const Options& o, const config::Config& c) : opt(o), cfg(c) {}
  const Options& opt;
  const config::Config& cfg;
  std::uint64_t hz = rte_get_tsc_hz();
  unsigned worker_lcores = rte_lcore_count() - 1;
  std::uint16_t queues = static_cast<std::uint16_t>(worker_lcores == 0 ? 1 : worker_lcores);
  OpenedPorts ports;
  std::unique_ptr<cache::Cache> cache;
  cache::Reader* control_reader = nullptr;  // the resolver's and TCP's, on the control thread
  std::unique_ptr<dataplane::Snapshot> snapshot;
  std::atomic<const dataplane::Snapshot*> current{nullptr};
  std::vector<respond::Synthesis> policy_modes;
  std::size_t static_failed = 0;
  std::vector<std::unique_ptr<dataplane::Worker>> workers;
  std::vector<dataplane::Worker*> raw;
  std::unique_ptr<ExceptionPath> exception_path;
  std::unique_ptr<rrl::Limiter> control_rrl;
  std::unique_ptr<TcpServer> tcp;
  std::unique_ptr<ControlPlane> control;
  std::unique_ptr<upstream::Client> upstream_client;
  std::unique_ptr<Resolver> resolver;
  Metrics metrics;
  RrlLog rrl_log;

  std::string make_cache_and_snapshot();
  std::string make_workers();
  std::string open_exception_path();
  std::string make_control_and_resolver();
  void register_metrics();
  void loop(const std::atomic<bool>& stop);
  void report();
};

std::string Daemon::make_cache_and_snapshot() {
  const std::uint64_t tsc_hz = hz;
  cache = std::make_unique<cache::Cache>(cache_config(cfg, queues + 1u),
                                         [tsc_hz] { return dataplane::now_ms(tsc_hz); });
  try {
    std::vector<std::string> notes;
    snapshot = build_snapshot(cfg, ports.facts, notes);
    for (const std::string& n : notes) std::printf("dns64d: %s\n", n.c_str());
  } catch (const std::exception& e) {
    return std::string("view: ") + e.what();
  }
  for (std::size_t i = 0; i < snapshot->views.policy_count(); ++i) {
    policy_modes.push_back(snapshot->views.policy(i).mode);
  }
  const std::size_t written = insert_static(*cache, cfg.records, static_failed, policy_modes);
  std::printf("dns64d: %zu static records as %zu cache entries (%zu failed)\n", cfg.records.size(),
              written, static_failed);
  current.store(snapshot.get());
  return {};
}

std::string Daemon::make_workers() {
  for (unsigned i = 0; i < queues; ++i) {
    auto w = std::make_unique<dataplane::Worker>();
    w->index = i;
    for (std::uint16_t p : ports.ids) w->queues.push_back({p, static_cast<std::uint16_t>(i)});
    const std::string n = std::to_string(i);
    const int socket = static_cast<int>(rte_socket_id());
    w->punt_ring = dataplane::create_punt_ring(("punt" + n).c_str(), cfg.ring_size, socket);
    w->exception_ring = rte_ring_create(("exception" + n).c_str(), cfg.ring_size, socket,
                                        RING_F_SP_ENQ | RING_F_SC_DEQ);
    w->return_ring = rte_ring_create(("return" + n).c_str(), cfg.ring_size, socket,
                                     RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (w->punt_ring == nullptr || w->exception_ring == nullptr || w->return_ring == nullptr) {
      return std::string("cannot create rings: ") + rte_strerror(rte_errno);
    }
    w->reader = cache->register_reader();
    w->cache = cache.get();
    w->snapshot = &current;
    w->burst = cfg.burst;
    w->tsc_hz = hz;
    if (snapshot->rrl.enabled) {
      // Each worker limits a prefix to its share of the rate; the bucket
      // index is keyed by a secret, so collisions cannot be aimed at.
      w->rrl = std::make_unique<rrl::Limiter>(snapshot->rrl, queues, rte_rdtsc() * 2 + 1 + i);
    }
    dataplane::prepare_worker(*w);
    raw.push_back(w.get());
    workers.push_back(std::move(w));
  }
  control_reader = cache->register_reader();
  if (snapshot->cookies.enabled) {
    std::printf("dns64d: cookies: on, %s secret%s\n",
                cfg.cookie_secret_random ? "a random" : "the configured",
                snapshot->cookies.has_previous ? " (and the previous one)" : "");
  }
  if (snapshot->rrl.enabled) {
    const rrl::Settings& r = snapshot->rrl;
    std::printf(
        "dns64d: rrl: %u responses/s per /%u (IPv4) and /%u (IPv6) prefix, window %u s, "
        "slip %u, %u buckets per worker\n",
        r.responses_per_second, r.ipv4_prefix, r.ipv6_prefix, r.window, r.slip,
        static_cast<unsigned>(workers[0]->rrl->table_size()));
  }
  return {};
}

// The exception path: a kernel interface per port that names one, and
// dns64d's own TCP listener on its addresses.
std::string Daemon::open_exception_path() {
  // Frames from the kernel wait in every worker's TX ring (up to tx_desc
  // each, until the NIC frees them) and in each lcore's mempool cache (up
  // to 1.5 x 64), and the TAP keeps 512 posted for its own RX.
  const unsigned exception_mbufs =
      std::max(2047u, static_cast<unsigned>(queues * (cfg.tx_desc + 96) + 1024));
  exception_path = std::make_unique<ExceptionPath>(exception_mbufs);
  for (std::size_t i = 0; i < cfg.ports.size(); ++i) {
    const config::Port& p = cfg.ports[i];
    if (p.exception.empty()) continue;
    std::vector<KernelAddr> addrs;
    for (std::size_t k = 0; k < p.ipv4.size(); ++k) {
      KernelAddr a;
      std::copy(p.ipv4[k].begin(), p.ipv4[k].end(), a.addr.begin());
      a.length = p.ipv4_len[k];
      addrs.push_back(a);
    }
    for (std::size_t k = 0; k < p.ipv6.size(); ++k) {
      KernelAddr a;
      a.is_v6 = true;
      a.addr = p.ipv6[k];
      a.length = p.ipv6_len[k];
      addrs.push_back(a);
    }
    const std::string err =
        exception_path->add(ports.ids[i], p.exception, snapshot->local[ports.ids[i]].mac, addrs);
    if (!err.empty()) {
      return "port[" + std::to_string(i) + "].exception: " + err;
    }
    std::printf("dns64d: port %u: exception path through kernel interface %s\n", ports.ids[i],
                p.exception.c_str());
    if (!cfg.tcp.enabled) continue;
    if (!tcp) {
      TcpConfig tc;
      tc.max_connections = cfg.tcp.max_connections;
      tc.idle_timeout_ms = cfg.tcp.idle_timeout_ms;
      tc.max_outstanding = cfg.tcp.max_outstanding;
      tc.send_buffer = static_cast<int>(cfg.tcp.send_buffer);
      tcp = std::make_unique<TcpServer>(tc);
    }
    for (std::uint16_t dns_port : cfg.dns_ports) {
      for (const auto& a4 : p.ipv4) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(dns_port);
        std::memcpy(&sa.sin_addr, a4.data(), 4);
        const std::string e = tcp->listen(reinterpret_cast<sockaddr*>(&sa), sizeof sa);
        if (!e.empty()) {
          return "port[" + std::to_string(i) + "]: TCP listener: " + e;
        }
      }
      for (const auto& a6 : p.ipv6) {
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(dns_port);
        std::memcpy(&sa.sin6_addr, a6.data(), 16);
        const std::string e = tcp->listen(reinterpret_cast<sockaddr*>(&sa), sizeof sa);
        if (!e.empty()) {
          return "port[" + std::to_string(i) + "]: TCP listener: " + e;
        }
      }
    }
  }
  if (tcp) std::printf("dns64d: DNS over TCP on %zu socket(s)\n", tcp->listeners());
  return {};
}

std::string Daemon::make_control_and_resolver() {
  // The control plane's replies are built in mbufs of its own pool: a
  // worker's RX pool is never held by anything that waits. Its frames wait
  // in return rings and TX rings, and in the lcores' mempool caches.
  // Each holds the largest reply the snapshot lets us send, after the
  // query's headers; replies never exceed it (respond::reply_limit).
  const auto room =
      static_cast<std::uint16_t>(RTE_PKTMBUF_HEADROOM + net::Origin::max_headers +
                                 std::max<unsigned>(snapshot->edns_udp_size, dns::min_udp_payload));
  rte_mempool* reply_pool = rte_pktmbuf_pool_create(
      "replies", std::max(2047u, queues * (cfg.ring_size + cfg.tx_desc + 96) + 1024), 256, 0,
      std::max<std::uint16_t>(room, RTE_MBUF_DEFAULT_BUF_SIZE), static_cast<int>(rte_socket_id()));
  if (reply_pool == nullptr) {
    return std::string("cannot create the reply mbuf pool: ") + rte_strerror(rte_errno);
  }
  control = std::make_unique<ControlPlane>(raw, current, reply_pool);
  if (snapshot->rrl.enabled) {
    // The control plane's answers (relayed, resolved, SERVFAIL) have their
    // own buckets at the whole rate: a query that misses the cache, or a
    // validating one that is always relayed, is limited as well.
    control_rrl = std::make_unique<rrl::Limiter>(snapshot->rrl, 1u, rte_rdtsc() * 2 + 1);
    control->set_rrl(control_rrl.get());
  }
  if (!exception_path->empty()) control->set_exception_path(exception_path.get());
  if (tcp) control->set_tcp(tcp.get(), cache.get(), control_reader);
  if (!cfg.upstream.enabled) {
    std::printf("dns64d: upstream disabled: misses are answered SERVFAIL\n");
    return {};
  }
  upstream::Config uc;
  for (const std::string& s : cfg.upstream.servers) {
    const auto e = upstream::parse_endpoint(s);
    if (!e) return "upstream.servers: not an address: " + s;
    uc.upstreams.push_back(*e);
  }
  uc.attempt_timeout = std::chrono::milliseconds(cfg.upstream.timeout_ms);
  uc.max_attempts = cfg.upstream.attempts;
  uc.max_in_flight = cfg.upstream.max_pending * 2;
  uc.randomize_case = cfg.upstream.randomize_case;
  upstream_client = std::make_unique<upstream::Client>(uc);
  const ResolverConfig rc = resolver_config(cfg);
  const std::uint64_t tsc_hz = hz;
  resolver = std::make_unique<Resolver>(
      *upstream_client, *cache, control_reader, *control,
      [tsc_hz] { return dataplane::now_ms(tsc_hz); }, rc);
  control->set_resolver(resolver.get());
  std::printf("dns64d: %zu upstream resolver(s)%s, %zu clients may wait\n",
              upstream_client->upstreams().size(),
              cfg.upstream.servers.empty() ? " from /etc/resolv.conf" : "", rc.max_waiting);
  return {};
}

void Daemon::register_metrics() {
  add_worker_metrics(metrics, raw);
  if (snapshot->rrl.enabled) {
    metrics.add([this](std::vector<Sample>& out) {
      std::uint64_t lost = 0;
      for (const dataplane::Worker* w : raw) lost += w->rrl->events().lost();
      if (control_rrl) lost += control_rrl->events().lost();
      out.push_back(
          {"rrl.events_lost", "limiting events a full worker ring did not take", {}, lost});
      out.push_back(
          {"rrl.log_suppressed", "limiting events over the log's rate", {}, rrl_log.suppressed()});
    });
  }
  metrics.add([this](std::vector<Sample>& out) {
    add_each(out, "control.", control->stats());
    add_each(out, "exception.", exception_path->stats());
    if (tcp) add_each(out, "tcp.", tcp->stats());
    add_each(out, "cache.", cache->stats());
    if (resolver) {
      for (std::size_t i = 0; i < resolver_counter_count; ++i) {
        const auto c = static_cast<ResolverCounter>(i);
        out.push_back({"resolver." + std::string(to_string(c)),
                       std::string(describe(c)),
                       {},
                       resolver->stats()[c]});
      }
    }
  });
  if (upstream_client) add_upstream_metrics(metrics, *upstream_client);
  add_port_metrics(metrics, ports.ids);
}

void Daemon::loop(const std::atomic<bool>& stop) {
  std::atomic<bool> stop_workers{false};
  std::vector<dataplane::WorkerLaunch> launches(workers.size());
  unsigned next = 0;
  unsigned lcore_id;
  RTE_LCORE_FOREACH_WORKER(lcore_id) {
    launches[next] = {workers[next].get(), &stop_workers};
    rte_eal_remote_launch(dataplane::worker_main, &launches[next], lcore_id);
    ++next;
  }
  const bool single = worker_lcores == 0;
  if (single) workers[0]->reader->online();
  std::printf("dns64d: %s, %zu worker(s), control on lcore %u\n",
              single ? "single lcore" : "multi lcore", workers.size(), rte_get_main_lcore());
  std::fflush(stdout);

  std::vector<cache::RefreshCandidate> refresh;
  std::uint64_t last_rx = 0, last_change = dataplane::now_ms(hz), last_second = last_change;
  std::uint64_t last_sweep = last_change;
  while (!stop.load(std::memory_order_relaxed)) {
    unsigned work = 0;
    if (single) work += dataplane::worker_poll(*workers[0]);
    work += control->step();
    rrl_log.drain(raw, control_rrl.get());
    const std::uint64_t now = dataplane::now_ms(hz);
    if (now - last_second >= 1000) {
      last_second = now;
      rrl_log.second();
      // Static records are re-written so their TTL never runs down.
      insert_static(*cache, cfg.records, static_failed, policy_modes);
    }
    // Expired entries go within about a minute whatever the table's size
    // (their memory then serves new ones), a tenth of a second's share at a
    // time so that no pass holds up a worker sharing the lcore.
    if (now - last_sweep >= 100) {
      last_sweep = now;
      cache->expire(std::max<std::size_t>(512, cache->slots() / 600));
    }
    // Entries hit shortly before they expire are asked for again, with no
    // client waiting, so the next hit finds the new answer (the cache never
    // reports static records, which are re-written above instead).
    if (resolver) {
      refresh.clear();
      cache->drain_refresh(refresh, 64);
      for (const cache::RefreshCandidate& c : refresh) {
        resolver->refresh(c.name_span(), c.qtype, c.qclass, *current.load());
      }
    }
    // The control plane's reader holds no cache view from one pass to the
    // next: it is quiescent here, or retired blocks are never reclaimed
    // (the resolver and the TCP path also report it, but neither runs
    // without an upstream and TCP queries).
    control_reader->quiescent();
    cache->maintain();
    if (opt.exit_idle_ms != 0) {
      std::uint64_t rx = 0;
      for (const auto& w : workers) rx += w->stats.rx;
      if (rx != last_rx || work != 0) {
        last_rx = rx;
        last_change = now;
      } else if (now - last_change >= opt.exit_idle_ms) {
        break;
      }
    }
    if (work == 0 && !single) rte_pause();
  }
  stop_workers.store(true);
  rte_eal_mp_wait_lcore();
  // Answers still in return rings go out before the ports stop.
  if (single) {
    for (int i = 0; i < 4; ++i) dataplane::worker_poll(*workers[0]);
  }
  rrl_log.drain(raw, control_rrl.get());
  rrl_log.second();
}

// Every counter, from the one table, and the audit of received frames.
void Daemon::report() {
  for (std::uint16_t p : ports.ids) (void)rte_eth_dev_stop(p);
  control_reader->quiescent();
  cache->maintain();  // the workers are offline or quiescent: what is retired can go
  const std::vector<Sample> samples = metrics.collect();
  std::fputs(exit_report(samples).c_str(), stdout);
  std::uint64_t rx = 0, accounted = 0;
  for (const Sample& s : samples) {
    if (s.name == "rx") rx += s.value;
    if (s.name == "accounted") accounted += s.value;
  }
  if (accounted != rx) {
    std::printf("ERROR: %lu frames received but %lu accounted\n", static_cast<unsigned long>(rx),
                static_cast<unsigned long>(accounted));
  }
  std::fflush(stdout);
}

}  // namespace

int run_daemon(const Options& opt, const config::Config& cfg, const std::atomic<bool>& stop) {
  raise_open_file_limit(cfg);
  Daemon d(opt, cfg);
  std::string err = open_ports(cfg, d.queues, d.ports);
  if (err.empty()) err = d.make_cache_and_snapshot();
  if (err.empty()) err = d.make_workers();
  if (err.empty()) err = d.open_exception_path();
  if (err.empty()) err = d.make_control_and_resolver();
  if (!err.empty()) {
    std::fprintf(stderr, "dns64d: %s\n", err.c_str());
    return 1;
  }
  d.register_metrics();
  d.loop(stop);
  d.report();
  d.exception_path->close();
  close_ports(d.ports.ids);
  return 0;
}

}  // namespace dns64d::control
