// The outcome of every model of a pipeline's train and predict stages — test metrics from each
// model's metrics.json, or its task's state and reason — and the tables a report shows of them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deeprc/pipeline/session_layout.h"
#include "deeprc/pipeline/spec.h"
#include "deeprc/pipeline/stage_state.h"

namespace deeprc::pipeline {

struct ModelResult {
  std::string stage, model;
  RecordedState state;  // the task's state from the stage record (none when not run yet)
  std::string reason;  // why it did not end DONE
  std::string dir;     // the model's output folder
  bool has_metrics = false;
  nlohmann::json summary;  // metrics.json: "test" {mae, mse, ...}, "training" {...}, "seconds"
};

// A train or predict stage and its models, in the spec's order: what results are collected of.
struct ModelStage {
  std::string name;
  std::vector<std::string> models;
};

// The model stages among `stages` (names of `spec`'s stages; others are left out).
std::vector<ModelStage> ModelStagesOf(const PipelineSpec& spec, const std::vector<std::string>& stages);

// Each model's result, from its stage's record and its metrics.json in the session.
std::vector<ModelResult> CollectModelResults(const SessionLayout& layout,
                                             const std::vector<ModelStage>& stages);

// The test metrics, one row per model: a Markdown table and a CSV file's text.
std::string MetricsMarkdown(const std::vector<ModelResult>& results);
std::string MetricsCsv(const std::vector<ModelResult>& results);

}  // namespace deeprc::pipeline
