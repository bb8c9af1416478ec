// The worker's whole decision for one received frame, over bytes: classify
// it (and for DNS parse the query and prefetch its cache bucket), then say
// what becomes of it: a reply written in place, a query for the control
// plane, a frame for the exception path, or a drop, with the one counter it
// lands in. Pure, so it is tested and fuzzed without DPDK; the worker only
// moves the mbuf as the verdict says.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/net/frame.hpp"
#include "dataplane/respond/respond.hpp"

namespace dns64d::respond {

// The first pass over a burst: what classify_frame learnt about one frame.
struct FrameWork {
  net::Outcome outcome = net::Outcome::drop_too_short;
  net::FrameInfo info;
  Client client;
  Prepared prepared;
};

// Classifies `frame` (the received octets) and, for a DNS query, prepares it
// (view, key, cache bucket prefetched).
void classify_frame(std::span<const std::uint8_t> frame, const net::LocalAddrs& local,
                    net::RxChecksum rx, const Context& ctx, FrameWork& work);

enum class FrameAction : std::uint8_t {
  transmit,   // the reply is in the buffer: `len` octets
  punt,       // a DNS query for the control plane: the Punted record is filled
  exception,  // for the kernel, as it is
  drop,
};

// Which counter table the frame lands in: net::Outcome or DnsOutcome by
// `index`, or a reply that could not be written.
enum class CountIn : std::uint8_t { net, dns, reply_failed };

struct FrameVerdict {
  FrameAction action = FrameAction::drop;
  CountIn table = CountIn::net;
  std::uint8_t index = 0;
  std::size_t len = 0;
};

// The second pass: `frame` holds the received frame and its size is the
// room a reply may use. `offload_l4`: the port computes the UDP checksum.
// For FrameAction::punt, `punted` gets the key, the client and the origin
// (its port and queue are left to the caller).
FrameVerdict decide_frame(std::span<std::uint8_t> frame, const FrameWork& work,
                          const net::LocalAddrs& local, const Context& ctx, bool offload_l4,
                          Punted& punted);

}  // namespace dns64d::respond
