#include "control/control_plane.hpp"

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <algorithm>

#include "dataplane/net/origin.hpp"
#include "dataplane/respond/respond.hpp"

namespace dns64d::control {

unsigned ControlPlane::step() {
  const dataplane::Snapshot& snap = *snapshot_.load(std::memory_order_acquire);
  unsigned handled = 0;
  for (std::size_t wi = 0; wi < workers_.size(); ++wi) {
    dataplane::Worker* w = workers_[wi];
    const unsigned n =
        rte_ring_sc_dequeue_burst_elem(w->punt_ring, punted_.data(), dataplane::punted_size,
                                       static_cast<unsigned>(punted_.size()), nullptr);
    stats_.punted += n;
    handled += n;
    for (unsigned i = 0; i < n; ++i) {
      ReplyTo to;
      to.kind = ReplyTo::Kind::datagram;
      to.worker = static_cast<std::uint16_t>(wi);
      to.origin = punted_[i].query.origin;
      to.cookie_valid = punted_[i].query.key.cookie.valid;
      const dataplane::Snapshot* decided = punted_[i].snapshot;
      resolve(punted_[i].query.key, punted_[i].query.client, to,
              decided != nullptr ? *decided : snap);
    }
    std::array<rte_mbuf*, 32> frames;
    const unsigned e = rte_ring_sc_dequeue_burst(
        w->exception_ring, reinterpret_cast<void**>(frames.data()), frames.size(), nullptr);
    stats_.exceptions += e;
    handled += e;
    for (unsigned i = 0; i < e; ++i) {
      if (exception_ != nullptr) {
        exception_->to_kernel(frames[i]);
      } else {
        ++stats_.exceptions_freed;
        rte_pktmbuf_free(frames[i]);
      }
    }
  }
  if (exception_ != nullptr) handled += exception_->poll(workers_);
  if (tcp_ != nullptr) {
    handled += tcp_->poll(
        dataplane::now_ms(rte_get_tsc_hz()),
        [&](std::uint64_t conn, const TcpPeer& peer, std::span<const std::uint8_t> query) {
          answer_stream(conn, peer, query, snap);
        });
  }
  if (resolver_ != nullptr) resolver_->step();
  return handled;
}

void ControlPlane::resolve(const respond::QuestionKey& key, const respond::Client& client,
                           const ReplyTo& to, const dataplane::Snapshot& snap) {
  if (resolver_ != nullptr) {
    resolver_->submit(key, client, to, snap);
    return;
  }
  const bool in_class = key.qclass == dns::cls::IN;
  const std::uint16_t stream = to.kind == ReplyTo::Kind::stream ? 65535 : 0;
  const std::size_t len =
      respond::answer_rcode(key, stream_buf_, in_class ? dns::rcode::SERVFAIL : dns::rcode::REFUSED,
                            snap.edns_udp_size, stream);
  if (deliver(to, std::span<const std::uint8_t>(stream_buf_.data(), len)) && len != 0) {
    ++(in_class ? stats_.answered_servfail : stats_.answered_refused);
  }
}

void ControlPlane::answer(const ReplyTo& to, std::span<const std::uint8_t> reply) {
  (void)deliver(to, reply);
}

bool ControlPlane::deliver(const ReplyTo& to, std::span<const std::uint8_t> reply) {
  if (to.kind == ReplyTo::Kind::stream) {
    if (tcp_ != nullptr) tcp_->answer(to.stream, reply);
    return tcp_ != nullptr;
  }
  if (reply.empty()) return false;  // no answer for this client
  if (to.worker >= workers_.size()) {
    ++stats_.unanswerable;
    return false;
  }
  if (rrl_ != nullptr && !to.cookie_valid) {
    // The client is the query's source, in the kept headers.
    const net::Origin& o = to.origin;
    const std::uint64_t now = dataplane::now_ms(rte_get_tsc_hz());
    rrl::Decision d = rrl::Decision::drop;
    if (o.ip_version == 4 && o.l3_offset + 16u <= net::Origin::max_headers) {
      std::array<std::uint8_t, 4> a;
      std::copy_n(o.headers.begin() + o.l3_offset + 12, 4, a.begin());
      d = rrl_->decide_v4(a, now);
    } else if (o.ip_version == 6 && o.l3_offset + 24u <= net::Origin::max_headers) {
      std::array<std::uint8_t, 16> a;
      std::copy_n(o.headers.begin() + o.l3_offset + 8, 16, a.begin());
      d = rrl_->decide_v6(a, now);
    }
    if (d == rrl::Decision::drop) {
      ++stats_.rrl_dropped;
      return false;
    }
    if (d == rrl::Decision::slip) {
      std::copy(reply.begin(), reply.end(), slip_buf_.begin());
      const std::size_t n = rrl::make_slip(slip_buf_, reply.size());
      reply = std::span<const std::uint8_t>(slip_buf_.data(), n);
      ++stats_.rrl_slipped;
    }
  }
  rte_mbuf* m = rte_pktmbuf_alloc(reply_pool_);
  if (m == nullptr) {
    ++stats_.reply_pool_empty;
    return false;
  }
  const std::span<std::uint8_t> room(rte_pktmbuf_mtod(m, std::uint8_t*),
                                     static_cast<std::size_t>(m->buf_len) - m->data_off);
  const std::size_t len = net::make_udp_reply(to.origin, reply, room, false);
  if (len == 0) {
    ++stats_.unanswerable;
    rte_pktmbuf_free(m);
    return false;
  }
  m->data_len = static_cast<std::uint16_t>(len);
  m->pkt_len = static_cast<std::uint32_t>(len);
  m->port = to.origin.port;
  if (rte_ring_sp_enqueue(workers_[to.worker]->return_ring, m) != 0) {
    ++stats_.return_full;
    rte_pktmbuf_free(m);
    return false;
  }
  ++stats_.returned;
  return true;
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
  ctx.server = &snap.server;
  if (snap.cookies.enabled) {
    ctx.cookies = &snap.cookies;
    ctx.unix_now = dataplane::unix_seconds();
  }
  respond::QuestionKey key;
  const respond::Result r = respond::respond(buf, query.size(), client, ctx, &key);
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
  ++(resolver_ != nullptr ? stats_.stream_resolved : stats_.stream_refused);
  ReplyTo to;
  to.kind = ReplyTo::Kind::stream;
  to.stream = conn;
  resolve(key, client, to, snap);
}

}  // namespace dns64d::control
