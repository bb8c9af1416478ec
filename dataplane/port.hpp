// DPDK port set-up: one RX/TX queue pair per worker, RSS where the PMD has it.
#pragma once

#include <rte_mempool.h>

#include <cstdint>
#include <string>

namespace dns64d::dataplane {

struct PortParams {
  std::uint16_t port_id = 0;
  std::uint16_t queues = 1;
  std::uint16_t rx_desc = 1024;
  std::uint16_t tx_desc = 1024;
  rte_mempool* pool = nullptr;
  bool use_offloads = true;  // checksum offloads where the PMD has them
};

// What setup_port enabled.
struct PortFeatures {
  bool tx_udp_checksum = false;  // the PMD computes UDP checksums on TX
  bool rx_checksum = false;      // RX checksum results arrive in ol_flags
};

// Configures and starts the port; returns an empty string or why it failed.
std::string setup_port(const PortParams& p, PortFeatures* features = nullptr);

// "port 0 (net_pcap0): link up, 10 Gbps, full duplex, mac 02:..."
std::string describe_port(std::uint16_t port_id);

}  // namespace dns64d::dataplane
