// The timeline of a run's tasks in its report: one bar per task that ran in this run, from its
// start to its end, as timeline.tsv and, with gnuplot, timeline.png.
#pragma once

#include <filesystem>
#include <string>

#include "deeprc/pipeline/report.h"

namespace deeprc::pipeline {

struct TimelineReport {
  int bars = 0;            // tasks drawn
  bool plotted = false;    // timeline.png was drawn
  std::string plot_error;  // why it was not, when it was tried
};

// Writes `dir`/timeline.tsv (seconds since `deeprc run` started) and timeline.png.
Result<TimelineReport> WriteTimeline(const RunReportInput& in, const std::filesystem::path& dir);

}  // namespace deeprc::pipeline
