// dns64d's entry point: arguments, configuration and EAL; the daemon itself
// is control/daemon.cpp.
//
//   dns64d --config FILE [--exit-idle-ms N] [--check] [-- EAL arguments]
#include <rte_eal.h>
#include <rte_errno.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "control/config.hpp"
#include "control/daemon.hpp"
#include "control/static_records.hpp"
#include "dataplane/worker.hpp"

namespace {

using namespace dns64d;

std::atomic<bool> stop_requested{false};

void on_signal(int) { stop_requested.store(true, std::memory_order_relaxed); }

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: dns64d --config FILE [--exit-idle-ms N] [--check] [-- EAL arguments]\n"
               "  --config FILE     TOML configuration (see etc/dns64d.toml)\n"
               "  --exit-idle-ms N  stop after N ms without a received frame (tests, replays)\n"
               "  --check           read and validate the configuration, then exit\n"
               "  EAL arguments pass through to DPDK: -l, --vdev, --in-memory, --no-huge, ...\n");
}

bool parse_args(int argc, char** argv, control::Options& o) {
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

}  // namespace

int main(int argc, char** argv) {
  dns64d::control::Options opt;
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
  const int rc = dns64d::control::run_daemon(opt, cfg, stop_requested);
  rte_eal_cleanup();
  return rc;
}
