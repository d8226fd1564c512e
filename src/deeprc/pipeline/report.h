// The report of a pipeline run, written by `deeprc run` once every task is over: stage outcomes,
// per-model metrics and forecast plots, failures with their stderr, the runtime's overheads, a task
// timeline plot and summary.json, all in the session's report/ folder.
#pragma once

#include <string>
#include <vector>

#include "deeprc/pipeline/planner.h"
#include "deeprc/pipeline/session_info.h"
#include "deeprc/pipeline/stage_record.h"

namespace deeprc::pipeline {

struct RunReportInput {
  const PipelineSpec* spec = nullptr;
  const Plan* plan = nullptr;
  SessionLayout layout;
  SessionInfo info;                  // with this run last
  std::vector<StageRecord> records;  // one per planned stage, in plan order
  int run = 0;
  std::string outcome;      // "done", "failed" or "interrupted"
  double started = 0;       // this run: `deeprc run` began (seconds since the epoch)
  double first_submit = 0;  // the first task was submitted
  double pilot_active = 0;  // the pilot turned active
  double tasks_over = 0;    // the last task ended
};

// Writes report/README.md (report_readme), summary.json (report_summary), timeline.tsv and .png
// (report_timeline), overheads.txt (report_overheads) and, when no report stage made them,
// metrics.md/.csv (model_results). Returns the path of README.md.
Result<std::string> WriteRunReport(const RunReportInput& input);

}  // namespace deeprc::pipeline
