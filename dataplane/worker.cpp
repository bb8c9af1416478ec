#include "dataplane/worker.hpp"

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include "dataplane/dns/xtable.hpp"
#include "dataplane/net/reply.hpp"
#include "dataplane/respond/respond.hpp"

namespace dns64d::dataplane {

namespace {

// Where the punt kind travels: the mbuf's hash field is free on our path.
std::uint32_t& punt_slot(rte_mbuf* m) { return m->hash.usr; }

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

bool punt(Worker& w, rte_mbuf* m, PuntKind kind) {
  set_punt_kind(m, kind);
  if (rte_ring_sp_enqueue(w.punt, m) == 0) return true;
  ++w.stats.glue[static_cast<std::size_t>(GlueOutcome::dropped_punt_full)];
  rte_pktmbuf_free(m);
  return false;
}

// What the first pass over a burst learnt about one frame.
struct Parsed {
  net::Outcome outcome;
  net::FrameInfo info;
  respond::Client client;
  respond::Prepared prepared;
};

}  // namespace

struct BurstState {
  std::array<Parsed, max_burst> parsed;
};

namespace {

// First pass: classify the frame and, for DNS, parse the query and prefetch
// its cache bucket, so the second pass finds it near.
void classify(const Snapshot& snap, rte_mbuf* m, const respond::Context& ctx, Parsed& p) {
  p.prepared.fast = false;
  if (unlikely(m->nb_segs != 1 || m->port >= max_ports)) {
    p.outcome = net::Outcome::drop_too_short;  // decided again, precisely, in handle()
    return;
  }
  const std::uint8_t* data = rte_pktmbuf_mtod(m, const std::uint8_t*);
  net::RxChecksum rx;
  rx.ip_good = (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
  rx.l4_good = (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
  p.outcome = net::parse_frame({data, rte_pktmbuf_data_len(m)}, snap.local[m->port], p.info, rx);
  if (p.outcome != net::Outcome::dns_query) return;
  p.client.is_v6 = p.info.ip_version == 6;
  if (p.client.is_v6) {
    p.client.v6 = p.info.src_ip;
  } else {
    p.client.v4 = net::v4_of(p.info.src_ip);
  }
  respond::prepare({data + p.info.payload_offset, p.info.payload_length}, p.client, ctx,
                   p.prepared);
}

// Second pass: handles one frame; returns true when `m` goes out on `tx`.
bool handle(Worker& w, const Snapshot& snap, rte_mbuf* m, const respond::Context& ctx,
            const Parsed& p) {
  if (unlikely(m->nb_segs != 1)) {
    ++w.stats.glue[static_cast<std::size_t>(GlueOutcome::dropped_multi_segment)];
    rte_pktmbuf_free(m);
    return false;
  }
  if (unlikely(m->port >= max_ports)) {
    ++w.stats.glue[static_cast<std::size_t>(GlueOutcome::dropped_unknown_port)];
    rte_pktmbuf_free(m);
    return false;
  }
  std::uint8_t* data = rte_pktmbuf_mtod(m, std::uint8_t*);
  const std::size_t room = static_cast<std::size_t>(m->buf_len) - m->data_off;
  const net::LocalAddrs& local = snap.local[m->port];
  const net::FrameInfo& info = p.info;
  const net::Outcome o = p.outcome;
  const std::span<std::uint8_t> frame(data, room);
  std::size_t out = 0;
  switch (o) {
    case net::Outcome::dns_query: {
      const std::span<std::uint8_t> dns = frame.subspan(info.payload_offset);
      const respond::Result r =
          respond::respond(dns, info.payload_length, p.client, ctx, p.prepared);
      if (respond::is_punt(r.outcome)) {
        if (punt(w, m, PuntKind::dns_miss)) ++w.stats.dns[static_cast<std::size_t>(r.outcome)];
        return false;  // the ring owns it now, or it was freed
      }
      if (!respond::is_answer(r.outcome)) {
        ++w.stats.dns[static_cast<std::size_t>(r.outcome)];
        rte_pktmbuf_free(m);
        return false;
      }
      const bool offload = snap.tx_udp_checksum[m->port];
      out = net::make_udp_reply(frame, info, r.reply_len, offload);
      if (offload) request_udp_checksum(m, info);
      if (unlikely(out == 0)) {
        ++w.stats.glue[static_cast<std::size_t>(GlueOutcome::dropped_reply_failed)];
        rte_pktmbuf_free(m);
        return false;
      }
      ++w.stats.dns[static_cast<std::size_t>(r.outcome)];
      set_length(m, out);
      return true;
    }
    case net::Outcome::arp_request:
      out = net::make_arp_reply(frame, info, local);
      break;
    case net::Outcome::nd_solicit:
      out = net::make_nd_advert(frame, info, local);
      break;
    case net::Outcome::icmp4_echo:
    case net::Outcome::icmp6_echo:
      out = net::make_echo_reply(frame, info);
      break;
    default:
      if (net::is_exception(o)) {
        if (punt(w, m, PuntKind::exception)) ++w.stats.net[static_cast<std::size_t>(o)];
        return false;
      }
      ++w.stats.net[static_cast<std::size_t>(o)];
      rte_pktmbuf_free(m);
      return false;
  }
  if (unlikely(out == 0)) {
    ++w.stats.glue[static_cast<std::size_t>(GlueOutcome::dropped_reply_failed)];
    rte_pktmbuf_free(m);
    return false;
  }
  ++w.stats.net[static_cast<std::size_t>(o)];
  set_length(m, out);
  return true;
}

}  // namespace

DNS64D_DEFINE_XTABLE_NAMES(GlueOutcome, DNS64D_GLUE_OUTCOMES)

void set_punt_kind(rte_mbuf* m, PuntKind k) { punt_slot(m) = static_cast<std::uint32_t>(k); }
PuntKind punt_kind(const rte_mbuf* m) { return static_cast<PuntKind>(m->hash.usr); }

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
  const respond::Context ctx{&snap.views, w.cache, w.reader, now, snap.edns_udp_size};
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
      classify(snap, rx[i], ctx, state.parsed[i]);
      if (i >= lag) respond::prefetch_entry(state.parsed[i - lag].prepared, ctx);
    }
    for (unsigned i = n > lag ? n - lag : 0; i < n; ++i)
      respond::prefetch_entry(state.parsed[i].prepared, ctx);
    for (unsigned i = 0; i < n; ++i) {
      if (handle(w, snap, rx[i], ctx, state.parsed[i])) tx.mbufs[tx.count++] = rx[i];
    }
  }
  // Answers the control plane finished: each goes out on its own port.
  std::array<rte_mbuf*, max_burst> back;
  const unsigned got = w.ret == nullptr
                           ? 0
                           : rte_ring_sc_dequeue_burst(w.ret, reinterpret_cast<void**>(back.data()),
                                                       w.burst, nullptr);
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
