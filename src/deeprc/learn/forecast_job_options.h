// The whole description of one model's forecasting job (data, model, training settings, outputs)
// and the one check of its ranges that every caller goes through; its JSON form is forecast_job_json.h.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <vector>

#include "deeprc/core/status.h"
#include "deeprc/learn/scaler.h"

namespace deeprc::learn {

struct ForecastJobOptions {
  // The table trained on (ETT format: a date column and numeric columns; CSV, Parquet or Arrow).
  std::filesystem::path data;
  std::vector<std::string> targets;  // the columns forecast; empty: every numeric column
  ScalerKind scaler = ScalerKind::kStandard;  // fitted per series on the training rows
  std::string model;                                          // a registered name
  nlohmann::json hyperparameters = nlohmann::json::object();  // overrides of the model's defaults
  int64_t horizon = 96;
  // Unset: the model's default multiple of the horizon (5 x, NHITS' long-horizon setting).
  std::optional<int64_t> input_size;
  // Training settings; unset ones take the model's NeuralForecast defaults.
  std::optional<int64_t> max_steps;
  std::optional<double> learning_rate;
  std::optional<int64_t> batch_size;  // windows per step and rank
  std::optional<int64_t> val_check_steps;
  std::optional<int> early_stop_patience;  // in validations; unset: never stop early
  std::optional<std::string> loss;
  double gradient_clip_norm = 0;  // 0: no clipping
  uint64_t seed = 1;
  // "cpu", "cuda" or "cuda:N": where the model trains (CUDA needs a CUDA build of LibTorch).
  std::string device = "cpu";
  int loader_workers = 1;  // 0: batches collated on the training thread
  // Outputs: predictions.parquet, metrics.json and checkpoint/ (a run resumes from it, when it was
  // written by a run with the same settings).
  std::filesystem::path out_dir;
  // Start over in an `out_dir` that holds another run's checkpoint instead of refusing it.
  bool overwrite = false;
  // Progress after each validation: step, max steps, train loss, validation loss.
  std::function<void(int64_t, int64_t, double, double)> on_progress;
};

// Every value out of its range, named as the learn.train argument that sets it ("max_steps must
// be a whole number >= 1, got 0"), so no caller's invalid value turns into a default.
Status ValidateForecastJob(const ForecastJobOptions& options);

}  // namespace deeprc::learn
