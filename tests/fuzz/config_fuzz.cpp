// Any text through the configuration parser: it returns a Config or throws
// ConfigError, nothing else. A Config is built into a snapshot from made-up
// port facts, which may refuse it only with std::runtime_error.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "control/config.hpp"
#include "control/snapshot_builder.hpp"

using namespace dns64d;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  config::Config c;
  try {
    c = config::parse(text, "fuzz");
  } catch (const config::ConfigError&) {
    return 0;
  }
  std::vector<control::PortFacts> ports;
  for (std::size_t i = 0; i < c.ports.size(); ++i) {
    control::PortFacts p;
    p.id = static_cast<std::uint16_t>(std::min<std::size_t>(i, dataplane::max_ports - 1));
    static constexpr std::uint16_t mtus[] = {1500, 0, 9000, 576, 1280};
    p.mtu = mtus[(i + size) % 5];
    p.mac = {0x02, 0, 0, 0, 0, static_cast<std::uint8_t>(i)};
    p.tx_udp_checksum = (i & 1) != 0;
    ports.push_back(p);
  }
  std::vector<std::string> notes;
  try {
    (void)control::build_snapshot(c, ports, notes);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
