// The DNS half of a worker's per-packet work: a query in a buffer, the
// client's address and a cache reader in; a reply written in place, a punt
// or a drop out. Pure: no DPDK, no allocation, no system calls.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "dataplane/cache/cache.hpp"
#include "dataplane/dns/wire.hpp"
#include "dataplane/dns64/prefix.hpp"
#include "dataplane/net/origin.hpp"
#include "dataplane/respond/counters.hpp"
#include "dataplane/respond/question.hpp"
#include "dataplane/respond/view.hpp"

namespace dns64d::rrl {
class Limiter;
}

namespace dns64d::respond {

struct Client {
  bool is_v6 = false;
  dns64::V4 v4{};
  dns64::V6 v6{};
};

// The view that serves `client` (ViewTable::none for none): the one place
// that chooses by address family.
inline int view_for_client(const ViewTable& views, const Client& client) {
  return client.is_v6 ? views.for_v6(client.v6) : views.for_v4(client.v4);
}

// An ip6.arpa name under a configured Pref64 (ViewTable::match_reverse:
// the client's view's first, then every other view's): `in_addr` is the
// name the cache keys it by. `partial`: fewer labels than an address (NODATA).
ReverseMatch map_reverse_name(const ViewTable& views, const View& view, dns::Bytes qname,
                              dns::Name& in_addr);

// What a Pref64's reverse zone says of itself (RFC 6147 §5.3.1 leaves the
// zone to the DNS64; these are BIND's dns64 zones'): serial 1 and the
// timers of BIND's empty zones, the view's reverse_soa_server (default:
// the zone's own name) and reverse_soa_contact (default: the root). SOA
// and NS answers at the apex and a partial name's NODATA live this long
// (also their SOA's MINIMUM); a negative answer to a mapped name carries
// the negative entry's remaining TTL as both TTL and MINIMUM.
inline constexpr std::uint32_t reverse_zone_ttl = 3600;
inline constexpr std::uint32_t reverse_soa_serial = 1;
inline constexpr std::uint32_t reverse_soa_refresh = 28800;
inline constexpr std::uint32_t reverse_soa_retry = 7200;
inline constexpr std::uint32_t reverse_soa_expire = 604800;

// A query a worker could not answer, as it crosses the punt ring: its key,
// the client, and how it came (for the reply frame). Never an mbuf.
struct alignas(8) Punted {
  QuestionKey key;
  Client client;
  net::Origin origin;
};

// What the server says of itself over CHAOS (version.bind, hostname.bind,
// id.server, version.server); empty: REFUSED, as for every other class.
struct ServerInfo {
  std::string identity;
  std::string version;
};

struct Context {
  const ViewTable* views = nullptr;
  const cache::Cache* cache = nullptr;
  cache::Reader* reader = nullptr;
  std::uint64_t now_ms = 0;
  std::uint16_t edns_udp_size = 1232;  // the most we send and advertise
  // Expired entries kept by the cache may answer (RFC 8767): only the
  // control plane sets this, when every upstream has failed.
  bool allow_stale = false;
  // Over a stream (DNS over TCP) the reply may use this many octets,
  // whatever the query's EDNS says; 0 for datagrams.
  std::uint16_t stream_limit = 0;
  const ServerInfo* server = nullptr;  // none: CHAOS is refused
  // The worker's response rate limiter ([rrl]); none: every answer goes out.
  // Only decide_frame consults it, for answers the worker itself sends;
  // a client that presents a valid server cookie is exempt.
  rrl::Limiter* rrl = nullptr;
  // DNS Cookies ([cookies]); none: a COOKIE option is ignored. `unix_now`
  // (seconds since the epoch) stamps and checks server cookies.
  const cookie::Settings* cookies = nullptr;
  std::uint32_t unix_now = 0;
};

namespace detail {
// The common query, read in one pass: header, one uncompressed question
// folded into a key, at most an OPT record.
struct FastQuery {
  std::uint16_t id, flags;
  std::uint16_t qtype, qclass;
  std::size_t question_end;
  bool opt;
  bool do_bit;
  std::uint8_t edns_version;
  std::uint16_t udp_size;
  std::uint8_t key_len;
  std::uint16_t options_at, options_end;  // the OPT's RDATA, when `opt`
  ReplyCookie cookie;
  std::array<std::uint8_t, 255 + 16> key;  // room for the last 16-octet fold
};
}  // namespace detail

// The first half of respond(), for a burst: the query parsed, its view
// chosen, its cache bucket prefetched. Queries the fast path does not take
// are left to respond() whole.
struct Prepared {
  bool fast = false;
  bool ptr_mapped = false;    // ip6.arpa under a Pref64: the key is `in_addr`
  std::uint8_t ptr_zone = 0;  // when mapped: the nibbles of that Pref64's reverse zone
  int view = -1;
  std::uint16_t key_type = 0;  // the cache key's type: the qtype, or the AAAA policy's type
  std::uint64_t hash = 0;
  std::uint32_t hint = 0;  // prefetch_entry()'s guess at the entry, for the lookup
  std::uint8_t in_addr_len = 0;
  std::array<std::uint8_t, 32> in_addr;  // "d.c.b.a.in-addr.arpa." is at most 30 octets
  detail::FastQuery q;
};

struct Result {
  DnsOutcome outcome = DnsOutcome::dropped_short;
  std::size_t reply_len = 0;  // for answers: the DNS reply now in the buffer
  bool cookie_valid = false;  // the query presented a server cookie of ours
};

// `buf` holds the query in its first `len` octets; its size is the room the
// reply may use. The reply never exceeds what the client allows.
// A punted query's key is written to `punted` when it is non-null.
Result respond(std::span<std::uint8_t> buf, std::size_t len, const Client& client,
               const Context& ctx, QuestionKey* punted = nullptr);

// The same in two steps: prepare() every query of a burst (this prefetches
// their cache buckets), prefetch_entry() each once its bucket is near (this
// prefetches the entry and remembers where it is), then respond() each, all
// without a quiescent state report of the reader in between.
void prepare(std::span<const std::uint8_t> query, const Client& client, const Context& ctx,
             Prepared& p);
inline void prefetch_entry(Prepared& p, const Context& ctx) {
  // A synthesized AAAA entry or an A RRset fits in two lines; a PTR RRset
  // (a name inside) or anything else may reach a third.
  if (!p.fast) return;
  const bool small = p.q.qtype == dns::type::AAAA || p.q.qtype == dns::type::A;
  p.hint = ctx.cache->prefetch_entry(p.hash, small ? 2 : 3);
}
Result respond(std::span<std::uint8_t> buf, std::size_t len, const Client& client,
               const Context& ctx, const Prepared& p, QuestionKey* punted = nullptr);

// The answer to a punted query from the cache as it is now, written into
// `buf` from its key alone (the control plane, once a lookup completed):
// an answer, or a punt outcome when the cache cannot answer it.
Result answer_from_cache(const QuestionKey& key, std::span<std::uint8_t> buf, const Context& ctx);

// The negative answer to a mapped ip6.arpa name (key.ptr_mapped) whose
// in-addr.arpa name is NXDOMAIN or NODATA (`rcode`): no CNAME, only the
// SOA of the Pref64's reverse zone with `ttl` as TTL and MINIMUM. For the
// control plane's answers that were not cached; 0 when `buf` is too small
// or the key is not a mapped one. The OPT carries the key's COOKIE, or
// `options` (the COOKIE and an EDE, say) where given.
std::size_t answer_reverse_negative(const QuestionKey& key, std::span<std::uint8_t> buf,
                                    std::uint8_t rcode, std::uint32_t ttl, const Context& ctx);
std::size_t answer_reverse_negative(const QuestionKey& key, std::span<std::uint8_t> buf,
                                    std::uint8_t rcode, std::uint32_t ttl, const Context& ctx,
                                    dns::Bytes options);

// Cached RRsets (Kind::rrset, Kind::negative) hold records in wire form:
// an owner equal to the entry's name is the pointer 0xC00C (the question of
// every reply), every other name is uncompressed.
inline constexpr std::uint16_t owner_is_qname = 0xc00c;

}  // namespace dns64d::respond
