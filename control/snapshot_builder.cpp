#include "control/snapshot_builder.hpp"

#include <stdexcept>

namespace dns64d::control {

namespace {

void add_views(const config::Config& c, dataplane::Snapshot* s) {
  for (const config::ViewConfig& v : c.views) {
    respond::View rv;
    rv.name = v.name;
    for (const auto& p : v.prefixes) {
      if (rv.prefix_count == respond::View::max_prefixes) break;
      rv.prefixes[rv.prefix_count++] = p;
    }
    rv.ptr_mode = v.ptr_mode;
    rv.ptr_cname_ttl = v.ptr_cname_ttl;
    rv.wkp_relaxed = v.wkp_relaxed;
    rv.recursive_only = v.recursive_only;
    rv.break_dnssec = v.break_dnssec;
    if (v.reverse_soa_server) {
      rv.reverse_soa_server.assign(v.reverse_soa_server->wire.begin(),
                                   v.reverse_soa_server->wire.begin() + v.reverse_soa_server->size);
    }
    rv.reverse_soa_contact.assign(v.reverse_soa_contact.wire.begin(),
                                  v.reverse_soa_contact.wire.begin() + v.reverse_soa_contact.size);
    rv.never_map = v.never_map;
    for (const auto& m : v.prefix_map) rv.prefix_map.push_back({m.ipv4, m.prefix});
    // The view's AAAA policies: its own, one that never synthesizes (for
    // exclude_domains, and for queries without RD under recursive_only)
    // and one that always does (force_domains).
    respond::AaaaPolicy own;
    own.mode = v.synthesize_all ? respond::Synthesis::all : respond::Synthesis::normal;
    own.exclusions = v.exclude_aaaa;
    respond::AaaaPolicy never = own, always = own;
    never.mode = respond::Synthesis::none;
    always.mode = respond::Synthesis::all;
    const int own_i = s->views.add_policy(own);
    const bool needs_never = !v.exclude_domains.empty() || v.recursive_only;
    const int never_i = needs_never ? s->views.add_policy(never) : own_i;
    const int always_i = v.force_domains.empty() ? own_i : s->views.add_policy(always);
    if (own_i < 0 || never_i < 0 || always_i < 0) {
      throw std::runtime_error("more than 64 distinct AAAA policies over all views");
    }
    rv.aaaa_policy = static_cast<std::uint8_t>(own_i);
    rv.exclude_policy = static_cast<std::uint8_t>(v.exclude_domains.empty() ? own_i : never_i);
    rv.force_policy = static_cast<std::uint8_t>(always_i);
    rv.no_synthesis_policy = static_cast<std::uint8_t>(v.recursive_only ? never_i : own_i);
    for (const auto& d : v.exclude_domains)
      rv.exclude_domains.emplace_back(d.wire.begin(), d.wire.begin() + d.size);
    for (const auto& d : v.force_domains)
      rv.force_domains.emplace_back(d.wire.begin(), d.wire.begin() + d.size);
    const int idx = s->views.add_view(rv);
    for (const auto& n : v.clients_v4) s->views.add_client_v4(n.net, n.length, idx);
    for (const auto& n : v.clients_v6) s->views.add_client_v6(n.net, n.length, idx);
    if (v.clients_v4.empty() && v.clients_v6.empty()) s->views.set_default(idx);
  }
}

}  // namespace

std::unique_ptr<dataplane::Snapshot> build_snapshot(const config::Config& c,
                                                    const std::vector<PortFacts>& ports,
                                                    std::vector<std::string>& notes) {
  if (ports.size() != c.ports.size()) throw std::runtime_error("one PortFacts per configured port");
  auto s = std::make_unique<dataplane::Snapshot>();
  s->edns_udp_size = c.edns_udp_size;
  // A UDP reply must fit the link: the largest we send (and advertise) is
  // what the smallest port MTU carries after an IPv6 and a UDP header, so
  // a client offering 4096 gets TC instead of a frame the link drops.
  for (const PortFacts& p : ports) {
    if (p.mtu < 512 + 48) continue;
    const auto fits = static_cast<std::uint16_t>(p.mtu - 48);
    if (fits < s->edns_udp_size) {
      notes.push_back("edns_udp_size " + std::to_string(s->edns_udp_size) + " is more than port " +
                      std::to_string(p.id) + "'s MTU " + std::to_string(p.mtu) +
                      " carries: " + std::to_string(fits));
      s->edns_udp_size = fits;
    }
  }
  for (std::size_t i = 0; i < c.ports.size(); ++i) {
    const PortFacts& p = ports[i];
    if (p.id >= dataplane::max_ports) throw std::runtime_error("port id above max_ports");
    net::LocalAddrs& l = s->local[p.id];
    l.mac = c.ports[i].mac ? *c.ports[i].mac : p.mac;
    const config::Port& port = c.ports[i];
    for (std::size_t k = 0; k < port.ipv4.size(); ++k) {
      l.add_v4(port.ipv4[k], k < port.ipv4_len.size() ? port.ipv4_len[k] : 32);
    }
    for (const auto& a : c.ports[i].ipv6) l.add_v6(a);
    l.clear_ports();
    for (std::uint16_t dns_port : c.dns_ports) l.add_port(dns_port);
    l.exception_path = !c.ports[i].exception.empty();
    l.fragments = c.drop_fragments ? net::FragmentPolicy::drop : net::FragmentPolicy::punt;
    s->tx_udp_checksum[p.id] = p.tx_udp_checksum;
  }
  add_views(c, s.get());
  s->server = {c.server.identity, c.server.version};
  s->rrl = c.rrl;
  s->cookies = c.cookies;
  // A slip tells the client to retry over TCP: where nobody answers TCP
  // (no exception interface, or [tcp] off) it costs the client its answer,
  // while after a plain drop it retries over UDP. Said, not overruled: a
  // TCP service elsewhere (a load balancer's) may take the retries.
  bool tcp = false;
  for (const config::Port& p : c.ports) tcp = tcp || (!p.exception.empty() && c.tcp.enabled);
  if (s->rrl.enabled && s->rrl.slip != 0 && !tcp) {
    notes.push_back("rrl.slip " + std::to_string(s->rrl.slip) +
                    " sends clients to TCP, and no port here answers DNS over TCP (an exception "
                    "interface with [tcp] enabled); slip = 0 drops instead");
  }
  return s;
}

}  // namespace dns64d::control
