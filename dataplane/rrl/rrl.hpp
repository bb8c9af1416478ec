// Response rate limiting per client prefix (the RRL of BIND and Knot, for
// the worker's own answers): a token bucket per masked client prefix in a
// fixed table, refilled from the worker's clock, and the decision for each
// reply: send it, send a "slip" (TC=1, the question only, so that a real
// client retries over TCP), or drop it. Pure: no DPDK, no locks, no system
// calls, and no allocation after construction.
//
// RSS spreads one prefix over every queue, so each worker limits to its
// share: the configured rate divided by the number of workers.
//
// The table is direct-mapped by a hash of the prefix. On a collision the
// slot simply goes to the newer prefix, which starts with a full bucket; the
// older prefix, seen again, starts full too. A table much larger than the
// number of prefixes active in a window keeps that rare; a flood spread over
// very many prefixes gets each one its burst, as any fixed table must.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace dns64d::rrl {

struct Settings {
  bool enabled = false;
  std::uint32_t responses_per_second = 20;  // per prefix, the whole server together
  std::uint32_t window = 5;                 // seconds of credit a quiet prefix builds up
  std::uint32_t slip = 2;                   // every slip-th limited reply is a slip; 0: none
  std::uint8_t ipv4_prefix = 24;            // 1..32
  std::uint8_t ipv6_prefix = 56;            // 1..64
  std::uint32_t table_size = 65536;         // buckets per worker, a power of two
};

enum class Decision : std::uint8_t { allow, slip, drop };

// A prefix that started or stopped being limited, for the control plane's log.
struct Event {
  std::array<std::uint8_t, 16> addr{};  // the masked prefix (IPv4 in the first four)
  std::uint8_t length = 0;
  bool is_v6 = false;
  bool limited = false;  // true: started being limited; false: no longer
};
// "198.51.100.0/24 limited", "2001:db8:1:200::/56 no longer limited".
std::string describe(const Event& e);

// One producer (the worker), one consumer (the control loop). An event that
// finds it full is counted in lost() and forgotten.
class EventRing {
 public:
  static constexpr std::size_t capacity = 64;
  bool push(const Event& e);
  bool pop(Event& e);
  std::uint64_t lost() const { return lost_.load(std::memory_order_relaxed); }

 private:
  alignas(64) std::atomic<std::uint64_t> head_{0};  // written by the producer
  alignas(64) std::atomic<std::uint64_t> tail_{0};  // written by the consumer
  std::atomic<std::uint64_t> lost_{0};              // written by the producer
  std::array<Event, capacity> slots_{};
};

// One worker's buckets. `workers`: how many share the configured rate.
class Limiter {
 public:
  Limiter(const Settings& s, unsigned workers, std::uint64_t seed = 0x9e3779b97f4a7c15ull);
  Limiter(const Limiter&) = delete;
  Limiter& operator=(const Limiter&) = delete;

  Decision decide_v4(const std::array<std::uint8_t, 4>& client, std::uint64_t now_ms);
  Decision decide_v6(const std::array<std::uint8_t, 16>& client, std::uint64_t now_ms);

  EventRing& events() { return events_; }
  std::size_t table_size() const { return mask_ + 1; }

  // Tokens are counted in units: a reply costs 1000 * workers of them and
  // each millisecond adds responses_per_second, so a worker's share of the
  // rate is exact in integers however the division falls.
  std::uint64_t cost() const { return cost_; }
  std::uint64_t capacity() const { return capacity_; }

 private:
  struct Bucket {
    std::uint64_t key = 0;     // the masked prefix: IPv4's 32 bits, IPv6's first 64
    std::uint64_t tokens = 0;  // in units of cost_ per reply
    std::uint64_t stamp_ms = 0;
    std::uint32_t limited = 0;  // limited replies since the last slip
    std::uint8_t family = 0;    // 0: empty, 4 or 6
    bool limiting = false;
  };
  Decision decide(std::uint64_t key, std::uint8_t family, std::uint64_t now_ms);
  void emit(const Bucket& b, bool limited);

  std::unique_ptr<Bucket[]> table_;
  std::uint64_t mask_ = 0;
  std::uint64_t seed_ = 0;
  std::uint64_t refill_per_ms_ = 0;  // responses_per_second units a millisecond
  std::uint64_t cost_ = 1;           // 1000 * workers units a reply
  std::uint64_t capacity_ = 0;       // the burst: window seconds of refill, at least one reply
  std::uint64_t fill_ms_ = 0;        // from empty to full
  std::uint32_t slip_ = 0;
  std::uint8_t v4_len_ = 24;
  std::uint8_t v6_len_ = 56;
  std::uint64_t v4_mask_ = 0, v6_mask_ = 0;
  EventRing events_;
};

// Rewrites the DNS reply of `len` octets in `msg` in place into a slip: TC
// set, the first question kept, every record removed but the OPT, whole,
// with its options (RFC 6891 §7). Returns the slip's length (12 when neither a question
// nor an OPT is found).
std::size_t make_slip(std::span<std::uint8_t> msg, std::size_t len);

}  // namespace dns64d::rrl
