// The poll-mode worker: bursts of mbufs from its RX queues through the pure
// frame verdict (respond/frame.hpp) and back out of its TX queues; misses to
// the control plane as records over its punt ring (the mbuf is freed at
// once), frames for the kernel over its exception ring; the control plane's
// answers back over its return ring. Never blocks, never allocates, never
// locks.
#pragma once

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "dataplane/cache/cache.hpp"
#include "dataplane/counter.hpp"
#include "dataplane/net/frame.hpp"
#include "dataplane/respond/counters.hpp"
#include "dataplane/respond/frame.hpp"
#include "dataplane/respond/view.hpp"
#include "dataplane/rrl/rrl.hpp"
#include "dataplane/snapshot.hpp"

namespace dns64d::dataplane {

inline constexpr unsigned max_burst = 256;

// Frames the glue itself disposes of, before or after the pure rooms. The
// first is the frame verdict's reply_failed_counter (respond/frame.hpp).
#define DNS64D_GLUE_OUTCOMES(X)                                        \
  X(dropped_reply_failed, "reply could not be written into the mbuf")  \
  X(dropped_multi_segment, "frame in a chain of mbufs (not expected)") \
  X(dropped_unknown_port, "frame from a port without configuration")   \
  X(dropped_punt_full, "punt ring full: the control plane is behind")  \
  X(dropped_exception_full, "exception ring full: the control plane is behind")

enum class GlueOutcome : std::uint8_t {
#define DNS64D_X(name, text) name,
  DNS64D_GLUE_OUTCOMES(DNS64D_X)
#undef DNS64D_X
      count_
};
inline constexpr std::size_t glue_outcome_count = static_cast<std::size_t>(GlueOutcome::count_);
std::string_view to_string(GlueOutcome o);
std::string_view describe(GlueOutcome o);

// The worker writes them, the control plane reads them whole (Counter).
#define DNS64D_WORKER_COUNTERS(X)                                \
  X(rx, "frames received")                                       \
  X(tx, "frames sent")                                           \
  X(tx_refused, "frames the TX queue did not take: freed")       \
  X(returned, "frames from the control plane put on a TX queue") \
  X(bursts, "receive bursts that brought frames")

// Every received frame lands in exactly one outcome: one flat table of the
// net outcomes, the DNS outcomes and the glue's, in that order (the frame
// verdict's counter indexes it).
inline constexpr std::size_t outcome_counters = respond::reply_failed_counter + glue_outcome_count;
static_assert(respond::reply_failed_counter == net::outcome_count + respond::dns_outcome_count);

struct alignas(64) WorkerStats {
  std::array<Counter, outcome_counters> outcomes{};
  Counter& net(net::Outcome o) { return outcomes[respond::counter_of(o)]; }
  Counter& dns(respond::DnsOutcome o) { return outcomes[respond::counter_of(o)]; }
  Counter& glue(GlueOutcome o) {
    return outcomes[respond::reply_failed_counter + static_cast<std::size_t>(o)];
  }
#define DNS64D_X(name, text) Counter name;
  DNS64D_WORKER_COUNTERS(DNS64D_X)
#undef DNS64D_X
};

struct QueueRef {
  std::uint16_t port;
  std::uint16_t queue;
};

// Frames on their way out of one TX queue: this burst's answers, then the
// control plane's.
struct TxBuffer {
  std::array<rte_mbuf*, max_burst * 2> mbufs;
  unsigned count = 0;
};

struct BurstState;  // per-burst scratch, in worker.cpp

struct alignas(64) Worker {
  unsigned index = 0;
  std::vector<QueueRef> queues;  // one queue on each port
  std::vector<TxBuffer> tx;      // one per queue, sized by prepare_worker
  std::shared_ptr<BurstState> burst_state;
  rte_ring* punt_ring = nullptr;       // worker → control: respond::Punted records
  rte_ring* exception_ring = nullptr;  // worker → control: frames for the kernel
  rte_ring* return_ring = nullptr;     // control → worker: complete frames
  cache::Reader* reader = nullptr;
  const cache::Cache* cache = nullptr;
  const std::atomic<const Snapshot*>* snapshot = nullptr;
  unsigned burst = 32;
  std::uint64_t tsc_hz = 1;
  // Response rate limiting, when [rrl] is on: its buckets, allocated once;
  // its events (a prefix starts or stops being limited) go to the control
  // loop's log.
  std::unique_ptr<rrl::Limiter> rrl;
  WorkerStats stats;
};

// Allocates the worker's buffers once `queues` is filled; call before polling.
void prepare_worker(Worker& w);

// One pass over the worker's queues and its return ring; returns the frames
// received. Single-lcore mode calls it from the control loop.
unsigned worker_poll(Worker& w);

// Loops worker_poll until `stop` is set. For rte_eal_remote_launch.
struct WorkerLaunch {
  Worker* worker;
  const std::atomic<bool>* stop;
};
int worker_main(void* launch);

// Milliseconds on the TSC, the clock of the cache and of every worker.
std::uint64_t now_ms(std::uint64_t tsc_hz);
// Seconds since the epoch, modulo 2^32 (DNS Cookies' timestamps); the
// coarse clock, a read of the vDSO page, once a burst.
std::uint32_t unix_seconds();

// What crosses the punt ring: the query as a record, and the snapshot it
// was decided under, so that the control plane answers it under the same
// one (a reload must not answer it half-old, half-new).
struct PuntRecord {
  respond::Punted query;
  const Snapshot* snapshot = nullptr;
};
// The punt ring: a ring of PuntRecords, `size` of them.
rte_ring* create_punt_ring(const char* name, unsigned size, int socket);
inline constexpr unsigned punted_size = sizeof(PuntRecord);

}  // namespace dns64d::dataplane
