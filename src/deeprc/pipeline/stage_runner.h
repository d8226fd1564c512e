// What a planned table or report task runs (`deeprc stage run SESSION STAGE [--description JSON]`):
// a table stage from the description the planner resolved (table_stage.h), so it reads no spec;
// a report stage from the session's own spec copy.
#pragma once

#include <string>

#include "deeprc/core/status.h"

namespace deeprc::pipeline {

// `description`: the stage's resolved description as JSON text ("" for none).
Status RunStage(const std::string& session_dir, const std::string& stage_name,
                const std::string& description = {});

}  // namespace deeprc::pipeline
