#include "tests/pcap/harness.hpp"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace dns64d::test {

namespace {

void write_pcap(const std::string& path, const std::vector<std::vector<std::uint8_t>>& frames) {
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
  pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
  if (d == nullptr) throw std::runtime_error("cannot write " + path);
  long usec = 0;
  for (const auto& f : frames) {
    pcap_pkthdr h{};
    h.ts.tv_sec = 1700000000;
    h.ts.tv_usec = usec++;
    h.caplen = h.len = static_cast<bpf_u_int32>(f.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, f.data());
  }
  pcap_dump_close(d);
  pcap_close(dead);
}

std::vector<std::vector<std::uint8_t>> read_pcap(const std::string& path) {
  std::vector<std::vector<std::uint8_t>> out;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  if (p == nullptr) return out;
  pcap_pkthdr* h;
  const u_char* data;
  while (pcap_next_ex(p, &h, &data) == 1) out.emplace_back(data, data + h->caplen);
  pcap_close(p);
  return out;
}

}  // namespace

RunResult run_dns64d(const std::string& config_toml,
                     const std::vector<std::vector<std::uint8_t>>& input,
                     const std::string& lcores) {
  char tmpl[] = "/tmp/dns64d-pcap-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string in = dir + "/in.pcap", out = dir + "/out.pcap", cfg = dir + "/dns64d.toml",
                    log = dir + "/log";
  write_pcap(in, input);
  std::ofstream(cfg) << config_toml;
  // --no-huge: runs the same with or without reserved hugepages.
  const std::string cmd = "timeout -k 3 60 " DNS64D_BINARY " --config " + cfg +
                          " --exit-idle-ms 400 -- --no-pci --no-huge -m 256 --no-shconf -l " +
                          lcores + " --log-level=*:warning --vdev=net_pcap0,rx_pcap=" + in +
                          ",tx_pcap=" + out + " > " + log + " 2>&1";
  RunResult r;
  const int status = std::system(cmd.c_str());
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream lf(log);
  std::stringstream ss;
  ss << lf.rdbuf();
  r.log = ss.str();
  std::istringstream lines(r.log);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream ls(line);
    std::string word, name;
    std::uint64_t value = 0;
    if (ls >> word >> name >> value && word == "counter") r.counters[name] = value;
  }
  r.frames = read_pcap(out);
  std::system(("rm -rf " + dir).c_str());
  return r;
}

}  // namespace dns64d::test
