// Running a report stage: per model of the stages it reports on, the test metrics (Markdown and
// CSV) and a PNG of forecast against truth; the tables it names, shown by their first rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deeprc/pipeline/model_results.h"
#include "deeprc/pipeline/session_layout.h"
#include "deeprc/pipeline/spec.h"

namespace deeprc::pipeline {

struct ReportTable {
  std::string name, path;
  bool stage_output = false;  // a stage's table: shown only once that stage ended DONE
};

// A report stage resolved against its spec and session: what its task runs, with no spec to read.
// The planner makes it and gives it to the task inline (`deeprc stage run ... --description JSON`).
struct ReportStageDescription {
  std::string stage;
  std::vector<ModelStage> model_stages;  // the train and predict stages reported on
  std::vector<ReportTable> tables;
  std::string series;
  int64_t points = 0;
};

ReportStageDescription DescribeReportStage(const PipelineSpec& spec, const SessionLayout& layout,
                                           const StageSpec& stage);

// JSON with "kind": "report", the tag `deeprc stage run` dispatches on.
void to_json(nlohmann::json& json, const ReportStageDescription& description);
Result<ReportStageDescription> ReportStageDescriptionFromJson(const nlohmann::json& json);

// Writes into layout.ReportDir(): metrics.md, metrics.csv, forecast_<model>.{tsv,png},
// table_<name>.md, and stage-<stage>.json last (what says the stage finished). A model that
// failed is listed with its state; missing gnuplot leaves the .tsv data and is said in the JSON.
Status RunReportStage(const ReportStageDescription& description, const SessionLayout& layout);

}  // namespace deeprc::pipeline
