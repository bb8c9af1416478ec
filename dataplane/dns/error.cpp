#include "dataplane/dns/error.hpp"

namespace dns64d::dns {

std::string_view to_string(Error e) {
  switch (e) {
#define DNS64D_X(name, text) \
  case Error::name:          \
    return #name;
    DNS64D_DNS_ERRORS(DNS64D_X)
#undef DNS64D_X
  }
  return "unknown";
}

std::string_view describe(Error e) {
  switch (e) {
#define DNS64D_X(name, text) \
  case Error::name:          \
    return text;
    DNS64D_DNS_ERRORS(DNS64D_X)
#undef DNS64D_X
  }
  return "unknown";
}

}  // namespace dns64d::dns
