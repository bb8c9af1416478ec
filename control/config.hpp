// The dns64d configuration file (TOML), read into plain structs. Every key
// is checked: an unknown key or a bad value is an error naming the key.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "dataplane/cookie/cookie.hpp"
#include "dataplane/dns/name.hpp"
#include "dataplane/dns64/ipv4.hpp"
#include "dataplane/dns64/prefix.hpp"
#include "dataplane/dns64/rfc6147.hpp"
#include "dataplane/respond/view.hpp"
#include "dataplane/rrl/rrl.hpp"

namespace dns64d::config {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Port {
  std::string device;           // DPDK device name, e.g. "net_pcap0" or a PCI address
  std::vector<dns64::V4> ipv4;  // addresses we answer on
  std::vector<dns64::V6> ipv6;
  std::optional<std::array<std::uint8_t, 6>> mac;  // overrides the port's own MAC
  // On-link prefix lengths of the addresses ("192.0.2.53/24"; default /32,
  // /128): the exception interface gets them, so the kernel can reach the
  // clients of the link.
  std::vector<std::uint8_t> ipv4_len;
  std::vector<std::uint8_t> ipv6_len;
  // Kernel interface (a DPDK net_tap that dns64d creates) for what the fast
  // path hands on: DNS over TCP, fragments, other traffic to our addresses.
  // Empty: such frames are counted and freed.
  std::string exception;
};

// What the server says of itself to CHAOS queries (version.bind,
// hostname.bind, id.server, version.server); empty: REFUSED.
struct Server {
  std::string identity;
  std::string version;
};

// DNS over TCP through the exception interface.
struct Tcp {
  bool enabled = true;  // where a port has an exception interface
  std::uint32_t max_connections = 512;
  std::uint32_t idle_timeout_ms = 10000;
  std::uint32_t max_outstanding = 32;  // queries in progress per connection
  std::uint32_t send_buffer = 0;       // SO_SNDBUF per connection; 0: the kernel's
};

struct V4Net {
  dns64::V4 net{};
  std::uint8_t length = 0;
};
struct V6Net {
  dns64::V6 net{};
  std::uint8_t length = 0;
};

// A [[view]] section as written; snapshot building turns it into a
// respond::View.
struct ViewConfig {
  std::string name;
  std::vector<V4Net> clients_v4;  // which clients this view serves
  std::vector<V6Net> clients_v6;
  std::vector<dns64::Prefix> prefixes;  // Pref64s; the first one synthesizes in the fast path
  respond::PtrMode ptr_mode = respond::PtrMode::cname;
  std::uint32_t ptr_cname_ttl = 3600;  // cap on the TTL of the synthesized CNAME
  bool wkp_relaxed = false;
  std::vector<dns64::V4Range> never_map;
  std::vector<dns64::V6Range> exclude_aaaa;  // default: ::ffff:0:0/96
  bool synthesize_all = false;
  std::vector<dns::Name> exclude_domains;  // never synthesized under these (folded)
  std::vector<dns::Name> force_domains;    // synthesized even where real AAAA exist
  struct Map {
    dns64::V4Range ipv4;
    dns64::Prefix prefix;
  };
  std::vector<Map> prefix_map;  // IPv4 ranges synthesized under their own prefix
  bool recursive_only = false;  // AAAA queries without RD get no synthesis
  bool break_dnssec = false;    // DO+CD clients synthesized for like the others
  // MNAME (and NS) and RNAME of each Pref64's reverse zone (folded); no
  // server: the zone's own name.
  std::optional<dns::Name> reverse_soa_server;
  dns::Name reverse_soa_contact = root_name();

  static dns::Name root_name() {
    dns::Name n;
    n.wire[0] = 0;
    n.size = 1;
    n.labels = 0;
    return n;
  }
};

struct Record {
  dns::Name name;  // folded
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::string data;  // presentation form: an address, or a name for PTR/CNAME
};

struct Cache {
  std::uint64_t entries = 1u << 20;
  std::uint64_t bytes = 256u << 20;
  std::uint32_t min_ttl = 0;
  std::uint32_t max_ttl = 86400;
  std::uint32_t refresh_percent = 10;       // hits with less of their TTL left are refreshed
  std::uint32_t refresh_sample_every = 16;  // one such hit in this many is reported
};

struct Upstream {
  bool enabled = true;               // false: misses are answered SERVFAIL
  std::vector<std::string> servers;  // "addr", "addr:port", "[v6]:port"; empty: /etc/resolv.conf
  std::uint32_t timeout_ms = 800;    // per attempt
  std::uint32_t attempts = 3;        // each on the next server
  bool servfail_on_error = false;    // RFC 6147 §5.1.2-3: SERVFAIL instead of synthesis
  bool randomize_case = false;       // 0x20: random letter case asked, answers must echo it
  std::uint32_t failure_ttl = 30;    // cap on answers cached after a failed AAAA query
  bool drop_over_limit = false;  // beyond max_waiting/max_pending/max_waiters: drop, not SERVFAIL
  std::uint32_t max_pending = 4096;
  std::uint32_t max_waiters = 64;               // clients waiting on one lookup
  std::uint32_t max_waiting = 16384;            // clients waiting on all lookups together
  std::uint32_t max_waiting_per_prefix = 1024;  // of one client prefix; 0: no limit
  std::uint8_t client_prefix_v4 = 24;           // what one client prefix is
  std::uint8_t client_prefix_v6 = 56;
  bool serve_stale = false;                 // RFC 8767: expired answers when every upstream fails
  std::uint32_t stale_ttl = 30;             // TTL of such answers
  std::uint32_t max_stale_seconds = 86400;  // how long past expiry an answer may serve
  bool parallel_a = true;                   // the A query with the AAAA query (§5.1.8)
  std::uint32_t client_deadline_ms = 2000;  // the longest a client waits; 0: no bound
  bool trust_ad = false;  // the upstream validates, on a trusted path: its AD is passed on
};

struct Config {
  std::vector<Port> ports;
  std::vector<std::uint16_t> dns_ports{53};
  std::uint16_t edns_udp_size = 1232;  // what we advertise and the most we send over UDP
  unsigned burst = 32;
  unsigned rx_desc = 1024, tx_desc = 1024;
  unsigned mbufs = 8191;      // per port queue pair
  unsigned ring_size = 4096;  // punt and return rings, per worker
  bool offloads = true;       // UDP checksums by the port where it can
  // Fragmented datagrams to us: to the exception interface ("kernel", which
  // reassembles where the PMD hands it whole frames), or dropped and counted.
  bool drop_fragments = false;
  Cache cache;
  Upstream upstream;
  Tcp tcp;
  Server server;
  rrl::Settings rrl;  // [rrl]: response rate limiting per client prefix, off by default
  // [cookies]: DNS Cookies (RFC 7873, RFC 9018), on by default; without a
  // configured secret, one drawn at random when the file is loaded.
  cookie::Settings cookies;
  bool cookie_secret_random = false;
  std::vector<ViewConfig> views;  // the last one without clients is the default
  std::vector<Record> records;
};

// Parses the file; throws ConfigError with "FILE: KEY: why".
Config load(const std::string& path);
// Parses TOML text; `origin` names it in errors.
Config parse(const std::string& text, const std::string& origin = "config");

// Helpers shared with the command line and tests.
std::optional<V4Net> parse_v4_net(const std::string& text);
std::optional<V6Net> parse_v6_net(const std::string& text);
std::optional<std::uint16_t> parse_type(const std::string& text);

}  // namespace dns64d::config
