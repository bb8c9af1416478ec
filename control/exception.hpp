// The exception path: a kernel interface per DPDK port (a net_tap that
// dns64d creates) carrying the responder's MAC and addresses. Frames the
// workers hand on (DNS over TCP, fragments, ARP replies, other traffic to
// our addresses) go to the kernel through it; what the kernel sends back
// (TCP segments of our listener, ARP/ND of its own, ICMP) goes out of the
// DPDK port through a worker's return ring. The control plane never touches
// a worker's queue; the tap port is the control plane's alone.
#pragma once

#include <rte_mbuf.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/counter.hpp"
#include "dataplane/worker.hpp"

namespace dns64d::control {

// An address for the kernel interface, with its on-link prefix length.
struct KernelAddr {
  bool is_v6 = false;
  std::array<std::uint8_t, 16> addr{};  // IPv4 in the first four octets
  std::uint8_t length = 0;
};

// Sets the interface's MAC, turns duplicate address detection off (our
// addresses are ours by configuration), brings it up and adds the
// addresses (rtnetlink). Returns an empty string or what failed.
std::string configure_kernel_interface(const std::string& ifname,
                                       const std::array<std::uint8_t, 6>& mac,
                                       const std::vector<KernelAddr>& addrs);

#define DNS64D_EXCEPTION_COUNTERS(X)                                       \
  X(to_kernel, "frames handed to a kernel interface")                      \
  X(to_kernel_refused, "frames the kernel interface's queue did not take") \
  X(from_kernel, "frames from the kernel put on a return ring")            \
  X(from_kernel_dropped, "frames from the kernel: a return ring was full") \
  X(unrouted, "frames for a port without a kernel interface")

struct ExceptionStats {
  DNS64D_EXCEPTION_COUNTERS(DNS64D_COUNTER_FIELD)
  template <class F>
  void for_each(F&& f) const {
    DNS64D_EXCEPTION_COUNTERS(DNS64D_COUNTER_VISIT)
  }
};

class ExceptionPath {
 public:
  // `mbufs`: the pool for frames from the kernel. They leave through the
  // workers' TX queues, where they wait until the NIC frees them, and sit
  // in the workers' mempool caches after: size it from those.
  explicit ExceptionPath(unsigned mbufs = 2047) : mbufs_(mbufs) { tap_of_.fill(none); }
  ~ExceptionPath();

  // Creates the tap for DPDK port `port`: kernel interface `ifname` with
  // `mac` and `addrs`. Returns an empty string or why it failed.
  std::string add(std::uint16_t port, const std::string& ifname,
                  const std::array<std::uint8_t, 6>& mac, const std::vector<KernelAddr>& addrs);
  bool empty() const { return taps_.empty(); }

  // A frame from a punt ring, to the kernel (sent at flush()).
  void to_kernel(rte_mbuf* m);
  // Sends what to_kernel() collected; takes what the kernel sent and hands
  // it to the workers' return rings. Returns the frames moved.
  unsigned poll(const std::vector<dataplane::Worker*>& workers);
  // Stops and closes the taps (the kernel interfaces go with them).
  void close();

  const ExceptionStats& stats() const { return stats_; }

 private:
  static constexpr std::uint16_t none = 0xffff;
  struct Tap {
    std::uint16_t port = 0;      // the DPDK port it belongs to
    std::uint16_t tap_port = 0;  // its own DPDK port id
    std::string vdev;
    std::vector<rte_mbuf*> pending;
  };
  std::vector<Tap> taps_;
  std::array<std::uint16_t, 256> tap_of_{};  // DPDK port → index in taps_
  rte_mempool* pool_ = nullptr;
  unsigned mbufs_;
  unsigned next_worker_ = 0;
  ExceptionStats stats_;
};

}  // namespace dns64d::control
