// Writing a file so that it appears whole or not at all: every output of deeprc (tables,
// checkpoints, reports, JSON) goes through here, so a failed or killed write never leaves a
// half-written file or destroys the file it replaces (which may be the command's own input).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "deeprc/core/status.h"

namespace deeprc {

// Writes `target` through `write`, which is given the path of a fresh, empty temporary file in
// the target's folder and must write the whole content there (opening it by that path). Only when
// `write` succeeds is the temporary flushed to disk and renamed over `target`; on any failure it is
// removed, `target` is left as it was, and the error names `target`. A target that is a symbolic
// link is written where the link points; an existing target's permissions are kept.
Status WriteFileAtomically(const std::string& target,
                           const std::function<Status(const std::string& temporary)>& write);

// `text` as the whole content of `target`, atomically as above.
Status WriteTextFileAtomically(const std::string& target, std::string_view text);

}  // namespace deeprc
