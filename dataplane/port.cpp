#include "dataplane/port.hpp"

#include <rte_ethdev.h>

#include <cstdio>

namespace dns64d::dataplane {

std::string setup_port(const PortParams& p, PortFeatures* features) {
  rte_eth_dev_info info;
  if (int rc = rte_eth_dev_info_get(p.port_id, &info); rc != 0) {
    return "cannot read device info: " + std::string(rte_strerror(-rc));
  }
  if (p.queues > info.max_rx_queues || p.queues > info.max_tx_queues) {
    return "needs " + std::to_string(p.queues) + " queue pairs, the device has " +
           std::to_string(std::min(info.max_rx_queues, info.max_tx_queues));
  }
  rte_eth_conf conf{};
  // Spread clients over the workers by addresses and ports where the PMD can.
  const std::uint64_t rss = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
  if (p.queues > 1 && rss != 0) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = rss;
  }
  // Checksums are the largest share of the per-packet work in software.
  PortFeatures f;
  constexpr std::uint64_t tx_wanted = RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
  constexpr std::uint64_t rx_wanted = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
  if (p.use_offloads && (info.tx_offload_capa & tx_wanted) == tx_wanted) {
    conf.txmode.offloads |= tx_wanted;
    f.tx_udp_checksum = true;
  }
  if (p.use_offloads && (info.rx_offload_capa & rx_wanted) == rx_wanted) {
    conf.rxmode.offloads |= rx_wanted;
    f.rx_checksum = true;
  }
  if (int rc = rte_eth_dev_configure(p.port_id, p.queues, p.queues, &conf); rc != 0) {
    return "configure failed: " + std::string(rte_strerror(-rc));
  }
  std::uint16_t rx_desc = p.rx_desc, tx_desc = p.tx_desc;
  if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(p.port_id, &rx_desc, &tx_desc); rc != 0) {
    return "descriptor counts refused: " + std::string(rte_strerror(-rc));
  }
  const int socket = rte_eth_dev_socket_id(p.port_id);
  const unsigned sock = socket < 0 ? 0u : static_cast<unsigned>(socket);
  for (std::uint16_t q = 0; q < p.queues; ++q) {
    if (int rc = rte_eth_rx_queue_setup(p.port_id, q, rx_desc, sock, nullptr, p.pool); rc != 0) {
      return "rx queue " + std::to_string(q) + ": " + rte_strerror(-rc);
    }
    if (int rc = rte_eth_tx_queue_setup(p.port_id, q, tx_desc, sock, nullptr); rc != 0) {
      return "tx queue " + std::to_string(q) + ": " + rte_strerror(-rc);
    }
  }
  if (int rc = rte_eth_dev_start(p.port_id); rc != 0) {
    return "start failed: " + std::string(rte_strerror(-rc));
  }
  // Neighbor solicitations arrive on solicited-node multicast groups.
  (void)rte_eth_allmulticast_enable(p.port_id);
  if (features != nullptr) *features = f;
  return {};
}

std::string describe_port(std::uint16_t port_id) {
  char name[RTE_ETH_NAME_MAX_LEN] = "?";
  (void)rte_eth_dev_get_name_by_port(port_id, name);
  rte_eth_link link{};
  (void)rte_eth_link_get_nowait(port_id, &link);
  char link_text[RTE_ETH_LINK_MAX_STR_LEN] = "";
  (void)rte_eth_link_to_str(link_text, sizeof link_text, &link);
  rte_ether_addr mac{};
  (void)rte_eth_macaddr_get(port_id, &mac);
  char mac_text[RTE_ETHER_ADDR_FMT_SIZE];
  rte_ether_format_addr(mac_text, sizeof mac_text, &mac);
  char out[512];
  std::snprintf(out, sizeof out, "port %u (%s): %s, mac %s", port_id, name, link_text, mac_text);
  return out;
}

}  // namespace dns64d::dataplane
