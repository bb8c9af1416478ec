#include "dataplane/dns/error.hpp"

#include "dataplane/dns/xtable.hpp"

namespace dns64d::dns {

DNS64D_DEFINE_XTABLE_NAMES(Error, DNS64D_DNS_ERRORS)

}  // namespace dns64d::dns
