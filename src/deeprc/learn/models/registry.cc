#include "deeprc/learn/models/registry.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <cctype>
#include <exception>

#include "deeprc/learn/models/model_support.h"

namespace deeprc::learn {
namespace {

using nlohmann::json;
using Factory = Result<std::shared_ptr<ForecastModel>> (*)(const ModelShape&, const HyperparameterReader&);

struct Entry {
  ModelInfo info;
  Factory make;
};

TrainingDefaults Training(double learning_rate, int64_t max_steps, int64_t windows_batch_size,
                          int num_lr_decays, std::string scaler_type = "identity",
                          int64_t input_size_in_horizons = 0) {
  TrainingDefaults t;
  t.learning_rate = learning_rate;
  t.max_steps = max_steps;
  t.batch_size = windows_batch_size;  // NF's windows_batch_size: windows per step
  t.num_lr_decays = num_lr_decays;
  t.val_check_steps = 100;
  t.loss = "mae";
  t.scaler_type = std::move(scaler_type);
  t.input_size_in_horizons = input_size_in_horizons;
  return t;
}

// The values are NeuralForecast's defaults (models/<name>.py); registration is this explicit table
// because a static library drops self-registering initialisers that nothing references.
const std::vector<Entry>& Entries() {
  static const std::vector<Entry> entries = [] {
    const json mlp_units = json::array({{512, 512}, {512, 512}, {512, 512}});
    std::vector<Entry> e;
    e.push_back({{"nlinear", "NLinear: one linear map of the window relative to its last value",
                  Training(1e-4, 5000, 1024, -1), json::object()},
                 models_internal::MakeNLinear});
    e.push_back({{"dlinear", "DLinear: moving-average trend and remainder, one linear map each",
                  Training(1e-4, 5000, 1024, -1), json{{"moving_avg_window", 25}}},
                 models_internal::MakeDLinear});
    e.push_back({{"mlp", "MLP: ReLU layers over the flattened window and exogenous rows",
                  Training(1e-3, 1000, 1024, -1), json{{"num_layers", 2}, {"hidden_size", 1024}}, true, true},
                 models_internal::MakeMlp});
    e.push_back(
        {{"nbeats", "NBEATS: identity, trend and seasonality stacks of MLP blocks with backcast residuals",
          Training(1e-3, 1000, 1024, 3),
          json{{"stack_types", {"identity", "trend", "seasonality"}},
               {"n_blocks", {1, 1, 1}},
               {"mlp_units", mlp_units},
               {"n_harmonics", 2},
               {"n_polynomials", 2},
               {"dropout_prob_theta", 0.0},
               {"activation", "ReLU"},
               {"shared_weights", false}}},
         models_internal::MakeNBeats});
    e.push_back({{"nhits", "NHITS: pooled-input MLP stacks with interpolated multi-rate forecasts",
                  Training(1e-3, 1000, 1024, 3),
                  json{{"stack_types", {"identity", "identity", "identity"}},
                       {"n_blocks", {1, 1, 1}},
                       {"mlp_units", mlp_units},
                       {"n_pool_kernel_size", {2, 2, 1}},
                       {"n_freq_downsample", {4, 2, 1}},
                       {"pooling_mode", "MaxPool1d"},
                       {"interpolation_mode", "linear"},
                       {"dropout_prob_theta", 0.0},
                       {"activation", "ReLU"}},
                  true, true},
                 models_internal::MakeNHits});
    e.push_back({{"lstm", "LSTM: LSTM encoder over target and exogenous rows, MLP decoder per horizon step",
                  Training(1e-3, 1000, 128, -1, "robust", 3),
                  json{{"encoder_n_layers", 2},
                       {"encoder_hidden_size", 128},
                       {"encoder_bias", true},
                       {"encoder_dropout", 0.0},
                       {"decoder_hidden_size", 128},
                       {"decoder_layers", 2}},
                  true, true},
                 models_internal::MakeLstm});
    return e;
  }();
  return entries;
}

std::string Lower(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower;
}

const Entry* FindEntry(std::string_view name) {
  const std::string lower = Lower(name);
  for (const auto& entry : Entries()) {
    if (entry.info.name == lower) return &entry;
  }
  return nullptr;
}

Status UnknownModel(std::string_view name) {
  std::string names;
  for (const auto& entry : Entries()) names += (names.empty() ? "" : ", ") + entry.info.name;
  return Status::Invalid("unknown model '", name, "'; registered models: ", names);
}

Status CheckShape(const std::string& model, const ModelShape& shape) {
  if (shape.input_size < 1 || shape.horizon < 1 || shape.n_targets < 1 || shape.n_hist_exog < 0 ||
      shape.n_futr_exog < 0) {
    return Status::Invalid("model '", model, "': invalid shape: input_size ", shape.input_size, ", horizon ",
                           shape.horizon, ", n_targets ", shape.n_targets, " (each at least 1), n_hist_exog ",
                           shape.n_hist_exog, ", n_futr_exog ", shape.n_futr_exog, " (at least 0)");
  }
  return Status::OK();
}

}  // namespace

const std::vector<ModelInfo>& RegisteredModels() {
  static const std::vector<ModelInfo> models = [] {
    std::vector<ModelInfo> infos;
    for (const auto& entry : Entries()) infos.push_back(entry.info);
    return infos;
  }();
  return models;
}

Result<ModelInfo> FindModel(std::string_view name) {
  const Entry* entry = FindEntry(name);
  if (entry == nullptr) return UnknownModel(name);
  return entry->info;
}

Result<std::shared_ptr<ForecastModel>> MakeModel(std::string_view name, const ModelShape& shape,
                                                 const nlohmann::json& hyperparameters) {
  const Entry* entry = FindEntry(name);
  if (entry == nullptr) return UnknownModel(name);
  const ModelInfo& info = entry->info;
  DEEPRC_RETURN_NOT_OK(CheckShape(info.name, shape));
  DEEPRC_ASSIGN_OR_RETURN(json values,
                          MergeHyperparameters(info.name, info.hyperparameters, hyperparameters));
  // LibTorch reports bad sizes and allocation failures by throwing; they stop here.
  try {
    return entry->make(shape, HyperparameterReader(info.name, std::move(values)));
  } catch (const c10::Error& e) {
    return Status::Invalid("model '", info.name, "': ", e.what_without_backtrace());
  } catch (const std::exception& e) {
    return Status::Invalid("model '", info.name, "': ", e.what());
  }
}

}  // namespace deeprc::learn
