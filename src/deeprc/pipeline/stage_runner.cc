#include "deeprc/pipeline/stage_runner.h"

#include <filesystem>

#include "deeprc/pipeline/report_stage.h"
#include "deeprc/pipeline/session_info.h"
#include "deeprc/pipeline/table_stage.h"

namespace deeprc::pipeline {

Status RunStage(const std::string& session_dir, const std::string& stage_name) {
  SessionLayout layout{std::filesystem::absolute(session_dir)};
  DEEPRC_ASSIGN_OR_RETURN(auto info, ReadSessionInfo(layout));
  DEEPRC_ASSIGN_OR_RETURN(auto spec, ReadSessionSpec(layout, info));
  const StageSpec* stage = spec.FindStage(stage_name);
  if (!stage) return Status::Invalid("the pipeline of ", session_dir, " has no stage '", stage_name, "'");
  switch (stage->kind) {
    case StageKind::kTable:
      return RunTableStage(spec, layout, *stage);
    case StageKind::kReport:
      return RunReportStage(spec, layout, *stage);
    default:
      return Status::Invalid("stage '", stage_name, "' is a ", ToString(stage->kind),
                             " stage; `deeprc stage run` runs table and report stages");
  }
}

}  // namespace deeprc::pipeline
