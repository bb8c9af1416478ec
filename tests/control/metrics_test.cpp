// One table of counters read the same way by every consumer: the exit report.
#include "control/metrics.hpp"

#include <gtest/gtest.h>

#include "control/tcp_server.hpp"

namespace dns64d::control {
namespace {

TEST(Metrics, ReportSumsLabelledReadingsAndListsThemByLabel) {
  Metrics m;
  m.add([](std::vector<Sample>& out) {
    out.push_back({"rx", "frames received", {{"worker", "0"}}, 5});
    out.push_back({"rx", "frames received", {{"worker", "1"}}, 7});
    out.push_back({"drops", "dropped", {{"worker", "0"}}, 0});
  });
  m.add([](std::vector<Sample>& out) { out.push_back({"cache.hits", "hits", {}, 3}); });
  EXPECT_EQ(exit_report(m.collect()),
            "counter rx 12\n"
            "counter drops 0\n"
            "counter cache.hits 3\n"
            "counter rx{worker=\"0\"} 5\n"
            "counter rx{worker=\"1\"} 7\n");
}

TEST(Metrics, StatsStructsAreReadFromTheirTable) {
  TcpStats s;
  ++s.accepted;
  s.queries += 4;
  std::vector<Sample> out;
  add_each(out, "tcp.", s, {{"server", "x"}});
  ASSERT_EQ(out.size(), 11u);  // every counter of the table, zero or not
  EXPECT_EQ(out[0].name, "tcp.accepted");
  EXPECT_EQ(out[0].value, 1u);
  EXPECT_FALSE(out[0].help.empty());
  EXPECT_EQ(out[2].name, "tcp.queries");
  EXPECT_EQ(out[2].value, 4u);
  EXPECT_EQ(out[2].labels.at(0).second, "x");
}

}  // namespace
}  // namespace dns64d::control
