// The overheads of a run in its report: the pilot runtime's own, from the profiles of the run's
// runtime session, and those of `deeprc run` around them (setup, pilot start, report).
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "deeprc/pipeline/report.h"

namespace deeprc::pipeline {

struct OverheadsReport {
  nlohmann::json json = nlohmann::json::object();  // summary.json's "overheads"
  std::string text;                                // the runtime's analysis, then deeprc run's lines
  double report_started = 0;                       // when the report began: the end of the measures
};

// Analyses the run's profiles and writes `dir`/overheads.txt.
Result<OverheadsReport> WriteOverheads(const RunReportInput& in, const std::filesystem::path& dir);

}  // namespace deeprc::pipeline
