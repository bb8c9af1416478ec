#include "dataplane/cookie/cookie.hpp"

#include <sodium.h>

#include <cstring>

#include "dataplane/dns/wire.hpp"

namespace dns64d::cookie {
namespace {

constexpr std::uint8_t version = 1;
constexpr std::size_t head_len = 8;  // version, reserved, timestamp
static_assert(crypto_shorthash_siphash24_BYTES == 8 && crypto_shorthash_siphash24_KEYBYTES == 16);

using dns::load16;
using dns::load32;

// SipHash-2-4 over client cookie | head | address, into `out` (8 octets).
void hash(const Secret& secret, const std::uint8_t* client, const std::uint8_t* head,
          std::span<const std::uint8_t> address, std::uint8_t* out) {
  std::array<std::uint8_t, client_len + head_len + 16> in;
  std::memcpy(in.data(), client, client_len);
  std::memcpy(in.data() + client_len, head, head_len);
  std::memcpy(in.data() + client_len + head_len, address.data(), address.size());
  crypto_shorthash_siphash24(out, in.data(), client_len + head_len + address.size(),
                             secret.data());
}

// Which of our secrets made the server cookie in `data`, if one did and it still holds.
enum class Maker : std::uint8_t { none, current, previous };
Maker maker(const Settings& s, std::span<const std::uint8_t> data,
            std::span<const std::uint8_t> address, std::uint32_t now) {
  if (data.size() != reply_len || data[client_len] != version) return Maker::none;
  const std::uint8_t* head = data.data() + client_len;
  if (!usable(load32(head + 4), now)) return Maker::none;
  std::array<std::uint8_t, 8> h;
  hash(s.secret, data.data(), head, address, h.data());
  if (sodium_memcmp(h.data(), head + head_len, h.size()) == 0) return Maker::current;
  if (!s.has_previous) return Maker::none;
  hash(s.previous, data.data(), head, address, h.data());
  return sodium_memcmp(h.data(), head + head_len, h.size()) == 0 ? Maker::previous : Maker::none;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Presented find(std::span<const std::uint8_t> options, std::span<const std::uint8_t>& data) {
  std::size_t i = 0;
  while (i + 4 <= options.size()) {
    const std::uint16_t code = load16(options.data() + i);
    const std::size_t len = load16(options.data() + i + 2);
    if (i + 4 + len > options.size()) return Presented::none;
    if (code == option_code) {
      data = options.subspan(i + 4, len);
      if (len == client_len) return Presented::client_only;
      if (len < client_len + min_server_len || len > client_len + max_server_len) {
        return Presented::malformed;
      }
      return Presented::unknown;  // until answer() has checked it
    }
    i += 4 + len;
  }
  return Presented::none;
}

void server_cookie(const Secret& secret, std::span<const std::uint8_t> client_cookie,
                   std::span<const std::uint8_t> address, std::uint32_t timestamp,
                   std::span<std::uint8_t, server_len> out) {
  out[0] = version;
  out[1] = out[2] = out[3] = 0;
  out[4] = static_cast<std::uint8_t>(timestamp >> 24);
  out[5] = static_cast<std::uint8_t>(timestamp >> 16);
  out[6] = static_cast<std::uint8_t>(timestamp >> 8);
  out[7] = static_cast<std::uint8_t>(timestamp);
  hash(secret, client_cookie.data(), out.data(), address, out.data() + head_len);
}

bool usable(std::uint32_t timestamp, std::uint32_t now) {
  const std::uint32_t age = now - timestamp;  // modulo 2^32: "ahead" wraps to a huge age
  return age <= lifetime_s || timestamp - now <= skew_s;
}

bool worn(std::uint32_t timestamp, std::uint32_t now) {
  const std::uint32_t age = now - timestamp;
  return age >= renew_s && age < (1u << 31);
}

Presented answer(const Settings& settings, std::span<const std::uint8_t> data,
                 std::span<const std::uint8_t> address, std::uint32_t now,
                 std::span<std::uint8_t, reply_len> reply) {
  std::memcpy(reply.data(), data.data(), client_len);
  Presented verdict = Presented::client_only;
  if (data.size() > client_len) {
    const Maker m = maker(settings, data, address, now);
    verdict = m == Maker::none ? Presented::unknown : Presented::valid;
    // A cookie of the previous secret is replaced at once, so the rotation ends.
    if (m == Maker::current && !worn(load32(data.data() + client_len + 4), now)) {
      std::memcpy(reply.data() + client_len, data.data() + client_len, server_len);
      return verdict;
    }
  }
  server_cookie(settings.secret, data.first(client_len), address, now,
                reply.subspan<client_len, server_len>());
  return verdict;
}

bool parse_secret(std::string_view text, Secret& out) {
  if (text.size() != 2 * out.size()) return false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit(text[2 * i]);
    const int lo = hex_digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

Secret random_secret() {
  Secret s;
  randombytes_buf(s.data(), s.size());
  return s;
}

bool init() { return sodium_init() >= 0; }

}  // namespace dns64d::cookie
