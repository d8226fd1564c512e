// The names that become file and folder names (task uids, session uids): one strict character
// set, so that no name can climb out of its folder, hide as a dot file or exceed a file name.
#pragma once

#include <cstddef>
#include <string_view>

#include "deeprc/core/status.h"

namespace deeprc::pilot {

// Long enough for any generated uid, short enough that "<uid>.out" stays within NAME_MAX (255).
inline constexpr size_t kMaxNameLength = 200;

// OK when `value` is 1 to kMaxNameLength letters, digits, '_', '-' and '.', not starting with '.';
// otherwise an error naming `what` ("task uid"), the value and the allowed set.
Status CheckName(std::string_view value, std::string_view what);

}  // namespace deeprc::pilot
