#include "dataplane/rrl/rrl.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace dns64d::rrl {

namespace {

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::uint64_t high_mask(unsigned bits, unsigned width) {
  // The first `bits` of a `width`-bit number (bits >= 1).
  return (~std::uint64_t{0} << (width - bits)) &
         (width == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1);
}

}  // namespace

std::string describe(const Event& e) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(e.is_v6 ? AF_INET6 : AF_INET, e.addr.data(), text, sizeof text);
  return std::string(text) + "/" + std::to_string(e.length) +
         (e.limited ? " limited" : " no longer limited");
}

bool EventRing::push(const Event& e) {
  const std::uint64_t head = head_.load(std::memory_order_relaxed);
  if (head - tail_.load(std::memory_order_acquire) == capacity) {
    lost_.store(lost_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return false;
  }
  slots_[head % capacity] = e;
  head_.store(head + 1, std::memory_order_release);
  return true;
}

bool EventRing::pop(Event& e) {
  const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
  if (tail == head_.load(std::memory_order_acquire)) return false;
  e = slots_[tail % capacity];
  tail_.store(tail + 1, std::memory_order_release);
  return true;
}

Limiter::Limiter(const Settings& s, unsigned workers, std::uint64_t seed)
    : table_(new Bucket[std::bit_ceil(std::max<std::uint32_t>(s.table_size, 1))]),
      mask_(std::bit_ceil(std::max<std::uint32_t>(s.table_size, 1)) - 1),
      seed_(seed),
      refill_per_ms_(std::max<std::uint32_t>(s.responses_per_second, 1)),
      cost_(1000ull * std::max(workers, 1u)),
      slip_(s.slip),
      v4_len_(std::clamp<std::uint8_t>(s.ipv4_prefix, 1, 32)),
      v6_len_(std::clamp<std::uint8_t>(s.ipv6_prefix, 1, 64)) {
  // A worker's share of `window` seconds: rate / workers * window replies,
  // that is rate * window * 1000 units; never less than one reply.
  capacity_ = std::max(refill_per_ms_ * s.window * 1000, cost_);
  fill_ms_ = (capacity_ + refill_per_ms_ - 1) / refill_per_ms_;
  v4_mask_ = high_mask(v4_len_, 32);
  v6_mask_ = high_mask(v6_len_, 64);
}

Decision Limiter::decide_v4(const std::array<std::uint8_t, 4>& client, std::uint64_t now_ms) {
  std::uint32_t a = 0;
  std::memcpy(&a, client.data(), 4);
  return decide(ntohl(a) & v4_mask_, 4, now_ms);
}

Decision Limiter::decide_v6(const std::array<std::uint8_t, 16>& client, std::uint64_t now_ms) {
  std::uint64_t key = 0;
  std::memcpy(&key, client.data(), 8);
  if constexpr (std::endian::native == std::endian::little) key = __builtin_bswap64(key);
  return decide(key & v6_mask_, 6, now_ms);
}

void Limiter::emit(const Bucket& b, bool limited) {
  Event e;
  e.is_v6 = b.family == 6;
  e.length = e.is_v6 ? v6_len_ : v4_len_;
  e.limited = limited;
  const unsigned octets = e.is_v6 ? 8 : 4;
  for (unsigned i = 0; i < octets; ++i) {
    e.addr[i] = static_cast<std::uint8_t>(b.key >> (8 * (octets - 1 - i)));
  }
  events_.push(e);
}

Decision Limiter::decide(std::uint64_t key, std::uint8_t family, std::uint64_t now_ms) {
  Bucket& b = table_[mix(key ^ seed_ ^ family) & mask_];
  if (b.family != family || b.key != key) {
    // Empty, or another prefix's: the newer prefix takes the slot.
    if (b.limiting) emit(b, false);
    b.key = key;
    b.family = family;
    b.tokens = capacity_;
    b.limited = 0;
    b.limiting = false;
  } else if (now_ms > b.stamp_ms) {
    const std::uint64_t elapsed = now_ms - b.stamp_ms;
    b.tokens =
        elapsed >= fill_ms_ ? capacity_ : std::min(capacity_, b.tokens + elapsed * refill_per_ms_);
  }
  b.stamp_ms = now_ms;
  if (b.limiting && b.tokens == capacity_) {
    b.limiting = false;
    b.limited = 0;
    emit(b, false);
  }
  if (b.tokens >= cost_) {
    b.tokens -= cost_;
    return Decision::allow;
  }
  if (!b.limiting) {
    b.limiting = true;
    emit(b, true);
  }
  if (slip_ != 0 && ++b.limited >= slip_) {
    b.limited = 0;
    return Decision::slip;
  }
  return Decision::drop;
}

std::size_t make_slip(std::span<std::uint8_t> msg, std::size_t len) {
  constexpr std::size_t header = 12;
  len = std::min(len, msg.size());
  if (len < header) return len;
  std::uint8_t* m = msg.data();
  std::size_t end = header;
  if ((m[4] | m[5]) != 0) {
    // The first question's name: labels, or a pointer that ends it.
    std::size_t p = header;
    bool ok = false;
    while (p < len) {
      const std::uint8_t l = m[p];
      if (l == 0) {
        p += 1;
        ok = true;
        break;
      }
      if ((l & 0xc0) == 0xc0) {
        p += 2;
        ok = true;
        break;
      }
      if ((l & 0xc0) != 0) break;
      p += 1u + l;
    }
    if (ok && p + 4 <= len) end = p + 4;
  }
  const bool question = end > header;
  // The OPT stays (RFC 6891 §7: a reply to a query with OPT carries one),
  // with its extended rcode: our writer puts it last, without options.
  std::uint8_t opt[11];
  const bool has_opt = ((m[10] | m[11]) != 0) && len >= end + sizeof opt &&
                       m[len - 11] == 0 && m[len - 10] == 0 && m[len - 9] == 41 &&
                       m[len - 2] == 0 && m[len - 1] == 0;
  if (has_opt) std::memcpy(opt, m + len - sizeof opt, sizeof opt);
  m[2] |= 0x02;  // TC
  m[4] = 0;
  m[5] = question ? 1 : 0;
  std::memset(m + 6, 0, 6);  // no answers or authority records
  if (has_opt) {
    std::memcpy(m + end, opt, sizeof opt);
    end += sizeof opt;
    m[11] = 1;
  }
  return end;
}

}  // namespace dns64d::rrl
