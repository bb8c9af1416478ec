#include "control/upstream/message.hpp"

#include <gtest/gtest.h>

#include "tests/upstream/support.hpp"

namespace dns64d::upstream {
namespace {

using test::parse;
using test::wire_name;

std::vector<std::uint8_t> answer_for(const std::vector<std::uint8_t>& query) {
  auto pkt = parse(query);
  ldns_pkt_set_qr(pkt.get(), true);
  ldns_pkt_set_ra(pkt.get(), true);
  ldns_rr* rr = nullptr;
  EXPECT_EQ(ldns_rr_new_frm_str(&rr, "v4only.example. 300 IN A 192.0.2.33", 0, nullptr, nullptr),
            LDNS_STATUS_OK);
  ldns_pkt_push_rr(pkt.get(), LDNS_SECTION_ANSWER, rr);
  std::uint8_t* wire = nullptr;
  std::size_t size = 0;
  EXPECT_EQ(ldns_pkt2wire(&wire, pkt.get(), &size), LDNS_STATUS_OK);
  std::vector<std::uint8_t> out(wire, wire + size);
  std::free(wire);
  return out;
}

TEST(Message, BuildsRdQueryWithEdns) {
  const auto name = wire_name("v4only.example.");
  const auto wire = build_query(0xbeef, {name, LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN},
                                {.do_bit = true, .cd = true, .edns_payload = 1232});
  auto pkt = parse(wire);
  ASSERT_TRUE(pkt);
  EXPECT_EQ(ldns_pkt_id(pkt.get()), 0xbeef);
  EXPECT_TRUE(ldns_pkt_rd(pkt.get()));
  EXPECT_FALSE(ldns_pkt_qr(pkt.get()));
  EXPECT_TRUE(ldns_pkt_cd(pkt.get()));
  EXPECT_TRUE(ldns_pkt_edns(pkt.get()));
  EXPECT_EQ(ldns_pkt_edns_udp_size(pkt.get()), 1232);
  EXPECT_TRUE(ldns_pkt_edns_do(pkt.get()));
  ASSERT_EQ(ldns_pkt_qdcount(pkt.get()), 1);
  const ldns_rr* q = ldns_rr_list_rr(ldns_pkt_question(pkt.get()), 0);
  EXPECT_EQ(ldns_rr_get_type(q), LDNS_RR_TYPE_AAAA);
  EXPECT_EQ(ldns_rr_get_class(q), LDNS_RR_CLASS_IN);

  const auto plain = parse(build_query(1, {name, LDNS_RR_TYPE_A, 1}, {}));
  EXPECT_FALSE(ldns_pkt_cd(plain.get()));
  EXPECT_FALSE(ldns_pkt_edns_do(plain.get()));
  EXPECT_EQ(ldns_pkt_edns_udp_size(plain.get()), 1232);
}

TEST(Message, ValidatesNames) {
  EXPECT_TRUE(valid_qname_wire(wire_name("example.")));
  EXPECT_TRUE(valid_qname_wire(std::vector<std::uint8_t>{0}));
  EXPECT_FALSE(valid_qname_wire({}));
  EXPECT_FALSE(valid_qname_wire(std::vector<std::uint8_t>{3, 'a', 'b'}));   // runs off the end
  EXPECT_FALSE(valid_qname_wire(std::vector<std::uint8_t>{1, 'a', 0, 0}));  // trailing bytes
  EXPECT_FALSE(valid_qname_wire(std::vector<std::uint8_t>{0xc0, 0x0c}));    // a pointer
  std::vector<std::uint8_t> long_name;
  for (int i = 0; i < 5; ++i) {
    long_name.push_back(63);
    long_name.insert(long_name.end(), 63, 'a');
  }
  long_name.push_back(0);
  EXPECT_FALSE(valid_qname_wire(long_name));
  EXPECT_TRUE(build_query(1, {long_name, 1, 1}, {}).empty());
}

TEST(Message, AcceptsMatchingAnswerWithAnyCase) {
  const auto name = wire_name("v4only.example.");
  const auto query = build_query(77, {name, LDNS_RR_TYPE_A, 1}, {});
  const auto answer = answer_for(query);
  const auto check = check_response(answer, 77, {wire_name("V4Only.EXAMPLE."), LDNS_RR_TYPE_A, 1});
  EXPECT_EQ(check.verdict, Verdict::accept);
  EXPECT_FALSE(check.truncated);
  EXPECT_EQ(check.rcode, 0);
}

TEST(Message, ExactCaseWantsTheCaseAsked) {
  const auto asked = wire_name("v4OnLy.eXample.");
  const auto query = build_query(77, {asked, LDNS_RR_TYPE_A, 1}, {});
  const auto answer = answer_for(query);
  EXPECT_EQ(check_response(answer, 77, {asked, LDNS_RR_TYPE_A, 1}, true).verdict, Verdict::accept);
  EXPECT_EQ(
      check_response(answer, 77, {wire_name("v4only.example."), LDNS_RR_TYPE_A, 1}, true).verdict,
      Verdict::case_mismatch);
  EXPECT_EQ(
      check_response(answer, 77, {wire_name("w4only.example."), LDNS_RR_TYPE_A, 1}, true).verdict,
      Verdict::wrong_question);
}

TEST(Message, RejectsEverythingElse) {
  const auto name = wire_name("v4only.example.");
  const Question question{name, LDNS_RR_TYPE_A, 1};
  const auto query = build_query(77, question, {});
  const auto answer = answer_for(query);

  EXPECT_EQ(
      check_response(std::vector<std::uint8_t>(answer.begin(), answer.begin() + 11), 77, question)
          .verdict,
      Verdict::short_packet);
  EXPECT_EQ(check_response(answer, 78, question).verdict, Verdict::wrong_id);
  EXPECT_EQ(check_response(query, 77, question).verdict, Verdict::not_response);
  auto cut = answer;
  cut.resize(answer.size() - 3);
  EXPECT_EQ(check_response(cut, 77, question).verdict, Verdict::malformed);
  EXPECT_EQ(check_response(answer, 77, {wire_name("v4only.example.net."), 1, 1}).verdict,
            Verdict::wrong_question);
  EXPECT_EQ(check_response(answer, 77, {name, LDNS_RR_TYPE_AAAA, 1}).verdict,
            Verdict::wrong_question);
  EXPECT_EQ(check_response(answer, 77, {name, LDNS_RR_TYPE_A, 3}).verdict, Verdict::wrong_question);

  auto truncated = answer;
  truncated[2] |= 0x02;
  EXPECT_TRUE(check_response(truncated, 77, question).truncated);
}

}  // namespace
}  // namespace dns64d::upstream
