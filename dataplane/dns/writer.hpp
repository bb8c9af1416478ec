// Builds a reply in a caller's buffer: header, question echo, records with
// name compression, OPT. A hard size limit (the client's UDP payload size)
// turns an overflowing reply into a truncated one (TC set, records dropped).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/dns/error.hpp"
#include "dataplane/dns/reader.hpp"
#include "dataplane/dns/wire.hpp"

namespace dns64d::dns {

class Writer {
 public:
  // `limit` is the most the reply may occupy; it is clamped to the buffer.
  Writer(MutableBytes buf, std::size_t limit);

  // Starts a reply to `query`: ID, opcode, RD and CD copied, QR set.
  Error begin(const Header& query, std::uint8_t rcode, std::uint16_t extra_flags);
  // Writes the question (the name is written as given, so a client's case is echoed).
  Error question(Bytes qname_wire, std::uint16_t qtype, std::uint16_t qclass);
  // Keeps a question that is already in the buffer (in-place replies): the
  // first `question_end` octets are header plus question.
  Error reuse_question(const Header& query, std::size_t question_end, std::uint8_t rcode,
                       std::uint16_t extra_flags);

  // Adds an OPT record at finish(); its room is reserved now so that a
  // truncated reply still carries it. `options` (option code, length and
  // data each, at most max_opt_options octets) go into its RDATA: a reply's
  // COOKIE; a second call keeps the options of the first.
  static constexpr std::size_t max_opt_options = 44;
  Error want_opt(std::uint16_t udp_size, bool do_bit, std::uint8_t ext_rcode = 0,
                 Bytes options = {});

  // Appends one record; the owner is compressed against names already written.
  // Returns Error::ok also when the reply had to be truncated: check truncated().
  Error add(Section s, Bytes owner, std::uint16_t rtype, std::uint16_t rclass, std::uint32_t ttl,
            Bytes rdata);
  // As add(), with the owner given as a pointer to a name already in the
  // message (e.g. 12 for the question name): the fast path of every answer.
  Error add_at(Section s, std::uint16_t owner_offset, std::uint16_t rtype, std::uint16_t rclass,
               std::uint32_t ttl, Bytes rdata);
  // Appends a record whose RDATA is a single domain name (CNAME, DNAME, PTR, NS),
  // compressed against names already written.
  Error add_name_rdata(Section s, Bytes owner, std::uint16_t rtype, std::uint16_t rclass,
                       std::uint32_t ttl, Bytes target);

  // Appends records already in wire form, one TTL field per record at
  // `ttl_offsets` (relative to `rrs`), each rewritten to `ttl`. Names in
  // `rrs` must be uncompressed or point at the question (offset 12).
  Error add_raw(Section s, Bytes rrs, std::span<const std::uint16_t> ttl_offsets,
                std::uint32_t ttl);

  void set_rcode(std::uint8_t rcode);
  void set_flags(std::uint16_t bits);
  void clear_flags(std::uint16_t bits);

  // Writes counts and OPT; returns the reply length (0 when begin failed).
  std::size_t finish();

  bool truncated() const { return truncated_; }
  std::size_t size() const { return pos_; }

 private:
  Error start_record(Section s, std::size_t need);
  void write_name(Bytes name);
  std::size_t find_suffix(Bytes name) const;
  // Records the label starts of a name written at `offset`: its first
  // `plain` octets are labels, followed by the root or by a pointer to a
  // name of `tail_len` octets.
  void remember(std::size_t offset, Bytes labels, std::size_t tail_len);
  void truncate();

  static constexpr std::size_t max_remembered = 48;
  MutableBytes buf_;
  std::size_t limit_;
  std::size_t pos_ = 0;
  std::size_t question_end_ = 0;
  std::size_t opt_reserve_ = 0;
  std::uint16_t opt_udp_ = 0;
  std::uint8_t opt_ext_rcode_ = 0;
  bool opt_do_ = false;
  std::uint8_t opt_options_len_ = 0;
  std::array<std::uint8_t, max_opt_options> opt_options_;
  bool started_ = false;
  bool truncated_ = false;
  Section section_ = Section::answer;
  std::array<std::uint16_t, 3> counts_{};
  // Label starts already in the message, each a candidate compression
  // target, with the length of the name from there (so only names of the
  // right length are ever compared). Not zeroed: only [0, name_count_) counts.
  std::array<std::uint16_t, max_remembered> names_;
  std::array<std::uint8_t, max_remembered> name_lens_;
  std::size_t name_count_ = 0;
};

}  // namespace dns64d::dns
