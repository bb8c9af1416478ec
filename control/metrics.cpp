#include "control/metrics.hpp"

#include <map>

namespace dns64d::control {

std::vector<Sample> Metrics::collect() const {
  std::vector<Sample> out;
  for (const Source& s : sources_) s(out);
  return out;
}

std::string exit_report(const std::vector<Sample>& samples) {
  std::vector<std::string> order;
  std::map<std::string, std::uint64_t> totals;
  for (const Sample& s : samples) {
    if (totals.emplace(s.name, 0).second) order.push_back(s.name);
    totals[s.name] += s.value;
  }
  std::string out;
  for (const std::string& name : order) {
    out += "counter " + name + " " + std::to_string(totals[name]) + "\n";
  }
  for (const Sample& s : samples) {
    if (s.labels.empty() || s.value == 0) continue;
    out += "counter " + s.name + "{";
    for (std::size_t i = 0; i < s.labels.size(); ++i) {
      if (i != 0) out += ",";
      out += s.labels[i].first + "=\"" + s.labels[i].second + "\"";
    }
    out += "} " + std::to_string(s.value) + "\n";
  }
  return out;
}

}  // namespace dns64d::control
