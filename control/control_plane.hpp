// The control plane's share of the packet work: drain every worker's punt
// ring, answer what came, hand the answers back through that worker's
// return ring. Misses go to the resolver; without one they are answered
// SERVFAIL. The exception path's frames are counted and freed until the
// kernel interface lands.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "control/resolver.hpp"
#include "dataplane/worker.hpp"

namespace dns64d::control {

struct ControlStats {
  std::uint64_t punted = 0;             // frames taken off punt rings
  std::uint64_t answered_servfail = 0;  // misses with no upstream to ask
  std::uint64_t answered_refused = 0;   // classes other than IN with no upstream
  std::uint64_t exceptions_freed = 0;   // no exception interface yet
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

  // One pass over the punt rings; returns the frames handled.
  unsigned step();
  const ControlStats& stats() const { return stats_; }

 private:
  void answer(dataplane::Worker& w, rte_mbuf* m, const dataplane::Snapshot& snap);

  std::vector<dataplane::Worker*> workers_;
  const std::atomic<const dataplane::Snapshot*>& snapshot_;
  Resolver* resolver_;
  ControlStats stats_;
};

}  // namespace dns64d::control
