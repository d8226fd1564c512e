#include "deeprc/pipeline/report_summary.h"

#include "deeprc/pipeline/plot.h"

namespace deeprc::pipeline {
namespace {

nlohmann::json ModelsJson(const std::vector<ModelResult>& results) {
  nlohmann::json models = nlohmann::json::array();
  for (const auto& result : results) {
    nlohmann::json entry = {
        {"stage", result.stage}, {"model", result.model}, {"state", ToString(result.state)}};
    if (!result.reason.empty()) entry["reason"] = result.reason;
    if (result.has_metrics) {
      entry["test"] = result.summary["test"];
      entry["training"] = result.summary.value("training", nlohmann::json::object());
      entry["seconds"] = result.summary.value("seconds", 0.0);
    }
    models.push_back(std::move(entry));
  }
  return models;
}

}  // namespace

nlohmann::json SummaryJson(const RunReportInput& in, const SummaryParts& parts) {
  const PipelineSpec& spec = *in.spec;
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& run : in.info.runs) {
    runs.push_back(
        {{"run", run.run}, {"started", run.started}, {"finished", run.finished}, {"outcome", run.outcome}});
  }
  return {{"pipeline", spec.name},
          {"spec", in.info.spec},
          {"overrides", in.info.overrides},
          {"session", in.layout.root.string()},
          {"run", in.run},
          {"runs", runs},
          {"outcome", in.outcome},
          {"started", in.started},
          {"tasks_over", in.tasks_over},
          {"wall_seconds", parts.wall},
          {"pilot", {{"resource", spec.pilot.resource}, {"cores", in.plan->cores}, {"gpus", in.plan->gpus}}},
          {"stages", parts.outcomes->stages},
          {"models", ModelsJson(*parts.results)},
          {"failures", parts.outcomes->failures},
          {"pool_workers_lost", parts.outcomes->lost_workers},
          {"overheads", parts.overheads},
          {"plots", parts.plots},
          {"gnuplot", GnuplotAvailable()}};
}

}  // namespace deeprc::pipeline
