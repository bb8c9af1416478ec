#include "dataplane/net/outcome.hpp"

namespace dns64d::net {

std::string_view to_string(Outcome o) {
  switch (o) {
#define DNS64D_X(name, text) \
  case Outcome::name:        \
    return #name;
    DNS64D_NET_OUTCOMES(DNS64D_X)
#undef DNS64D_X
  }
  return "unknown";
}

std::string_view describe(Outcome o) {
  switch (o) {
#define DNS64D_X(name, text) \
  case Outcome::name:        \
    return text;
    DNS64D_NET_OUTCOMES(DNS64D_X)
#undef DNS64D_X
  }
  return "unknown";
}

}  // namespace dns64d::net
