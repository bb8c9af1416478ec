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

// The records of `src` (owners 0xC00C) appended to `dst` with the owner
// `owner` written out in full.
void append_owned(Group& dst, const Group& src, const std::string& owner) {
  for (std::size_t p = 0; p + 12 <= src.rrs.size();) {
    const std::size_t rdlen = std::size_t{src.rrs[p + 10]} << 8 | src.rrs[p + 11];
    dst.rrs.insert(dst.rrs.end(), owner.begin(), owner.end());
    dst.rrs.insert(dst.rrs.end(), src.rrs.begin() + static_cast<long>(p) + 2,
                   src.rrs.begin() + static_cast<long>(p) + 4 + 2);  // type, class
    dst.ttl_offsets.push_back(static_cast<std::uint16_t>(dst.rrs.size()));
    dst.rrs.insert(dst.rrs.end(), src.rrs.begin() + static_cast<long>(p) + 6,
                   src.rrs.begin() + static_cast<long>(p + 12 + rdlen));
    p += 12 + rdlen;
  }
  dst.ttl = std::min(dst.ttl, src.ttl);
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
                             g.ttl_offsets, cache::kLocal));
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
          if (aaaa_it == groups.end()) count(cache.insert_rrset(k, g.ttl, {}, {}, cache::kLocal));
        } else if (aaaa_it == groups.end() || mode == respond::Synthesis::all) {
          const std::size_t n = std::min(g.v4.size(), cache::kMaxIpv4);
          count(cache.insert_aaaa(k, g.ttl, std::span<const cache::Ipv4>(g.v4.data(), n), {},
                                  cache::kLocal));
        }
      } else if (key.second == dns::type::AAAA && i != 0 &&
                 !(mode == respond::Synthesis::all && has_a)) {
        count(cache.insert_rrset(k, g.ttl, g.rrs, g.ttl_offsets, cache::kLocal));
      }
    }
  }
  // A static CNAME (the only record of its name, config.cpp) answers A and
  // AAAA queries as a resolver would: the CNAME, then its target's static
  // records, or AAAA synthesized from them with the CNAME as the chain.
  for (const auto& [key, g] : groups) {
    if (key.second != dns::type::CNAME || g.rrs.size() < 12) continue;
    const std::span<const std::uint8_t> name(
        reinterpret_cast<const std::uint8_t*>(key.first.data()), key.first.size());
    // The target as written (its case is what the CNAME says), folded to
    // find its records, whose names config.cpp folded.
    std::string target(g.rrs.begin() + 12, g.rrs.end());
    for (char& o : target) o = static_cast<char>(dns::fold(static_cast<std::uint8_t>(o)));
    const auto a_it = groups.find({target, dns::type::A});
    const auto aaaa_it = groups.find({target, dns::type::AAAA});
    // The CNAME record with its owner written out: the chain of a synthesized entry.
    Group chain;
    append_owned(chain, g, key.first);
    Group with_a = g;
    if (a_it != groups.end()) append_owned(with_a, a_it->second, target);
    count(cache.insert_rrset(cache::Key{name, dns::type::A, dns::cls::IN}, with_a.ttl, with_a.rrs,
                             with_a.ttl_offsets, cache::kLocal));
    Group with_aaaa = g;
    if (aaaa_it != groups.end()) append_owned(with_aaaa, aaaa_it->second, target);
    for (std::size_t i = 0; i < std::max<std::size_t>(policies.size(), 1); ++i) {
      const respond::Synthesis mode = policies.empty() ? respond::Synthesis::normal : policies[i];
      const cache::Key k{name, respond::aaaa_key_type(i), dns::cls::IN};
      const bool synthesize = a_it != groups.end() && mode != respond::Synthesis::none &&
                              (aaaa_it == groups.end() || mode == respond::Synthesis::all);
      if (synthesize) {
        const std::vector<cache::Ipv4>& v4 = a_it->second.v4;
        const std::size_t n = std::min(v4.size(), cache::kMaxIpv4);
        count(cache.insert_aaaa(k, std::min(g.ttl, a_it->second.ttl),
                                std::span<const cache::Ipv4>(v4.data(), n), chain.rrs,
                                cache::kLocal));
      } else {
        count(cache.insert_rrset(k, with_aaaa.ttl, with_aaaa.rrs, with_aaaa.ttl_offsets,
                                 cache::kLocal));
      }
    }
  }
  return written;
}

}  // namespace dns64d::control
