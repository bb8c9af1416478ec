// The daemon once EAL is up: ports, cache, workers on every worker lcore
// (or one worker polled by the control loop), the exception path and TCP,
// the resolver, the control loop until `stop`, and the exit report.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "control/config.hpp"

namespace dns64d::control {

struct Options {
  std::string config;
  std::uint64_t exit_idle_ms = 0;  // stop after this long without a frame (tests, replays)
  bool check_only = false;
  std::vector<char*> eal;
};

int run_daemon(const Options& opt, const config::Config& cfg, const std::atomic<bool>& stop);

}  // namespace dns64d::control
