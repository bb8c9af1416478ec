// Every counter the daemon keeps, read through one table: each reading has
// a name, a help sentence, its labels (worker, upstream server, port) and a
// value. Each room's statistics are added as a source; the exit report,
// and live metrics later, read them all the same way, and nothing is
// printed by hand.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dns64d::control {

struct Sample {
  std::string name;  // "dns.answered_aaaa_synth"
  std::string help;
  std::vector<std::pair<std::string, std::string>> labels;  // {"worker", "0"}
  std::uint64_t value = 0;
};

class Metrics {
 public:
  using Source = std::function<void(std::vector<Sample>&)>;
  void add(Source source) { sources_.push_back(std::move(source)); }
  std::vector<Sample> collect() const;

 private:
  std::vector<Source> sources_;
};

// Adds a reading for every counter of a stats struct with for_each(f)
// (dataplane/counter.hpp), each named `prefix` + its field.
template <class Stats>
void add_each(std::vector<Sample>& out, std::string_view prefix, const Stats& stats,
              const std::vector<std::pair<std::string, std::string>>& labels = {}) {
  stats.for_each([&](const char* name, const char* help, std::uint64_t value) {
    out.push_back({std::string(prefix) + name, help, labels, value});
  });
}

// The exit report: `counter NAME VALUE` for every counter name, labelled
// readings summed, then `counter NAME{label="value",...} VALUE` for every
// labelled reading that is not zero. Names keep their first order.
std::string exit_report(const std::vector<Sample>& samples);

}  // namespace dns64d::control
