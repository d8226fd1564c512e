#include "deeprc/learn/models/hyperparameters.h"

#include <algorithm>

namespace deeprc::learn {
namespace {

using nlohmann::json;

std::string TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "a list";
    case json::value_t::object:
      return "an object";
    default:
      return "null";
  }
}

// Whether `value` may stand where `like` stands; `path` names the offending element on failure.
bool SameType(const json& like, const json& value, std::string* what) {
  if (like.is_number_integer()) {
    if (value.is_number_integer()) return true;
  } else if (like.is_number_float()) {
    if (value.is_number()) return true;
  } else if (like.is_array()) {
    if (!value.is_array()) {
      *what = "expected a list, got " + TypeName(value);
      return false;
    }
    // An empty default list gives no element type: accept any list (none of ours is empty).
    if (like.empty()) return true;
    for (size_t i = 0; i < value.size(); ++i) {
      if (!SameType(like[0], value[i], what)) {
        *what = "element " + std::to_string(i) + ": " + *what;
        return false;
      }
    }
    return true;
  } else if (like.type() == value.type()) {
    return true;
  }
  *what = "expected " + TypeName(like) + ", got " + TypeName(value) + " (" + value.dump() + ")";
  return false;
}

std::string Keys(const json& object) {
  std::string keys;
  for (const auto& [key, value] : object.items()) keys += (keys.empty() ? "" : ", ") + key;
  return keys.empty() ? "none" : keys;
}

}  // namespace

Result<json> MergeHyperparameters(std::string_view model, const json& defaults, const json& overrides) {
  if (overrides.is_null()) return defaults;
  if (!overrides.is_object()) {
    return Status::Invalid("model '", model, "': hyperparameters must be a JSON object, got ",
                           TypeName(overrides));
  }
  json merged = defaults;
  for (const auto& [key, value] : overrides.items()) {
    auto it = defaults.find(key);
    if (it == defaults.end()) {
      return Status::Invalid("model '", model, "': unknown hyperparameter '", key,
                             "' (known: ", Keys(defaults), ")");
    }
    std::string what;
    if (!SameType(*it, value, &what)) {
      return Status::Invalid("model '", model, "': hyperparameter '", key, "': ", what);
    }
    merged[key] = value;
  }
  return merged;
}

Status HyperparameterReader::Invalid(const std::string& key, const std::string& message) const {
  return Status::Invalid("model '", model_, "': hyperparameter '", key, "': ", message);
}

Result<int64_t> HyperparameterReader::PositiveInt(const std::string& key) const {
  const int64_t value = values_.at(key).get<int64_t>();
  if (value < 1) return Invalid(key, "must be at least 1, got " + std::to_string(value));
  return value;
}

Result<int64_t> HyperparameterReader::NonNegativeInt(const std::string& key) const {
  const int64_t value = values_.at(key).get<int64_t>();
  if (value < 0) return Invalid(key, "must be at least 0, got " + std::to_string(value));
  return value;
}

Result<double> HyperparameterReader::Probability(const std::string& key) const {
  const double value = values_.at(key).get<double>();
  if (!(value >= 0.0 && value < 1.0)) return Invalid(key, "must be in [0, 1), got " + std::to_string(value));
  return value;
}

bool HyperparameterReader::Bool(const std::string& key) const { return values_.at(key).get<bool>(); }

Result<std::string> HyperparameterReader::OneOf(const std::string& key,
                                                const std::vector<std::string>& choices) const {
  std::string value = values_.at(key).get<std::string>();
  if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
    std::string list;
    for (const auto& choice : choices) list += (list.empty() ? "" : ", ") + choice;
    return Invalid(key, "'" + value + "' is not one of " + list);
  }
  return value;
}

Result<std::vector<int64_t>> HyperparameterReader::PositiveInts(const std::string& key, int64_t size) const {
  std::vector<int64_t> values = values_.at(key).get<std::vector<int64_t>>();
  if (size >= 0 && static_cast<int64_t>(values.size()) != size) {
    return Invalid(key, "needs " + std::to_string(size) + " values (one per stack), got " +
                            std::to_string(values.size()));
  }
  if (values.empty()) return Invalid(key, "must not be empty");
  for (int64_t value : values) {
    if (value < 1) return Invalid(key, "every value must be at least 1, got " + std::to_string(value));
  }
  return values;
}

Result<std::vector<std::string>> HyperparameterReader::Strings(const std::string& key,
                                                               const std::vector<std::string>& choices,
                                                               int64_t size) const {
  std::vector<std::string> values = values_.at(key).get<std::vector<std::string>>();
  if (values.empty()) return Invalid(key, "must not be empty");
  if (size >= 0 && static_cast<int64_t>(values.size()) != size) {
    return Invalid(key, "needs " + std::to_string(size) + " values, got " + std::to_string(values.size()));
  }
  for (const auto& value : values) {
    if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
      std::string list;
      for (const auto& choice : choices) list += (list.empty() ? "" : ", ") + choice;
      return Invalid(key, "'" + value + "' is not one of " + list);
    }
  }
  return values;
}

Result<std::vector<std::vector<int64_t>>> HyperparameterReader::LayerUnits(const std::string& key) const {
  auto units = values_.at(key).get<std::vector<std::vector<int64_t>>>();
  if (units.empty()) return Invalid(key, "needs at least one [in, out] layer");
  for (const auto& layer : units) {
    if (layer.size() != 2 || layer[0] < 1 || layer[1] < 1) {
      return Invalid(key,
                     "every layer must be a pair [in, out] of positive sizes, got " + json(layer).dump());
    }
  }
  for (size_t i = 1; i < units.size(); ++i) {
    if (units[i][0] != units[i - 1][1]) {
      return Invalid(key, "layer " + std::to_string(i) + " takes " + std::to_string(units[i][0]) +
                              " inputs but the layer before gives " + std::to_string(units[i - 1][1]));
    }
  }
  return units;
}

}  // namespace deeprc::learn
