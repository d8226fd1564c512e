// How each stage and task of a run ended, for its report: per stage its state, tasks done and
// time; every task that did not end DONE with its reason and the tail of its stderr; pool workers lost.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "deeprc/pipeline/report.h"

namespace deeprc::pipeline {

struct RunOutcomes {
  nlohmann::json stages = nlohmann::json::array();        // summary.json's "stages"
  nlohmann::json failures = nlohmann::json::array();      // summary.json's "failures"
  nlohmann::json lost_workers = nlohmann::json::array();  // summary.json's "pool_workers_lost"
  std::string stage_rows;                                 // README's rows of the stage table
  std::string failure_text;                               // README's failure list (empty: nothing failed)
};

RunOutcomes SummarizeOutcomes(const RunReportInput& in);

}  // namespace deeprc::pipeline
