#include "dataplane/rrl/rrl.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "dataplane/dns/wire.hpp"

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

namespace {

// Where the name at `p` ends (labels to the root, or up to a pointer), or 0
// when it runs past `len`.
std::size_t skip_name(const std::uint8_t* m, std::size_t p, std::size_t len) {
  while (p < len) {
    const std::uint8_t l = m[p];
    if (l == 0) return p + 1;
    if ((l & 0xc0) == 0xc0) return p + 2 <= len ? p + 2 : 0;
    if ((l & 0xc0) != 0) return 0;
    p += 1u + l;
  }
  return 0;
}

}  // namespace

std::size_t make_slip(std::span<std::uint8_t> msg, std::size_t len) {
  constexpr std::size_t header = 12;
  len = std::min(len, msg.size());
  if (len < header) return len;
  std::uint8_t* m = msg.data();
  std::size_t end = header;
  if ((m[4] | m[5]) != 0) {
    const std::size_t p = skip_name(m, header, len);  // the first question's name
    if (p != 0 && p + 4 <= len) end = p + 4;
  }
  const bool question = end > header;
  // The OPT stays whole (RFC 6891 §7: a reply to a query with OPT carries
  // one), its extended rcode and options (a COOKIE, an EDE) too: found by
  // walking every record after the question.
  std::size_t opt_at = 0, opt_end = 0;
  if (question || (m[4] | m[5]) == 0) {
    const std::size_t records = std::size_t{dns::load16(m + 6)} + dns::load16(m + 8) +
                                dns::load16(m + 10);
    std::size_t p = end;
    for (std::size_t i = 0; i < records && p < len; ++i) {
      const std::size_t fixed = skip_name(m, p, len);
      if (fixed == 0 || fixed + 10 > len) break;
      const std::size_t next = fixed + 10 + dns::load16(m + fixed + 8);
      if (next > len) break;
      if (dns::load16(m + fixed) == dns::type::OPT) {
        opt_at = p;
        opt_end = next;
      }
      p = next;
    }
  }
  m[2] |= 0x02;  // TC
  m[4] = 0;
  m[5] = question ? 1 : 0;
  std::memset(m + 6, 0, 6);  // no answers or authority records
  if (opt_end != 0) {
    std::memmove(m + end, m + opt_at, opt_end - opt_at);
    end += opt_end - opt_at;
    m[11] = 1;
  }
  return end;
}

}  // namespace dns64d::rrl
