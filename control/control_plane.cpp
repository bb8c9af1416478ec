#include "control/control_plane.hpp"

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <algorithm>

#include "dataplane/dns/reader.hpp"
#include "dataplane/net/reply.hpp"
#include "dataplane/respond/respond.hpp"

namespace dns64d::control {

unsigned ControlPlane::step() {
  const dataplane::Snapshot& snap = *snapshot_.load(std::memory_order_acquire);
  unsigned handled = 0;
  std::array<rte_mbuf*, 64> mbufs;
  for (dataplane::Worker* w : workers_) {
    const unsigned n = rte_ring_sc_dequeue_burst(w->punt, reinterpret_cast<void**>(mbufs.data()),
                                                 mbufs.size(), nullptr);
    stats_.punted += n;
    handled += n;
    for (unsigned i = 0; i < n; ++i) {
      if (dataplane::punt_kind(mbufs[i]) == dataplane::PuntKind::exception) {
        if (exception_ != nullptr) {
          exception_->to_kernel(mbufs[i]);
        } else {
          ++stats_.exceptions_freed;
          rte_pktmbuf_free(mbufs[i]);
        }
        continue;
      }
      if (resolver_ != nullptr) {
        resolver_->submit(mbufs[i], *w, snap);
      } else {
        answer(*w, mbufs[i], snap);
      }
    }
  }
  if (exception_ != nullptr) handled += exception_->poll(workers_);
  if (tcp_ != nullptr) {
    handled += tcp_->poll(dataplane::now_ms(rte_get_tsc_hz()),
                          [&](std::uint64_t conn, const TcpPeer& peer,
                              std::span<const std::uint8_t> query) {
                            answer_stream(conn, peer, query, snap);
                          });
  }
  if (resolver_ != nullptr) resolver_->step(snap);
  return handled;
}

void ControlPlane::answer_stream(std::uint64_t conn, const TcpPeer& peer,
                                 std::span<const std::uint8_t> query,
                                 const dataplane::Snapshot& snap) {
  respond::Client client;
  client.is_v6 = peer.is_v6;
  std::copy_n(peer.addr.begin(), 4, client.v4.begin());
  client.v6 = peer.addr;
  std::copy(query.begin(), query.end(), stream_buf_.begin());
  const std::span<std::uint8_t> buf(stream_buf_);
  respond::Context ctx{&snap.views, cache_, reader_, dataplane::now_ms(rte_get_tsc_hz()),
                       snap.edns_udp_size};
  ctx.stream_limit = static_cast<std::uint16_t>(stream_buf_.size());
  const respond::Result r = respond::respond(buf, query.size(), client, ctx);
  reader_->quiescent();
  if (respond::is_answer(r.outcome)) {
    ++stats_.stream_cached;
    tcp_->answer(conn, buf.first(r.reply_len));
    return;
  }
  if (!respond::is_punt(r.outcome)) {
    tcp_->answer(conn, {});  // not a query we answer (a response, too short)
    return;
  }
  if (resolver_ != nullptr) {
    ++stats_.stream_resolved;
    resolver_->submit_stream(conn, client, query, snap);
    return;
  }
  dns::Message q;
  (void)dns::parse_message(dns::Bytes(query.data(), query.size()), q);
  const bool in_class = q.question.qclass == dns::cls::IN;
  std::copy(query.begin(), query.end(), stream_buf_.begin());
  const std::size_t len = respond::answer_rcode(
      buf, query.size(), in_class ? dns::rcode::SERVFAIL : dns::rcode::REFUSED, snap.edns_udp_size);
  ++stats_.stream_refused;
  tcp_->answer(conn, buf.first(len));
}

void ControlPlane::answer(dataplane::Worker& w, rte_mbuf* m, const dataplane::Snapshot& snap) {
  std::uint8_t* data = rte_pktmbuf_mtod(m, std::uint8_t*);
  const std::span<std::uint8_t> frame(data, static_cast<std::size_t>(m->buf_len) - m->data_off);
  net::FrameInfo info;
  const net::Outcome o =
      net::parse_frame({data, rte_pktmbuf_data_len(m)}, snap.local[m->port], info);
  if (o != net::Outcome::dns_query) {
    ++stats_.unanswerable;
    rte_pktmbuf_free(m);
    return;
  }
  const std::span<std::uint8_t> dns = frame.subspan(info.payload_offset);
  dns::Message q;
  (void)dns::parse_message(dns::Bytes(dns.data(), info.payload_length), q);
  const bool in_class = q.question.qclass == dns::cls::IN;
  const std::size_t len = respond::answer_rcode(
      dns, info.payload_length, in_class ? dns::rcode::SERVFAIL : dns::rcode::REFUSED,
      snap.edns_udp_size);
  const std::size_t out = len == 0 ? 0 : net::make_udp_reply(frame, info, len, false);
  if (out == 0) {
    ++stats_.unanswerable;
    rte_pktmbuf_free(m);
    return;
  }
  m->data_len = static_cast<std::uint16_t>(out);
  m->pkt_len = static_cast<std::uint32_t>(out);
  if (rte_ring_sp_enqueue(w.ret, m) != 0) {
    ++stats_.return_full;
    rte_pktmbuf_free(m);
    return;
  }
  ++(in_class ? stats_.answered_servfail : stats_.answered_refused);
}

}  // namespace dns64d::control
