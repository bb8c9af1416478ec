// Static local records from the configuration, written into the cache in
// the layout the workers read (see respond.hpp): A records also become a
// synthesized-AAAA entry, so one record serves every view's prefix.
#pragma once

#include <cstddef>
#include <vector>

#include "control/config.hpp"
#include "dataplane/respond/view.hpp"
#include "dataplane/cache/cache.hpp"

namespace dns64d::control {

// The records every DNS64 answers itself (RFC 7050, RFC 8880 §7): ipv4only.arpa
// with 192.0.0.170 and 192.0.0.171, and the reverse names of both, so that
// clients discover the prefix without dns64d ever asking upstream.
std::vector<config::Record> builtin_records();

// Inserts (or refreshes) every static record; returns the cache entries written.
// Insert failures are counted by the cache and reported in `failed`.
// `policies` holds the mode of each AAAA policy of the views (index 0 the
// standard one; empty: only that one).
std::size_t insert_static(cache::Cache& cache, const std::vector<config::Record>& records,
                          std::size_t& failed, std::span<const respond::Synthesis> policies = {});

}  // namespace dns64d::control
