#include "dataplane/respond/counters.hpp"

#include "dataplane/dns/xtable.hpp"

namespace dns64d::respond {

DNS64D_DEFINE_XTABLE_NAMES(DnsOutcome, DNS64D_DNS_OUTCOMES)

}  // namespace dns64d::respond
