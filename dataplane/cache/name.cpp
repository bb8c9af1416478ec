#include "dataplane/cache/key.hpp"

namespace dns64d::cache {

bool fold_wire_name(std::span<const uint8_t> in, uint8_t* out) {
  if (in.empty() || in.size() > kMaxNameLen) return false;
  size_t pos = 0;
  while (pos < in.size()) {
    const uint8_t len = in[pos];
    out[pos] = len;
    if (len == 0) return pos + 1 == in.size();
    if (len > 63 || pos + 1 + len >= in.size()) return false;
    for (size_t i = pos + 1; i <= pos + len; ++i) {
      const uint8_t c = in[i];
      out[i] = (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + ('a' - 'A')) : c;
    }
    pos += 1 + len;
  }
  return false;
}

bool name_is_under(std::span<const uint8_t> name, std::span<const uint8_t> suffix) {
  if (suffix.size() > name.size()) return false;
  size_t pos = 0;
  // Walk label starts so "xexample.com" never matches "example.com".
  while (pos < name.size()) {
    if (name.size() - pos == suffix.size()) {
      return std::memcmp(name.data() + pos, suffix.data(), suffix.size()) == 0;
    }
    if (name[pos] == 0) return false;
    pos += 1 + name[pos];
  }
  return false;
}

}  // namespace dns64d::cache
