#include "dataplane/dns/writer.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace dns64d::dns {

namespace {
constexpr std::size_t rr_fixed = 10;  // type, class, TTL, RDLENGTH
constexpr std::size_t opt_size = 11;  // root owner + rr_fixed, no options
constexpr std::uint16_t pointer_bits = 0xc000;
constexpr std::size_t max_pointer_target = 0x3fff;

std::size_t section_index(Section s) { return static_cast<std::size_t>(s); }

// Length of a name once written, given what find_suffix() found for it.
std::size_t compressed_size(std::size_t found, std::size_t full) {
  return found == SIZE_MAX ? full : (found >> 16) + 2;
}
}  // namespace

Writer::Writer(MutableBytes buf, std::size_t limit)
    : buf_(buf), limit_(std::min(limit, buf.size())) {}

Error Writer::begin(const Header& query, std::uint8_t rcode, std::uint16_t extra_flags) {
  if (limit_ < header_size) return Error::no_space;
  const std::uint16_t flags = static_cast<std::uint16_t>(
      flag::QR | (query.flags & (flag::opcode_mask | flag::RD | flag::CD)) | extra_flags);
  std::uint8_t* h = buf_.data();
  store16(h, query.id);
  store16(h + 2, flags);
  std::memset(h + 4, 0, 8);
  pos_ = question_end_ = header_size;
  started_ = true;
  set_rcode(rcode);
  return Error::ok;
}

Error Writer::question(Bytes qname_wire, std::uint16_t qtype, std::uint16_t qclass) {
  if (!started_) return Error::bad_order;
  if (pos_ + qname_wire.size() + 4 > limit_) return Error::no_space;
  const std::size_t at = pos_;
  std::memcpy(buf_.data() + pos_, qname_wire.data(), qname_wire.size());
  pos_ += qname_wire.size();
  store16(buf_.data() + pos_, qtype);
  store16(buf_.data() + pos_ + 2, qclass);
  pos_ += 4;
  question_end_ = pos_;
  store16(buf_.data() + 4, 1);
  remember(at, qname_wire, 0);
  return Error::ok;
}

Error Writer::reuse_question(const Header& query, std::size_t question_end, std::uint8_t rcode,
                             std::uint16_t extra_flags) {
  if (question_end > limit_ || question_end < header_size + 5) return Error::no_space;
  if (Error e = begin(query, rcode, extra_flags); e != Error::ok) return e;
  pos_ = question_end_ = question_end;
  store16(buf_.data() + 4, 1);
  remember(header_size, Bytes(buf_.data() + header_size, question_end - 4 - header_size), 0);
  return Error::ok;
}

Error Writer::want_opt(std::uint16_t udp_size, bool do_bit, std::uint8_t ext_rcode,
                       Bytes options) {
  if (!started_) return Error::bad_order;
  if (opt_reserve_ == 0) {
    if (options.size() > max_opt_options) return Error::bad_opt;
    if (pos_ + opt_size + options.size() > limit_) return Error::no_space;
    opt_reserve_ = opt_size + options.size();
    opt_options_len_ = static_cast<std::uint8_t>(options.size());
    if (!options.empty()) std::memcpy(opt_options_.data(), options.data(), options.size());
  }
  opt_udp_ = udp_size;
  opt_do_ = do_bit;
  opt_ext_rcode_ = std::max(opt_ext_rcode_, ext_rcode);
  return Error::ok;
}

void Writer::set_rcode(std::uint8_t rcode) {
  std::uint8_t* h = buf_.data();
  store16(h + 2, static_cast<std::uint16_t>((load16(h + 2) & ~flag::rcode_mask) | (rcode & 0xf)));
  opt_ext_rcode_ = static_cast<std::uint8_t>(rcode >> 4);
}

void Writer::set_flags(std::uint16_t bits) {
  store16(buf_.data() + 2, static_cast<std::uint16_t>(load16(buf_.data() + 2) | bits));
}

void Writer::clear_flags(std::uint16_t bits) {
  store16(buf_.data() + 2, static_cast<std::uint16_t>(load16(buf_.data() + 2) & ~bits));
}

void Writer::truncate() {
  pos_ = question_end_;
  counts_ = {};
  name_count_ = 0;
  truncated_ = true;
  set_flags(flag::TC);
  remember(header_size, Bytes(buf_.data() + header_size, question_end_ - 4 - header_size), 0);
}

Error Writer::start_record(Section s, std::size_t need) {
  if (!started_) return Error::bad_order;
  if (section_index(s) < section_index(section_)) return Error::bad_order;
  section_ = s;
  if (truncated_) return Error::no_space;
  if (pos_ + need + opt_reserve_ <= limit_) return Error::ok;
  // RFC 2181 §9: a missing additional record is no reason to set TC.
  if (s == Section::additional) return Error::no_space;
  truncate();
  return Error::no_space;
}

std::size_t Writer::find_suffix(Bytes name) const {
  // Returns (label index into name) << 16 | target offset, or SIZE_MAX.
  const Bytes written(buf_.data(), pos_);
  std::size_t i = 0;
  while (i < name.size() && name[i] != 0) {
    const std::size_t len = name.size() - i;
    for (std::size_t k = 0; k < name_count_; ++k) {
      if (name_lens_[k] != len || buf_[names_[k]] != name[i]) continue;
      std::size_t at = names_[k];
      Name there;
      if (read_name(written, at, there) != Error::ok) continue;
      if (names_equal(there.bytes(), name.subspan(i))) return (i << 16) | names_[k];
    }
    i += 1u + name[i];
  }
  return SIZE_MAX;
}

void Writer::remember(std::size_t offset, Bytes labels, std::size_t tail_len) {
  std::size_t i = 0;
  while (i < labels.size() && labels[i] != 0 && name_count_ < max_remembered) {
    if (offset + i > max_pointer_target) return;
    names_[name_count_] = static_cast<std::uint16_t>(offset + i);
    name_lens_[name_count_] = static_cast<std::uint8_t>(labels.size() - i + tail_len);
    ++name_count_;
    i += 1u + labels[i];
  }
}

void Writer::write_name(Bytes name) {
  const std::size_t found = find_suffix(name);
  const std::size_t plain = found == SIZE_MAX ? name.size() : (found >> 16);
  const std::size_t at = pos_;
  std::memcpy(buf_.data() + pos_, name.data(), plain);
  pos_ += plain;
  if (found != SIZE_MAX) {
    store16(buf_.data() + pos_, static_cast<std::uint16_t>(pointer_bits | (found & 0xffff)));
    pos_ += 2;
    remember(at, name.first(plain), name.size() - plain);
  } else {
    remember(at, name, 0);
  }
}

Error Writer::add(Section s, Bytes owner, std::uint16_t rtype, std::uint16_t rclass,
                  std::uint32_t ttl, Bytes rdata) {
  const std::size_t owner_len = compressed_size(find_suffix(owner), owner.size());
  if (Error e = start_record(s, owner_len + rr_fixed + rdata.size()); e != Error::ok) {
    return e == Error::no_space && truncated_ ? Error::ok : e;
  }
  write_name(owner);
  std::uint8_t* f = buf_.data() + pos_;
  store16(f, rtype);
  store16(f + 2, rclass);
  store32(f + 4, ttl);
  store16(f + 8, static_cast<std::uint16_t>(rdata.size()));
  if (!rdata.empty()) std::memcpy(f + rr_fixed, rdata.data(), rdata.size());
  pos_ += rr_fixed + rdata.size();
  ++counts_[section_index(s)];
  return Error::ok;
}

Error Writer::add_at(Section s, std::uint16_t owner_offset, std::uint16_t rtype,
                     std::uint16_t rclass, std::uint32_t ttl, Bytes rdata) {
  if (Error e = start_record(s, 2 + rr_fixed + rdata.size()); e != Error::ok) {
    return e == Error::no_space && truncated_ ? Error::ok : e;
  }
  std::uint8_t* f = buf_.data() + pos_;
  store16(f, static_cast<std::uint16_t>(pointer_bits | owner_offset));
  store16(f + 2, rtype);
  store16(f + 4, rclass);
  store32(f + 6, ttl);
  store16(f + 10, static_cast<std::uint16_t>(rdata.size()));
  if (!rdata.empty()) std::memcpy(f + 2 + rr_fixed, rdata.data(), rdata.size());
  pos_ += 2 + rr_fixed + rdata.size();
  ++counts_[section_index(s)];
  return Error::ok;
}

Error Writer::add_name_rdata(Section s, Bytes owner, std::uint16_t rtype, std::uint16_t rclass,
                             std::uint32_t ttl, Bytes target) {
  // The target may compress further against the owner written just before
  // it, so this size is an upper bound.
  const std::size_t owner_len = compressed_size(find_suffix(owner), owner.size());
  const std::size_t target_len = compressed_size(find_suffix(target), target.size());
  if (Error e = start_record(s, owner_len + rr_fixed + target_len); e != Error::ok) {
    return e == Error::no_space && truncated_ ? Error::ok : e;
  }
  write_name(owner);
  std::uint8_t* f = buf_.data() + pos_;
  store16(f, rtype);
  store16(f + 2, rclass);
  store32(f + 4, ttl);
  pos_ += rr_fixed;
  const std::size_t rdata_start = pos_;
  write_name(target);
  store16(f + 8, static_cast<std::uint16_t>(pos_ - rdata_start));
  ++counts_[section_index(s)];
  return Error::ok;
}

Error Writer::add_raw(Section s, Bytes rrs, std::span<const std::uint16_t> ttl_offsets,
                      std::uint32_t ttl) {
  if (rrs.empty() && ttl_offsets.empty()) return Error::ok;  // nothing (and no memcpy from null)
  for (std::uint16_t off : ttl_offsets) {
    if (std::size_t{off} + 4 > rrs.size()) return Error::truncated;
  }
  if (Error e = start_record(s, rrs.size()); e != Error::ok) {
    return e == Error::no_space && truncated_ ? Error::ok : e;
  }
  std::uint8_t* f = buf_.data() + pos_;
  std::memcpy(f, rrs.data(), rrs.size());
  for (std::uint16_t off : ttl_offsets) store32(f + off, ttl);
  pos_ += rrs.size();
  counts_[section_index(s)] =
      static_cast<std::uint16_t>(counts_[section_index(s)] + ttl_offsets.size());
  return Error::ok;
}

std::size_t Writer::finish() {
  if (!started_) return 0;
  std::uint8_t* h = buf_.data();
  std::uint16_t arcount = counts_[2];
  if (opt_reserve_ != 0) {
    std::uint8_t* o = buf_.data() + pos_;
    o[0] = 0;
    store16(o + 1, type::OPT);
    store16(o + 3, std::max(opt_udp_, min_udp_payload));
    store32(o + 5, (std::uint32_t{opt_ext_rcode_} << 24) | (opt_do_ ? edns_do : 0));
    store16(o + 9, opt_options_len_);
    if (opt_options_len_ != 0) std::memcpy(o + opt_size, opt_options_.data(), opt_options_len_);
    pos_ += opt_reserve_;
    ++arcount;
  }
  store16(h + 6, counts_[0]);
  store16(h + 8, counts_[1]);
  store16(h + 10, arcount);
  return pos_;
}

}  // namespace dns64d::dns
