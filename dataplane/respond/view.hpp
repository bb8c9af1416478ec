// Client views: which Pref64s and policy a client gets, chosen by the
// longest match of its address. Built once per configuration snapshot;
// read-only afterwards, so workers share it without synchronization.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/dns64/ipv4.hpp"
#include "dataplane/dns64/prefix.hpp"
#include "dataplane/dns64/rfc6147.hpp"

namespace dns64d::respond {

enum class PtrMode : std::uint8_t { cname, ptr };

struct View {
  static constexpr std::size_t max_prefixes = 4;
  std::string name;
  std::array<dns64::Prefix, max_prefixes> prefixes{};
  std::uint8_t prefix_count = 0;
  PtrMode ptr_mode = PtrMode::cname;
  std::uint32_t ptr_cname_ttl = 3600;
  bool wkp_relaxed = false;
  std::vector<dns64::V4Range> never_map;

  // Whether `a` may be synthesized under prefix k: the well-known prefix's
  // rule (RFC 6052 §3.1, unless relaxed) and the view's never_map list.
  bool maps(std::size_t k, const dns64::V4& a) const {
    if (restricted[k] && !dns64::is_global_v4(a) && !dns64::is_nat64_discovery(a)) return false;
    return never_map.empty() || !dns64::in_any(a, never_map);
  }
  // Filled by ViewTable::add_view: prefix k is the WKP and the rule applies.
  std::array<bool, max_prefixes> restricted{};
};

class ViewTable {
 public:
  static constexpr int none = -1;

  // Returns the index of the new view.
  int add_view(View v);
  void add_client_v4(dns64::V4 net, std::uint8_t length, int view);
  void add_client_v6(dns64::V6 net, std::uint8_t length, int view);
  void set_default(int view) { default_ = view; }

  // The most specific match, else the default view, else none.
  int for_v4(const dns64::V4& a) const;
  int for_v6(const dns64::V6& a) const;
  const View& view(int i) const { return views_[static_cast<std::size_t>(i)]; }
  std::size_t size() const { return views_.size(); }

 private:
  struct Net4 {
    std::uint32_t net, mask;
    std::uint8_t length;
    int view;
  };
  struct Net6 {
    dns64::V6 net;
    std::uint8_t length;
    int view;
  };
  std::vector<View> views_;
  std::vector<Net4> v4_;  // longest first
  std::vector<Net6> v6_;  // longest first
  int default_ = none;
};

}  // namespace dns64d::respond
