// Running a report stage: per model of the stages it reports on, the test metrics (Markdown and
// CSV) and a PNG of forecast against truth; the tables it names, shown by their first rows.
#pragma once

#include "deeprc/pipeline/session_layout.h"
#include "deeprc/pipeline/spec.h"

namespace deeprc::pipeline {

// Writes into layout.ReportDir(): metrics.md, metrics.csv, forecast_<model>.{tsv,png},
// table_<name>.md, and stage-<stage>.json last (what says the stage finished). A model that
// failed is listed with its state; missing gnuplot leaves the .tsv data and is said in the JSON.
Status RunReportStage(const PipelineSpec& spec, const SessionLayout& layout, const StageSpec& stage);

}  // namespace deeprc::pipeline
