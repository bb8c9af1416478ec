#include "dataplane/respond/counters.hpp"

namespace dns64d::respond {

std::string_view to_string(DnsOutcome o) {
  switch (o) {
#define DNS64D_X(name, text) \
  case DnsOutcome::name:     \
    return #name;
    DNS64D_DNS_OUTCOMES(DNS64D_X)
#undef DNS64D_X
    case DnsOutcome::count_:
      break;
  }
  return "unknown";
}

std::string_view describe(DnsOutcome o) {
  switch (o) {
#define DNS64D_X(name, text) \
  case DnsOutcome::name:     \
    return text;
    DNS64D_DNS_OUTCOMES(DNS64D_X)
#undef DNS64D_X
    case DnsOutcome::count_:
      break;
  }
  return "unknown";
}

}  // namespace dns64d::respond
