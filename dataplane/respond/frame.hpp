// The worker's whole decision for one received frame, over bytes: classify
// it (and for DNS parse the query and prefetch its cache bucket), then say
// what becomes of it: a reply written in place, a query for the control
// plane, a frame for the exception path, or a drop, with the one counter it
// lands in. Pure, so it is tested and fuzzed without DPDK; the worker only
// moves the mbuf as the verdict says. The one state it changes is the
// response rate limiter's buckets, when the context hands it one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/net/frame.hpp"
#include "dataplane/net/origin.hpp"
#include "dataplane/net/reply.hpp"
#include "dataplane/respond/respond.hpp"
#include "dataplane/rrl/rrl.hpp"

namespace dns64d::respond {

// The first pass over a burst: what classify_frame learnt about one frame.
struct FrameWork {
  net::Outcome outcome = net::Outcome::drop_too_short;
  net::FrameInfo info;
  Client client;
  Prepared prepared;
};

enum class FrameAction : std::uint8_t {
  transmit,   // the reply is in the buffer: `len` octets
  punt,       // a DNS query for the control plane: the Punted record is filled
  exception,  // for the kernel, as it is
  drop,
};

// The one counter a frame lands in, as an index into one flat table: every
// net::Outcome, then every DnsOutcome, then `reply_failed_counter` (a reply
// that could not be written), so the worker counts with a single increment.
inline constexpr std::size_t dns_counter_base = net::outcome_count;
inline constexpr std::size_t reply_failed_counter = net::outcome_count + dns_outcome_count;
constexpr std::uint8_t counter_of(net::Outcome o) { return static_cast<std::uint8_t>(o); }
constexpr std::uint8_t counter_of(DnsOutcome o) {
  return static_cast<std::uint8_t>(dns_counter_base + static_cast<std::size_t>(o));
}
constexpr bool is_dns_counter(std::size_t c) {
  return c >= dns_counter_base && c < reply_failed_counter;
}
constexpr DnsOutcome dns_outcome_of(std::size_t c) {
  return static_cast<DnsOutcome>(c - dns_counter_base);
}
static_assert(reply_failed_counter < 256);

struct FrameVerdict {
  FrameAction action = FrameAction::drop;
  std::uint8_t counter = 0;
  std::size_t len = 0;
};

// classify_frame and decide_frame are inline: they run once per frame in
// the worker's loop.

namespace detail {

inline FrameVerdict counted(FrameAction a, net::Outcome o, std::size_t len = 0) {
  return {a, counter_of(o), len};
}
inline FrameVerdict counted(FrameAction a, DnsOutcome o, std::size_t len = 0) {
  return {a, counter_of(o), len};
}
inline FrameVerdict reply_failed() {
  return {FrameAction::drop, static_cast<std::uint8_t>(reply_failed_counter), 0};
}

// The limiter's word on an answer about to go out to `client`.
inline rrl::Decision limit(rrl::Limiter& rrl, const Client& client, std::uint64_t now_ms) {
  return client.is_v6 ? rrl.decide_v6(client.v6, now_ms) : rrl.decide_v4(client.v4, now_ms);
}

}  // namespace detail

// Classifies `frame` (the received octets) and, for a DNS query, prepares it
// (view, key, cache bucket prefetched).
inline void classify_frame(std::span<const std::uint8_t> frame, const net::LocalAddrs& local,
                           net::RxChecksum rx, const Context& ctx, FrameWork& work) {
  work.prepared.fast = false;
  work.outcome = net::parse_frame(frame, local, work.info, rx);
  if (work.outcome != net::Outcome::dns_query) return;
  const net::FrameInfo& info = work.info;
  work.client.is_v6 = info.ip_version == 6;
  if (work.client.is_v6) {
    work.client.v6 = info.src_ip;
  } else {
    work.client.v4 = net::v4_of(info.src_ip);
  }
  prepare(frame.subspan(info.payload_offset, info.payload_length), work.client, ctx, work.prepared);
}

// The second pass: `frame` holds the received frame and its size is the
// room a reply may use. `offload_l4`: the port computes the UDP checksum.
// For FrameAction::punt, `punted` gets the key, the client and the origin
// (its port and queue are left to the caller).
inline FrameVerdict decide_frame(std::span<std::uint8_t> frame, const FrameWork& work,
                                 const net::LocalAddrs& local, const Context& ctx, bool offload_l4,
                                 Punted& punted) {
  const net::FrameInfo& info = work.info;
  const net::Outcome o = work.outcome;
  std::size_t out = 0;
  switch (o) {
    case net::Outcome::dns_query: {
      const std::span<std::uint8_t> dns = frame.subspan(info.payload_offset);
      const Result r =
          respond(dns, info.payload_length, work.client, ctx, work.prepared, &punted.key);
      if (is_punt(r.outcome)) {
        punted.client = work.client;
        if (!net::make_origin(frame, info, 0, 0, punted.origin)) return detail::reply_failed();
        return detail::counted(FrameAction::punt, r.outcome);
      }
      if (!is_answer(r.outcome)) return detail::counted(FrameAction::drop, r.outcome);
      DnsOutcome sent = r.outcome;
      std::size_t dns_len = r.reply_len;
      // Every answer the worker sends counts against its client's prefix,
      // unless the client showed with a server cookie of ours that the
      // address is its own (RFC 7873 §5.2.4); punted queries are answered
      // later by the control plane, which limits them itself.
      if (ctx.rrl != nullptr && !r.cookie_valid) [[unlikely]] {
        switch (detail::limit(*ctx.rrl, work.client, ctx.now_ms)) {
          case rrl::Decision::allow:
            break;
          case rrl::Decision::slip:
            sent = DnsOutcome::limited_slipped;
            dns_len = rrl::make_slip(dns, dns_len);
            break;
          case rrl::Decision::drop:
            return detail::counted(FrameAction::drop, DnsOutcome::limited_dropped);
        }
      }
      out = net::make_udp_reply(frame, info, dns_len, offload_l4);
      if (out == 0) return detail::reply_failed();
      return detail::counted(FrameAction::transmit, sent, out);
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
      return detail::counted(net::is_exception(o) ? FrameAction::exception : FrameAction::drop, o);
  }
  if (out == 0) return detail::reply_failed();
  return detail::counted(FrameAction::transmit, o, out);
}

}  // namespace dns64d::respond
