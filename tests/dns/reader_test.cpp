#include "dataplane/dns/reader.hpp"

#include <gtest/gtest.h>

#include "tests/support/packet.hpp"

namespace dns64d::dns {
namespace {

using test::Packet;
using test::query;

TEST(Reader, ParsesHeaderAndQuestion) {
  const Packet p = query("WWW.Example.COM", type::AAAA, 0xbeef);
  Message m;
  ASSERT_EQ(parse_message(p.span(), m), Error::ok);
  EXPECT_EQ(m.header.id, 0xbeef);
  EXPECT_TRUE(m.header.rd());
  EXPECT_FALSE(m.header.qr());
  EXPECT_EQ(m.header.opcode(), 0);
  EXPECT_EQ(m.question.qtype, type::AAAA);
  EXPECT_EQ(m.question.qclass, cls::IN);
  EXPECT_EQ(to_text(m.question.name.bytes()), "www.example.com");  // folded
  EXPECT_EQ(m.question.name.labels, 3);
  EXPECT_EQ(m.question.offset, 12u);
  EXPECT_EQ(m.question.end, p.size());
  EXPECT_FALSE(m.opt.present);
}

TEST(Reader, KeepsCaseWhenAsked) {
  const Packet p = query("WwW.ExAmple.com", type::A);
  std::size_t pos = 12;
  Name n;
  ASSERT_EQ(read_name(p.span(), pos, n, Case::keep), Error::ok);
  EXPECT_EQ(to_text(n.bytes()), "WwW.ExAmple.com");
}

TEST(Reader, HeaderShorterThanTwelveIsTruncated) {
  for (std::size_t len = 0; len < 12; ++len) {
    Packet p = query("a.example", type::A);
    p.bytes.resize(len);
    Message m;
    EXPECT_EQ(parse_message(p.span(), m), Error::truncated) << len;
  }
}

TEST(Reader, EveryPrefixOfAQueryIsTruncated) {
  const Packet full = query("www.example.com", type::AAAA, 1, 1232, true);
  for (std::size_t len = 0; len < full.size(); ++len) {
    Packet p = full;
    p.bytes.resize(len);
    Message m;
    EXPECT_EQ(parse_message(p.span(), m), Error::truncated) << len;
  }
  Message m;
  EXPECT_EQ(parse_message(full.span(), m), Error::ok);
}

TEST(Reader, NoQuestion) {
  Packet p;
  p.header(1, 0x0100, 0, 0, 0, 0);
  Message m;
  EXPECT_EQ(parse_message(p.span(), m), Error::no_question);
  EXPECT_EQ(parse_message(p.span(), m, false), Error::ok);
}

TEST(Reader, SecondQuestionIsParsedButFirstKept) {
  Packet p;
  p.header(1, 0x0100, 2, 0, 0, 0).name("a.example").u16(1).u16(1).name("b.example").u16(28).u16(1);
  Message m;
  ASSERT_EQ(parse_message(p.span(), m), Error::ok);
  EXPECT_EQ(m.header.qdcount, 2);
  EXPECT_EQ(to_text(m.question.name.bytes()), "a.example");
  EXPECT_EQ(m.sections.answer, p.size());
}

TEST(Reader, LabelTooLong) {
  Packet p;
  p.header(1, 0, 1, 0, 0, 0).u8(64);
  for (int i = 0; i < 64; ++i) p.u8('a');
  p.u8(0).u16(1).u16(1);
  Message m;
  EXPECT_EQ(parse_message(p.span(), m), Error::label_too_long);
}

TEST(Reader, Label63IsFine) {
  Packet p;
  p.header(1, 0, 1, 0, 0, 0).u8(63);
  for (int i = 0; i < 63; ++i) p.u8('a');
  p.u8(0).u16(1).u16(1);
  Message m;
  EXPECT_EQ(parse_message(p.span(), m), Error::ok);
}

TEST(Reader, NameOf255IsFineAnd256IsTooLong) {
  // Four labels of 63 make 4*64 = 256 octets plus the root: too long.
  // Three of 63 and one of 61 make 3*64 + 62 + 1 = 255 octets: the maximum.
  auto build = [](int last) {
    Packet p;
    p.header(1, 0, 1, 0, 0, 0);
    for (int l = 0; l < 3; ++l) {
      p.u8(63);
      for (int i = 0; i < 63; ++i) p.u8('x');
    }
    p.u8(static_cast<std::uint8_t>(last));
    for (int i = 0; i < last; ++i) p.u8('y');
    p.u8(0).u16(1).u16(1);
    return p;
  };
  Message m;
  EXPECT_EQ(parse_message(build(61).span(), m), Error::ok);
  EXPECT_EQ(m.question.name.size, 255);
  EXPECT_EQ(parse_message(build(62).span(), m), Error::name_too_long);
}

TEST(Reader, ReservedLabelTypes) {
  for (int bits : {0x80}) {
    Packet p;
    p.header(1, 0, 1, 0, 0, 0).u8(static_cast<std::uint8_t>(bits | 1)).u8('a').u8(0).u16(1).u16(1);
    Message m;
    EXPECT_EQ(parse_message(p.span(), m), Error::bad_label_type);
  }
}

TEST(Reader, LengthOctetsOf64To127AreTooLong) {
  for (int len : {64, 100, 127}) {
    Packet p;
    p.header(1, 0, 1, 0, 0, 0).u8(static_cast<std::uint8_t>(len));
    for (int i = 0; i < len; ++i) p.u8('a');
    p.u8(0).u16(1).u16(1);
    Message m;
    EXPECT_EQ(parse_message(p.span(), m), Error::label_too_long) << len;
  }
}

TEST(Reader, PointerInQuestionToHeaderIsBad) {
  Packet p;
  p.header(1, 0, 1, 0, 0, 0).pointer(4).u16(1).u16(1);
  Message m;
  EXPECT_EQ(parse_message(p.span(), m), Error::bad_pointer);
}

TEST(Reader, PointerToItselfIsALoop) {
  Packet p;
  p.header(1, 0, 1, 0, 0, 0).pointer(12).u16(1).u16(1);
  Message m;
  EXPECT_EQ(parse_message(p.span(), m), Error::pointer_loop);
}

TEST(Reader, ForwardPointerIsBad) {
  Packet p;
  p.header(1, 0, 1, 0, 0, 0).pointer(16).u16(1).u16(1).name("a");
  Message m;
  EXPECT_EQ(parse_message(p.span(), m), Error::bad_pointer);
}

TEST(Reader, BackwardPointerIntoItsOwnNameIsALoop) {
  // 12: "a" then a pointer back to 12: each hop goes backwards from the
  // pointer, yet the name would repeat forever.
  Packet p;
  p.header(1, 0, 1, 0, 0, 0).u8(1).u8('a').pointer(12).u16(1).u16(1);
  Message m;
  EXPECT_EQ(parse_message(p.span(), m), Error::pointer_loop);
}

TEST(Reader, TwoPointersChasingEachOther) {
  // An answer RR whose owner points to 30, and 30 holds a pointer to the owner.
  Packet p;
  p.header(1, 0x8000, 1, 1, 0, 0).name("a.example").u16(1).u16(1);  // question ends at 27
  const auto owner_at = static_cast<std::uint16_t>(p.size());
  p.pointer(static_cast<std::uint16_t>(owner_at + 2)).pointer(owner_at);
  p.u16(1).u16(1).u32(1).u16(0);
  Message m;
  const Error e = parse_message(p.span(), m);
  EXPECT_TRUE(e == Error::pointer_loop || e == Error::bad_pointer) << to_string(e);
}

TEST(Reader, FollowsCompressionInAnswers) {
  Packet p;
  p.header(7, 0x8180, 1, 2, 0, 0).name("www.example.com").u16(type::CNAME).u16(1);
  p.pointer(12).rr_fixed(type::CNAME, 1, 300, {3, 'w', 'e', 'b', 0xc0, 16});  // web.example.com
  p.u8(3).raw({'w', 'e', 'b'}).pointer(16).rr_fixed(type::A, 1, 60, test::v4(192, 0, 2, 1));
  Message m;
  ASSERT_EQ(parse_message(p.span(), m), Error::ok);
  Reader rd(p.span());
  rd.seek(m.sections.answer);
  RR rr;
  ASSERT_EQ(rd.rr(rr), Error::ok);
  EXPECT_EQ(to_text(rr.owner.bytes()), "www.example.com");
  EXPECT_EQ(rr.type, type::CNAME);
  EXPECT_EQ(rr.ttl, 300u);
  std::size_t at = rr.rdata_offset;
  Name target;
  ASSERT_EQ(read_name(p.span(), at, target), Error::ok);
  EXPECT_EQ(to_text(target.bytes()), "web.example.com");
  ASSERT_EQ(rd.rr(rr), Error::ok);
  EXPECT_EQ(to_text(rr.owner.bytes()), "web.example.com");
  EXPECT_EQ(rr.ttl_offset + 4 + 2, rr.rdata_offset);
  EXPECT_EQ(rd.pos(), p.size());
}

TEST(Reader, RdataLongerThanMessageIsTruncated) {
  Packet p;
  p.header(1, 0x8180, 1, 1, 0, 0).name("a.example").u16(1).u16(1);
  p.pointer(12).u16(1).u16(1).u32(5).u16(10).raw({1, 2, 3, 4});
  Message m;
  EXPECT_EQ(parse_message(p.span(), m), Error::truncated);
}

TEST(Reader, ParsesEdns) {
  Packet p = query("example.org", type::AAAA, 9, 1232, true);
  Message m;
  ASSERT_EQ(parse_message(p.span(), m), Error::ok);
  ASSERT_TRUE(m.opt.present);
  EXPECT_EQ(m.opt.udp_size, 1232);
  EXPECT_TRUE(m.opt.do_bit);
  EXPECT_EQ(m.opt.version, 0);
  EXPECT_EQ(m.opt.options.size(), 0u);
}

TEST(Reader, EdnsVersionAndOptionsKept) {
  Packet p;
  p.header(1, 0x0100, 1, 0, 0, 1).name("example.org").u16(28).u16(1);
  // OPT: root, type 41, udp 4096, ext-rcode 0, version 1, DO=0; one cookie option of 8 octets.
  p.u8(0).u16(41).u16(4096).u32(0x00010000).u16(12).u16(10).u16(8).raw({1, 2, 3, 4, 5, 6, 7, 8});
  Message m;
  ASSERT_EQ(parse_message(p.span(), m), Error::ok);
  EXPECT_EQ(m.opt.version, 1);
  EXPECT_FALSE(m.opt.do_bit);
  ASSERT_EQ(m.opt.options.size(), 12u);
  EXPECT_EQ(m.opt.options[1], 10);
}

TEST(Reader, OptionLongerThanRdataIsBadOpt) {
  Packet p;
  p.header(1, 0x0100, 1, 0, 0, 1).name("example.org").u16(28).u16(1);
  p.u8(0).u16(41).u16(4096).u32(0).u16(6).u16(10).u16(8).raw({1, 2});
  Message m;
  EXPECT_EQ(parse_message(p.span(), m), Error::bad_opt);
}

TEST(Reader, OptWithOwnerIsBadOpt) {
  Packet p;
  p.header(1, 0x0100, 1, 0, 0, 1).name("example.org").u16(28).u16(1);
  p.name("x").rr_fixed(41, 4096, 0, {});
  Message m;
  EXPECT_EQ(parse_message(p.span(), m), Error::bad_opt);
}

TEST(Reader, TwoOptsAreBadOpt) {
  Packet p;
  p.header(1, 0x0100, 1, 0, 0, 2)
      .name("example.org")
      .u16(28)
      .u16(1)
      .opt(512, false)
      .opt(512, false);
  Message m;
  EXPECT_EQ(parse_message(p.span(), m), Error::bad_opt);
}

TEST(Reader, OptInAnswerSectionIsBadOpt) {
  Packet p;
  p.header(1, 0x0100, 1, 1, 0, 0).name("example.org").u16(28).u16(1).opt(512, false);
  Message m;
  EXPECT_EQ(parse_message(p.span(), m), Error::bad_opt);
}

TEST(Reader, SectionOffsets) {
  Packet p;
  p.header(1, 0x8183, 1, 0, 1, 1).name("nx.example").u16(28).u16(1);
  const std::size_t auth = p.size();
  p.name("example").rr_fixed(type::SOA, 1, 3600, test::soa_rdata(300));
  const std::size_t add = p.size();
  p.opt(1232, false);
  Message m;
  ASSERT_EQ(parse_message(p.span(), m), Error::ok);
  EXPECT_EQ(m.header.rcode(), rcode::NXDOMAIN);
  EXPECT_EQ(m.sections.answer, auth);
  EXPECT_EQ(m.sections.authority, auth);
  EXPECT_EQ(m.sections.additional, add);
  EXPECT_EQ(m.sections.end, p.size());
  EXPECT_EQ(m.opt.offset, add);
}

TEST(Reader, ErrorsHaveNames) {
  EXPECT_EQ(to_string(Error::pointer_loop), "pointer_loop");
  EXPECT_EQ(to_string(Error::truncated), "truncated");
  EXPECT_FALSE(describe(Error::bad_opt).empty());
}

}  // namespace
}  // namespace dns64d::dns
