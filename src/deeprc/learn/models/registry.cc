#include "deeprc/learn/models/registry.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <cctype>
#include <exception>

#include "deeprc/learn/models/model_support.h"

namespace deeprc::learn {
namespace {

using nlohmann::json;
using models_internal::ModelEntry;

// The models in the order `deeprc train --help` lists them; each entry (NeuralForecast's defaults
// and the factory) is in the model's own file. An explicit list, because a static library drops
// self-registering initialisers that nothing references.
const std::vector<ModelEntry>& Entries() {
  static const std::vector<ModelEntry> entries = {
      models_internal::NLinearModel(), models_internal::DLinearModel(), models_internal::MlpModel(),
      models_internal::NBeatsModel(),  models_internal::NHitsModel(),   models_internal::LstmModel()};
  return entries;
}

std::string Lower(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower;
}

const ModelEntry* FindEntry(std::string_view name) {
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
  const ModelEntry* entry = FindEntry(name);
  if (entry == nullptr) return UnknownModel(name);
  return entry->info;
}

Result<std::shared_ptr<ForecastModel>> MakeModel(std::string_view name, const ModelShape& shape,
                                                 const nlohmann::json& hyperparameters) {
  const ModelEntry* entry = FindEntry(name);
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
