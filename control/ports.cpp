#include "control/ports.hpp"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <cstdio>
#include <cstring>

#include "dataplane/port.hpp"
#include "dataplane/snapshot.hpp"

namespace dns64d::control {

namespace {

net::Mac mac_of(std::uint16_t port) {
  rte_ether_addr a{};
  (void)rte_eth_macaddr_get(port, &a);
  net::Mac m;
  std::memcpy(m.data(), a.addr_bytes, 6);
  return m;
}

}  // namespace

std::string open_ports(const config::Config& cfg, std::uint16_t queues, OpenedPorts& out) {
  for (std::size_t i = 0; i < cfg.ports.size(); ++i) {
    const std::string where = "port[" + std::to_string(i) + "]";
    std::uint16_t id = 0;
    if (rte_eth_dev_get_port_by_name(cfg.ports[i].device.c_str(), &id) != 0) {
      return where + ".device: no DPDK device named " + cfg.ports[i].device +
             " (is its --vdev given?)";
    }
    if (id >= dataplane::max_ports) {
      return where + ": port id " + std::to_string(id) + " above the supported " +
             std::to_string(dataplane::max_ports);
    }
    rte_mempool* pool =
        rte_pktmbuf_pool_create(("mbufs" + std::to_string(id)).c_str(), cfg.mbufs * queues, 256, 0,
                                RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
    if (pool == nullptr) {
      return where + ": cannot create mbuf pool: " + rte_strerror(rte_errno);
    }
    dataplane::PortFeatures features;
    const std::string err =
        dataplane::setup_port({id, queues, static_cast<std::uint16_t>(cfg.rx_desc),
                               static_cast<std::uint16_t>(cfg.tx_desc), pool, cfg.offloads},
                              &features);
    if (!err.empty()) return where + " (" + cfg.ports[i].device + "): " + err;
    std::printf("dns64d: %s, %u queue pair(s), UDP checksum on TX: %s, on RX: %s\n",
                dataplane::describe_port(id).c_str(), queues,
                features.tx_udp_checksum ? "port" : "software",
                features.rx_checksum ? "port" : "software");
    PortFacts f;
    f.id = id;
    if (rte_eth_dev_get_mtu(id, &f.mtu) != 0) f.mtu = 0;
    f.mac = mac_of(id);
    f.tx_udp_checksum = features.tx_udp_checksum;
    out.ids.push_back(id);
    out.facts.push_back(f);
  }
  return {};
}

void add_port_metrics(Metrics& m, const std::vector<std::uint16_t>& ids) {
  m.add([ids](std::vector<Sample>& out) {
    for (const std::uint16_t id : ids) {
      rte_eth_stats s{};
      (void)rte_eth_stats_get(id, &s);
      const std::vector<std::pair<std::string, std::string>> port{{"port", std::to_string(id)}};
      const std::pair<const char*, std::pair<const char*, std::uint64_t>> fields[] = {
          {"rx", {"frames the port received", s.ipackets}},
          {"tx", {"frames the port sent", s.opackets}},
          {"rx_missed", {"frames the port dropped: no RX descriptor free", s.imissed}},
          {"rx_errors", {"erroneous frames received", s.ierrors}},
          {"tx_errors", {"frames the port failed to send", s.oerrors}},
          {"rx_nombuf", {"frames lost: no mbuf in the RX pool", s.rx_nombuf}},
      };
      for (const auto& [name, rest] : fields) {
        out.push_back({std::string("port.") + name, rest.first, port, rest.second});
      }
    }
  });
}

void close_ports(const std::vector<std::uint16_t>& ids) {
  for (const std::uint16_t p : ids) (void)rte_eth_dev_close(p);
}

}  // namespace dns64d::control
