// Any name against any valid Pref64: the mapping must not crash, must not
// depend on case, and what it maps must round-trip through embed().
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "dataplane/dns/name.hpp"
#include "dataplane/dns64/ptr.hpp"

using namespace dns64d;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr std::uint8_t lengths[] = {32, 40, 48, 56, 64, 96};
  if (size < 13) return 0;
  dns64::Prefix p;
  p.length = lengths[data[0] % 6];
  for (unsigned i = 0; i < p.length / 8; ++i) p.addr[i] = data[1 + i % 12];
  if (p.length == 96) p.addr[8] = 0;
  if (dns64::validate_pref64(p) != dns64::PrefixError::ok) p = dns64::well_known_prefix;

  // The rest is a name as it would stand in a message after the header.
  std::vector<std::uint8_t> msg(12, 0);
  msg.insert(msg.end(), data + 13, data + size);
  std::size_t pos = 12;
  dns::Name folded, kept;
  if (dns::read_name(msg, pos, folded) != dns::Error::ok) return 0;
  pos = 12;
  if (dns::read_name(msg, pos, kept, dns::Case::keep) != dns::Error::ok) std::abort();

  dns::Name a, b;
  dns64::V4 va{}, vb{};
  const auto ra = dns64::map_ptr(folded.bytes(), p, a, va);
  const auto rb = dns64::map_ptr(kept.bytes(), p, b, vb);
  if (ra != rb) std::abort();
  if (ra != dns64::PtrResult::ok) return 0;
  if (va != vb || !(a == b)) std::abort();
  dns::Name again;
  dns64::ip6_arpa_name(dns64::embed(p, va), again);
  dns::Name c;
  dns64::V4 vc{};
  if (dns64::map_ptr(again.bytes(), p, c, vc) != dns64::PtrResult::ok || vc != va) std::abort();
  return 0;
}
