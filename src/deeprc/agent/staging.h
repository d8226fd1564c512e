// Staging files in and out of task sandboxes: copy, link or move, performed by the agent before
// a task is scheduled and after it ended well.
#pragma once

#include <string>

#include "deeprc/core/status.h"
#include "deeprc/pilot/task_description.h"

namespace deeprc::agent {

// Relative paths are taken from `source_base` and `target_base` (a sandbox or the client's folder).
Status Stage(const pilot::StagingDirective& directive, const std::string& source_base,
             const std::string& target_base);

}  // namespace deeprc::agent
