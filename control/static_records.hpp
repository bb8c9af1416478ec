// Static local records from the configuration, written into the cache in
// the layout the workers read (see respond.hpp): A records also become a
// synthesized-AAAA entry, so one record serves every view's prefix.
#pragma once

#include <cstddef>
#include <vector>

#include "control/config.hpp"
#include "dataplane/cache/cache.hpp"

namespace dns64d::control {

// Inserts (or refreshes) every static record; returns the cache entries written.
// Insert failures are counted by the cache and reported in `failed`.
std::size_t insert_static(cache::Cache& cache, const std::vector<config::Record>& records,
                          std::size_t& failed);

}  // namespace dns64d::control
