// Any frame through the worker's own per-frame decision (respond/frame.hpp,
// the code the worker runs), without DPDK: classify, answer from a small
// cache, rewrite the reply in place, or punt a key. Replies must stay inside
// the buffer and the client's size and parse again; a punted query's reply
// frame, built from its origin, must be what the in-place rewrite gives.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "dataplane/dns/reader.hpp"
#include "dataplane/dns64/ptr.hpp"
#include "dataplane/net/frame.hpp"
#include "dataplane/net/origin.hpp"
#include "dataplane/net/reply.hpp"
#include "dataplane/respond/frame.hpp"
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
  cookie::Settings cookies{true, {0xe5, 0xe9, 0x73}, {}, false};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = new World();
  if (size > 1600) return 0;
  // The buffer an mbuf would give: the frame, then room for the reply.
  std::vector<std::uint8_t> buf(data, data + size);
  buf.resize(2048);
  respond::Context ctx{&world->views, &world->cache, world->reader, 1000, 1232};
  ctx.cookies = &world->cookies;  // COOKIE options parsed, checked and answered
  ctx.unix_now = 1559731985;
  const std::vector<std::uint8_t> received(buf.begin(), buf.end());
  respond::FrameWork work;
  respond::classify_frame({buf.data(), size}, world->local, {}, ctx, work);
  static respond::Punted punted;
  const respond::FrameVerdict v =
      respond::decide_frame({buf.data(), buf.size()}, work, world->local, ctx, false, punted);
  switch (v.action) {
    case respond::FrameAction::transmit: {
      if (v.len > buf.size() || v.len < 14) std::abort();
      if (work.outcome != net::Outcome::dns_query) break;
      if (!respond::is_dns_counter(v.counter) ||
          !respond::is_answer(respond::dns_outcome_of(v.counter))) {
        std::abort();
      }
      // The reply's DNS part: no larger than the client allows, and a response.
      const net::FrameInfo& info = work.info;
      const std::size_t l4 = info.l3_offset + (info.ip_version == 4 ? 20u : 40u);
      const std::size_t dns_len = std::size_t{dns::load16(buf.data() + l4 + 4)} - 8u;
      if (dns_len > 1232 || dns_len < dns::header_size || l4 + 8 + dns_len != v.len) std::abort();
      const std::size_t at = l4 + 8;
      dns::Message m;
      if (dns::parse_message(dns::Bytes(buf.data() + at, dns_len), m, false) != dns::Error::ok ||
          !m.header.qr()) {
        std::abort();
      }
      break;
    }
    case respond::FrameAction::punt: {
      // Only queries are punted, never a response, and the key echoes them.
      if (work.outcome != net::Outcome::dns_query || !respond::is_dns_counter(v.counter) ||
          !respond::is_punt(respond::dns_outcome_of(v.counter))) {
        std::abort();
      }
      const respond::QuestionKey& k = punted.key;
      if ((k.flags & dns::flag::QR) != 0 || k.name_len == 0 || k.key_len == 0) std::abort();
      // The reply the control plane would build from the origin equals the
      // worker's in-place rewrite of the received frame.
      std::array<std::uint8_t, 2048> reply;
      const std::size_t len = respond::answer_rcode(k, reply, dns::rcode::SERVFAIL, 1232);
      if (len == 0) break;
      std::array<std::uint8_t, 2048> from_origin;
      const std::size_t a = net::make_udp_reply(punted.origin, {reply.data(), len}, from_origin);
      std::vector<std::uint8_t> in_place(received);
      const net::FrameInfo& info = work.info;
      std::memcpy(in_place.data() + info.payload_offset, reply.data(), len);
      const std::size_t b = net::make_udp_reply(in_place, info, len, false);
      if (a != b || std::memcmp(from_origin.data(), in_place.data(), a) != 0) std::abort();
      break;
    }
    case respond::FrameAction::exception:
      if (!net::is_exception(work.outcome)) std::abort();
      break;
    case respond::FrameAction::drop:
      break;
  }
  world->reader->quiescent();
  return 0;
}
