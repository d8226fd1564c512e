#include "deeprc/pilot/names.h"

#include <algorithm>
#include <string>

namespace deeprc::pilot {

Status CheckName(std::string_view value, std::string_view what) {
  // ASCII only, whatever the locale says a letter is.
  const bool allowed = std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
  if (!value.empty() && value.size() <= kMaxNameLength && allowed && value.front() != '.') {
    return Status::OK();
  }
  // Shown whole unless huge: the point is to see the character that was refused.
  std::string shown(value.substr(0, 80));
  if (value.size() > 80) shown += "...";
  return Status::Invalid(what, " '", shown, "' is not allowed: it becomes a file name, so it must be 1 to ",
                         kMaxNameLength, " characters of letters, digits, '_', '-' and '.', not starting with '.'");
}

}  // namespace deeprc::pilot
