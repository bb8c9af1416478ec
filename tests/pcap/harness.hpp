// Runs the real dns64d binary over DPDK's net_pcap: frames in, frames out,
// and the counters it prints when it stops.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dns64d::test {

struct RunResult {
  int exit_code = -1;
  std::string log;
  std::map<std::string, std::uint64_t> counters;
  std::vector<std::vector<std::uint8_t>> frames;  // what dns64d transmitted, in order
};

// Writes `input` to a pcap, runs dns64d with `config_toml` (port device
// net_pcap0) on the given EAL lcore list, and reads back what it sent.
RunResult run_dns64d(const std::string& config_toml,
                     const std::vector<std::vector<std::uint8_t>>& input,
                     const std::string& lcores = "0");

}  // namespace dns64d::test
