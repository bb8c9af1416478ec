#include "control/exception.hpp"

#include <net/if.h>
#include <net/if_arp.h>
// After net/if.h: the kernel's headers must not define the IFF_ flags first.
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ring.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "dataplane/port.hpp"

namespace dns64d::control {

namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// One RTM_NEWADDR request and its acknowledgement.
std::string add_address(int nl, unsigned ifindex, const KernelAddr& a, std::uint32_t seq) {
  struct {
    nlmsghdr nh;
    ifaddrmsg ifa;
    char attrs[128];
  } req{};
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(ifaddrmsg));
  req.nh.nlmsg_type = RTM_NEWADDR;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
  req.nh.nlmsg_seq = seq;
  req.ifa.ifa_family = static_cast<std::uint8_t>(a.is_v6 ? AF_INET6 : AF_INET);
  req.ifa.ifa_prefixlen = a.length;
  req.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
  req.ifa.ifa_index = ifindex;
  auto put = [&](unsigned short type, const void* data, std::size_t len) {
    auto* rta =
        reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&req) + NLMSG_ALIGN(req.nh.nlmsg_len));
    rta->rta_type = type;
    rta->rta_len = static_cast<unsigned short>(RTA_LENGTH(len));
    std::memcpy(RTA_DATA(rta), data, len);
    req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
  };
  const std::size_t alen = a.is_v6 ? 16 : 4;
  put(IFA_LOCAL, a.addr.data(), alen);
  put(IFA_ADDRESS, a.addr.data(), alen);
  const std::uint32_t flags = IFA_F_NODAD | IFA_F_PERMANENT;
  put(IFA_FLAGS, &flags, sizeof flags);
  sockaddr_nl to{};
  to.nl_family = AF_NETLINK;
  if (::sendto(nl, &req, req.nh.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
    return errno_text("netlink send");
  }
  char buf[4096];
  const ssize_t got = ::recv(nl, buf, sizeof buf, 0);
  if (got < 0) return errno_text("netlink receive");
  unsigned n = static_cast<unsigned>(got);
  for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
    if (h->nlmsg_type != NLMSG_ERROR) continue;
    const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
    if (e->error != 0 && e->error != -EEXIST) {
      errno = -e->error;
      return errno_text("adding an address");
    }
    return {};
  }
  return "netlink: no acknowledgement";
}

}  // namespace

std::string configure_kernel_interface(const std::string& ifname,
                                       const std::array<std::uint8_t, 6>& mac,
                                       const std::vector<KernelAddr>& addrs) {
  const unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) return errno_text("interface " + ifname);
  // Our addresses are ours by configuration: no duplicate address detection
  // (it would hold IPv6 back for a second or more), no autoconfiguration.
  for (const char* key : {"accept_dad", "accept_ra", "autoconf"}) {
    const std::string path = "/proc/sys/net/ipv6/conf/" + ifname + "/" + key;
    if (std::FILE* f = std::fopen(path.c_str(), "w")) {
      std::fputs("0", f);
      std::fclose(f);
    }
  }
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno_text("socket");
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname.c_str());
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  std::memcpy(ifr.ifr_hwaddr.sa_data, mac.data(), 6);
  std::string err;
  if (::ioctl(s, SIOCSIFHWADDR, &ifr) != 0) err = errno_text(ifname + ": setting the MAC");
  if (err.empty() && ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(s, SIOCSIFFLAGS, &ifr) != 0) err = errno_text(ifname + ": bringing it up");
  }
  ::close(s);
  if (!err.empty()) return err;
  const int nl = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (nl < 0) return errno_text("netlink socket");
  std::uint32_t seq = 1;
  for (const KernelAddr& a : addrs) {
    err = add_address(nl, ifindex, a, seq++);
    if (!err.empty()) break;
  }
  ::close(nl);
  return err.empty() ? err : ifname + ": " + err;
}

ExceptionPath::~ExceptionPath() { close(); }

std::string ExceptionPath::add(std::uint16_t port, const std::string& ifname,
                               const std::array<std::uint8_t, 6>& mac,
                               const std::vector<KernelAddr>& addrs) {
  if (pool_ == nullptr) {
    pool_ = rte_pktmbuf_pool_create("exception", mbufs_, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                    static_cast<int>(rte_socket_id()));
    if (pool_ == nullptr) return std::string("mbuf pool: ") + rte_strerror(rte_errno);
  }
  Tap t;
  t.port = port;
  t.vdev = "net_tap_exc" + std::to_string(port);
  char mac_text[32];
  std::snprintf(mac_text, sizeof mac_text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
                mac[3], mac[4], mac[5]);
  const std::string args = "iface=" + ifname + ",mac=" + mac_text;
  if (int rc = rte_eal_hotplug_add("vdev", t.vdev.c_str(), args.c_str()); rc != 0) {
    return "creating " + t.vdev + " (" + args + "): " + rte_strerror(-rc);
  }
  if (rte_eth_dev_get_port_by_name(t.vdev.c_str(), &t.tap_port) != 0) {
    return t.vdev + ": no port after creation";
  }
  const std::string err = dataplane::setup_port({t.tap_port, 1, 512, 512, pool_, false});
  if (!err.empty()) return t.vdev + ": " + err;
  const std::string kerr = configure_kernel_interface(ifname, mac, addrs);
  if (!kerr.empty()) return kerr;
  tap_of_[port] = static_cast<std::uint16_t>(taps_.size());
  taps_.push_back(std::move(t));
  return {};
}

void ExceptionPath::to_kernel(rte_mbuf* m) {
  const std::uint16_t i = m->port < tap_of_.size() ? tap_of_[m->port] : none;
  if (i == none) {
    ++stats_.unrouted;
    rte_pktmbuf_free(m);
    return;
  }
  taps_[i].pending.push_back(m);
}

unsigned ExceptionPath::poll(const std::vector<dataplane::Worker*>& workers) {
  unsigned moved = 0;
  for (Tap& t : taps_) {
    if (!t.pending.empty()) {
      const auto n = static_cast<std::uint16_t>(t.pending.size());
      const std::uint16_t sent = rte_eth_tx_burst(t.tap_port, 0, t.pending.data(), n);
      stats_.to_kernel += sent;
      if (sent < n) {
        stats_.to_kernel_refused += n - sent;
        rte_pktmbuf_free_bulk(t.pending.data() + sent, n - sent);
      }
      t.pending.clear();
      moved += n;
    }
    std::array<rte_mbuf*, 32> rx;
    const std::uint16_t got = rte_eth_rx_burst(t.tap_port, 0, rx.data(), rx.size());
    for (std::uint16_t k = 0; k < got; ++k) {
      rte_mbuf* m = rx[k];
      m->port = t.port;
      m->ol_flags = 0;
      // Any worker: each has a TX queue on every port.
      dataplane::Worker* w = workers[next_worker_++ % workers.size()];
      if (rte_ring_sp_enqueue(w->return_ring, m) != 0) {
        ++stats_.from_kernel_dropped;
        rte_pktmbuf_free(m);
        continue;
      }
      ++stats_.from_kernel;
    }
    moved += got;
  }
  return moved;
}

void ExceptionPath::close() {
  for (Tap& t : taps_) {
    for (rte_mbuf* m : t.pending) rte_pktmbuf_free(m);
    t.pending.clear();
    (void)rte_eth_dev_stop(t.tap_port);
    (void)rte_eth_dev_close(t.tap_port);
  }
  taps_.clear();
  tap_of_.fill(none);
}

}  // namespace dns64d::control
