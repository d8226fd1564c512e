// What a planned table or report task runs (`deeprc stage run SESSION STAGE`): the stage's resolved
// description (stages/<stage>/description.json, written by `deeprc run`), or else the stage of the
// session's own spec copy, so the task needs nothing but the session folder.
#pragma once

#include <string>

#include "deeprc/core/status.h"

namespace deeprc::pipeline {

Status RunStage(const std::string& session_dir, const std::string& stage_name);

}  // namespace deeprc::pipeline
