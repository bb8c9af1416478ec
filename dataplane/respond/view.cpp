#include "dataplane/respond/view.hpp"

#include <algorithm>

namespace dns64d::respond {

namespace {
std::uint32_t as_u32(const dns64::V4& a) {
  return (std::uint32_t{a[0]} << 24) | (std::uint32_t{a[1]} << 16) | (std::uint32_t{a[2]} << 8) |
         a[3];
}
}  // namespace

bool AaaaPolicy::operator==(const AaaaPolicy& o) const {
  if (mode != o.mode || exclusions.size() != o.exclusions.size()) return false;
  for (std::size_t i = 0; i < exclusions.size(); ++i) {
    if (exclusions[i].length != o.exclusions[i].length ||
        exclusions[i].net != o.exclusions[i].net)
      return false;
  }
  return true;
}

bool View::under_any(dns::Bytes name, const std::vector<std::vector<std::uint8_t>>& domains) {
  // Each label start of `name` is a candidate suffix; names are folded, so
  // plain comparison is the case-insensitive one.
  for (std::size_t i = 0; i < name.size() && name[i] != 0; i += 1u + name[i]) {
    const dns::Bytes suffix = name.subspan(i);
    for (const auto& d : domains) {
      if (d.size() == suffix.size() && std::equal(d.begin(), d.end(), suffix.begin())) return true;
    }
  }
  for (const auto& d : domains) {
    if (d.size() == 1 && d[0] == 0) return true;  // the root covers every name
  }
  return false;
}

int ViewTable::add_policy(const AaaaPolicy& p) {
  for (std::size_t i = 0; i < policies_.size(); ++i) {
    if (policies_[i] == p) return static_cast<int>(i);
  }
  if (policies_.size() == max_policies) return -1;
  policies_.push_back(p);
  return static_cast<int>(policies_.size() - 1);
}

int ViewTable::add_view(View v) {
  for (std::size_t k = 0; k < v.prefix_count; ++k) {
    v.restricted[k] = !v.wkp_relaxed && v.prefixes[k] == dns64::well_known_prefix;
  }
  for (PrefixMap& m : v.prefix_map) {
    m.restricted = !v.wkp_relaxed && m.prefix == dns64::well_known_prefix;
  }
  views_.push_back(std::move(v));
  return static_cast<int>(views_.size() - 1);
}

void ViewTable::add_client_v4(dns64::V4 net, std::uint8_t length, int view) {
  const std::uint32_t mask = length == 0 ? 0 : ~std::uint32_t{0} << (32 - length);
  v4_.push_back({as_u32(net) & mask, mask, length, view});
  std::stable_sort(v4_.begin(), v4_.end(),
                   [](const Net4& a, const Net4& b) { return a.length > b.length; });
}

void ViewTable::add_client_v6(dns64::V6 net, std::uint8_t length, int view) {
  v6_.push_back({net, length, view});
  std::stable_sort(v6_.begin(), v6_.end(),
                   [](const Net6& a, const Net6& b) { return a.length > b.length; });
}

int ViewTable::for_v4(const dns64::V4& a) const {
  const std::uint32_t x = as_u32(a);
  for (const Net4& n : v4_) {
    if ((x & n.mask) == n.net) return n.view;
  }
  return default_;
}

int ViewTable::for_v6(const dns64::V6& a) const {
  for (const Net6& n : v6_) {
    if (dns64::in_prefix(a, n.net, n.length)) return n.view;
  }
  return default_;
}

}  // namespace dns64d::respond
