// Forecasting models by name ("nlinear", "nhits", ...), each with NeuralForecast's default
// hyperparameters and training settings unless a run overrides them.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "deeprc/core/status.h"
#include "deeprc/learn/models/forecast_model.h"

namespace deeprc::learn {

// How NeuralForecast trains the model by default; the trainer starts from these.
struct TrainingDefaults {
  double learning_rate = 1e-3;
  int64_t max_steps = 1000;
  int64_t batch_size = 32;  // windows per step
  int num_lr_decays = 3;    // the learning rate halves this many times over max_steps; -1: never
  int64_t val_check_steps = 100;
  std::string loss = "mae";
  // NF's temporal scaler: each window is normalised by its own input rows' statistics before the
  // model sees it ("identity", "standard", "robust"), and the forecasts are mapped back.
  std::string scaler_type = "identity";
  // NF's input_size when a run gives none, in horizons (the recurrent models default to 3 * h);
  // 0: the run must give one.
  int64_t input_size_in_horizons = 0;
};

struct ModelInfo {
  std::string name;         // lower case, as the CLI and pipeline specs spell it
  std::string description;  // one line for `deeprc train --help`
  TrainingDefaults training;
  nlohmann::json hyperparameters;  // every architecture hyperparameter with its default
  // Whether the model reads batch.hist_exog / batch.futr_exog; the others ignore those tensors,
  // as their NeuralForecast versions do.
  bool uses_hist_exog = false;
  bool uses_futr_exog = false;
};

const std::vector<ModelInfo>& RegisteredModels();
Result<ModelInfo> FindModel(std::string_view name);  // the error lists the registered names

// Builds model `name` for `shape`. `hyperparameters` overrides the defaults of ModelInfo; an
// unknown key or a value of the wrong type is an error naming the key.
Result<std::shared_ptr<ForecastModel>> MakeModel(
    std::string_view name, const ModelShape& shape,
    const nlohmann::json& hyperparameters = nlohmann::json::object());

}  // namespace deeprc::learn
