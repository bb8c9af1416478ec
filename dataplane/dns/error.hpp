// Why a DNS message was refused by the reader or the writer.
#pragma once

#include <cstdint>
#include <string_view>

namespace dns64d::dns {

#define DNS64D_DNS_ERRORS(X)                                            \
  X(ok, "ok")                                                           \
  X(truncated, "message ends inside a field")                           \
  X(label_too_long, "label longer than 63 octets")                      \
  X(name_too_long, "name longer than 255 octets")                       \
  X(bad_label_type, "reserved or extended label type (0x40/0x80)")      \
  X(bad_pointer, "compression pointer into the header or forwards")     \
  X(pointer_loop, "compression pointer does not move backwards (loop)") \
  X(no_question, "no question in the message")                          \
  X(bad_opt, "malformed, misplaced or repeated OPT record")             \
  X(no_space, "reply does not fit the buffer")                          \
  X(bad_order, "records written out of section order")

enum class Error : std::uint8_t {
#define DNS64D_X(name, text) name,
  DNS64D_DNS_ERRORS(DNS64D_X)
#undef DNS64D_X
};

std::string_view to_string(Error e);  // the identifier, e.g. "pointer_loop"
std::string_view describe(Error e);   // a sentence for logs

}  // namespace dns64d::dns
