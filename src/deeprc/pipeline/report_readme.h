// README.md of a run's report, what a person opens first: the outcome, the stages, each model's
// test metrics and forecast plots, the failures, the tables report stages show, overheads, timeline.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deeprc/pipeline/model_results.h"
#include "deeprc/pipeline/report.h"
#include "deeprc/pipeline/report_outcomes.h"
#include "deeprc/pipeline/report_overheads.h"
#include "deeprc/pipeline/report_timeline.h"

namespace deeprc::pipeline {

// The parts of the report written before the README; it shows them, it computes nothing.
struct ReadmeParts {
  const std::vector<ModelResult>* results = nullptr;
  const nlohmann::json* report_stages = nullptr;  // the stage-<name>.json of report stages that ran
  const RunOutcomes* outcomes = nullptr;
  const OverheadsReport* overheads = nullptr;
  const TimelineReport* timeline = nullptr;
  double wall = 0;  // wall time of this run, seconds
};

// The Markdown; report stages' table files are read from the report folder of `in.layout`.
std::string ReadmeMarkdown(const RunReportInput& in, const ReadmeParts& parts);

}  // namespace deeprc::pipeline
