#include "dataplane/respond/frame.hpp"

#include "dataplane/net/origin.hpp"
#include "dataplane/net/reply.hpp"

namespace dns64d::respond {

namespace {

FrameVerdict counted(FrameAction a, net::Outcome o, std::size_t len = 0) {
  return {a, CountIn::net, static_cast<std::uint8_t>(o), len};
}
FrameVerdict counted(FrameAction a, DnsOutcome o, std::size_t len = 0) {
  return {a, CountIn::dns, static_cast<std::uint8_t>(o), len};
}
FrameVerdict reply_failed() { return {FrameAction::drop, CountIn::reply_failed, 0, 0}; }

}  // namespace

void classify_frame(std::span<const std::uint8_t> frame, const net::LocalAddrs& local,
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
  prepare(frame.subspan(info.payload_offset, info.payload_length), work.client, ctx,
          work.prepared);
}

FrameVerdict decide_frame(std::span<std::uint8_t> frame, const FrameWork& work,
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
        if (!net::make_origin(frame, info, 0, 0, punted.origin)) return reply_failed();
        return counted(FrameAction::punt, r.outcome);
      }
      if (!is_answer(r.outcome)) return counted(FrameAction::drop, r.outcome);
      out = net::make_udp_reply(frame, info, r.reply_len, offload_l4);
      if (out == 0) return reply_failed();
      return counted(FrameAction::transmit, r.outcome, out);
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
      return counted(net::is_exception(o) ? FrameAction::exception : FrameAction::drop, o);
  }
  if (out == 0) return reply_failed();
  return counted(FrameAction::transmit, o, out);
}

}  // namespace dns64d::respond
