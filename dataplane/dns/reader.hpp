// Bounds-checked reader over one DNS message. Nothing here allocates or
// throws: every function reports an Error and never reads outside `msg`.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/dns/error.hpp"
#include "dataplane/dns/name.hpp"
#include "dataplane/dns/wire.hpp"

namespace dns64d::dns {

struct Header {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;

  bool qr() const { return flags & flag::QR; }
  bool tc() const { return flags & flag::TC; }
  bool rd() const { return flags & flag::RD; }
  bool ad() const { return flags & flag::AD; }
  bool cd() const { return flags & flag::CD; }
  std::uint8_t opcode() const {
    return static_cast<std::uint8_t>((flags & flag::opcode_mask) >> 11);
  }
  std::uint8_t rcode() const { return static_cast<std::uint8_t>(flags & flag::rcode_mask); }
};

struct Question {
  Name name;  // case folded: the key for caches and prefixes
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  std::size_t offset = 0;  // where the question starts in the message
  std::size_t end = 0;     // just past QCLASS
};

// EDNS0 (RFC 6891) as carried by the OPT pseudo-record.
struct Opt {
  bool present = false;
  std::uint16_t udp_size = 0;  // as sent; callers clamp to at least 512
  std::uint8_t ext_rcode = 0;
  std::uint8_t version = 0;
  bool do_bit = false;
  Bytes options;           // the raw option list, each option checked for length
  std::size_t offset = 0;  // where the OPT RR starts
};

struct RR {
  Name owner;
  std::uint16_t type = 0;
  std::uint16_t rclass = 0;
  std::uint32_t ttl = 0;
  std::size_t ttl_offset = 0;  // TTL position in the message, for rewriting
  std::size_t offset = 0;      // where the RR starts
  std::size_t rdata_offset = 0;
  Bytes rdata;
};

class Reader {
 public:
  explicit Reader(Bytes msg) : msg_(msg) {}

  Error header(Header& h);      // reads the 12-octet header at offset 0
  Error question(Question& q);  // the question at the current position
  Error rr(RR& r);              // the resource record at the current position
  Error skip_rr();              // as rr() but without copying the owner

  std::size_t pos() const { return pos_; }
  void seek(std::size_t pos) { pos_ = pos; }
  Bytes message() const { return msg_; }

 private:
  Bytes msg_;
  std::size_t pos_ = 0;
};

// Decodes OPT fields from an RR already read as type OPT.
Error parse_opt(const RR& r, Opt& opt);

// Where each section of a message starts; filled by parse_message.
struct Sections {
  std::size_t question = header_size;
  std::size_t answer = 0;
  std::size_t authority = 0;
  std::size_t additional = 0;
  std::size_t end = 0;
};

// A whole message: header, first question, section offsets and EDNS.
// The question is required only when `need_question` (queries; upstream
// answers always echo one too). Trailing octets after the counted records are
// ignored, as most servers do.
struct Message {
  Header header;
  Question question;
  Sections sections;
  Opt opt;
};

Error parse_message(Bytes msg, Message& m, bool need_question = true);

}  // namespace dns64d::dns
