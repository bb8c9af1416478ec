// The configuration turned into what the workers and the control plane
// decide by (dataplane::Snapshot). The ports' facts come in as values, read
// from the devices by the caller, so building is tested without DPDK.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "control/config.hpp"
#include "dataplane/net/frame.hpp"
#include "dataplane/snapshot.hpp"

namespace dns64d::control {

// One configured port, in the order of config::Config::ports.
struct PortFacts {
  std::uint16_t id = 0;   // the DPDK port id (below dataplane::max_ports)
  std::uint16_t mtu = 0;  // 0: unknown
  net::Mac mac{};         // the device's own, used where the config names none
  bool tx_udp_checksum = false;
};

// Throws std::runtime_error when the views need more AAAA policies than
// there are; `notes` gets what an operator should read (a reply size cut to
// what a port's MTU carries).
std::unique_ptr<dataplane::Snapshot> build_snapshot(const config::Config& c,
                                                    const std::vector<PortFacts>& ports,
                                                    std::vector<std::string>& notes);

}  // namespace dns64d::control
