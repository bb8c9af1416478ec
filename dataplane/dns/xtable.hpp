// Names for enums generated from an X-macro table, X(name, "sentence"):
// to_string gives the identifier, describe the sentence. Used by every
// table of outcomes and errors, so each is written once.
#pragma once

#include <string_view>

#define DNS64D_XTABLE_NAME_CASE(name, text) \
  case E::name:                             \
    return #name;
#define DNS64D_XTABLE_TEXT_CASE(name, text) \
  case E::name:                             \
    return text;

#define DNS64D_DEFINE_XTABLE_NAMES(Enum, LIST) \
  std::string_view to_string(Enum e) {         \
    using E = Enum;                            \
    switch (e) {                               \
      LIST(DNS64D_XTABLE_NAME_CASE)            \
      default:                                 \
        break;                                 \
    }                                          \
    return "unknown";                          \
  }                                            \
  std::string_view describe(Enum e) {          \
    using E = Enum;                            \
    switch (e) {                               \
      LIST(DNS64D_XTABLE_TEXT_CASE)            \
      default:                                 \
        break;                                 \
    }                                          \
    return "unknown";                          \
  }
