#include "dataplane/dns/writer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "dataplane/dns/reader.hpp"
#include "tests/support/packet.hpp"

namespace dns64d::dns {
namespace {

using test::query;

struct Parsed {
  Message m;
  std::vector<RR> rrs;
};

Parsed reparse(const std::vector<std::uint8_t>& buf, std::size_t len) {
  Parsed out;
  const Bytes msg(buf.data(), len);
  EXPECT_EQ(parse_message(msg, out.m), Error::ok);
  Reader rd(msg);
  rd.seek(out.m.sections.answer);
  const int total = out.m.header.ancount + out.m.header.nscount + out.m.header.arcount;
  for (int i = 0; i < total; ++i) {
    RR rr;
    EXPECT_EQ(rd.rr(rr), Error::ok);
    out.rrs.push_back(rr);
  }
  return out;
}

TEST(Writer, ReplyEchoesQuestionAndSetsFlags) {
  const auto q = query("Www.Example.com", type::AAAA, 0x4242);
  Message qm;
  ASSERT_EQ(parse_message(q.span(), qm), Error::ok);
  std::vector<std::uint8_t> buf(512);
  Writer w(buf, 512);
  ASSERT_EQ(w.begin(qm.header, rcode::NOERROR, flag::RA), Error::ok);
  // The question is echoed as the client wrote it (case kept), from its own bytes.
  ASSERT_EQ(w.question(q.span().subspan(12, qm.question.end - 12 - 4), type::AAAA, cls::IN),
            Error::ok);
  const std::array<std::uint8_t, 16> aaaa{0x20, 0x01, 0x0d, 0xb8, 0,   0, 0, 0,
                                          0,    0,    0,    0,    192, 0, 2, 1};
  ASSERT_EQ(w.add_at(Section::answer, 12, type::AAAA, cls::IN, 300, aaaa), Error::ok);
  const std::size_t len = w.finish();
  ASSERT_EQ(len, q.size() + 2 + 10 + 16);
  // Same bytes as the query up to the end of the question, apart from the flags and counts.
  for (std::size_t i = 12; i < q.size(); ++i) EXPECT_EQ(buf[i], q.bytes[i]) << i;
  const Parsed r = reparse(buf, len);
  EXPECT_EQ(r.m.header.id, 0x4242);
  EXPECT_TRUE(r.m.header.qr());
  EXPECT_TRUE(r.m.header.rd());
  EXPECT_FALSE(r.m.header.tc());
  EXPECT_EQ(r.m.header.flags & flag::RA, flag::RA);
  EXPECT_EQ(r.m.header.ancount, 1);
  ASSERT_EQ(r.rrs.size(), 1u);
  EXPECT_EQ(to_text(r.rrs[0].owner.bytes()), "www.example.com");
  EXPECT_EQ(r.rrs[0].ttl, 300u);
  EXPECT_EQ(r.rrs[0].rdata[15], 1);
}

TEST(Writer, InPlaceReplyKeepsQueryQuestion) {
  auto q = query("a.example", type::A, 77, 4096);
  Message qm;
  ASSERT_EQ(parse_message(q.span(), qm), Error::ok);
  std::vector<std::uint8_t> buf = q.bytes;
  buf.resize(1500);
  Writer w(buf, 1232);
  ASSERT_EQ(w.reuse_question(qm.header, qm.question.end, rcode::NOERROR, flag::RA), Error::ok);
  ASSERT_EQ(w.want_opt(1232, false), Error::ok);
  ASSERT_EQ(w.add_at(Section::answer, 12, type::A, cls::IN, 60, test::v4(192, 0, 2, 7)), Error::ok);
  const std::size_t len = w.finish();
  const Parsed r = reparse(buf, len);
  EXPECT_EQ(r.m.header.id, 77);
  EXPECT_EQ(r.m.header.ancount, 1);
  EXPECT_EQ(r.m.header.arcount, 1);
  EXPECT_TRUE(r.m.opt.present);
  EXPECT_EQ(r.m.opt.udp_size, 1232);
  EXPECT_EQ(to_text(r.m.question.name.bytes()), "a.example");
}

TEST(Writer, CompressesOwnersAndTargetsAgainstEarlierNames) {
  const auto q = query("www.example.com", type::AAAA);
  Message qm;
  ASSERT_EQ(parse_message(q.span(), qm), Error::ok);
  std::vector<std::uint8_t> buf(512);
  Writer w(buf, 512);
  ASSERT_EQ(w.begin(qm.header, 0, 0), Error::ok);
  ASSERT_EQ(w.question(test::wire("www.example.com"), type::AAAA, cls::IN), Error::ok);
  const std::size_t before = w.size();
  ASSERT_EQ(w.add_name_rdata(Section::answer, test::wire("WWW.example.com"), type::CNAME, cls::IN,
                             300, test::wire("web.example.com")),
            Error::ok);
  // Owner: a 2-octet pointer; target: "web" + pointer to example.com.
  EXPECT_EQ(w.size() - before, 2u + 10 + 4 + 2);
  const std::size_t mid = w.size();
  ASSERT_EQ(w.add(Section::answer, test::wire("web.example.com"), type::A, cls::IN, 60,
                  test::v4(192, 0, 2, 1)),
            Error::ok);
  EXPECT_EQ(w.size() - mid, 2u + 10 + 4);  // the whole owner is a pointer to the CNAME target
  const std::size_t len = w.finish();
  const Parsed r = reparse(buf, len);
  ASSERT_EQ(r.rrs.size(), 2u);
  EXPECT_EQ(to_text(r.rrs[0].owner.bytes()), "www.example.com");
  std::size_t at = r.rrs[0].rdata_offset;
  Name target;
  ASSERT_EQ(read_name(Bytes(buf.data(), len), at, target), Error::ok);
  EXPECT_EQ(to_text(target.bytes()), "web.example.com");
  EXPECT_EQ(to_text(r.rrs[1].owner.bytes()), "web.example.com");
}

TEST(Writer, UnrelatedNameIsWrittenInFull) {
  const auto q = query("a.example", type::A);
  Message qm;
  ASSERT_EQ(parse_message(q.span(), qm), Error::ok);
  std::vector<std::uint8_t> buf(512);
  Writer w(buf, 512);
  ASSERT_EQ(w.begin(qm.header, 0, 0), Error::ok);
  ASSERT_EQ(w.question(test::wire("a.example"), type::A, cls::IN), Error::ok);
  const std::size_t before = w.size();
  ASSERT_EQ(w.add(Section::answer, test::wire("b.test"), type::A, cls::IN, 1, test::v4(1, 2, 3, 4)),
            Error::ok);
  EXPECT_EQ(w.size() - before, test::wire("b.test").size() + 10 + 4);
}

TEST(Writer, OverflowSetsTcAndDropsAnswersButKeepsOpt) {
  const auto q = query("many.example", type::AAAA, 5, 512);
  Message qm;
  ASSERT_EQ(parse_message(q.span(), qm), Error::ok);
  std::vector<std::uint8_t> buf(4096);
  Writer w(buf, 512);
  ASSERT_EQ(w.begin(qm.header, 0, flag::RA), Error::ok);
  ASSERT_EQ(w.question(test::wire("many.example"), type::AAAA, cls::IN), Error::ok);
  ASSERT_EQ(w.want_opt(1232, false), Error::ok);
  const std::array<std::uint8_t, 16> a{};
  // Header 12 + question 18 + OPT 11 = 41; each AAAA is 28: 16 fit in 512, the 17th does not.
  for (int i = 0; i < 16; ++i)
    ASSERT_EQ(w.add_at(Section::answer, 12, type::AAAA, 1, 1, a), Error::ok);
  EXPECT_FALSE(w.truncated());
  ASSERT_EQ(w.add_at(Section::answer, 12, type::AAAA, 1, 1, a), Error::ok);
  EXPECT_TRUE(w.truncated());
  const std::size_t len = w.finish();
  EXPECT_LE(len, 512u);
  const Parsed r = reparse(buf, len);
  EXPECT_TRUE(r.m.header.tc());
  EXPECT_EQ(r.m.header.ancount, 0);
  EXPECT_EQ(r.m.header.arcount, 1);
  EXPECT_TRUE(r.m.opt.present);
  EXPECT_EQ(len, 12u + 18 + 11);
}

TEST(Writer, ExactlyAtTheLimitIsNotTruncated) {
  const auto q = query("x.example", type::A);
  Message qm;
  ASSERT_EQ(parse_message(q.span(), qm), Error::ok);
  const std::size_t limit = 12 + 15 + 16;  // header, question, one A with a pointer owner
  std::vector<std::uint8_t> buf(limit);
  Writer w(buf, 512);  // the buffer is the tighter bound
  ASSERT_EQ(w.begin(qm.header, 0, 0), Error::ok);
  ASSERT_EQ(w.question(test::wire("x.example"), type::A, cls::IN), Error::ok);
  ASSERT_EQ(w.add_at(Section::answer, 12, type::A, 1, 1, test::v4(1, 1, 1, 1)), Error::ok);
  EXPECT_FALSE(w.truncated());
  EXPECT_EQ(w.finish(), limit);
}

TEST(Writer, AdditionalThatDoesNotFitIsDroppedWithoutTc) {
  const auto q = query("x.example", type::A);
  Message qm;
  ASSERT_EQ(parse_message(q.span(), qm), Error::ok);
  std::vector<std::uint8_t> buf(64);
  Writer w(buf, 64);
  ASSERT_EQ(w.begin(qm.header, 0, 0), Error::ok);
  ASSERT_EQ(w.question(test::wire("x.example"), type::A, cls::IN), Error::ok);
  ASSERT_EQ(w.add_at(Section::answer, 12, type::A, 1, 1, test::v4(1, 1, 1, 1)), Error::ok);
  const std::vector<std::uint8_t> big(40, 0);
  EXPECT_EQ(w.add_at(Section::additional, 12, type::TXT, 1, 1, big), Error::no_space);
  EXPECT_FALSE(w.truncated());
  const Parsed r = reparse(buf, w.finish());
  EXPECT_EQ(r.m.header.ancount, 1);
  EXPECT_EQ(r.m.header.arcount, 0);
}

TEST(Writer, SectionsMustComeInOrder) {
  const auto q = query("x.example", type::A);
  Message qm;
  ASSERT_EQ(parse_message(q.span(), qm), Error::ok);
  std::vector<std::uint8_t> buf(512);
  Writer w(buf, 512);
  ASSERT_EQ(w.begin(qm.header, 0, 0), Error::ok);
  ASSERT_EQ(w.question(test::wire("x.example"), type::A, cls::IN), Error::ok);
  ASSERT_EQ(w.add_at(Section::authority, 12, type::SOA, 1, 1, test::soa_rdata(5)), Error::ok);
  EXPECT_EQ(w.add_at(Section::answer, 12, type::A, 1, 1, test::v4(1, 1, 1, 1)), Error::bad_order);
}

TEST(Writer, ExtendedRcodeGoesIntoOpt) {
  const auto q = query("x.example", type::A, 3, 1232);
  Message qm;
  ASSERT_EQ(parse_message(q.span(), qm), Error::ok);
  std::vector<std::uint8_t> buf(512);
  Writer w(buf, 512);
  ASSERT_EQ(w.begin(qm.header, rcode::BADVERS, 0), Error::ok);
  ASSERT_EQ(w.question(test::wire("x.example"), type::A, cls::IN), Error::ok);
  ASSERT_EQ(w.want_opt(1232, true), Error::ok);
  const Parsed r = reparse(buf, w.finish());
  EXPECT_EQ(r.m.header.rcode(), rcode::BADVERS & 0xf);
  EXPECT_EQ(r.m.opt.ext_rcode, rcode::BADVERS >> 4);
  EXPECT_TRUE(r.m.opt.do_bit);
}

TEST(Writer, TooSmallBufferRefusesToStart) {
  std::vector<std::uint8_t> buf(11);
  Writer w(buf, 512);
  Header h;
  EXPECT_EQ(w.begin(h, 0, 0), Error::no_space);
  EXPECT_EQ(w.finish(), 0u);
}

}  // namespace
}  // namespace dns64d::dns
