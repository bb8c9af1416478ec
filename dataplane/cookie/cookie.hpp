// DNS Cookies (RFC 7873) with the interoperable server cookie of RFC 9018:
// finding a query's COOKIE option, checking the server cookie it presents,
// and the option data a reply carries (the client cookie and a server
// cookie of ours). Pure: no DPDK, no allocation; SipHash-2-4 from libsodium.
//
// A server cookie of ours is 16 octets: version 1, three reserved octets,
// a timestamp (seconds since the epoch, modulo 2^32) and
// SipHash-2-4(secret, client cookie | version | reserved | timestamp |
// client address). It is ours while its hash matches under the current
// secret (or the previous one, during a rotation) and its timestamp lies
// between an hour ago and five minutes ahead (RFC 9018 §4.3). A reply hands
// back the cookie presented while it is younger than half an hour, a fresh
// one otherwise (and always for a cookie of the previous secret).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace dns64d::cookie {

inline constexpr std::uint16_t option_code = 10;  // EDNS option COOKIE
inline constexpr std::size_t client_len = 8;
inline constexpr std::size_t server_len = 16;  // ours; RFC 7873 allows 8 to 32
inline constexpr std::size_t min_server_len = 8;
inline constexpr std::size_t max_server_len = 32;
// The option data of every reply: the client cookie, then ours.
inline constexpr std::size_t reply_len = client_len + server_len;
inline constexpr std::uint32_t lifetime_s = 3600;  // a presented cookie holds this long
inline constexpr std::uint32_t renew_s = 1800;     // and is replaced once this old
inline constexpr std::uint32_t skew_s = 300;       // a timestamp this far ahead is accepted

using Secret = std::array<std::uint8_t, 16>;

struct Settings {
  bool enabled = false;
  Secret secret{};
  Secret previous{};  // still accepted while `has_previous`: a rotation in progress
  bool has_previous = false;
};

// What a query presents.
enum class Presented : std::uint8_t {
  none,         // no COOKIE option: answered as before, no cookie in the reply
  malformed,    // a COOKIE option of a length RFC 7873 §5.2.2 forbids: FORMERR
  client_only,  // a client cookie alone: the reply brings it a server cookie
  unknown,      // a server cookie that is not ours (or no longer): as client_only
  valid,        // a server cookie of ours: the client has shown its address is its own
};

// The first COOKIE option among EDNS options (the RDATA of an OPT record,
// option by option); later ones are ignored (RFC 7873 §5.2). `data` gets
// its data. Options that overrun their space end the search.
Presented find(std::span<const std::uint8_t> options, std::span<const std::uint8_t>& data);

// The server cookie of RFC 9018 for `client_cookie` (8 octets) from the
// client `address` (4 or 16 octets) at `timestamp`.
void server_cookie(const Secret& secret, std::span<const std::uint8_t> client_cookie,
                   std::span<const std::uint8_t> address, std::uint32_t timestamp,
                   std::span<std::uint8_t, server_len> out);

// Whether a cookie stamped `timestamp` holds at `now`, and whether it is due
// for renewal; serial arithmetic, so the wrap of 2^32 seconds is no edge.
bool usable(std::uint32_t timestamp, std::uint32_t now);
bool worn(std::uint32_t timestamp, std::uint32_t now);

// Checks the cookie option `data` that find() returned (client_only,
// unknown or valid are the outcomes; find() already refused bad lengths)
// against the client `address` at `now`, and writes the option data of the
// reply into `reply`: the client cookie and either the presented server
// cookie (valid and not worn) or a fresh one under the current secret.
Presented answer(const Settings& settings, std::span<const std::uint8_t> data,
                 std::span<const std::uint8_t> address, std::uint32_t now,
                 std::span<std::uint8_t, reply_len> reply);

// A secret from 32 hexadecimal digits; false when `text` is not that.
bool parse_secret(std::string_view text, Secret& out);
// A secret from the system's random source (libsodium's randombytes).
Secret random_secret();

// libsodium's own setup, once, before any other call (idempotent, thread-safe).
bool init();

}  // namespace dns64d::cookie
