#include "control/config.hpp"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string_view>

namespace dns64d::config {

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& why) {
  throw ConfigError(where + ": " + why);
}

void check_keys(const toml::table& t, std::initializer_list<std::string_view> allowed,
                const std::string& where) {
  for (const auto& [key, value] : t) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
      fail(where.empty() ? std::string(key.str()) : where + "." + std::string(key.str()),
           "unknown key");
    }
  }
}

template <typename T>
T get_int(const toml::table& t, std::string_view key, const std::string& where, T fallback,
          std::int64_t lo, std::int64_t hi) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return fallback;
  const auto v = n->value<std::int64_t>();
  const std::string name = where + "." + std::string(key);
  if (!n->is_integer() || !v) fail(name, "must be an integer");
  if (*v < lo || *v > hi) {
    fail(name, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  return static_cast<T>(*v);
}

bool get_bool(const toml::table& t, std::string_view key, const std::string& where, bool fallback) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return fallback;
  if (!n->is_boolean()) fail(where + "." + std::string(key), "must be true or false");
  return *n->value<bool>();
}

std::optional<std::string> get_string(const toml::table& t, std::string_view key,
                                      const std::string& where) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  if (!n->is_string()) fail(where + "." + std::string(key), "must be a string");
  return *n->value<std::string>();
}

std::vector<std::string> get_strings(const toml::table& t, std::string_view key,
                                     const std::string& where) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (n == nullptr) return out;
  const std::string name = where + "." + std::string(key);
  const toml::array* a = n->as_array();
  if (a == nullptr) fail(name, "must be an array of strings");
  for (const toml::node& e : *a) {
    if (!e.is_string()) fail(name, "must be an array of strings");
    out.push_back(*e.value<std::string>());
  }
  return out;
}

const toml::array* get_tables(const toml::table& t, std::string_view key) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return nullptr;
  const toml::array* a = n->as_array();
  if (a == nullptr || !a->is_array_of_tables()) {
    fail(std::string(key), "must be an array of tables ([[" + std::string(key) + "]])");
  }
  return a;
}

std::optional<std::uint8_t> parse_length(std::string_view text, unsigned max) {
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v > max) return std::nullopt;
  return static_cast<std::uint8_t>(v);
}

std::array<std::uint8_t, 6> parse_mac(const std::string& text, const std::string& where) {
  std::array<std::uint8_t, 6> mac{};
  unsigned b[6];
  char tail;
  if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
                  &b[5], &tail) != 6) {
    fail(where, "not a MAC address (xx:xx:xx:xx:xx:xx): " + text);
  }
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<std::uint8_t>(b[i]);
  return mac;
}

// An address belongs to one port once: the workers would answer it on
// both, and the TCP listener cannot bind it twice.
void check_port_addresses(const std::vector<Port>& ports) {
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    std::vector<std::string> mine;
    for (const auto& a : ports[i].ipv4) mine.emplace_back(a.begin(), a.end());
    for (const auto& a : ports[i].ipv6) mine.emplace_back(a.begin(), a.end());
    for (std::size_t k = 0; k < mine.size(); ++k) {
      const bool v4 = k < ports[i].ipv4.size();
      const std::string where = "port[" + std::to_string(i) + "]." + (v4 ? "ipv4" : "ipv6");
      char text[INET6_ADDRSTRLEN] = {};
      (void)inet_ntop(v4 ? AF_INET : AF_INET6, mine[k].data(), text, sizeof text);
      const auto [it, fresh] = seen.emplace(mine[k], i);
      if (!fresh) {
        fail(where,
             std::string(text) + " is also an address of port[" + std::to_string(it->second) + "]");
      }
    }
  }
}

Port parse_port(const toml::table& t, const std::string& where) {
  check_keys(t, {"device", "ipv4", "ipv6", "mac", "exception"}, where);
  Port p;
  const auto device = get_string(t, "device", where);
  if (!device || device->empty()) fail(where + ".device", "is required");
  p.device = *device;
  // "ADDRESS" or "ADDRESS/LENGTH" (the on-link prefix, for the exception
  // interface).
  for (const std::string& s : get_strings(t, "ipv4", where)) {
    const auto n = parse_v4_net(s);
    if (!n) fail(where + ".ipv4", "not an IPv4 address (ADDRESS or ADDRESS/LENGTH): " + s);
    p.ipv4.push_back(n->net);
    p.ipv4_len.push_back(n->length);
  }
  for (const std::string& s : get_strings(t, "ipv6", where)) {
    const auto n = parse_v6_net(s);
    if (!n) fail(where + ".ipv6", "not an IPv6 address (ADDRESS or ADDRESS/LENGTH): " + s);
    p.ipv6.push_back(n->net);
    p.ipv6_len.push_back(n->length);
  }
  p.exception = get_string(t, "exception", where).value_or("");
  if (p.exception.size() > 15)
    fail(where + ".exception", "interface names have at most 15 characters");
  if (p.ipv4.empty() && p.ipv6.empty()) fail(where, "needs at least one address in ipv4 or ipv6");
  if (const auto mac = get_string(t, "mac", where)) p.mac = parse_mac(*mac, where + ".mac");
  return p;
}

ViewConfig parse_view(const toml::table& t, const std::string& where) {
  check_keys(
      t,
      {"name", "clients", "prefixes", "ptr_mode", "ptr_cname_ttl", "wkp_relaxed", "never_map",
       "exclude_aaaa", "synthesize_all", "exclude_domains", "force_domains", "prefix_map",
       "recursive_only", "break_dnssec", "reverse_soa_server", "reverse_soa_contact"},
      where);
  ViewConfig v;
  v.name = get_string(t, "name", where).value_or("");
  if (v.name.empty()) fail(where + ".name", "is required");
  for (const std::string& s : get_strings(t, "clients", where)) {
    if (const auto n4 = parse_v4_net(s)) {
      v.clients_v4.push_back(*n4);
    } else if (const auto n6 = parse_v6_net(s)) {
      v.clients_v6.push_back(*n6);
    } else {
      fail(where + ".clients", "not an IPv4 or IPv6 network (ADDRESS/LENGTH): " + s);
    }
  }
  for (const std::string& s : get_strings(t, "prefixes", where)) {
    dns64::Prefix p;
    const dns64::PrefixError e = dns64::parse_pref64(s, p);
    if (e != dns64::PrefixError::ok) {
      fail(where + ".prefixes", s + ": " + std::string(dns64::describe(e)));
    }
    v.prefixes.push_back(p);
  }
  if (v.prefixes.empty()) v.prefixes.push_back(dns64::well_known_prefix);
  if (const auto mode = get_string(t, "ptr_mode", where)) {
    if (*mode == "cname") {
      v.ptr_mode = respond::PtrMode::cname;
    } else if (*mode == "ptr") {
      v.ptr_mode = respond::PtrMode::ptr;
    } else {
      fail(where + ".ptr_mode", "must be \"cname\" or \"ptr\"");
    }
  }
  v.ptr_cname_ttl = get_int<std::uint32_t>(t, "ptr_cname_ttl", where, 3600, 0, 0x7fffffff);
  v.wkp_relaxed = get_bool(t, "wkp_relaxed", where, false);
  v.synthesize_all = get_bool(t, "synthesize_all", where, false);
  for (const std::string& s : get_strings(t, "never_map", where)) {
    const auto n = parse_v4_net(s);
    if (!n) fail(where + ".never_map", "not an IPv4 network: " + s);
    v.never_map.push_back({n->net, n->length});
  }
  const auto excl = get_strings(t, "exclude_aaaa", where);
  if (t.get("exclude_aaaa") == nullptr) {
    v.exclude_aaaa.push_back(dns64::ipv4_mapped_range);
  }
  for (const std::string& s : excl) {
    const auto n = parse_v6_net(s);
    if (!n) fail(where + ".exclude_aaaa", "not an IPv6 network: " + s);
    v.exclude_aaaa.push_back({n->net, n->length});
  }
  for (const char* key : {"exclude_domains", "force_domains"}) {
    for (const std::string& s : get_strings(t, key, where)) {
      dns::Name n;
      if (!dns::from_text(s, n)) fail(where + "." + key, "not a domain name: " + s);
      for (std::size_t i = 0; i < n.size; ++i) n.wire[i] = dns::fold(n.wire[i]);
      (std::string_view(key) == "exclude_domains" ? v.exclude_domains : v.force_domains)
          .push_back(n);
    }
  }
  // "IPV4NET PREFIX": addresses in IPV4NET are synthesized under PREFIX.
  for (const std::string& s : get_strings(t, "prefix_map", where)) {
    const auto space = s.find(' ');
    const auto n = space == std::string::npos ? std::nullopt : parse_v4_net(s.substr(0, space));
    const std::string prefix_text =
        space == std::string::npos ? "" : s.substr(s.find_first_not_of(' ', space));
    dns64::Prefix p;
    if (!n) fail(where + ".prefix_map", "expected \"IPV4NET PREFIX\": " + s);
    const dns64::PrefixError e = dns64::parse_pref64(prefix_text, p);
    if (e != dns64::PrefixError::ok) {
      fail(where + ".prefix_map", s + ": " + std::string(dns64::describe(e)));
    }
    v.prefix_map.push_back({{n->net, n->length}, p});
  }
  v.recursive_only = get_bool(t, "recursive_only", where, false);
  v.break_dnssec = get_bool(t, "break_dnssec", where, false);
  // Names in the reverse zones' SOA (BIND's dns64-server, dns64-contact).
  const auto soa_name = [&](const char* key) -> std::optional<dns::Name> {
    const auto text = get_string(t, key, where);
    if (!text) return std::nullopt;
    dns::Name n;
    if (text->empty() || !dns::from_text(*text, n)) {
      fail(where + "." + key, "not a domain name: " + *text);
    }
    for (std::size_t i = 0; i < n.size; ++i) n.wire[i] = dns::fold(n.wire[i]);
    return n;
  };
  v.reverse_soa_server = soa_name("reverse_soa_server");
  if (const auto contact = soa_name("reverse_soa_contact")) v.reverse_soa_contact = *contact;
  return v;
}

// A static CNAME answers A and AAAA queries with its target's static
// records (static_records.cpp), so it must be the only record at its name
// (RFC 1034 §3.6.2) and its target must hold static A or AAAA records.
void check_cnames(const std::vector<Record>& records) {
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    if (r.type != dns::type::CNAME) continue;
    const std::string where = "record[" + std::to_string(i) + "]";
    dns::Name target;
    dns::from_text(r.data, target);
    for (std::size_t k = 0; k < target.size; ++k) target.wire[k] = dns::fold(target.wire[k]);
    bool addresses = false;
    for (std::size_t j = 0; j < records.size(); ++j) {
      const Record& o = records[j];
      if (j != i && o.name == r.name) {
        fail(where, "a CNAME must be the only record of its name (record[" + std::to_string(j) +
                        "] is another)");
      }
      addresses =
          addresses || (o.name == target && (o.type == dns::type::A || o.type == dns::type::AAAA));
    }
    if (!addresses) fail(where + ".data", "the CNAME's target has no static A or AAAA records");
  }
}

Record parse_record(const toml::table& t, const std::string& where) {
  check_keys(t, {"name", "type", "ttl", "data"}, where);
  Record r;
  const auto name = get_string(t, "name", where);
  if (!name || !dns::from_text(*name, r.name))
    fail(where + ".name", "is required and must be a domain name");
  for (std::size_t i = 0; i < r.name.size; ++i) r.name.wire[i] = dns::fold(r.name.wire[i]);
  const auto type = get_string(t, "type", where);
  const auto code = type ? parse_type(*type) : std::nullopt;
  if (!code || (*code != dns::type::A && *code != dns::type::AAAA && *code != dns::type::PTR &&
                *code != dns::type::CNAME)) {
    fail(where + ".type", "must be one of A, AAAA, PTR, CNAME");
  }
  r.type = *code;
  r.ttl = get_int<std::uint32_t>(t, "ttl", where, 300, 0, 0x7fffffff);
  const auto data = get_string(t, "data", where);
  if (!data) fail(where + ".data", "is required");
  r.data = *data;
  dns::Name n;
  const bool ok = r.type == dns::type::A      ? dns64::parse_v4(r.data).has_value()
                  : r.type == dns::type::AAAA ? dns64::parse_v6(r.data).has_value()
                                              : dns::from_text(r.data, n);
  if (!ok) fail(where + ".data", "does not fit type " + *type + ": " + r.data);
  return r;
}

}  // namespace

std::optional<V4Net> parse_v4_net(const std::string& text) {
  const auto slash = text.find('/');
  const auto a = dns64::parse_v4(std::string_view(text).substr(0, slash));
  if (!a) return std::nullopt;
  V4Net n{*a, 32};
  if (slash != std::string::npos) {
    const auto len = parse_length(std::string_view(text).substr(slash + 1), 32);
    if (!len) return std::nullopt;
    n.length = *len;
  }
  return n;
}

std::optional<V6Net> parse_v6_net(const std::string& text) {
  const auto slash = text.find('/');
  const auto a = dns64::parse_v6(std::string_view(text).substr(0, slash));
  if (!a) return std::nullopt;
  V6Net n{*a, 128};
  if (slash != std::string::npos) {
    const auto len = parse_length(std::string_view(text).substr(slash + 1), 128);
    if (!len) return std::nullopt;
    n.length = *len;
  }
  return n;
}

std::optional<std::uint16_t> parse_type(const std::string& text) {
  static const std::pair<const char*, std::uint16_t> names[] = {
      {"A", dns::type::A},         {"AAAA", dns::type::AAAA}, {"PTR", dns::type::PTR},
      {"CNAME", dns::type::CNAME}, {"MX", dns::type::MX},     {"TXT", dns::type::TXT},
      {"NS", dns::type::NS},       {"SOA", dns::type::SOA}};
  std::string upper = text;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto& [name, code] : names) {
    if (upper == name) return code;
  }
  return std::nullopt;
}

Config parse(const std::string& text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << origin << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
       << e.description();
    throw ConfigError(os.str());
  }
  try {
    check_keys(root,
               {"dataplane", "cache", "upstream", "tcp", "server", "rrl", "cookies", "port", "view",
                "record"},
               "");
    Config c;
    if (const toml::node* n = root.get("dataplane")) {
      const toml::table* t = n->as_table();
      if (t == nullptr) fail("dataplane", "must be a table");
      check_keys(*t,
                 {"dns_ports", "edns_udp_size", "burst", "rx_desc", "tx_desc", "mbufs", "ring_size",
                  "offloads", "fragments"},
                 "dataplane");
      if (const toml::node* p = t->get("dns_ports")) {
        const toml::array* a = p->as_array();
        if (a == nullptr || a->empty())
          fail("dataplane.dns_ports", "must be a non-empty array of ports");
        c.dns_ports.clear();
        for (const toml::node& e : *a) {
          const auto v = e.value<std::int64_t>();
          if (!e.is_integer() || !v || *v < 1 || *v > 65535) {
            fail("dataplane.dns_ports", "ports are integers from 1 to 65535");
          }
          if (std::find(c.dns_ports.begin(), c.dns_ports.end(), *v) != c.dns_ports.end())
            fail("dataplane.dns_ports", "port " + std::to_string(*v) + " is named twice");
          c.dns_ports.push_back(static_cast<std::uint16_t>(*v));
        }
        if (c.dns_ports.size() > 4) fail("dataplane.dns_ports", "at most 4 ports");
      }
      c.edns_udp_size = get_int<std::uint16_t>(*t, "edns_udp_size", "dataplane", 1232, 512, 4096);
      c.burst = get_int<unsigned>(*t, "burst", "dataplane", 32, 1, 256);
      c.rx_desc = get_int<unsigned>(*t, "rx_desc", "dataplane", 1024, 64, 16384);
      c.tx_desc = get_int<unsigned>(*t, "tx_desc", "dataplane", 1024, 64, 16384);
      c.mbufs = get_int<unsigned>(*t, "mbufs", "dataplane", 8191, 1023, 1u << 22);
      c.ring_size = get_int<unsigned>(*t, "ring_size", "dataplane", 4096, 64, 1u << 20);
      if ((c.ring_size & (c.ring_size - 1)) != 0)
        fail("dataplane.ring_size", "must be a power of two");
      c.offloads = get_bool(*t, "offloads", "dataplane", true);
      if (const auto f = get_string(*t, "fragments", "dataplane")) {
        if (*f != "kernel" && *f != "drop")
          fail("dataplane.fragments", "must be \"kernel\" or \"drop\"");
        c.drop_fragments = *f == "drop";
      }
    }
    if (const toml::node* n = root.get("cache")) {
      const toml::table* t = n->as_table();
      if (t == nullptr) fail("cache", "must be a table");
      check_keys(
          *t, {"entries", "bytes", "min_ttl", "max_ttl", "refresh_percent", "refresh_sample_every"},
          "cache");
      c.cache.entries = get_int<std::uint64_t>(*t, "entries", "cache", 1u << 20, 16, 1ll << 32);
      c.cache.bytes = get_int<std::uint64_t>(*t, "bytes", "cache", 256u << 20, 1 << 16, 1ll << 40);
      c.cache.min_ttl = get_int<std::uint32_t>(*t, "min_ttl", "cache", 0, 0, 86400);
      c.cache.max_ttl = get_int<std::uint32_t>(*t, "max_ttl", "cache", 86400, 1, 0x7fffffff);
      if (c.cache.min_ttl > c.cache.max_ttl) fail("cache.min_ttl", "is above cache.max_ttl");
      c.cache.refresh_percent = get_int<std::uint32_t>(*t, "refresh_percent", "cache", 10, 0, 50);
      c.cache.refresh_sample_every =
          get_int<std::uint32_t>(*t, "refresh_sample_every", "cache", 16, 1, 1024);
    }
    if (const toml::node* n = root.get("upstream")) {
      const toml::table* t = n->as_table();
      if (t == nullptr) fail("upstream", "must be a table");
      check_keys(*t,
                 {"enabled", "servers", "timeout_ms", "attempts", "servfail_on_error",
                  "randomize_case", "failure_ttl", "max_pending", "max_waiters", "max_waiting",
                  "max_waiting_per_prefix", "client_prefix_v4", "client_prefix_v6", "over_limit",
                  "serve_stale", "stale_ttl", "max_stale_seconds", "parallel_a",
                  "client_deadline_ms", "trust_ad"},
                 "upstream");
      Upstream& u = c.upstream;
      u.enabled = get_bool(*t, "enabled", "upstream", true);
      u.servers = get_strings(*t, "servers", "upstream");
      u.timeout_ms = get_int<std::uint32_t>(*t, "timeout_ms", "upstream", 800, 10, 60000);
      u.attempts = get_int<std::uint32_t>(*t, "attempts", "upstream", 3, 1, 10);
      u.servfail_on_error = get_bool(*t, "servfail_on_error", "upstream", false);
      u.randomize_case = get_bool(*t, "randomize_case", "upstream", false);
      u.failure_ttl = get_int<std::uint32_t>(*t, "failure_ttl", "upstream", 30, 1, 300);
      u.max_pending = get_int<std::uint32_t>(*t, "max_pending", "upstream", 4096, 1, 1 << 20);
      u.max_waiters = get_int<std::uint32_t>(*t, "max_waiters", "upstream", 64, 1, 1 << 16);
      u.max_waiting = get_int<std::uint32_t>(*t, "max_waiting", "upstream", 16384, 1, 1 << 22);
      u.max_waiting_per_prefix =
          get_int<std::uint32_t>(*t, "max_waiting_per_prefix", "upstream", 1024, 0, 1 << 22);
      u.client_prefix_v4 = get_int<std::uint8_t>(*t, "client_prefix_v4", "upstream", 24, 8, 32);
      u.client_prefix_v6 = get_int<std::uint8_t>(*t, "client_prefix_v6", "upstream", 56, 16, 128);
      if (const auto o = get_string(*t, "over_limit", "upstream")) {
        if (*o != "servfail" && *o != "drop")
          fail("upstream.over_limit", "must be \"servfail\" or \"drop\"");
        u.drop_over_limit = *o == "drop";
      }
      u.serve_stale = get_bool(*t, "serve_stale", "upstream", false);
      u.stale_ttl = get_int<std::uint32_t>(*t, "stale_ttl", "upstream", 30, 1, 86400);
      u.max_stale_seconds =
          get_int<std::uint32_t>(*t, "max_stale_seconds", "upstream", 86400, 1, 7 * 86400);
      u.parallel_a = get_bool(*t, "parallel_a", "upstream", true);
      u.client_deadline_ms =
          get_int<std::uint32_t>(*t, "client_deadline_ms", "upstream", 2000, 0, 60000);
      u.trust_ad = get_bool(*t, "trust_ad", "upstream", false);
    }
    if (const toml::node* n = root.get("tcp")) {
      const toml::table* t = n->as_table();
      if (t == nullptr) fail("tcp", "must be a table");
      check_keys(
          *t, {"enabled", "max_connections", "idle_timeout_ms", "max_outstanding", "send_buffer"},
          "tcp");
      c.tcp.enabled = get_bool(*t, "enabled", "tcp", true);
      c.tcp.max_connections = get_int<std::uint32_t>(*t, "max_connections", "tcp", 512, 1, 65536);
      c.tcp.idle_timeout_ms =
          get_int<std::uint32_t>(*t, "idle_timeout_ms", "tcp", 10000, 100, 600000);
      c.tcp.max_outstanding = get_int<std::uint32_t>(*t, "max_outstanding", "tcp", 32, 1, 1024);
      c.tcp.send_buffer = get_int<std::uint32_t>(*t, "send_buffer", "tcp", 0, 0, 16u << 20);
    }
    if (const toml::node* n = root.get("server")) {
      const toml::table* t = n->as_table();
      if (t == nullptr) fail("server", "must be a table");
      check_keys(*t, {"identity", "version"}, "server");
      for (const auto& [key, field] :
           {std::pair{"identity", &c.server.identity}, std::pair{"version", &c.server.version}}) {
        if (const auto v = get_string(*t, key, "server")) {
          // One TXT character-string, printable: what an operator chose to say.
          if (v->size() > 255) fail(std::string("server.") + key, "at most 255 characters");
          for (const char ch : *v) {
            if (ch < 0x20 || ch > 0x7e) fail(std::string("server.") + key, "printable ASCII only");
          }
          *field = *v;
        }
      }
    }
    if (const toml::node* n = root.get("rrl")) {
      const toml::table* t = n->as_table();
      if (t == nullptr) fail("rrl", "must be a table");
      check_keys(*t,
                 {"enabled", "responses_per_second", "window", "slip", "ipv4_prefix", "ipv6_prefix",
                  "table_size"},
                 "rrl");
      rrl::Settings& r = c.rrl;
      r.enabled = get_bool(*t, "enabled", "rrl", false);
      r.responses_per_second =
          get_int<std::uint32_t>(*t, "responses_per_second", "rrl", 20, 1, 10000000);
      r.window = get_int<std::uint32_t>(*t, "window", "rrl", 5, 1, 3600);
      r.slip = get_int<std::uint32_t>(*t, "slip", "rrl", 2, 0, 10);
      r.ipv4_prefix = get_int<std::uint8_t>(*t, "ipv4_prefix", "rrl", 24, 1, 32);
      // The bucket's key holds the first 64 bits of an IPv6 client.
      r.ipv6_prefix = get_int<std::uint8_t>(*t, "ipv6_prefix", "rrl", 56, 1, 64);
      // 32 octets a bucket, per worker: at most 32 MiB each.
      r.table_size = get_int<std::uint32_t>(*t, "table_size", "rrl", 65536, 16, 1u << 20);
      if ((r.table_size & (r.table_size - 1)) != 0)
        fail("rrl.table_size", "must be a power of two");
    }
    c.cookies.enabled = true;
    const toml::table* cookies = nullptr;
    if (const toml::node* n = root.get("cookies")) {
      cookies = n->as_table();
      if (cookies == nullptr) fail("cookies", "must be a table");
      check_keys(*cookies, {"enabled", "secret", "previous_secret"}, "cookies");
      c.cookies.enabled = get_bool(*cookies, "enabled", "cookies", true);
    }
    const auto secret = cookies != nullptr ? get_string(*cookies, "secret", "cookies")
                                           : std::optional<std::string>{};
    const auto previous = cookies != nullptr
                              ? get_string(*cookies, "previous_secret", "cookies")
                              : std::optional<std::string>{};
    if (secret && !cookie::parse_secret(*secret, c.cookies.secret))
      fail("cookies.secret", "must be 32 hexadecimal digits (16 octets)");
    if (previous) {
      if (!secret) fail("cookies.previous_secret", "needs cookies.secret (the new one)");
      if (!cookie::parse_secret(*previous, c.cookies.previous))
        fail("cookies.previous_secret", "must be 32 hexadecimal digits (16 octets)");
      c.cookies.has_previous = true;
    }
    if (c.cookies.enabled && !cookie::init()) {
      fail("cookies", "libsodium could not be initialised");
    }
    if (c.cookies.enabled && !secret) {
      c.cookies.secret = cookie::random_secret();
      c.cookie_secret_random = true;
    }
    if (const toml::array* ports = get_tables(root, "port")) {
      for (std::size_t i = 0; i < ports->size(); ++i) {
        c.ports.push_back(
            parse_port(*ports->get(i)->as_table(), "port[" + std::to_string(i) + "]"));
      }
    }
    if (c.ports.empty()) fail("port", "at least one [[port]] is required");
    check_port_addresses(c.ports);
    if (const toml::array* views = get_tables(root, "view")) {
      for (std::size_t i = 0; i < views->size(); ++i) {
        c.views.push_back(
            parse_view(*views->get(i)->as_table(), "view[" + std::to_string(i) + "]"));
      }
    }
    if (c.views.empty()) {
      ViewConfig v;
      v.name = "default";
      v.prefixes.push_back(dns64::well_known_prefix);
      v.exclude_aaaa.push_back(dns64::ipv4_mapped_range);
      c.views.push_back(v);
    }
    if (c.views.size() > 64) fail("view", "at most 64 views");
    std::size_t defaults = 0;
    for (const ViewConfig& v : c.views) defaults += v.clients_v4.empty() && v.clients_v6.empty();
    if (defaults > 1) fail("view", "only one view may leave out clients (the default view)");
    if (const toml::array* records = get_tables(root, "record")) {
      for (std::size_t i = 0; i < records->size(); ++i) {
        c.records.push_back(
            parse_record(*records->get(i)->as_table(), "record[" + std::to_string(i) + "]"));
      }
      check_cnames(c.records);
    }
    return c;
  } catch (const ConfigError& e) {
    throw ConfigError(origin + ": " + e.what());
  }
}

Config load(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw ConfigError(path + ": cannot open");
  std::string text;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return parse(text, path);
}

}  // namespace dns64d::config
