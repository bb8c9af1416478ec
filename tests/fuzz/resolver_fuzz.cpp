// The shipped resolver (control/resolver.hpp) with fixed client queries and
// upstream answers from the input. The input: one octet of resolver
// settings, then the upstream's responses in the order the resolver asks,
// each behind a 2-octet length. A length of 0 is a failed query, 0xffff a
// query the transport refuses to start; under the top bit the octets are the
// whole response, else they are its header and what follows the question,
// and the question asked is put in between. A response the upstream client
// would not believe (upstream::check_response), or none left, is a timeout.
//
// By the end every client handed to the resolver has exactly one answer,
// and every answer is a response to that client within its size limit;
// nothing is left pending or waiting.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "control/resolver.hpp"
#include "control/upstream/message.hpp"
#include "dataplane/dns64/ptr.hpp"
#include "fuzz_support.hpp"

using namespace dns64d;
using fuzz::check;

namespace {

constexpr std::uint16_t upstream_id = 0x4242;

class InputTransport final : public upstream::Transport {
 public:
  InputTransport(const std::uint8_t* data, std::size_t size) : in_(data, size) {}

  bool start(const upstream::Request& r) override {
    ++started;
    upstream::Completion c;
    c.cookie = r.cookie;
    c.status = upstream::Status::timeout;
    if (in_.size() >= 2) {
      const std::uint16_t word = static_cast<std::uint16_t>(in_[0] << 8 | in_[1]);
      in_ = in_.subspan(2);
      if (word == 0xffff) {
        --started;
        return false;
      }
      const bool raw = (word & 0x8000) != 0;
      const std::size_t len = std::min<std::size_t>(word & 0x7fff, in_.size());
      const std::span<const std::uint8_t> chunk = in_.first(len);
      in_ = in_.subspan(len);
      if (len == 0) {
        c.status = upstream::Status::failed;
      } else {
        std::vector<std::uint8_t> msg(chunk.begin(), chunk.end());
        if (!raw && msg.size() >= dns::header_size) {
          msg[0] = upstream_id >> 8;
          msg[1] = upstream_id & 0xff;
          std::vector<std::uint8_t> q(r.qname_wire.begin(), r.qname_wire.end());
          q.insert(q.end(),
                   {static_cast<std::uint8_t>(r.qtype >> 8), static_cast<std::uint8_t>(r.qtype),
                    static_cast<std::uint8_t>(r.qclass >> 8), static_cast<std::uint8_t>(r.qclass)});
          msg.insert(msg.begin() + dns::header_size, q.begin(), q.end());
        }
        const upstream::Question question{r.qname_wire, r.qtype, r.qclass};
        if (upstream::check_response(msg, upstream_id, question).verdict ==
            upstream::Verdict::accept) {
          c.status = upstream::Status::ok;
          c.response = std::move(msg);
        }
      }
    }
    ready_.push_back(std::move(c));
    return true;
  }
  void drive() override {}
  void take_completed(std::vector<upstream::Completion>& out) override {
    for (upstream::Completion& c : ready_) out.push_back(std::move(c));
    ready_.clear();
  }
  bool idle() const { return ready_.empty(); }

  std::size_t started = 0;

 private:
  std::span<const std::uint8_t> in_;
  std::vector<upstream::Completion> ready_;
};

struct Submitted {
  respond::QuestionKey key;
  bool stream = false;
  int answers = 0;
};

class CheckingRequester final : public control::Requester {
 public:
  explicit CheckingRequester(std::vector<Submitted>& clients, std::uint16_t ours)
      : clients_(clients), ours_(ours) {}
  void answer(const control::ReplyTo& to, std::span<const std::uint8_t> reply) override {
    check(to.stream < clients_.size());
    Submitted& s = clients_[to.stream];
    ++s.answers;
    if (reply.empty()) return;
    fuzz::check_reply(reply, s.key, respond::reply_limit(s.key, ours_, s.stream ? 65535 : 0));
  }

 private:
  std::vector<Submitted>& clients_;
  std::uint16_t ours_;
};

struct Query {
  const char* name;
  std::uint16_t qtype;
  dns64::V6 client;
  int edns = -1;
  bool do_bit = false, cd = false;
  bool stream = false;
};

std::vector<std::uint8_t> wire(std::string_view text) {
  std::vector<std::uint8_t> out;
  while (!text.empty()) {
    const std::size_t dot = std::min(text.find('.'), text.size());
    out.push_back(static_cast<std::uint8_t>(dot));
    out.insert(out.end(), text.begin(), text.begin() + static_cast<long>(dot));
    text.remove_prefix(std::min(dot + 1, text.size()));
  }
  out.push_back(0);
  return out;
}

std::vector<std::uint8_t> ip6_arpa(const char* v6) {
  dns::Name n;
  dns64::ip6_arpa_name(*dns64::parse_v6(v6), n);
  const dns::Bytes b = n.bytes();
  return {b.begin(), b.end()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static dataplane::Snapshot* snap = [] {
    auto* s = new dataplane::Snapshot();
    fuzz::add_views(s->views);
    return s;
  }();
  if (size < 1 || size > 16384) return 0;
  const std::uint8_t settings = data[0];
  control::ResolverConfig config;
  config.max_pending = 6;
  config.max_waiters = 3;
  config.max_waiting = 10;
  config.servfail_on_error = (settings & 1) != 0;
  config.serve_stale = (settings & 2) != 0;
  config.over_limit = (settings & 4) != 0 ? control::OverLimit::drop : control::OverLimit::servfail;
  config.failure_ttl = (settings & 8) != 0 ? 1 : 30;

  std::uint64_t now = 1'000'000;
  cache::Config cc;
  cc.max_entries = 64;
  cc.max_bytes = 1 << 17;
  cc.seed = 1;
  cc.max_readers = 1;  // each reader's state is large: a cache per input stays cheap
  cc.keep_stale = true;
  cc.stale_ttl = 30;
  cache::Cache cache(cc, [&now] { return now; });
  cache::Reader* reader = cache.register_reader();
  InputTransport transport(data + 1, size - 1);
  std::vector<Submitted> clients;
  clients.reserve(32);
  CheckingRequester requester(clients, snap->edns_udp_size);
  control::Resolver resolver(
      transport, cache, reader, requester, [&now] { return now; }, config);

  const std::vector<std::uint8_t> ptr_nsp = ip6_arpa("2001:db8:122:344:1:203:400:0");
  const std::vector<std::uint8_t> ptr_wkp = ip6_arpa("64:ff9b::102:304");
  const Query first[] = {
      {"www.example", dns::type::AAAA, fuzz::default_client},
      {"www.example", dns::type::AAAA, fuzz::default_client, 1232, false, false, true},
      {"v4.example", dns::type::A, fuzz::default_client, 1232},
      {"", dns::type::PTR, fuzz::nsp_client},
      {"", dns::type::PTR, fuzz::default_client, 4096},
      {"signed.example", dns::type::AAAA, fuzz::default_client, 4096, true, true},
      {"mail.example", dns::type::MX, fuzz::default_client, 600},
      {"www.example", dns::type::AAAA, fuzz::always_client, 1232, true},
  };
  const Query later[] = {
      {"www.example", dns::type::AAAA, fuzz::default_client, 512},
      {"v4.example", dns::type::AAAA, fuzz::nsp_client},
      {"mail.example", dns::type::MX, fuzz::default_client, -1, false, false, true},
  };
  static std::vector<std::uint8_t> buf(4096);
  auto submit = [&](const Query& q, std::uint16_t id) {
    std::vector<std::uint8_t> name;
    if (q.name[0] != '\0') {
      name = wire(q.name);
    } else {
      name = q.client == fuzz::nsp_client ? ptr_nsp : ptr_wkp;
    }
    const std::vector<std::uint8_t> query =
        fuzz::make_query(id, name, q.qtype, dns::cls::IN, q.edns, q.do_bit, q.cd);
    std::copy(query.begin(), query.end(), buf.begin());
    const respond::Client client = fuzz::v6_client(q.client);
    respond::Context ctx{&snap->views, &cache, reader, now, snap->edns_udp_size};
    ctx.stream_limit = q.stream ? 65535 : 0;
    Submitted s;
    s.stream = q.stream;
    const respond::Result r = respond::respond(buf, query.size(), client, ctx, &s.key);
    if (respond::is_answer(r.outcome)) {
      // Answered by the worker from what the resolver cached.
      fuzz::check_reply(
          {buf.data(), r.reply_len}, id, name, q.qtype, dns::cls::IN,
          respond::reply_limit(q.edns >= 0, static_cast<std::uint16_t>(std::max(q.edns, 0)),
                               ctx.edns_udp_size, ctx.stream_limit));
      return;
    }
    if (!respond::is_punt(r.outcome)) return;
    control::ReplyTo to;
    to.kind = q.stream ? control::ReplyTo::Kind::stream : control::ReplyTo::Kind::datagram;
    to.stream = clients.size();
    clients.push_back(s);
    resolver.submit(s.key, client, to, *snap);
  };

  std::uint16_t id = 0x100;
  for (const Query& q : first) submit(q, ++id);
  const std::vector<std::uint8_t> v4 = wire("v4.example");
  (void)resolver.refresh(v4, dns::type::A, dns::cls::IN, *snap);
  for (int i = 0; i < 4; ++i) {
    resolver.step();
    now += 10;
  }
  for (const Query& q : later) submit(q, ++id);
  // Every lookup ends: each query the transport took completes at once.
  for (int i = 0; i < 64 && (resolver.pending() != 0 || !transport.idle()); ++i) {
    resolver.step();
    now += 10;
  }
  check(resolver.pending() == 0);
  check(resolver.waiting() == 0);
  for (const Submitted& s : clients) check(s.answers == 1);
  reader->quiescent();
  return 0;
}
