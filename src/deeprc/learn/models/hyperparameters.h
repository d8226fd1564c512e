// Internal to learn/models: merging a run's hyperparameter overrides into a model's defaults and
// reading the merged values with checks whose errors name the model and the key.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::learn {

// The defaults with `overrides` applied. Every override key must be a default's key, and its value
// must have the default's JSON type (an integer where the default is an integer, any number where it
// is a float; arrays element by element), so a typo or a quoted number fails here instead of being
// silently ignored. A null `overrides` means none.
Result<nlohmann::json> MergeHyperparameters(std::string_view model, const nlohmann::json& defaults,
                                            const nlohmann::json& overrides);

// Typed reads of merged hyperparameters (types are already checked by MergeHyperparameters; these
// check ranges and consistency). Errors read "model 'nhits': hyperparameter 'n_blocks': ...".
class HyperparameterReader {
 public:
  HyperparameterReader(std::string model, nlohmann::json values)
      : model_(std::move(model)), values_(std::move(values)) {}

  const std::string& model() const { return model_; }
  const nlohmann::json& values() const { return values_; }

  Result<int64_t> PositiveInt(const std::string& key) const;
  Result<int64_t> NonNegativeInt(const std::string& key) const;
  Result<double> Probability(const std::string& key) const;  // in [0, 1)
  bool Bool(const std::string& key) const;
  // One of `choices`, spelled exactly (NF's spelling, e.g. "MaxPool1d").
  Result<std::string> OneOf(const std::string& key, const std::vector<std::string>& choices) const;
  // A list of positive integers; `size` >= 0 requires that length.
  Result<std::vector<int64_t>> PositiveInts(const std::string& key, int64_t size = -1) const;
  Result<std::vector<std::string>> Strings(const std::string& key, const std::vector<std::string>& choices,
                                           int64_t size = -1) const;
  // NF's mlp_units: a non-empty list of [in, out] pairs of positive sizes.
  Result<std::vector<std::vector<int64_t>>> LayerUnits(const std::string& key) const;

  // An error about `key` with the model and key in front.
  Status Invalid(const std::string& key, const std::string& message) const;

 private:
  std::string model_;
  nlohmann::json values_;
};

}  // namespace deeprc::learn
