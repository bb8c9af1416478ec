// Any frame through everything a worker does to one packet, without DPDK:
// classify, answer from a small cache, rewrite the reply in place. Replies
// must stay inside the buffer and the client's size, and parse again.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "dataplane/dns/reader.hpp"
#include "dataplane/dns64/ptr.hpp"
#include "dataplane/net/frame.hpp"
#include "dataplane/net/reply.hpp"
#include "dataplane/respond/respond.hpp"

using namespace dns64d;

namespace {

struct World {
  World() : cache(config(), [] { return std::uint64_t{1000}; }) {
    reader = cache.register_reader();
    local.mac = {0x02, 0, 0, 0, 0, 0x53};
    local.add_v4({192, 0, 2, 53});
    local.add_v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53});
    local.any_unicast_mac = true;
    respond::View v;
    v.name = "default";
    v.prefixes[0] = dns64::well_known_prefix;
    v.prefix_count = 1;
    views.set_default(views.add_view(v));
    respond::View p;
    p.name = "ptr";
    dns64::parse_pref64("2001:db8:64::/96", p.prefixes[0]);
    dns64::parse_pref64("2001:db8:100::/40", p.prefixes[1]);
    p.prefix_count = 2;
    p.ptr_mode = respond::PtrMode::ptr;
    views.add_client_v6({0x20, 0x01, 0x0d, 0xb8, 0, 1}, 32, views.add_view(p));
    // A few names every mutation can stumble on.
    const std::uint8_t a[] = {1, 'a', 0};
    const cache::Ipv4 ips[] = {{{8, 8, 8, 8}}, {{10, 0, 0, 1}}};
    cache.insert_aaaa({a, 28, 1}, 60, ips, {});
    const std::uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 8, 8, 8, 8};
    const std::uint16_t off = 6;
    cache.insert_rrset({a, 1, 1}, 60, rr, {&off, 1});
    dns::Name in_addr;
    dns64::in_addr_name({8, 8, 8, 8}, in_addr);
    const std::uint8_t ptr[] = {0xc0, 0x0c, 0, 12, 0, 1, 0, 0, 0, 60, 0, 3, 1, 'a', 0};
    cache.insert_rrset({in_addr.bytes(), 12, 1}, 60, ptr, {&off, 1});
  }
  static cache::Config config() {
    cache::Config c;
    c.max_entries = 64;
    c.max_bytes = 1 << 16;
    c.seed = 7;
    return c;
  }
  cache::Cache cache;
  cache::Reader* reader;
  net::LocalAddrs local;
  respond::ViewTable views;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = new World();
  if (size > 1600) return 0;
  // The buffer an mbuf would give: the frame, then room for the reply.
  std::vector<std::uint8_t> buf(data, data + size);
  buf.resize(2048);
  net::FrameInfo info;
  const net::Outcome o = net::parse_frame({buf.data(), size}, world->local, info);
  const std::span<std::uint8_t> frame(buf.data(), buf.size());
  std::size_t out = 0;
  switch (o) {
    case net::Outcome::dns_query: {
      respond::Client c;
      c.is_v6 = info.ip_version == 6;
      c.v6 = info.src_ip;
      c.v4 = net::v4_of(info.src_ip);
      const respond::Context ctx{&world->views, &world->cache, world->reader, 1000, 1232};
      const respond::Result r =
          respond::respond(frame.subspan(info.payload_offset), info.payload_length, c, ctx);
      if (!respond::is_answer(r.outcome)) return 0;
      if (r.reply_len > 1232 || r.reply_len < dns::header_size) std::abort();
      dns::Message m;
      if (dns::parse_message(dns::Bytes(buf.data() + info.payload_offset, r.reply_len), m, false) !=
          dns::Error::ok) {
        std::abort();
      }
      if (!m.header.qr()) std::abort();
      out = net::make_udp_reply(frame, info, r.reply_len, false);
      break;
    }
    case net::Outcome::arp_request:
      out = net::make_arp_reply(frame, info, world->local);
      break;
    case net::Outcome::nd_solicit:
      out = net::make_nd_advert(frame, info, world->local);
      break;
    case net::Outcome::icmp4_echo:
    case net::Outcome::icmp6_echo:
      out = net::make_echo_reply(frame, info);
      break;
    default:
      return 0;
  }
  if (out > buf.size()) std::abort();
  world->reader->quiescent();
  return 0;
}
