// The outcome of every model of a pipeline's train and predict stages — test metrics from each
// model's metrics.json, or its task's state and reason — and the tables a report shows of them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deeprc/pipeline/session_layout.h"
#include "deeprc/pipeline/spec.h"

namespace deeprc::pipeline {

struct ModelResult {
  std::string stage, model;
  std::string state;   // the task's state from the stage record (PENDING when not run yet)
  std::string reason;  // why it did not end DONE
  std::string dir;     // the model's output folder
  bool has_metrics = false;
  nlohmann::json summary;  // metrics.json: "test" {mae, mse, ...}, "training" {...}, "seconds"
};

// The models of `stages` (train or predict stages of `spec`), in the spec's order.
std::vector<ModelResult> CollectModelResults(const PipelineSpec& spec, const SessionLayout& layout,
                                             const std::vector<std::string>& stages);

// The test metrics, one row per model: a Markdown table and a CSV file's text.
std::string MetricsMarkdown(const std::vector<ModelResult>& results);
std::string MetricsCsv(const std::vector<ModelResult>& results);

}  // namespace deeprc::pipeline
