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
    if (exclusions[i].length != o.exclusions[i].length || exclusions[i].net != o.exclusions[i].net)
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
  v.one_policy = v.exclude_domains.empty() && v.force_domains.empty() && !v.recursive_only;
  v.reverse.clear();
  const auto add_reverse = [&](const ReversePrefix& r) {
    if (std::find(v.reverse.begin(), v.reverse.end(), r) == v.reverse.end()) v.reverse.push_back(r);
    if (std::find(reverse_.begin(), reverse_.end(), r) == reverse_.end()) reverse_.push_back(r);
  };
  for (std::size_t k = 0; k < v.prefix_count; ++k) add_reverse({v.prefixes[k], false, {}});
  for (const PrefixMap& m : v.prefix_map) add_reverse({m.prefix, true, m.range});
  views_.push_back(std::move(v));
  return static_cast<int>(views_.size() - 1);
}

ReverseMatch ViewTable::match_partial(const dns64::Ip6Arpa& name) const {
  // Fewer labels than an address: NODATA where they agree with a prefix,
  // under the SOA of the deepest reverse zone that holds the name (whoever
  // asks: the view's own prefixes are among these).
  ReverseMatch m;
  for (const ReversePrefix& r : reverse_) {
    dns::Name unused;
    dns64::V4 a;
    if (dns64::map_ptr(name, r.prefix, unused, a) != dns64::PtrResult::too_few_labels) continue;
    m.mapping = PtrMapping::partial;
    if (name.nibbles >= r.zone_nibbles() && r.zone_nibbles() > m.zone) m.zone = r.zone_nibbles();
  }
  return m;
}

std::uint8_t ViewTable::reverse_apex(const dns64::Ip6Arpa& name) const {
  for (const ReversePrefix& r : reverse_) {
    if (name.nibbles == r.zone_nibbles() &&
        dns64::in_prefix(name.addr, r.prefix.addr, r.prefix.length))
      return name.nibbles;
  }
  return 0;
}

template <typename Key>
void ViewTable::insert(std::vector<Length<Key>>& lengths, std::uint8_t length, const Key& mask,
                       const Key& net, int view) {
  auto it = std::find_if(lengths.begin(), lengths.end(),
                         [&](const Length<Key>& l) { return l.length <= length; });
  if (it == lengths.end() || it->length != length) {
    Length<Key> fresh;
    fresh.length = length;
    fresh.mask = mask;
    fresh.slots.resize(8);
    it = lengths.insert(it, std::move(fresh));
  }
  Length<Key>& l = *it;
  const Key key = net & mask;
  if ((l.used + 1) * 2 > l.slots.size()) {  // grow, keeping every entry
    std::vector<typename Length<Key>::Slot> old(l.slots.size() * 2);
    old.swap(l.slots);
    for (const auto& s : old) {
      if (s.view == none) continue;
      std::size_t i = hash(s.net) & (l.slots.size() - 1);
      while (l.slots[i].view != none) i = (i + 1) & (l.slots.size() - 1);
      l.slots[i] = s;
    }
  }
  std::size_t i = hash(key) & (l.slots.size() - 1);
  for (; l.slots[i].view != none; i = (i + 1) & (l.slots.size() - 1)) {
    if (l.slots[i].net == key) return;  // the first network given keeps it
  }
  l.slots[i] = {key, view};
  ++l.used;
}

void ViewTable::add_client_v4(dns64::V4 net, std::uint8_t length, int view) {
  const std::uint32_t mask = length == 0 ? 0 : ~std::uint32_t{0} << (32 - length);
  insert(v4_, length, mask, as_u32(net), view);
}

void ViewTable::add_client_v6(dns64::V6 net, std::uint8_t length, int view) {
  insert(v6_, length, dns64::prefix_mask(length), dns64::words(net), view);
}

int ViewTable::for_v4(const dns64::V4& a) const { return find(v4_, as_u32(a), default_); }

int ViewTable::for_v6(const dns64::V6& a) const {
  return v6_.empty() ? default_ : find(v6_, dns64::words(a), default_);
}

}  // namespace dns64d::respond
