// The configured ports opened on DPDK: found by name, given an RX pool and
// one queue pair per worker, and their facts read for snapshot building.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "control/config.hpp"
#include "control/metrics.hpp"
#include "control/snapshot_builder.hpp"

namespace dns64d::control {

struct OpenedPorts {
  std::vector<std::uint16_t> ids;  // in the order of config::Config::ports
  std::vector<PortFacts> facts;
};

// Opens every configured port with `queues` queue pairs; an error message,
// or empty.
std::string open_ports(const config::Config& cfg, std::uint16_t queues, OpenedPorts& out);

// The ports' own statistics (rte_eth_stats), labelled by port.
void add_port_metrics(Metrics& m, const std::vector<std::uint16_t>& ids);

void close_ports(const std::vector<std::uint16_t>& ids);

}  // namespace dns64d::control
