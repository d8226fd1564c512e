#include "deeprc/pipeline/report.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "deeprc/core/atomic_file.h"
#include "deeprc/core/json_file.h"
#include "deeprc/pipeline/model_results.h"
#include "deeprc/pipeline/report_outcomes.h"
#include "deeprc/pipeline/report_overheads.h"
#include "deeprc/pipeline/report_readme.h"
#include "deeprc/pipeline/report_summary.h"
#include "deeprc/pipeline/report_timeline.h"
#include "deeprc/pipeline/stage_record.h"

namespace deeprc::pipeline {
namespace {

namespace fs = std::filesystem;

// What the report stages that ran wrote of themselves (stage-<name>.json), in the spec's order.
nlohmann::json ReadReportStages(const PipelineSpec& spec, const fs::path& dir) {
  nlohmann::json report_stages = nlohmann::json::array();
  for (const auto& stage : spec.stages) {
    if (stage.kind != StageKind::kReport) continue;
    auto json = ReadJsonFile((dir / ("stage-" + stage.name + ".json")).string());
    if (json.ok()) report_stages.push_back(*json);
  }
  return report_stages;
}

// The PNG files of the report by name: the timeline, and the forecasts the report stages drew.
nlohmann::json Plots(const TimelineReport& timeline, const nlohmann::json& report_stages, bool any_model) {
  nlohmann::json plots = nlohmann::json::object();
  if (timeline.plotted) plots["timeline"] = "timeline.png";
  if (!any_model) return plots;
  for (const auto& stage_json : report_stages) {
    for (const auto& model : stage_json.value("models", nlohmann::json::array())) {
      if (model.contains("plot")) {
        plots["forecast_" + model.value("stage", "") + "_" + model.value("model", "")] = model["plot"];
      }
    }
  }
  return plots;
}

}  // namespace

Result<std::string> WriteRunReport(const RunReportInput& in) {
  const PipelineSpec& spec = *in.spec;
  const fs::path dir = in.layout.ReportDir();
  std::error_code error;
  fs::create_directories(dir, error);

  // Models of every train and predict stage; the report stages' own files, when they ran.
  std::vector<std::string> model_stages;
  for (const auto& stage : spec.stages) {
    if (stage.kind == StageKind::kTrain || stage.kind == StageKind::kPredict)
      model_stages.push_back(stage.name);
  }
  const auto results = CollectModelResults(in.layout, ModelStagesOf(spec, model_stages));
  const nlohmann::json report_stages = ReadReportStages(spec, dir);
  if (report_stages.empty()) {
    // No report stage ran: the metrics tables still belong in the report.
    DEEPRC_RETURN_NOT_OK(WriteTextFileAtomically((dir / "metrics.md").string(), MetricsMarkdown(results)));
    DEEPRC_RETURN_NOT_OK(WriteTextFileAtomically((dir / "metrics.csv").string(), MetricsCsv(results)));
  }

  DEEPRC_ASSIGN_OR_RETURN(const TimelineReport timeline, WriteTimeline(in, dir));
  DEEPRC_ASSIGN_OR_RETURN(OverheadsReport overheads, WriteOverheads(in, dir));
  const RunOutcomes outcomes = SummarizeOutcomes(in);
  const double wall = (in.tasks_over > 0 ? in.tasks_over : overheads.report_started) - in.started;

  ReadmeParts readme{&results, &report_stages, &outcomes, &overheads, &timeline, wall};
  DEEPRC_RETURN_NOT_OK(WriteTextFileAtomically((dir / "README.md").string(), ReadmeMarkdown(in, readme)));

  overheads.json["report_s"] = pilot::Now() - overheads.report_started;
  SummaryParts summary{&results, &outcomes, std::move(overheads.json),
                       Plots(timeline, report_stages, !results.empty()), wall};
  DEEPRC_RETURN_NOT_OK(WriteJsonFile((dir / "summary.json").string(), SummaryJson(in, summary)));
  return (dir / "README.md").string();
}

}  // namespace deeprc::pipeline
