// dns64d: EAL and configuration, ports, workers on every worker lcore, and
// the control plane on the main lcore (or everything on one lcore).
//
//   dns64d --config FILE [--exit-idle-ms N] [--check] [-- EAL arguments]
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <netinet/in.h>
#include <sys/resource.h>

#include "control/config.hpp"
#include "control/exception.hpp"
#include "control/tcp_server.hpp"
#include "control/control_plane.hpp"
#include "control/resolver.hpp"
#include "control/snapshot_builder.hpp"
#include "control/static_records.hpp"
#include "control/upstream/client.hpp"
#include "dataplane/port.hpp"
#include "dataplane/worker.hpp"

namespace {

using namespace dns64d;

std::atomic<bool> stop_requested{false};

void on_signal(int) { stop_requested.store(true, std::memory_order_relaxed); }

struct Options {
  std::string config;
  std::uint64_t exit_idle_ms = 0;
  bool check_only = false;
  std::vector<char*> eal;
};

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: dns64d --config FILE [--exit-idle-ms N] [--check] [-- EAL arguments]\n"
               "  --config FILE     TOML configuration (see etc/dns64d.toml)\n"
               "  --exit-idle-ms N  stop after N ms without a received frame (tests, replays)\n"
               "  --check           read and validate the configuration, then exit\n"
               "  EAL arguments pass through to DPDK: -l, --vdev, --in-memory, --no-huge, ...\n");
}

bool parse_args(int argc, char** argv, Options& o) {
  o.eal.push_back(argv[0]);
  int i = 1;
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "--config" && i + 1 < argc) {
      o.config = argv[++i];
    } else if (a == "--exit-idle-ms" && i + 1 < argc) {
      o.exit_idle_ms = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--check") {
      o.check_only = true;
    } else if (a == "--help" || a == "-h") {
      usage(stdout);
      std::exit(0);
    } else {
      std::fprintf(stderr, "dns64d: unknown argument %s\n", a.c_str());
      return false;
    }
  }
  for (; i < argc; ++i) o.eal.push_back(argv[i]);
  return !o.config.empty();
}

net::Mac mac_of(std::uint16_t port) {
  rte_ether_addr a{};
  (void)rte_eth_macaddr_get(port, &a);
  net::Mac m;
  std::memcpy(m.data(), a.addr_bytes, 6);
  return m;
}

// What snapshot building needs of each configured port, read from DPDK.
std::vector<control::PortFacts> port_facts(const std::vector<std::uint16_t>& port_ids,
                                           const std::array<bool, dataplane::max_ports>& tx_checksum) {
  std::vector<control::PortFacts> facts;
  for (const std::uint16_t id : port_ids) {
    control::PortFacts f;
    f.id = id;
    if (rte_eth_dev_get_mtu(id, &f.mtu) != 0) f.mtu = 0;
    f.mac = mac_of(id);
    f.tx_udp_checksum = tx_checksum[id];
    facts.push_back(f);
  }
  return facts;
}

void print_counter(const char* name, std::uint64_t value) {
  std::printf("counter %s %lu\n", name, static_cast<unsigned long>(value));
}

void print_path_counters(const control::ControlStats& cs, const control::ExceptionStats& es,
                         const control::TcpStats* ts) {
  print_counter("control.stream_cached", cs.stream_cached);
  print_counter("control.stream_resolved", cs.stream_resolved);
  print_counter("control.stream_refused", cs.stream_refused);
  print_counter("exception.to_kernel", es.to_kernel);
  print_counter("exception.to_kernel_refused", es.to_kernel_refused);
  print_counter("exception.from_kernel", es.from_kernel);
  print_counter("exception.from_kernel_dropped", es.from_kernel_dropped);
  print_counter("exception.unrouted", es.unrouted);
  if (ts == nullptr) return;
  print_counter("tcp.accepted", ts->accepted);
  print_counter("tcp.refused_full", ts->refused_full);
  print_counter("tcp.queries", ts->queries);
  print_counter("tcp.answers", ts->answers);
  print_counter("tcp.unanswered", ts->unanswered);
  print_counter("tcp.late_answers", ts->late_answers);
  print_counter("tcp.closed_idle", ts->closed_idle);
  print_counter("tcp.closed_stalled", ts->closed_stalled);
  print_counter("tcp.closed_by_peer", ts->closed_by_peer);
  print_counter("tcp.closed_error", ts->closed_error);
  print_counter("tcp.paused_reading", ts->paused_reading);
}

void print_cache_counters(const cache::Stats& c) {
  const std::pair<const char*, std::uint64_t> fields[] = {
      {"entries", c.entries},
      {"bytes_used", c.bytes_used},
      {"bytes_retired", c.bytes_retired},
      {"bytes_capacity", c.bytes_capacity},
      {"bytes_table", c.bytes_table},
      {"hits", c.hits},
      {"misses", c.misses},
      {"expired_hits", c.expired_hits},
      {"stale_hits", c.stale_hits},
      {"inserts", c.inserts},
      {"replaces", c.replaces},
      {"deletes", c.deletes},
      {"evictions", c.evictions},
      {"expired_removed", c.expired_removed},
      {"insert_failures", c.insert_failures},
      {"fail_bad_input", c.fail_bad_input},
      {"fail_too_large", c.fail_too_large},
      {"fail_zero_ttl", c.fail_zero_ttl},
      {"fail_no_memory", c.fail_no_memory},
      {"refresh_sampled", c.refresh_sampled},
      {"refresh_dropped", c.refresh_dropped},
      {"reclaim_lag_epochs", c.reclaim_lag_epochs},
      {"reclaim_lag_ms", c.reclaim_lag_ms},
      {"stalled_readers", c.stalled_readers},
      {"stall_events", c.stall_events},
  };
  for (const auto& [name, value] : fields) {
    std::printf("counter cache.%s %lu\n", name, static_cast<unsigned long>(value));
  }
}

void print_counters(const std::vector<dataplane::Worker*>& workers, const control::ControlStats& cs,
                    const std::vector<std::uint16_t>& port_ids) {
  dataplane::WorkerStats sum;
  for (const dataplane::Worker* w : workers) {
    for (std::size_t i = 0; i < sum.net.size(); ++i) sum.net[i] += w->stats.net[i];
    for (std::size_t i = 0; i < sum.dns.size(); ++i) sum.dns[i] += w->stats.dns[i];
    for (std::size_t i = 0; i < sum.glue.size(); ++i) sum.glue[i] += w->stats.glue[i];
    sum.rx += w->stats.rx;
    sum.tx += w->stats.tx;
    sum.tx_refused += w->stats.tx_refused;
    sum.returned += w->stats.returned;
    sum.bursts += w->stats.bursts;
  }
  std::uint64_t accounted = 0;
  std::printf("counter rx %lu\n", static_cast<unsigned long>(sum.rx));
  for (std::size_t i = 0; i < sum.net.size(); ++i) {
    accounted += sum.net[i];
    if (sum.net[i] != 0) {
      std::printf("counter net.%s %lu\n",
                  std::string(net::to_string(static_cast<net::Outcome>(i))).c_str(),
                  static_cast<unsigned long>(sum.net[i]));
    }
  }
  for (std::size_t i = 0; i < sum.dns.size(); ++i) {
    accounted += sum.dns[i];
    if (sum.dns[i] != 0) {
      std::printf("counter dns.%s %lu\n",
                  std::string(respond::to_string(static_cast<respond::DnsOutcome>(i))).c_str(),
                  static_cast<unsigned long>(sum.dns[i]));
    }
  }
  for (std::size_t i = 0; i < sum.glue.size(); ++i) {
    accounted += sum.glue[i];
    if (sum.glue[i] != 0) {
      std::printf("counter glue.%s %lu\n",
                  std::string(dataplane::to_string(static_cast<dataplane::GlueOutcome>(i))).c_str(),
                  static_cast<unsigned long>(sum.glue[i]));
    }
  }
  std::printf("counter accounted %lu\n", static_cast<unsigned long>(accounted));
  std::printf("counter tx %lu\ncounter tx_refused %lu\ncounter returned %lu\ncounter bursts %lu\n",
              static_cast<unsigned long>(sum.tx), static_cast<unsigned long>(sum.tx_refused),
              static_cast<unsigned long>(sum.returned), static_cast<unsigned long>(sum.bursts));
  const std::pair<const char*, std::uint64_t> control_fields[] = {
      {"punted", cs.punted},
      {"exceptions", cs.exceptions},
      {"answered_servfail", cs.answered_servfail},
      {"answered_refused", cs.answered_refused},
      {"exceptions_freed", cs.exceptions_freed},
      {"unanswerable", cs.unanswerable},
      {"reply_pool_empty", cs.reply_pool_empty},
      {"return_full", cs.return_full},
      {"returned", cs.returned},
  };
  for (const auto& [name, value] : control_fields) {
    std::printf("counter control.%s %lu\n", name, static_cast<unsigned long>(value));
  }
  for (std::uint16_t p : port_ids) std::printf("%s\n", dataplane::port_stats(p).c_str());
  if (accounted != sum.rx) {
    std::printf("ERROR: %lu frames received but %lu accounted\n",
                static_cast<unsigned long>(sum.rx), static_cast<unsigned long>(accounted));
  }
  std::fflush(stdout);
}

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

int run(const Options& opt, const config::Config& cfg) {
  raise_open_file_limit(cfg);
  const unsigned worker_lcores = rte_lcore_count() - 1;
  const std::uint16_t queues = static_cast<std::uint16_t>(worker_lcores == 0 ? 1 : worker_lcores);
  const std::uint64_t hz = rte_get_tsc_hz();

  std::array<bool, dataplane::max_ports> tx_checksum{};
  std::vector<std::uint16_t> port_ids;
  for (std::size_t i = 0; i < cfg.ports.size(); ++i) {
    std::uint16_t id = 0;
    if (rte_eth_dev_get_port_by_name(cfg.ports[i].device.c_str(), &id) != 0) {
      std::fprintf(stderr,
                   "dns64d: port[%zu].device: no DPDK device named %s (is its --vdev given?)\n", i,
                   cfg.ports[i].device.c_str());
      return 1;
    }
    if (id >= dataplane::max_ports) {
      std::fprintf(stderr, "dns64d: port[%zu]: port id %u above the supported %u\n", i, id,
                   dataplane::max_ports);
      return 1;
    }
    const std::string pool_name = "mbufs" + std::to_string(id);
    rte_mempool* pool =
        rte_pktmbuf_pool_create(pool_name.c_str(), cfg.mbufs * queues, 256, 0,
                                RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
    if (pool == nullptr) {
      std::fprintf(stderr, "dns64d: port[%zu]: cannot create mbuf pool: %s\n", i,
                   rte_strerror(rte_errno));
      return 1;
    }
    dataplane::PortFeatures features;
    const std::string err = dataplane::setup_port(
        {id, queues, static_cast<std::uint16_t>(cfg.rx_desc),
         static_cast<std::uint16_t>(cfg.tx_desc), pool, cfg.offloads},
        &features);
    tx_checksum[id] = features.tx_udp_checksum;
    if (!err.empty()) {
      std::fprintf(stderr, "dns64d: port[%zu] (%s): %s\n", i, cfg.ports[i].device.c_str(),
                   err.c_str());
      return 1;
    }
    std::printf("dns64d: %s, %u queue pair(s), UDP checksum on TX: %s, on RX: %s\n",
                dataplane::describe_port(id).c_str(), queues, features.tx_udp_checksum ? "port" : "software",
                features.rx_checksum ? "port" : "software");
    port_ids.push_back(id);
  }

  cache::Config cc;
  cc.max_entries = cfg.cache.entries;
  cc.max_bytes = cfg.cache.bytes;
  cc.min_ttl = cfg.cache.min_ttl;
  cc.max_ttl = cfg.cache.max_ttl;
  cc.refresh_percent = cfg.cache.refresh_percent;
  cc.refresh_sample_every = cfg.cache.refresh_sample_every;
  cc.max_readers = queues + 1;
  cc.keep_stale = cfg.upstream.enabled && cfg.upstream.serve_stale;
  cc.stale_ttl = cfg.upstream.stale_ttl;
  cc.max_stale_seconds = cfg.upstream.max_stale_seconds;
  // A reader that stops reporting holds every retired block: say so.
  cc.on_stalled = [](unsigned reader, std::uint64_t lag_ms) {
    std::fprintf(stderr, "dns64d: cache reader %u has not passed a quiescent point for %lu ms\n",
                 reader, static_cast<unsigned long>(lag_ms));
  };
  cache::Cache answer_cache(cc, [hz] { return dataplane::now_ms(hz); });
  std::size_t failed = 0;
  std::unique_ptr<dataplane::Snapshot> snapshot;
  try {
    std::vector<std::string> notes;
    snapshot = control::build_snapshot(cfg, port_facts(port_ids, tx_checksum), notes);
    for (const std::string& n : notes) std::printf("dns64d: %s\n", n.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dns64d: view: %s\n", e.what());
    return 1;
  }
  std::vector<respond::Synthesis> policy_modes;
  for (std::size_t i = 0; i < snapshot->views.policy_count(); ++i) {
    policy_modes.push_back(snapshot->views.policy(i).mode);
  }
  const std::size_t written =
      control::insert_static(answer_cache, cfg.records, failed, policy_modes);
  std::printf("dns64d: %zu static records as %zu cache entries (%zu failed)\n", cfg.records.size(),
              written, failed);

  std::atomic<const dataplane::Snapshot*> current{snapshot.get()};

  std::vector<std::unique_ptr<dataplane::Worker>> workers;
  for (unsigned i = 0; i < queues; ++i) {
    auto w = std::make_unique<dataplane::Worker>();
    w->index = i;
    for (std::uint16_t p : port_ids) w->queues.push_back({p, static_cast<std::uint16_t>(i)});
    const std::string n = std::to_string(i);
    const int socket = static_cast<int>(rte_socket_id());
    w->punt_ring = dataplane::create_punt_ring(("punt" + n).c_str(), cfg.ring_size, socket);
    w->exception_ring = rte_ring_create(("exception" + n).c_str(), cfg.ring_size, socket,
                                        RING_F_SP_ENQ | RING_F_SC_DEQ);
    w->return_ring = rte_ring_create(("return" + n).c_str(), cfg.ring_size, socket,
                                     RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (w->punt_ring == nullptr || w->exception_ring == nullptr || w->return_ring == nullptr) {
      std::fprintf(stderr, "dns64d: cannot create rings: %s\n", rte_strerror(rte_errno));
      return 1;
    }
    w->reader = answer_cache.register_reader();
    w->cache = &answer_cache;
    w->snapshot = &current;
    w->burst = cfg.burst;
    w->tsc_hz = hz;
    dataplane::prepare_worker(*w);
    workers.push_back(std::move(w));
  }
  std::vector<dataplane::Worker*> raw;
  for (auto& w : workers) raw.push_back(w.get());
  // The control thread's own cache reader: the resolver's and TCP's.
  cache::Reader* control_reader = answer_cache.register_reader();

  // The exception path: a kernel interface per port that names one.
  // Frames from the kernel wait in every worker's TX ring (up to tx_desc
  // each, until the NIC frees them) and in each lcore's mempool cache (up
  // to 1.5 x 64), and the TAP keeps 512 posted for its own RX.
  const unsigned exception_mbufs =
      std::max(2047u, static_cast<unsigned>(queues * (cfg.tx_desc + 96) + 1024));
  control::ExceptionPath exception_path(exception_mbufs);
  std::unique_ptr<control::TcpServer> tcp;
  for (std::size_t i = 0; i < cfg.ports.size(); ++i) {
    const config::Port& p = cfg.ports[i];
    if (p.exception.empty()) continue;
    std::vector<control::KernelAddr> addrs;
    for (std::size_t k = 0; k < p.ipv4.size(); ++k) {
      control::KernelAddr a;
      std::copy(p.ipv4[k].begin(), p.ipv4[k].end(), a.addr.begin());
      a.length = p.ipv4_len[k];
      addrs.push_back(a);
    }
    for (std::size_t k = 0; k < p.ipv6.size(); ++k) {
      control::KernelAddr a;
      a.is_v6 = true;
      a.addr = p.ipv6[k];
      a.length = p.ipv6_len[k];
      addrs.push_back(a);
    }
    const std::string err =
        exception_path.add(port_ids[i], p.exception, snapshot->local[port_ids[i]].mac, addrs);
    if (!err.empty()) {
      std::fprintf(stderr, "dns64d: port[%zu].exception: %s\n", i, err.c_str());
      return 1;
    }
    std::printf("dns64d: port %u: exception path through kernel interface %s\n", port_ids[i],
                p.exception.c_str());
    if (!cfg.tcp.enabled) continue;
    if (!tcp) {
      control::TcpConfig tc;
      tc.max_connections = cfg.tcp.max_connections;
      tc.idle_timeout_ms = cfg.tcp.idle_timeout_ms;
      tc.max_outstanding = cfg.tcp.max_outstanding;
      tc.send_buffer = static_cast<int>(cfg.tcp.send_buffer);
      tcp = std::make_unique<control::TcpServer>(tc);
    }
    for (std::uint16_t dns_port : cfg.dns_ports) {
      for (const auto& a4 : p.ipv4) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(dns_port);
        std::memcpy(&sa.sin_addr, a4.data(), 4);
        const std::string e = tcp->listen(reinterpret_cast<sockaddr*>(&sa), sizeof sa);
        if (!e.empty()) {
          std::fprintf(stderr, "dns64d: port[%zu]: TCP listener: %s\n", i, e.c_str());
          return 1;
        }
      }
      for (const auto& a6 : p.ipv6) {
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(dns_port);
        std::memcpy(&sa.sin6_addr, a6.data(), 16);
        const std::string e = tcp->listen(reinterpret_cast<sockaddr*>(&sa), sizeof sa);
        if (!e.empty()) {
          std::fprintf(stderr, "dns64d: port[%zu]: TCP listener: %s\n", i, e.c_str());
          return 1;
        }
      }
    }
  }
  if (tcp) std::printf("dns64d: DNS over TCP on %zu socket(s)\n", tcp->listeners());

  // The control plane's replies are built in mbufs of its own pool: a
  // worker's RX pool is never held by anything that waits. Its frames wait
  // in return rings and TX rings, and in the lcores' mempool caches.
  rte_mempool* reply_pool = rte_pktmbuf_pool_create(
      "replies", std::max(2047u, queues * (cfg.ring_size + cfg.tx_desc + 96) + 1024), 256, 0,
      RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
  if (reply_pool == nullptr) {
    std::fprintf(stderr, "dns64d: cannot create the reply mbuf pool: %s\n",
                 rte_strerror(rte_errno));
    return 1;
  }
  control::ControlPlane control(raw, current, reply_pool);

  // Upstream resolution; its cache reader is the control thread's own.
  std::unique_ptr<upstream::Client> upstream_client;
  std::unique_ptr<control::Resolver> resolver;
  if (cfg.upstream.enabled) {
    upstream::Config uc;
    for (const std::string& s : cfg.upstream.servers) {
      const auto e = upstream::parse_endpoint(s);
      if (!e) {
        std::fprintf(stderr, "dns64d: upstream.servers: not an address: %s\n", s.c_str());
        return 1;
      }
      uc.upstreams.push_back(*e);
    }
    uc.attempt_timeout = std::chrono::milliseconds(cfg.upstream.timeout_ms);
    uc.max_attempts = cfg.upstream.attempts;
    uc.max_in_flight = cfg.upstream.max_pending * 2;
    upstream_client = std::make_unique<upstream::Client>(uc);
    control::ResolverConfig rc;
    rc.max_pending = cfg.upstream.max_pending;
    rc.max_waiters = cfg.upstream.max_waiters;
    rc.max_waiting = cfg.upstream.max_waiting;
    rc.over_limit =
        cfg.upstream.drop_over_limit ? control::OverLimit::drop : control::OverLimit::servfail;
    rc.servfail_on_error = cfg.upstream.servfail_on_error;
    rc.serve_stale = cfg.upstream.serve_stale;
    rc.failure_ttl = cfg.upstream.failure_ttl;
    resolver = std::make_unique<control::Resolver>(
        *upstream_client, answer_cache, control_reader, control, [hz] { return dataplane::now_ms(hz); },
        rc);
    control.set_resolver(resolver.get());
    std::printf("dns64d: %zu upstream resolver(s)%s, %zu clients may wait\n",
                upstream_client->upstreams().size(),
                cfg.upstream.servers.empty() ? " from /etc/resolv.conf" : "", rc.max_waiting);
  } else {
    std::printf("dns64d: upstream disabled: misses are answered SERVFAIL\n");
  }
  if (!exception_path.empty()) control.set_exception_path(&exception_path);
  if (tcp) control.set_tcp(tcp.get(), &answer_cache, control_reader);

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
  while (!stop_requested.load(std::memory_order_relaxed)) {
    unsigned work = 0;
    if (single) work += dataplane::worker_poll(*workers[0]);
    work += control.step();
    const std::uint64_t now = dataplane::now_ms(hz);
    if (now - last_second >= 1000) {
      last_second = now;
      // Static records are re-written so their TTL never runs down.
      control::insert_static(answer_cache, cfg.records, failed, policy_modes);
      answer_cache.expire(4096);
    }
    // Entries hit shortly before they expire are asked for again, with no
    // client waiting, so the next hit finds the new answer (the cache never
    // reports static records, which are re-written above instead).
    if (resolver) {
      refresh.clear();
      answer_cache.drain_refresh(refresh, 64);
      for (const cache::RefreshCandidate& c : refresh) {
        resolver->refresh(c.name_span(), c.qtype, c.qclass, *current.load());
      }
    }
    // The control plane's reader holds no cache view from one pass to the
    // next: it is quiescent here, or retired blocks are never reclaimed
    // (the resolver and the TCP path also report it, but neither runs
    // without an upstream and TCP queries).
    control_reader->quiescent();
    answer_cache.maintain();
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
  for (std::uint16_t p : port_ids) {
    (void)rte_eth_dev_stop(p);
  }
  print_counters(raw, control.stats(), port_ids);
  print_path_counters(control.stats(), exception_path.stats(), tcp ? &tcp->stats() : nullptr);
  control_reader->quiescent();
  answer_cache.maintain();  // the workers are offline or quiescent: what is retired can go
  print_cache_counters(answer_cache.stats());
  exception_path.close();
  if (resolver) {
    const control::ResolverStats& rs = resolver->stats();
    for (std::size_t i = 0; i < control::resolver_counter_count; ++i) {
      const auto c = static_cast<control::ResolverCounter>(i);
      std::printf("counter resolver.%s %lu\n", std::string(control::to_string(c)).c_str(),
                  static_cast<unsigned long>(rs[c]));
    }
    upstream_client->counters().for_each([](const char* name, const char*, std::uint64_t v) {
      std::printf("counter upstream.%s %lu\n", name, static_cast<unsigned long>(v));
    });
    // Per server, named by its address: how each one fared.
    for (const upstream::UpstreamStats& u : upstream_client->upstreams()) {
      const std::string at = "counter upstream." + u.endpoint.to_string() + ".";
      const std::pair<const char*, std::uint64_t> fields[] = {
          {"queries", u.queries},   {"tcp_queries", u.tcp_queries}, {"answers", u.answers},
          {"timeouts", u.timeouts}, {"errors", u.errors},           {"marked_down", u.marked_down},
          {"probes", u.probes}};
      for (const auto& [field, v] : fields) {
        std::printf("%s%s %lu\n", at.c_str(), field, static_cast<unsigned long>(v));
      }
    }
    std::fflush(stdout);
  }
  for (std::uint16_t p : port_ids) (void)rte_eth_dev_close(p);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!parse_args(argc, argv, opt)) {
    usage(stderr);
    return 2;
  }
  config::Config cfg;
  try {
    cfg = config::load(opt.config);
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "dns64d: %s\n", e.what());
    return 2;
  }
  if (opt.check_only) {
    std::printf("dns64d: %s: %zu port(s), %zu view(s), %zu static record(s): ok\n",
                opt.config.c_str(), cfg.ports.size(), cfg.views.size(), cfg.records.size());
    return 0;
  }
  {
    std::vector<dns64d::config::Record> all = dns64d::control::builtin_records();
    all.insert(all.end(), cfg.records.begin(), cfg.records.end());
    cfg.records = std::move(all);
  }
  if (cfg.burst > dns64d::dataplane::max_burst) {
    std::fprintf(stderr, "dns64d: dataplane.burst: at most %u\n", dns64d::dataplane::max_burst);
    return 2;
  }
  if (rte_eal_init(static_cast<int>(opt.eal.size()), opt.eal.data()) < 0) {
    std::fprintf(stderr, "dns64d: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const int rc = run(opt, cfg);
  rte_eal_cleanup();
  return rc;
}
