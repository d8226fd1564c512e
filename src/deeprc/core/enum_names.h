// One table of an enum's spellings, read both ways: an enum's ToString and its parser share it, so
// a new value is added in one place and both directions (and the "expected a, b or c" list of an
// error) follow.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "deeprc/core/status.h"

namespace deeprc {

template <typename Enum>
using EnumName = std::pair<Enum, std::string_view>;

// The spelling of `value`; "?" for a value the table lacks (a cast from a bad integer).
template <typename Enum, size_t N>
constexpr std::string_view NameOf(const EnumName<Enum> (&names)[N], Enum value) {
  for (const auto& [candidate, name] : names) {
    if (candidate == value) return name;
  }
  return "?";
}

// The value spelled `name`, exactly; nullopt when none is.
template <typename Enum, size_t N>
constexpr std::optional<Enum> ValueNamed(const EnumName<Enum> (&names)[N], std::string_view name) {
  for (const auto& [value, candidate] : names) {
    if (candidate == name) return value;
  }
  return std::nullopt;
}

// "a, b or c": the spellings in table order, for an error that lists what is accepted.
template <typename Enum, size_t N>
std::string NameList(const EnumName<Enum> (&names)[N]) {
  std::string list;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) list += i + 1 == N ? " or " : ", ";
    list += names[i].second;
  }
  return list;
}

// The value spelled `name`, or an error naming `what` and the accepted spellings:
// "unknown loss 'x': expected mae, mse or huber".
template <typename Enum, size_t N>
Result<Enum> ParseEnum(const EnumName<Enum> (&names)[N], std::string_view name, std::string_view what) {
  if (auto value = ValueNamed(names, name)) return *value;
  return Status::Invalid("unknown ", what, " '", name, "': expected ", NameList(names));
}

}  // namespace deeprc
