// Counters of the upstream client: one table, one name per outcome.
#pragma once

#include <cstdint>

#include "control/upstream/endpoint.hpp"
#include "dataplane/counter.hpp"

namespace dns64d::upstream {

// X(name, help)
#define DNS64D_UPSTREAM_COUNTERS(X)                                             \
  X(queries_sent, "UDP queries put on the wire, every attempt")                 \
  X(tcp_queries_sent, "queries redone over TCP after a truncated answer")       \
  X(retries, "attempts after the first, on the next upstream")                  \
  X(rejected_full, "send() refused: max in-flight reached")                     \
  X(rejected_bad_request, "send() refused: qname not valid wire format")        \
  X(rejected_no_upstream, "send() refused: no upstream configured")             \
  X(send_errors, "socket, bind or sendto failed for an attempt")                \
  X(attempt_timeouts, "attempts that got no acceptable answer in time")         \
  X(unreachable, "attempts ended at once by an ICMP error from the upstream")   \
  X(truncated, "UDP answers with TC=1")                                         \
  X(tcp_failures, "TCP attempts that failed to connect, write, read or match")  \
  X(drop_wrong_source, "datagrams from another address or port than we asked")  \
  X(drop_short, "datagrams shorter than a DNS header")                          \
  X(drop_wrong_id, "datagrams with another message ID")                         \
  X(drop_not_response, "datagrams with QR clear or an opcode other than QUERY") \
  X(drop_malformed, "datagrams ldns could not parse")                           \
  X(drop_wrong_question, "answers to another question")                         \
  X(drop_case_mismatch, "answers not echoing our random case (0x20): spoofs")   \
  X(completed_ok, "queries completed with an upstream answer")                  \
  X(completed_timeout, "queries whose attempts all timed out")                  \
  X(completed_failed, "queries whose attempts failed otherwise (network, TCP)")

struct Counters {
  DNS64D_UPSTREAM_COUNTERS(DNS64D_COUNTER_FIELD)
  template <class F>
  void for_each(F&& f) const {
    DNS64D_UPSTREAM_COUNTERS(DNS64D_COUNTER_VISIT)
  }
};

struct UpstreamStats {
  Endpoint endpoint;
  std::uint64_t queries = 0;      // UDP attempts sent to it
  std::uint64_t tcp_queries = 0;  // TCP attempts
  std::uint64_t answers = 0;      // accepted answers
  std::uint64_t timeouts = 0;
  std::uint64_t errors = 0;           // send, TCP or ICMP (port or host unreachable) failures
  std::uint64_t marked_down = 0;      // times it was taken out of rotation
  std::uint64_t probes = 0;           // single queries sent to see whether it is back
  unsigned consecutive_timeouts = 0;  // and ICMP unreachables, in a row
};

}  // namespace dns64d::upstream
