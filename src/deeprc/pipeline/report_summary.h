// summary.json of a run's report: the same facts as README.md for programs (benchmarks, tests,
// a later session), with every model's metrics and training figures.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "deeprc/pipeline/model_results.h"
#include "deeprc/pipeline/report.h"
#include "deeprc/pipeline/report_outcomes.h"

namespace deeprc::pipeline {

struct SummaryParts {
  const std::vector<ModelResult>* results = nullptr;
  const RunOutcomes* outcomes = nullptr;
  nlohmann::json overheads;  // as measured up to the summary
  nlohmann::json plots;      // name -> PNG file in the report folder
  double wall = 0;           // wall time of this run, seconds
};

nlohmann::json SummaryJson(const RunReportInput& in, const SummaryParts& parts);

}  // namespace deeprc::pipeline
