#include "control/static_records.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "dataplane/dns/wire.hpp"
#include "dataplane/respond/respond.hpp"

namespace dns64d::control {

namespace {

struct Group {
  std::vector<std::uint8_t> rrs;
  std::vector<std::uint16_t> ttl_offsets;
  std::vector<cache::Ipv4> v4;
  std::uint32_t ttl = UINT32_MAX;
};

void append16(std::vector<std::uint8_t>& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}

void append_rr(Group& g, std::uint16_t type, std::uint32_t ttl,
               const std::vector<std::uint8_t>& rdata) {
  append16(g.rrs, respond::owner_is_qname);
  append16(g.rrs, type);
  append16(g.rrs, dns::cls::IN);
  g.ttl_offsets.push_back(static_cast<std::uint16_t>(g.rrs.size()));
  for (int s = 24; s >= 0; s -= 8) g.rrs.push_back(static_cast<std::uint8_t>(ttl >> s));
  append16(g.rrs, static_cast<std::uint16_t>(rdata.size()));
  g.rrs.insert(g.rrs.end(), rdata.begin(), rdata.end());
  g.ttl = std::min(g.ttl, ttl);
}

}  // namespace

std::vector<config::Record> builtin_records() {
  std::vector<config::Record> out;
  auto add = [&out](const char* name, std::uint16_t type, const char* data) {
    config::Record r;
    dns::from_text(name, r.name);
    r.type = type;
    r.ttl = 3600;
    r.data = data;
    out.push_back(r);
  };
  add("ipv4only.arpa", dns::type::A, "192.0.0.170");
  add("ipv4only.arpa", dns::type::A, "192.0.0.171");
  add("170.0.0.192.in-addr.arpa", dns::type::PTR, "ipv4only.arpa");
  add("171.0.0.192.in-addr.arpa", dns::type::PTR, "ipv4only.arpa");
  return out;
}

std::size_t insert_static(cache::Cache& cache, const std::vector<config::Record>& records,
                          std::size_t& failed, std::span<const respond::Synthesis> policies) {
  std::map<std::pair<std::string, std::uint16_t>, Group> groups;
  for (const config::Record& r : records) {
    const std::string name(r.name.wire.begin(), r.name.wire.begin() + r.name.size);
    Group& g = groups[{name, r.type}];
    std::vector<std::uint8_t> rdata;
    if (r.type == dns::type::A) {
      const auto a = *dns64::parse_v4(r.data);
      rdata.assign(a.begin(), a.end());
      g.v4.push_back(cache::Ipv4{{a[0], a[1], a[2], a[3]}});
    } else if (r.type == dns::type::AAAA) {
      const auto a = *dns64::parse_v6(r.data);
      rdata.assign(a.begin(), a.end());
    } else {
      dns::Name target;
      dns::from_text(r.data, target);
      rdata.assign(target.wire.begin(), target.wire.begin() + target.size);
    }
    append_rr(g, r.type, r.ttl, rdata);
  }
  std::size_t written = 0;
  failed = 0;
  auto count = [&](cache::InsertStatus s) {
    if (s == cache::InsertStatus::inserted || s == cache::InsertStatus::replaced) {
      ++written;
    } else {
      ++failed;
    }
  };
  for (const auto& [key, g] : groups) {
    const std::span<const std::uint8_t> name(
        reinterpret_cast<const std::uint8_t*>(key.first.data()), key.first.size());
    count(cache.insert_rrset(cache::Key{name, key.second, dns::cls::IN}, g.ttl, g.rrs,
                             g.ttl_offsets));
    // AAAA answers under every AAAA policy (respond/view.hpp): the static
    // AAAA where there are some (not under `all` when A records exist),
    // else AAAA synthesized from the static A records (NODATA under `none`).
    const auto aaaa_it = groups.find({key.first, dns::type::AAAA});
    const bool has_a = groups.count({key.first, dns::type::A}) != 0;
    for (std::size_t i = 0; i < std::max<std::size_t>(policies.size(), 1); ++i) {
      const respond::Synthesis mode = policies.empty() ? respond::Synthesis::normal : policies[i];
      const cache::Key k{name, respond::aaaa_key_type(i), dns::cls::IN};
      if (key.second == dns::type::A) {
        if (mode == respond::Synthesis::none) {
          if (aaaa_it == groups.end()) count(cache.insert_rrset(k, g.ttl, {}, {}));
        } else if (aaaa_it == groups.end() || mode == respond::Synthesis::all) {
          const std::size_t n = std::min(g.v4.size(), cache::kMaxIpv4);
          count(cache.insert_aaaa(k, g.ttl, std::span<const cache::Ipv4>(g.v4.data(), n), {}));
        }
      } else if (key.second == dns::type::AAAA && i != 0 &&
                 !(mode == respond::Synthesis::all && has_a)) {
        count(cache.insert_rrset(k, g.ttl, g.rrs, g.ttl_offsets));
      }
    }
  }
  return written;
}

}  // namespace dns64d::control
