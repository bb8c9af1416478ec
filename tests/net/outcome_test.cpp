#include "dataplane/net/outcome.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace dns64d::net {
namespace {

TEST(Outcome, NamesAreUniqueAndClassified) {
  std::set<std::string> names;
  std::size_t answered = 0, exceptions = 0, drops = 0;
  for (std::size_t i = 0; i < outcome_count; ++i) {
    const auto o = static_cast<Outcome>(i);
    const std::string name(to_string(o));
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_FALSE(describe(o).empty());
    EXPECT_EQ(is_answered(o) + is_exception(o) + is_drop(o), 1) << name;
    if (is_exception(o)) {
      EXPECT_EQ(name.rfind("exc_", 0), 0u) << name;
    }
    if (is_drop(o)) {
      EXPECT_EQ(name.rfind("drop_", 0), 0u) << name;
    }
    answered += is_answered(o);
    exceptions += is_exception(o);
    drops += is_drop(o);
  }
  EXPECT_EQ(answered, 5u);
  EXPECT_EQ(exceptions, 5u);
  EXPECT_EQ(to_string(Outcome::dns_query), "dns_query");
  EXPECT_EQ(to_string(Outcome::drop_bad_source), "drop_bad_source");
  EXPECT_EQ(to_string(static_cast<Outcome>(200)), "unknown");
  EXPECT_GE(drops, 18u);
}

}  // namespace
}  // namespace dns64d::net
