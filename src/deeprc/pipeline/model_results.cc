#include "deeprc/pipeline/model_results.h"

#include <filesystem>

#include <fmt/format.h>

#include "deeprc/core/json_file.h"
#include "deeprc/pipeline/stage_record.h"

namespace deeprc::pipeline {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kMetrics = {"mae", "mse", "rmse", "mape", "smape", "nse", "nnse"};

std::string Number(const nlohmann::json& value, const char* format = "{:.4f}") {
  if (!value.is_number()) return "";
  return fmt::format(fmt::runtime(format), value.get<double>());
}

}  // namespace

std::vector<ModelStage> ModelStagesOf(const PipelineSpec& spec, const std::vector<std::string>& stages) {
  std::vector<ModelStage> model_stages;
  for (const auto& name : stages) {
    const StageSpec* stage = spec.FindStage(name);
    if (!stage) continue;
    ModelStage model_stage{name, {}};
    for (const auto& model : stage->models()) model_stage.models.push_back(model.name);
    model_stages.push_back(std::move(model_stage));
  }
  return model_stages;
}

std::vector<ModelResult> CollectModelResults(const SessionLayout& layout,
                                             const std::vector<ModelStage>& stages) {
  std::vector<ModelResult> results;
  for (const auto& [name, models] : stages) {
    auto record = ReadStageRecord(layout.StageStateFile(name).string());
    for (const auto& model : models) {
      ModelResult result;
      result.stage = name;
      result.model = model;
      result.dir = layout.ModelDir(name, model).string();
      if (record.ok()) {
        if (const TaskRecord* task = record->FindTask(name + "." + model)) {
          result.state = task->state;
          result.reason = task->reason;
        }
      }
      auto summary = ReadJsonFile((fs::path(result.dir) / "metrics.json").string());
      // Metrics of an earlier, unfinished attempt are not this model's result.
      if (summary.ok() && summary->contains("test") && result.state != pilot::TaskState::kFailed &&
          result.state != pilot::TaskState::kCanceled) {
        result.has_metrics = true;
        result.summary = std::move(*summary);
      }
      results.push_back(std::move(result));
    }
  }
  return results;
}

std::string MetricsMarkdown(const std::vector<ModelResult>& results) {
  std::string text =
      "| stage | model | state | MAE | MSE | RMSE | MAPE | sMAPE | NSE | NNSE | steps | train s |\n";
  text += "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& result : results) {
    text += fmt::format("| {} | {} | {} |", result.stage, result.model, ToString(result.state));
    if (result.has_metrics) {
      const auto& test = result.summary["test"];
      for (const auto& metric : kMetrics) text += " " + Number(test.value(metric, nlohmann::json())) + " |";
      const auto& training = result.summary.value("training", nlohmann::json::object());
      text += fmt::format(" {} | {} |", training.value("steps", 0),
                          Number(training.value("seconds", nlohmann::json()), "{:.1f}"));
    } else {
      text += " — | — | — | — | — | — | — | — | — |";
    }
    text += "\n";
  }
  return text;
}

std::string MetricsCsv(const std::vector<ModelResult>& results) {
  std::string text = "stage,model,state";
  for (const auto& metric : kMetrics) text += "," + metric;
  text += ",steps,train_seconds,seconds\n";
  for (const auto& result : results) {
    text += result.stage + "," + result.model + "," + ToString(result.state);
    if (result.has_metrics) {
      const auto& test = result.summary["test"];
      for (const auto& metric : kMetrics)
        text += "," + Number(test.value(metric, nlohmann::json()), "{:.6g}");
      const auto& training = result.summary.value("training", nlohmann::json::object());
      text += fmt::format(",{},{},{}", training.value("steps", 0),
                          Number(training.value("seconds", nlohmann::json()), "{:.3f}"),
                          Number(result.summary.value("seconds", nlohmann::json()), "{:.3f}"));
    } else {
      text += std::string(kMetrics.size() + 3, ',');
    }
    text += "\n";
  }
  return text;
}

}  // namespace deeprc::pipeline
