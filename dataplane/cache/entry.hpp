#pragma once

#include <atomic>
#include <cstdint>
#include <span>

namespace dns64d::cache {

enum class Kind : uint8_t {
  synth_aaaa = 1,  // IPv4 addresses + CNAME chain; the worker writes the AAAA records
  rrset = 2,       // answer RRs in wire form + offsets of their TTL fields
  negative = 3,    // NXDOMAIN / NODATA (rcode) + SOA RR for RFC 2308
};

// What an entry is besides its answer.
enum EntryFlags : uint8_t {
  kNoEntryFlags = 0,
  // Local data (a static record): answered to every client, validating
  // ones included, where the rest of the cache, asked for without DO, is not.
  kLocal = 1,
  // synth_aaaa: the AAAA query's NODATA SOA follows the chain (its length
  // in the last two octets), for clients whose view maps none of the
  // addresses: their NODATA carries it (RFC 2308 §5).
  kSynthSoa = 2,
  // The upstream validated it (AD from an upstream trusted to say so,
  // [upstream] trust_ad): answers to clients that set DO carry AD.
  kValidated = 4,
  // rrset, negative: DNSSEC records (RRSIG, NSEC, NSEC3) follow the others,
  // for clients that set DO; a trailer (count, then octets, of the others)
  // says where they start. The plain accessors never show them.
  kSigned = 8,
};

struct Ipv4 {
  uint8_t bytes[4];  // network order
};

inline constexpr size_t kMaxIpv4 = 32;        // more A records than this: not cached
inline constexpr size_t kMaxTtlOffsets = 64;  // RRs per cached RRset answer
inline constexpr size_t kGranule = 32;        // arena allocation unit

// Immutable once published, except `referenced` (CLOCK bit, readers set it
// relaxed) and the two writer-only retire fields that readers never read.
// Layout in the arena block: header | name (padded to 4) | value.
struct EntryHeader {
  uint64_t hash;
  uint64_t expires_at;  // absolute, clock milliseconds
  uint32_t ttl;         // seconds, after the min/max clamps: a cap on what is served
  uint16_t qtype;
  uint16_t qclass;
  uint16_t value_len;
  uint8_t name_len;
  Kind kind;
  uint8_t count;  // IPv4 addresses (synth_aaaa) or TTL offsets (rrset, negative)
  uint8_t rcode;  // negative only
  mutable std::atomic<uint8_t> referenced;
  uint8_t flags;          // EntryFlags
  uint32_t retire_next;   // writer only: next block in the retired FIFO
  uint32_t retire_epoch;  // writer only: low 32 bits of the retire epoch

  static constexpr size_t name_offset() { return 40; }
  size_t value_offset() const { return name_offset() + ((name_len + 3u) & ~3u); }
  static size_t block_bytes(size_t name_len, size_t value_len) {
    return name_offset() + ((name_len + 3u) & ~size_t{3}) + value_len;
  }
  const uint8_t* bytes() const { return reinterpret_cast<const uint8_t*>(this); }
  std::span<const uint8_t> name() const { return {bytes() + name_offset(), name_len}; }
  const uint8_t* value() const { return bytes() + value_offset(); }
  size_t array_bytes() const { return kind == Kind::synth_aaaa ? 4u * count : 2u * count; }
};
static_assert(sizeof(EntryHeader) == 40);

// Read-only view of a cached entry; valid until the reader's next
// quiescent-state report (or going offline).
class EntryView {
 public:
  EntryView() = default;
  EntryView(const EntryHeader* e, uint32_t ttl) : e_(e), ttl_(ttl) {}

  explicit operator bool() const { return e_ != nullptr; }
  Kind kind() const { return e_->kind; }
  uint32_t ttl() const { return ttl_; }  // remaining seconds, never above the stored TTL
  uint8_t rcode() const { return e_->rcode; }
  bool local() const { return (e_->flags & kLocal) != 0; }
  bool validated() const { return (e_->flags & kValidated) != 0; }
  uint16_t qtype() const { return e_->qtype; }
  uint16_t qclass() const { return e_->qclass; }
  std::span<const uint8_t> name() const { return e_->name(); }

  // synth_aaaa
  std::span<const Ipv4> ipv4() const {
    return {reinterpret_cast<const Ipv4*>(e_->value()),
            e_->kind == Kind::synth_aaaa ? e_->count : 0u};
  }
  std::span<const uint8_t> cname_chain() const {
    const std::span<const uint8_t> b = body();
    return (e_->flags & kSynthSoa) == 0 ? b : b.first(b.size() - 2 - synth_soa_len(b));
  }
  // The AAAA query's SOA record (owner and RDATA names uncompressed, TTL
  // to be rewritten); empty when the entry has none.
  std::span<const uint8_t> synth_soa() const {
    if (e_->kind != Kind::synth_aaaa || (e_->flags & kSynthSoa) == 0) return {};
    const std::span<const uint8_t> b = body();
    const size_t n = synth_soa_len(b);
    return b.subspan(b.size() - 2 - n, n);
  }

  // rrset (answer RRs) and negative (the SOA RR), without DNSSEC records
  std::span<const uint8_t> rrs() const {
    const std::span<const uint8_t> b = body();
    return signed_entry() ? b.first(plain_bytes(b)) : b;
  }
  std::span<const uint8_t> soa() const { return rrs(); }
  std::span<const uint16_t> ttl_offsets() const {
    const std::span<const uint16_t> all = all_ttl_offsets();
    return signed_entry() ? all.first(body()[body().size() - 3]) : all;
  }
  // The same with the DNSSEC records after them (kSigned), for DO clients.
  std::span<const uint8_t> signed_rrs() const {
    const std::span<const uint8_t> b = body();
    return signed_entry() ? b.first(b.size() - 3) : b;
  }
  std::span<const uint16_t> signed_ttl_offsets() const { return all_ttl_offsets(); }

 private:
  std::span<const uint8_t> body() const {
    const size_t skip = e_->array_bytes();
    return {e_->value() + skip, e_->value_len - skip};
  }

  bool signed_entry() const { return (e_->flags & kSigned) != 0 && e_->kind != Kind::synth_aaaa; }
  static size_t plain_bytes(std::span<const uint8_t> b) {
    return size_t{b[b.size() - 2]} << 8 | b[b.size() - 1];
  }
  std::span<const uint16_t> all_ttl_offsets() const {
    return {reinterpret_cast<const uint16_t*>(e_->value()),
            e_->kind == Kind::synth_aaaa ? 0u : e_->count};
  }
  static size_t synth_soa_len(std::span<const uint8_t> b) {
    return size_t{b[b.size() - 2]} << 8 | b[b.size() - 1];
  }

  const EntryHeader* e_ = nullptr;
  uint32_t ttl_ = 0;
};

}  // namespace dns64d::cache
