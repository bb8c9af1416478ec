// The control plane's share of the packet work: drain every worker's punt
// ring, answer what came, hand the answers back through that worker's
// return ring. Misses go to the resolver; without one they are answered
// SERVFAIL. Exception frames go to the kernel interface of their port
// (counted and freed where there is none), and DNS over TCP from the
// kernel's listener is answered from the same cache and resolver.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "control/exception.hpp"
#include "control/resolver.hpp"
#include "control/tcp_server.hpp"
#include "dataplane/worker.hpp"

namespace dns64d::control {

struct ControlStats {
  std::uint64_t punted = 0;             // frames taken off punt rings
  std::uint64_t answered_servfail = 0;  // misses with no upstream to ask
  std::uint64_t answered_refused = 0;   // classes other than IN with no upstream
  std::uint64_t exceptions_freed = 0;   // no exception interface for the port
  std::uint64_t stream_cached = 0;      // TCP queries answered from the cache at once
  std::uint64_t stream_resolved = 0;    // TCP queries handed to the resolver
  std::uint64_t stream_refused = 0;     // TCP queries answered SERVFAIL/REFUSED without one
  std::uint64_t unanswerable = 0;       // no reply could be built
  std::uint64_t return_full = 0;        // a worker's return ring was full
};

class ControlPlane {
 public:
  // Without a resolver (upstream disabled) misses are answered SERVFAIL.
  ControlPlane(std::vector<dataplane::Worker*> workers,
               const std::atomic<const dataplane::Snapshot*>& snapshot,
               Resolver* resolver = nullptr)
      : workers_(std::move(workers)), snapshot_(snapshot), resolver_(resolver) {}

  // Where exception frames go (none: counted and freed).
  void set_exception_path(ExceptionPath* e) { exception_ = e; }
  // DNS over TCP, answered from `cache` through the control thread's reader.
  void set_tcp(TcpServer* tcp, const cache::Cache* cache, cache::Reader* reader) {
    tcp_ = tcp;
    cache_ = cache;
    reader_ = reader;
  }

  // One pass over the punt rings, the exception path and the TCP
  // connections; returns the frames and events handled.
  unsigned step();
  const ControlStats& stats() const { return stats_; }

 private:
  void answer(dataplane::Worker& w, rte_mbuf* m, const dataplane::Snapshot& snap);
  void answer_stream(std::uint64_t conn, const TcpPeer& peer, std::span<const std::uint8_t> query,
                     const dataplane::Snapshot& snap);

  std::vector<dataplane::Worker*> workers_;
  const std::atomic<const dataplane::Snapshot*>& snapshot_;
  Resolver* resolver_;
  ExceptionPath* exception_ = nullptr;
  TcpServer* tcp_ = nullptr;
  const cache::Cache* cache_ = nullptr;
  cache::Reader* reader_ = nullptr;
  std::vector<std::uint8_t> stream_buf_ = std::vector<std::uint8_t>(65535);
  ControlStats stats_;
};

}  // namespace dns64d::control
