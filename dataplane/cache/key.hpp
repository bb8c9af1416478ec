#pragma once

#include <cstdint>
#include <cstring>
#include <span>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace dns64d::cache {

inline constexpr size_t kMaxNameLen = 255;

// A cache key: the qname in wire form, already lower-cased by the caller
// (the writer folds again on insert; lookups trust the caller), qtype, qclass.
struct Key {
  std::span<const uint8_t> name;
  uint16_t qtype = 0;
  uint16_t qclass = 1;
};

// Secret per-process hash keys, derived from one seed at cache creation so
// an outsider cannot aim many names at one bucket.
struct HashSeed {
  uint64_t k0, k1, k2;
  static HashSeed from(uint64_t seed);
};

namespace detail {

inline uint64_t mix(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline uint64_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Two names of equal length `n` compared in blocks, the last block
// overlapping the one before; never reads outside either name.
inline bool same_octets(const uint8_t* a, const uint8_t* b, size_t n) {
#if defined(__SSE2__)
  if (n >= 16) {
    __m128i diff = _mm_setzero_si128();
    const auto load = [](const uint8_t* p) {
      return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    };
    for (size_t i = 0; i + 16 < n; i += 16)
      diff = _mm_or_si128(diff, _mm_xor_si128(load(a + i), load(b + i)));
    diff = _mm_or_si128(diff, _mm_xor_si128(load(a + n - 16), load(b + n - 16)));
    return _mm_movemask_epi8(_mm_cmpeq_epi8(diff, _mm_setzero_si128())) == 0xffff;
  }
#endif
  if (n >= 8) {
    uint64_t diff = 0;
    for (size_t i = 0; i + 8 < n; i += 8) diff |= load64(a + i) ^ load64(b + i);
    return (diff | (load64(a + n - 8) ^ load64(b + n - 8))) == 0;
  }
  if (n >= 4) {
    return ((load32(a) ^ load32(b)) | (load32(a + n - 4) ^ load32(b + n - 4))) == 0;
  }
  unsigned diff = 0;  // a loop, not memcmp: with n == 0 either pointer may be null
  for (size_t i = 0; i < n; ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

}  // namespace detail

inline HashSeed HashSeed::from(uint64_t seed) {
  const uint64_t a = detail::mix(seed ^ 0x9e3779b97f4a7c15ULL, 0xbf58476d1ce4e5b9ULL);
  const uint64_t b = detail::mix(seed ^ 0x94d049bb133111ebULL, 0xd6e8feb86659fd93ULL);
  const uint64_t c = detail::mix(a ^ 0xa0761d6478bd642fULL, b ^ 0xe7037ed1a0b428dbULL);
  return {a | 1, b | 1, c | 1};
}

// Multiply-fold hash over 16-byte strides; the tail is read with overlapping
// loads so no byte loop and no out-of-bounds read. Length and type go in first.
inline uint64_t hash_key(const Key& key, const HashSeed& s) {
  const uint8_t* p = key.name.data();
  size_t n = key.name.size();
  const uint64_t meta = (uint64_t{key.qtype} << 48) | (uint64_t{key.qclass} << 32) | n;
  uint64_t h = detail::mix(s.k0 ^ meta, s.k1);
  while (n > 16) {
    h = detail::mix(detail::load64(p) ^ s.k1, detail::load64(p + 8) ^ h);
    p += 16;
    n -= 16;
  }
  uint64_t a = 0, b = 0;
  if (n >= 8) {
    a = detail::load64(p);
    b = detail::load64(p + n - 8);
  } else if (n >= 4) {
    a = detail::load32(p);
    b = detail::load32(p + n - 4);
  } else if (n > 0) {
    a = (uint64_t{p[0]} << 16) | (uint64_t{p[n >> 1]} << 8) | p[n - 1];
  }
  h = detail::mix(a ^ s.k2, b ^ h);
  return detail::mix(h ^ s.k0, s.k2);
}

// Wire-name helpers for the writer side (not on the lookup path).
// Checks a non-compressed wire name (labels <= 63, ends in the root label,
// total <= 255) and writes its lower-cased copy; returns false if malformed.
bool fold_wire_name(std::span<const uint8_t> in, uint8_t* out);

// True if `name` equals `suffix` or ends with it on a label boundary; both
// folded and well formed.
bool name_is_under(std::span<const uint8_t> name, std::span<const uint8_t> suffix);

}  // namespace dns64d::cache
