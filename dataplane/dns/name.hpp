// Domain names in uncompressed wire form, read with bounded pointer chasing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/dns/error.hpp"
#include "dataplane/dns/wire.hpp"

namespace dns64d::dns {

// A name as length-prefixed labels ending in the root label. `size` counts
// every octet including the final zero, so the root name has size 1.
struct Name {
  // Left uninitialised: only the first `size` octets are meaningful, and
  // zeroing 255 octets per name would cost more than parsing it.
  std::array<std::uint8_t, max_name> wire;
  std::uint8_t size = 0;
  std::uint8_t labels = 0;

  Bytes bytes() const { return {wire.data(), size}; }
  bool operator==(const Name& o) const {
    return bytes().size() == o.bytes().size() && equal_wire(o);
  }

 private:
  bool equal_wire(const Name& o) const;
};

enum class Case : std::uint8_t { fold, keep };

// Reads the name at `pos` in `msg`, following compression pointers. Each
// pointer must land before the start of the stretch of labels that holds it,
// which makes loops impossible; `pos` moves past the name as it stands in the
// message (after the first pointer, if any).
Error read_name(Bytes msg, std::size_t& pos, Name& out, Case c = Case::fold);

// Case-insensitive comparison of two uncompressed wire names.
bool names_equal(Bytes a, Bytes b);

// True when `name` is `ancestor` or lies below it (label-aligned suffix).
bool is_subdomain(Bytes name, Bytes ancestor);

// Presentation format without the trailing dot (the root is "."), for logs
// and tests; escapes dots and non-printable octets inside labels.
std::string to_text(Bytes wire);

// Parses "www.Example.com" or "www.example.com." into wire form (case kept).
// Returns false on an empty label, a label over 63 or a name over 255 octets.
bool from_text(std::string_view text, Name& out);

}  // namespace dns64d::dns
