#include "dataplane/dns/name.hpp"

#include <cstdio>

namespace dns64d::dns {

bool Name::equal_wire(const Name& o) const { return names_equal(bytes(), o.bytes()); }

Error read_name(Bytes msg, std::size_t& pos, Name& out, Case c) {
  std::size_t p = pos;
  std::size_t segment_start = pos;
  std::size_t resume = 0;  // where the caller continues; set at the first pointer
  int hops = 0;
  std::size_t n = 0;
  std::uint8_t labels = 0;
  for (;;) {
    if (p >= msg.size()) return Error::truncated;
    const std::uint8_t len = msg[p];
    if ((len & 0xc0) == 0xc0) {
      if (p + 1 >= msg.size()) return Error::truncated;
      const std::size_t target = ((len & 0x3fu) << 8) | msg[p + 1];
      if (target < header_size || target > p) return Error::bad_pointer;
      if (target >= segment_start || ++hops > max_pointer_hops) return Error::pointer_loop;
      if (resume == 0) resume = p + 2;
      p = target;
      segment_start = target;
      continue;
    }
    // 0x40..0x7f would be a label of 64..127 octets; 0x80 is reserved.
    if (len & 0x80) return Error::bad_label_type;
    if (len > max_label) return Error::label_too_long;
    if (n + 1 + len > max_name) return Error::name_too_long;
    if (p + 1 + len > msg.size()) return Error::truncated;
    out.wire[n++] = len;
    if (len == 0) break;
    const std::uint8_t* src = msg.data() + p + 1;
    if (c == Case::fold) {
      for (std::size_t i = 0; i < len; ++i) out.wire[n + i] = fold(src[i]);
    } else {
      for (std::size_t i = 0; i < len; ++i) out.wire[n + i] = src[i];
    }
    n += len;
    ++labels;
    p += 1 + len;
  }
  out.size = static_cast<std::uint8_t>(n);
  out.labels = labels;
  pos = resume != 0 ? resume : p + 1;
  return Error::ok;
}

bool names_equal(Bytes a, Bytes b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (fold(a[i]) != fold(b[i])) return false;
  }
  return true;
}

bool is_subdomain(Bytes name, Bytes ancestor) {
  if (ancestor.size() > name.size()) return false;
  std::size_t skip = name.size() - ancestor.size();
  // The suffix must start on a label boundary of `name`.
  std::size_t p = 0;
  while (p < skip) {
    p += 1u + name[p];
  }
  if (p != skip) return false;
  return names_equal(name.subspan(skip), ancestor);
}

std::string to_text(Bytes wire) {
  if (wire.empty() || wire[0] == 0) return ".";
  std::string s;
  std::size_t p = 0;
  while (p < wire.size() && wire[p] != 0) {
    const std::size_t len = wire[p];
    if (!s.empty()) s += '.';
    for (std::size_t i = 1; i <= len && p + i < wire.size(); ++i) {
      const auto ch = static_cast<char>(wire[p + i]);
      if (ch == '.' || ch == '\\') {
        s += '\\';
        s += ch;
      } else if (wire[p + i] < 0x21 || wire[p + i] > 0x7e) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\%03u", unsigned{wire[p + i]});
        s += buf;
      } else {
        s += ch;
      }
    }
    p += 1 + len;
  }
  return s;
}

bool from_text(std::string_view text, Name& out) {
  if (text == "." || text.empty()) {
    out.wire[0] = 0;
    out.size = 1;
    out.labels = 0;
    return true;
  }
  if (text.back() == '.') text.remove_suffix(1);
  std::size_t n = 0;
  std::uint8_t labels = 0;
  while (true) {
    const std::size_t dot = text.find('.');
    const std::string_view label = text.substr(0, dot);
    if (label.empty() || label.size() > max_label) return false;
    if (n + 1 + label.size() + 1 > max_name) return false;
    out.wire[n++] = static_cast<std::uint8_t>(label.size());
    for (char ch : label) out.wire[n++] = static_cast<std::uint8_t>(ch);
    ++labels;
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  out.wire[n++] = 0;
  out.size = static_cast<std::uint8_t>(n);
  out.labels = labels;
  return true;
}

}  // namespace dns64d::dns
