// Client views: which Pref64s and policy a client gets, chosen by the
// longest match of its address. Built once per configuration snapshot;
// read-only afterwards, so workers share it without synchronization.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/dns/wire.hpp"
#include "dataplane/dns64/ipv4.hpp"
#include "dataplane/dns64/prefix.hpp"
#include "dataplane/dns64/ptr.hpp"
#include "dataplane/dns64/rfc6147.hpp"

namespace dns64d::respond {

enum class PtrMode : std::uint8_t { cname, ptr };

// How AAAA queries are answered (RFC 6147 §5.1): the normal rules, or
// synthesis whatever real AAAA exist (`all`, Unbound's dns64-ignore-aaaa),
// or never any synthesis (`none`, for names whose IPv4 must not be reached
// through NAT64); and which real AAAA count as absent (§5.1.4).
enum class Synthesis : std::uint8_t { normal, all, none };
struct AaaaPolicy {
  Synthesis mode = Synthesis::normal;
  std::vector<dns64::V6Range> exclusions{dns64::default_exclusions.begin(),
                                         dns64::default_exclusions.end()};
  bool operator==(const AaaaPolicy& o) const;
};

// Answers under different AAAA policies differ, so each policy has its own
// cache entries: the standard policy (index 0) under type AAAA, the others
// under private-use types (RFC 6895 §3.1: 65280-65534) that never appear on
// the wire.
inline constexpr std::uint16_t policy_type_base = 65280;
inline constexpr std::size_t max_policies = 64;
constexpr std::uint16_t aaaa_key_type(std::size_t policy) {
  return policy == 0 ? std::uint16_t{28} : static_cast<std::uint16_t>(policy_type_base + policy);
}

// Client queries for these types are refused: their cache entries are ours.
constexpr bool is_policy_type(std::uint16_t type) {
  return type > policy_type_base && type < policy_type_base + max_policies;
}

// IPv4 addresses in `range` are synthesized under `prefix` instead of the
// view's prefixes (one NAT64 per IPv4 destination range).
struct PrefixMap {
  dns64::V4Range range;
  dns64::Prefix prefix;
  bool restricted = false;  // the WKP rule applies (filled by add_view)
};

// A Pref64 that ip6.arpa names are mapped back from (RFC 6147 §5.3.1): a
// view's prefix, or a prefix_map's, whose addresses must lie in its range.
// Its reverse zone is the ip6.arpa name of the prefix: length / 4 nibble
// labels (every RFC 6052 length is a multiple of 8).
struct ReversePrefix {
  dns64::Prefix prefix;
  bool ranged = false;
  dns64::V4Range range{};

  std::uint8_t zone_nibbles() const { return static_cast<std::uint8_t>(prefix.length / 4); }
  bool accepts(const dns64::V4& a) const { return !ranged || dns64::in_range(a, range); }
  bool operator==(const ReversePrefix& o) const {
    return prefix == o.prefix && ranged == o.ranged &&
           (!ranged || (range.net == o.range.net && range.length == o.range.length));
  }
};

// Where an ip6.arpa name lies among the reverse prefixes: `mapped` (a whole
// name: its in-addr.arpa name is the cache key), `partial` (fewer labels
// than an address has, agreeing with a prefix: NODATA), or `none`.
// `zone`: the nibbles of the reverse zone that holds the name (the matched
// prefix's; for a partial name the deepest that holds it), 0 for none (a
// partial name above every apex).
enum class PtrMapping : std::uint8_t { none, partial, mapped };
struct ReverseMatch {
  PtrMapping mapping = PtrMapping::none;
  std::uint8_t zone = 0;
};

struct View {
  static constexpr std::size_t max_prefixes = 4;
  std::string name;
  std::array<dns64::Prefix, max_prefixes> prefixes{};
  std::uint8_t prefix_count = 0;
  PtrMode ptr_mode = PtrMode::cname;
  std::uint32_t ptr_cname_ttl = 3600;
  bool wkp_relaxed = false;
  // BIND's dns64 recursive-only: AAAA queries without RD get no synthesis
  // (the no_synthesis policy).
  bool recursive_only = false;
  // BIND's break-dnssec: DO+CD clients are synthesized for like the others,
  // not relayed the upstream's answer (§5.5).
  bool break_dnssec = false;
  // The SOA of each Pref64's reverse zone (and its NS), as BIND's
  // dns64-server and dns64-contact: folded wire names; an empty server
  // stands for the zone's own name.
  std::vector<std::uint8_t> reverse_soa_server;
  std::vector<std::uint8_t> reverse_soa_contact{0};
  std::vector<dns64::V4Range> never_map;
  std::vector<PrefixMap> prefix_map;
  // AAAA policies (indexes into the ViewTable's) for names under
  // exclude_domains, under force_domains, and all others. Folded wire names;
  // an exclusion wins over a force.
  std::uint8_t aaaa_policy = 0;
  std::uint8_t exclude_policy = 0;
  std::uint8_t force_policy = 0;
  std::uint8_t no_synthesis_policy = 0;  // recursive_only, for queries without RD
  std::vector<std::vector<std::uint8_t>> exclude_domains;
  std::vector<std::vector<std::uint8_t>> force_domains;

  // Whether `a` may be synthesized under prefix k: the well-known prefix's
  // rule (RFC 6052 §3.1, unless relaxed) and the view's never_map list.
  bool maps(std::size_t k, const dns64::V4& a) const {
    if (restricted[k] && !dns64::is_global_v4(a) && !dns64::is_nat64_discovery(a)) return false;
    return never_map.empty() || !dns64::in_any(a, never_map);
  }
  // The prefix `a` is synthesized under in the view's k-th round, or nullptr
  // for none: an address in a prefix_map range goes under that prefix, once.
  const dns64::Prefix* synthesis_prefix(std::size_t k, const dns64::V4& a) const {
    if (!prefix_map.empty()) {
      for (const PrefixMap& m : prefix_map) {
        if (!dns64::in_range(a, m.range)) continue;
        if (k != 0 || (!never_map.empty() && dns64::in_any(a, never_map))) return nullptr;
        if (m.restricted && !dns64::is_global_v4(a) && !dns64::is_nat64_discovery(a))
          return nullptr;
        return &m.prefix;
      }
    }
    return maps(k, a) ? &prefixes[k] : nullptr;
  }
  // The AAAA policy for a folded wire name, asked with or without RD.
  std::uint8_t policy_for(dns::Bytes qname, bool recursion_desired = true) const {
    if (one_policy) return aaaa_policy;
    if (recursive_only && !recursion_desired) return no_synthesis_policy;
    if (under_any(qname, exclude_domains)) return exclude_policy;
    if (under_any(qname, force_domains)) return force_policy;
    return aaaa_policy;
  }
  // Filled by ViewTable::add_view: prefix k is the WKP and the rule applies.
  std::array<bool, max_prefixes> restricted{};
  // Filled by ViewTable::add_view: no domain lists and not recursive_only,
  // so every AAAA query gets aaaa_policy (one test in the fast path).
  bool one_policy = false;
  // Filled by ViewTable::add_view: the view's own reverse prefixes (its
  // prefixes, then its prefix_map's), each once.
  std::vector<ReversePrefix> reverse;

  // Whether `name` is `domain` or under it (both folded wire names).
  static bool under_any(dns::Bytes name, const std::vector<std::vector<std::uint8_t>>& domains);
};

class ViewTable {
 public:
  static constexpr int none = -1;

  ViewTable() : policies_(1) {}

  // Returns the index of the new view.
  int add_view(View v);
  // The index of `p` (an equal one is shared; 0 is the standard policy), or
  // -1 beyond max_policies.
  int add_policy(const AaaaPolicy& p);
  const AaaaPolicy& policy(std::size_t i) const { return policies_[i]; }
  std::size_t policy_count() const { return policies_.size(); }
  // The policy behind a cache key type (AAAA or a private-use type), or -1.
  int policy_of_type(std::uint16_t type) const {
    if (type == 28) return 0;
    const std::size_t i = type > policy_type_base ? std::size_t{type} - policy_type_base : 0;
    return i != 0 && i < policies_.size() ? static_cast<int>(i) : -1;
  }
  void add_client_v4(dns64::V4 net, std::uint8_t length, int view);
  void add_client_v6(dns64::V6 net, std::uint8_t length, int view);
  void set_default(int view) { default_ = view; }

  // The most specific match, else the default view, else none.
  int for_v4(const dns64::V4& a) const;
  int for_v6(const dns64::V6& a) const;
  const View& view(int i) const { return views_[static_cast<std::size_t>(i)]; }
  std::size_t size() const { return views_.size(); }

  // Where an ip6.arpa name (read by dns64::read_ip6_arpa) lies: §5.3.1
  // matches every configured Pref64, so the view's own reverse prefixes
  // are tried first, then those of every other view. On `mapped`,
  // `in_addr` holds the in-addr.arpa name.
  ReverseMatch match_reverse(const View& v, const dns64::Ip6Arpa& name, dns::Name& in_addr) const {
    if (name.nibbles == 32) {
      if (const std::uint8_t z = map_whole(v.reverse, name, in_addr); z != 0) {
        return {PtrMapping::mapped, z};
      }
      // Own prefixes are distinct and among the table's: more here means others.
      if (reverse_.size() > v.reverse.size()) {
        if (const std::uint8_t z = map_whole(reverse_, name, in_addr); z != 0) {
          return {PtrMapping::mapped, z};
        }
      }
      return {};
    }
    return match_partial(name);
  }
  // The nibbles of the reverse zone whose apex `name` is, 0 for none.
  std::uint8_t reverse_apex(const dns64::Ip6Arpa& name) const;
  // Every reverse prefix of every view, each once, in the order given.
  const std::vector<ReversePrefix>& reverse_prefixes() const { return reverse_; }

 private:
  static std::uint8_t map_whole(const std::vector<ReversePrefix>& list, const dns64::Ip6Arpa& name,
                                dns::Name& in_addr) {
    for (const ReversePrefix& r : list) {
      dns64::V4 a;
      if (dns64::map_ptr(name, r.prefix, in_addr, a) == dns64::PtrResult::ok && r.accepts(a)) {
        return r.zone_nibbles();
      }
    }
    return 0;
  }
  ReverseMatch match_partial(const dns64::Ip6Arpa& name) const;

  // Client networks by prefix length, longest first. Each length keeps its
  // networks in an open-addressed table keyed by the masked address, so a
  // lookup probes one table per distinct length present, however many
  // client networks a carrier configures. IPv6 keys are the address as two
  // big-endian quadwords (dns64::V6Words).
  using Key6 = dns64::V6Words;
  template <typename Key>
  struct Length {
    struct Slot {
      Key net{};
      int view = none;  // none: empty
    };
    std::uint8_t length = 0;
    Key mask{};
    std::size_t used = 0;
    std::vector<Slot> slots;  // a power of two, at most half full
  };
  static std::size_t hash(std::uint32_t k) { return std::size_t{k} * 0x9e3779b97f4a7c15ull >> 32; }
  static std::size_t hash(const Key6& k) {
    return static_cast<std::size_t>(((k.hi ^ (k.lo << 29 | k.lo >> 35)) * 0x9e3779b97f4a7c15ull) >>
                                    32);
  }
  template <typename Key>
  static void insert(std::vector<Length<Key>>& lengths, std::uint8_t length, const Key& mask,
                     const Key& net, int view);
  template <typename Key>
  static int find(const std::vector<Length<Key>>& lengths, const Key& a, int otherwise) {
    for (const Length<Key>& l : lengths) {
      const Key k = a & l.mask;
      const std::size_t m = l.slots.size() - 1;
      for (std::size_t i = hash(k) & m;; i = (i + 1) & m) {
        const auto& s = l.slots[i];
        if (s.view == none) break;
        if (s.net == k) return s.view;
      }
    }
    return otherwise;
  }

  std::vector<View> views_;
  std::vector<AaaaPolicy> policies_;
  std::vector<ReversePrefix> reverse_;     // of every view, each once
  std::vector<Length<std::uint32_t>> v4_;  // longest first
  std::vector<Length<Key6>> v6_;           // longest first
  int default_ = none;
};

}  // namespace dns64d::respond
