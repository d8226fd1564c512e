// What a planned table or report task runs (`deeprc stage run SESSION STAGE [--description JSON]`):
// the stage as the planner resolved it, given inline (table names to files, a report's models and
// tables), so the task reads no spec.
#pragma once

#include <string>

#include "deeprc/core/status.h"

namespace deeprc::pipeline {

// `description`: the stage's resolved description as JSON text ("" for none).
Status RunStage(const std::string& session_dir, const std::string& stage_name,
                const std::string& description = {});

}  // namespace deeprc::pipeline
