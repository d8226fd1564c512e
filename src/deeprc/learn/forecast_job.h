// One model's whole forecasting run on a series table: train with validation, forecast the test
// period, score it, and write predictions (Parquet) and metrics (JSON). `deeprc train` and the
// pipeline's train tasks are thin callers of this.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "deeprc/core/status.h"
#include "deeprc/learn/data/ett.h"
#include "deeprc/learn/metrics.h"
#include "deeprc/net/communicator.h"

namespace deeprc::learn {

struct ForecastJobOptions {
  std::string model;                                          // a registered name
  nlohmann::json hyperparameters = nlohmann::json::object();  // overrides of the model's defaults
  int64_t horizon = 96;
  int64_t input_size = 0;  // 0: the model's default multiple of the horizon (5 x, NHITS' long-horizon setting)
  // Training settings; unset ones take the model's NeuralForecast defaults.
  std::optional<int64_t> max_steps;
  std::optional<double> learning_rate;
  std::optional<int64_t> batch_size;  // windows per step and rank
  std::optional<int64_t> val_check_steps;
  std::optional<int> early_stop_patience;  // in validations
  std::optional<std::string> loss;
  double gradient_clip_norm = 0;
  uint64_t seed = 1;
  // "cpu", "cuda" or "cuda:N": where the model trains (CUDA needs a CUDA build of LibTorch).
  std::string device = "cpu";
  int loader_workers = 1;
  // Outputs: predictions.parquet, metrics.json and checkpoint/ (a run resumes from it).
  std::filesystem::path out_dir;
  // Progress after each validation: step, max steps, train loss, validation loss.
  std::function<void(int64_t, int64_t, double, double)> on_progress;
};

struct ForecastJobResult {
  nlohmann::json summary;  // what metrics.json holds: model, settings, steps, times, metrics
  ForecastMetrics test;    // on the scaled values
};

// Trains on the splits of `data` and evaluates the test period. With a communicator of several
// ranks, training is data-parallel (each rank a shard of the windows); rank 0 forecasts, scores
// and writes, and the other ranks return the same summary without writing.
Result<ForecastJobResult> RunForecastJob(const SeriesTable& data, const ForecastJobOptions& options,
                                         net::Communicator* communicator = nullptr);

}  // namespace deeprc::learn
