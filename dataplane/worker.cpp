#include "dataplane/worker.hpp"

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include <ctime>
#include <type_traits>

#include "dataplane/dns/xtable.hpp"
#include "dataplane/net/reply.hpp"
#include "dataplane/respond/respond.hpp"

namespace dns64d::dataplane {

namespace {

static_assert(static_cast<std::size_t>(GlueOutcome::dropped_reply_failed) == 0,
              "the verdict's reply_failed_counter is the first glue outcome");
static_assert(sizeof(PuntRecord) % 4 == 0, "rte_ring elements are multiples of 4 octets");
static_assert(std::is_trivially_copyable_v<PuntRecord>, "rte_ring copies elements as words");

void flush(Worker& w, const QueueRef& q, TxBuffer& tx) {
  if (tx.count == 0) return;
  const std::uint16_t sent =
      rte_eth_tx_burst(q.port, q.queue, tx.mbufs.data(), static_cast<std::uint16_t>(tx.count));
  w.stats.tx += sent;
  if (unlikely(sent < tx.count)) {
    w.stats.tx_refused += tx.count - sent;
    rte_pktmbuf_free_bulk(tx.mbufs.data() + sent, tx.count - sent);
  }
  tx.count = 0;
}

// The reply's UDP checksum field holds the pseudo-header sum; the port adds
// the rest. The IPv4 header checksum is already written in software.
void request_udp_checksum(rte_mbuf* m, const net::FrameInfo& info) {
  m->tx_offload =
      rte_mbuf_tx_offload(info.l3_offset, info.ip_version == 4 ? 20 : 40, 0, 0, 0, 0, 0);
  m->ol_flags |=
      (info.ip_version == 4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6) | RTE_MBUF_F_TX_UDP_CKSUM;
}

void set_length(rte_mbuf* m, std::size_t len) {
  m->data_len = static_cast<std::uint16_t>(len);
  m->pkt_len = static_cast<std::uint32_t>(len);
}

void count_glue(Worker& w, GlueOutcome o) { ++w.stats.glue(o); }

// The frame verdict's counter indexes the worker's outcome table directly.
void count(Worker& w, const respond::FrameVerdict& v) { ++w.stats.outcomes[v.counter]; }

}  // namespace

struct BurstState {
  std::array<respond::FrameWork, max_burst> work;
  PuntRecord punted;  // the record being punted
};

namespace {

// First pass: classify the frame and, for DNS, parse the query and prefetch
// its cache bucket, so the second pass finds it near.
void classify(const Snapshot& snap, rte_mbuf* m, const respond::Context& ctx,
              respond::FrameWork& work) {
  if (unlikely(m->nb_segs != 1 || m->port >= max_ports)) {
    work.prepared.fast = false;
    work.outcome = net::Outcome::drop_too_short;  // decided in handle()
    return;
  }
  net::RxChecksum rx;
  rx.ip_good = (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
  rx.l4_good = (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
  respond::classify_frame({rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m)},
                          snap.local[m->port], rx, ctx, work);
}

// Second pass: does what the frame's verdict says; returns true when `m`
// goes out on `tx`.
bool handle(Worker& w, const Snapshot& snap, rte_mbuf* m, std::uint16_t queue,
            const respond::Context& ctx, const respond::FrameWork& work, PuntRecord& punted) {
  if (unlikely(m->nb_segs != 1)) {
    count_glue(w, GlueOutcome::dropped_multi_segment);
    rte_pktmbuf_free(m);
    return false;
  }
  if (unlikely(m->port >= max_ports)) {
    count_glue(w, GlueOutcome::dropped_unknown_port);
    rte_pktmbuf_free(m);
    return false;
  }
  const std::span<std::uint8_t> frame(rte_pktmbuf_mtod(m, std::uint8_t*),
                                      static_cast<std::size_t>(m->buf_len) - m->data_off);
  const bool offload = snap.tx_udp_checksum[m->port];
  const respond::FrameVerdict v =
      respond::decide_frame(frame, work, snap.local[m->port], ctx, offload, punted.query);
  switch (v.action) {
    case respond::FrameAction::transmit:
      if (offload && work.outcome == net::Outcome::dns_query) request_udp_checksum(m, work.info);
      set_length(m, v.len);
      count(w, v);
      return true;
    case respond::FrameAction::punt:
      // The query travels as a record; its buffer goes back to the pool now.
      punted.query.origin.port = m->port;
      punted.query.origin.queue = queue;
      punted.snapshot = &snap;
      if (rte_ring_sp_enqueue_elem(w.punt_ring, &punted, punted_size) == 0) {
        count(w, v);
      } else {
        count_glue(w, GlueOutcome::dropped_punt_full);
      }
      break;
    case respond::FrameAction::exception:
      if (rte_ring_sp_enqueue(w.exception_ring, m) == 0) {
        count(w, v);
        return false;  // the ring owns it now
      }
      count_glue(w, GlueOutcome::dropped_exception_full);
      break;
    case respond::FrameAction::drop:
      count(w, v);
      break;
  }
  rte_pktmbuf_free(m);
  return false;
}

}  // namespace

DNS64D_DEFINE_XTABLE_NAMES(GlueOutcome, DNS64D_GLUE_OUTCOMES)

rte_ring* create_punt_ring(const char* name, unsigned size, int socket) {
  return rte_ring_create_elem(name, punted_size, size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
}

std::uint32_t unix_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<std::uint32_t>(ts.tv_sec);
}

std::uint64_t now_ms(std::uint64_t tsc_hz) {
  const std::uint64_t t = rte_get_tsc_cycles();
  return t / tsc_hz * 1000 + (t % tsc_hz) * 1000 / tsc_hz;
}

unsigned worker_poll(Worker& w) {
  const Snapshot& snap = *w.snapshot->load(std::memory_order_acquire);
  const std::uint64_t now = now_ms(w.tsc_hz);
  unsigned received = 0;
  std::array<rte_mbuf*, max_burst> rx;
  BurstState& state = *w.burst_state;
  respond::Context ctx{&snap.views, w.cache, w.reader, now, snap.edns_udp_size};
  ctx.server = &snap.server;
  ctx.rrl = w.rrl.get();
  if (snap.cookies.enabled) {
    ctx.cookies = &snap.cookies;
    ctx.unix_now = unix_seconds();
  }
  for (std::size_t qi = 0; qi < w.queues.size(); ++qi) {
    const QueueRef& q = w.queues[qi];
    TxBuffer& tx = w.tx[qi];
    const std::uint16_t n =
        rte_eth_rx_burst(q.port, q.queue, rx.data(), static_cast<std::uint16_t>(w.burst));
    if (n == 0) continue;
    received += n;
    w.stats.rx += n;
    ++w.stats.bursts;
    // Three stages over the burst so the cache's memory latency overlaps:
    // parse and prefetch the bucket; `lag` packets later, with the bucket
    // near, prefetch the entry; then answer. The first packets' entries are
    // requested during the parse already, so they are near when answering starts.
    constexpr unsigned ahead = 4;
    constexpr unsigned lag = 8;
    for (unsigned i = 0; i < n && i < ahead; ++i) rte_prefetch0(rte_pktmbuf_mtod(rx[i], void*));
    for (unsigned i = 0; i < n; ++i) {
      if (i + ahead < n) rte_prefetch0(rte_pktmbuf_mtod(rx[i + ahead], void*));
      classify(snap, rx[i], ctx, state.work[i]);
      if (i >= lag) respond::prefetch_entry(state.work[i - lag].prepared, ctx);
    }
    for (unsigned i = n > lag ? n - lag : 0; i < n; ++i)
      respond::prefetch_entry(state.work[i].prepared, ctx);
    for (unsigned i = 0; i < n; ++i) {
      if (handle(w, snap, rx[i], q.queue, ctx, state.work[i], state.punted))
        tx.mbufs[tx.count++] = rx[i];
    }
  }
  // Answers the control plane finished: each goes out on its own port.
  std::array<rte_mbuf*, max_burst> back;
  const unsigned got =
      w.return_ring == nullptr
          ? 0
          : rte_ring_sc_dequeue_burst(w.return_ring, reinterpret_cast<void**>(back.data()), w.burst,
                                      nullptr);
  for (unsigned i = 0; i < got; ++i) {
    rte_mbuf* m = back[i];
    std::size_t qi = 0;
    while (qi < w.queues.size() && w.queues[qi].port != m->port) ++qi;
    if (qi == w.queues.size() || w.tx[qi].count == w.tx[qi].mbufs.size()) {
      ++w.stats.tx_refused;
      rte_pktmbuf_free(m);
      continue;
    }
    w.tx[qi].mbufs[w.tx[qi].count++] = m;
    ++w.stats.returned;
  }
  for (std::size_t qi = 0; qi < w.queues.size(); ++qi) flush(w, w.queues[qi], w.tx[qi]);
  w.reader->quiescent();
  return received;
}

void prepare_worker(Worker& w) {
  w.tx.resize(w.queues.size());
  w.burst_state = std::make_shared<BurstState>();
}

int worker_main(void* arg) {
  auto* launch = static_cast<WorkerLaunch*>(arg);
  Worker& w = *launch->worker;
  w.reader->online();
  while (!launch->stop->load(std::memory_order_relaxed)) {
    worker_poll(w);
  }
  w.reader->offline();
  return 0;
}

}  // namespace dns64d::dataplane
