// The control plane's share of the packet work: drain every worker's punt
// ring (question keys, never mbufs) into the resolver, answer what comes
// back with frames from the control plane's own mbuf pool through that
// worker's return ring, and without a resolver answer misses SERVFAIL.
// Exception frames go to the kernel interface of their port (counted and
// freed where there is none), and DNS over TCP from the kernel's listener
// is answered from the same cache and resolver.
#pragma once

#include <rte_mempool.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "control/exception.hpp"
#include "control/resolver.hpp"
#include "control/tcp_server.hpp"
#include "dataplane/rrl/rrl.hpp"
#include "dataplane/worker.hpp"

namespace dns64d::control {

#define DNS64D_CONTROL_COUNTERS(X)                                             \
  X(punted, "queries taken off punt rings")                                    \
  X(exceptions, "frames taken off exception rings")                            \
  X(answered_servfail, "misses answered SERVFAIL: no upstream to ask")         \
  X(answered_refused, "classes other than IN answered REFUSED: no upstream")   \
  X(exceptions_freed, "exception frames freed: no kernel interface")           \
  X(stream_cached, "TCP queries answered from the cache at once")              \
  X(stream_resolved, "TCP queries handed to the resolver")                     \
  X(stream_refused, "TCP queries answered SERVFAIL/REFUSED: no resolver")      \
  X(unanswerable, "replies no frame could be built for")                       \
  X(reply_pool_empty, "replies lost: the control plane's mbuf pool was empty") \
  X(return_full, "reply frames freed: a worker's return ring was full")        \
  X(returned, "reply frames put on a return ring")                             \
  X(rrl_slipped, "replies rate-limited to a slip (TC=1, the question only)")   \
  X(rrl_dropped, "replies rate-limited away")

struct ControlStats {
  DNS64D_CONTROL_COUNTERS(DNS64D_COUNTER_FIELD)
  template <class F>
  void for_each(F&& f) const {
    DNS64D_CONTROL_COUNTERS(DNS64D_COUNTER_VISIT)
  }
};

class ControlPlane final : public Requester {
 public:
  // Replies are built in mbufs from `reply_pool`, never from a port's RX
  // pool. Without a resolver (upstream disabled) misses are answered
  // SERVFAIL.
  ControlPlane(std::vector<dataplane::Worker*> workers,
               const std::atomic<const dataplane::Snapshot*>& snapshot, rte_mempool* reply_pool)
      : workers_(std::move(workers)), snapshot_(snapshot), reply_pool_(reply_pool) {}

  void set_resolver(Resolver* r) { resolver_ = r; }
  // Rate limiting of the datagram answers the control plane sends (the
  // workers limit their own): relayed and resolved answers, SERVFAILs.
  void set_rrl(rrl::Limiter* limiter) { rrl_ = limiter; }
  // Where exception frames go (none: counted and freed).
  void set_exception_path(ExceptionPath* e) { exception_ = e; }
  // DNS over TCP, answered from `cache` through the control thread's reader.
  void set_tcp(TcpServer* tcp, const cache::Cache* cache, cache::Reader* reader) {
    tcp_ = tcp;
    cache_ = cache;
    reader_ = reader;
  }

  // One pass over the punt and exception rings, the exception path and the
  // TCP connections; returns the queries, frames and events handled.
  unsigned step();
  const ControlStats& stats() const { return stats_; }

  // Requester: a datagram answer becomes a frame on the worker's return
  // ring, a stream answer goes to the TCP server.
  void answer(const ReplyTo& to, std::span<const std::uint8_t> reply) override;

 private:
  // Sends a reply; false when it was lost (no mbuf, no room, ring full).
  bool deliver(const ReplyTo& to, std::span<const std::uint8_t> reply);
  void resolve(const respond::QuestionKey& key, const respond::Client& client, const ReplyTo& to,
               const dataplane::Snapshot& snap);
  void answer_stream(std::uint64_t conn, const TcpPeer& peer, std::span<const std::uint8_t> query,
                     const dataplane::Snapshot& snap);

  std::vector<dataplane::Worker*> workers_;
  const std::atomic<const dataplane::Snapshot*>& snapshot_;
  rte_mempool* reply_pool_;
  Resolver* resolver_ = nullptr;
  rrl::Limiter* rrl_ = nullptr;
  std::vector<std::uint8_t> slip_buf_ = std::vector<std::uint8_t>(65535);
  ExceptionPath* exception_ = nullptr;
  TcpServer* tcp_ = nullptr;
  const cache::Cache* cache_ = nullptr;
  cache::Reader* reader_ = nullptr;
  std::vector<std::uint8_t> stream_buf_ = std::vector<std::uint8_t>(65535);
  std::array<dataplane::PuntRecord, 64> punted_;
  ControlStats stats_;
};

}  // namespace dns64d::control
