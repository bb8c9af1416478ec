// The reader and writer must never touch the heap: this binary counts every
// call to operator new while they run.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "dataplane/dns/reader.hpp"
#include "dataplane/dns/writer.hpp"
#include "tests/support/count_new.hpp"
#include "tests/support/packet.hpp"

using dns64d::test::allocations;

namespace dns64d::dns {
namespace {

TEST(NoAllocation, ReaderAndWriter) {
  test::Packet answer;
  answer.header(7, 0x8180, 1, 2, 1, 1).name("www.example.com").u16(type::AAAA).u16(1);
  answer.pointer(12).rr_fixed(type::CNAME, 1, 300, {3, 'w', 'e', 'b', 0xc0, 16});
  answer.u8(3).raw({'w', 'e', 'b'}).pointer(16).rr_fixed(type::A, 1, 60, test::v4(192, 0, 2, 1));
  answer.name("example.com").rr_fixed(type::SOA, 1, 60, test::soa_rdata(30));
  answer.opt(1232, true);
  std::vector<std::uint8_t> out(1500);
  const auto wire = test::wire("web.example.com");
  const auto a_rdata = test::v4(1, 2, 3, 4);

  // Plain checks inside the loop: a failing gtest assertion would allocate.
  int failures = 0;
  const long before = allocations.load();
  for (int i = 0; i < 1000; ++i) {
    Message m;
    failures += parse_message(answer.span(), m) != Error::ok;
    Reader rd(answer.span());
    rd.seek(m.sections.answer);
    RR rr;
    for (int k = 0; k < 4; ++k) failures += rd.rr(rr) != Error::ok;
    Writer w(out, 1232);
    failures += w.begin(m.header, 0, flag::RA) != Error::ok;
    failures += w.question(answer.span().subspan(12, 17), type::AAAA, cls::IN) != Error::ok;
    failures += w.want_opt(1232, false) != Error::ok;
    failures += w.add_name_rdata(Section::answer, answer.span().subspan(12, 17), type::CNAME, 1, 5,
                                 wire) != Error::ok;
    failures += w.add(Section::answer, wire, type::A, 1, 5, a_rdata) != Error::ok;
    failures += w.finish() == 0;
  }
  const long during = allocations.load() - before;
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(during, 0);
}

TEST(NoAllocation, CounterWorks) {
  const long before = allocations.load();
  int* volatile p = new int(3);  // volatile: the pair must not be elided
  delete p;
  EXPECT_EQ(allocations.load() - before, 1);
}

}  // namespace
}  // namespace dns64d::dns
