#include "deeprc/pipeline/stage_runner.h"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "deeprc/core/json_file.h"
#include "deeprc/pipeline/report_stage.h"
#include "deeprc/pipeline/session_info.h"
#include "deeprc/pipeline/stage_record.h"
#include "deeprc/pipeline/table_stage.h"

namespace deeprc::pipeline {

Status RunStage(const std::string& session_dir, const std::string& stage_name,
                const std::string& description) {
  if (!description.empty()) {
    const auto json = nlohmann::json::parse(description, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object())
      return Status::Invalid("stage '", stage_name, "': the description is no JSON object");
    if (json.value("kind", "") == "table") return RunTableStage(json);
    if (json.value("kind", "") == "report") {
      auto report = ReportStageDescriptionFromJson(json);
      if (!report.ok()) return WithContext(report.status(), "stage '", stage_name, "': ");
      return RunReportStage(*report, SessionLayout{std::filesystem::absolute(session_dir)});
    }
    return Status::Invalid("stage '", stage_name, "': a description of kind '", json.value("kind", ""),
                           "'; `deeprc stage run --description` runs table and report stages");
  }
  SessionLayout layout{std::filesystem::absolute(session_dir)};
  DEEPRC_ASSIGN_OR_RETURN(auto info, ReadSessionInfo(layout));
  DEEPRC_ASSIGN_OR_RETURN(auto spec, ReadSessionSpec(layout, info));
  const StageSpec* stage = spec.FindStage(stage_name);
  if (!stage) return Status::Invalid("the pipeline of ", session_dir, " has no stage '", stage_name, "'");
  switch (stage->kind) {
    case StageKind::kTable:
      // The planner gives a table task its stage resolved: the spec is not read again.
      return Status::Invalid("table stage '", stage_name,
                             "' runs from its description (--description), which ", "`deeprc run` plans");
    case StageKind::kReport:
      return Status::Invalid("report stage '", stage_name,
                             "' runs from its description (--description), which `deeprc run` plans");
    default:
      return Status::Invalid("stage '", stage_name, "' is a ", ToString(stage->kind),
                             " stage; `deeprc stage run` runs table and report stages");
  }
}

}  // namespace deeprc::pipeline
