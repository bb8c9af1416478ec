// The views the resolver's tests and fuzzer share: the default view
// (64:ff9b::/96, PTR as CNAME), "nsp" (2001:db8:122:344::/64, PTR mode, for
// clients in 2001:db8:aaaa::/48) and "always" (AAAA synthesized whatever the
// upstream has, for clients in 2001:db8:bbbb::/48).
#pragma once

#include <cstdlib>

#include "dataplane/dns64/prefix.hpp"
#include "dataplane/respond/view.hpp"

namespace dns64d::test {

inline void add_test_views(respond::ViewTable& views) {
  respond::View def;
  def.name = "default";
  def.prefixes[0] = dns64::well_known_prefix;
  def.prefix_count = 1;
  def.ptr_mode = respond::PtrMode::cname;
  views.set_default(views.add_view(def));
  respond::View nsp;
  nsp.name = "nsp";
  if (dns64::parse_pref64("2001:db8:122:344::/64", nsp.prefixes[0]) != dns64::PrefixError::ok) {
    std::abort();
  }
  nsp.prefix_count = 1;
  nsp.ptr_mode = respond::PtrMode::ptr;
  views.add_client_v6({0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xaa}, 48, views.add_view(nsp));
  respond::View always = def;
  always.name = "always";
  respond::AaaaPolicy all;
  all.mode = respond::Synthesis::all;
  always.aaaa_policy = static_cast<std::uint8_t>(views.add_policy(all));
  views.add_client_v6({0x20, 0x01, 0x0d, 0xb8, 0xbb, 0xbb}, 48, views.add_view(always));
}

}  // namespace dns64d::test
