#include "deeprc/dist/operator_options.h"

#include <algorithm>

#include "deeprc/core/nearest_name.h"

namespace deeprc::dist {
namespace {

bool IsStrings(const nlohmann::json& value) {
  if (value.is_string()) return true;
  return value.is_array() &&
         std::all_of(value.begin(), value.end(), [](const auto& v) { return v.is_string(); });
}

bool IsPairs(const nlohmann::json& value) {
  return value.is_array() && std::all_of(value.begin(), value.end(), [](const auto& pair) {
           return pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string();
         });
}

// The type error of `value` for `option`, or "" when it fits.
std::string TypeError(const OptionDoc& option, const nlohmann::json& value) {
  switch (option.type) {
    case OptionType::kString:
      return value.is_string() ? "" : "must be a string";
    case OptionType::kStrings:
      return IsStrings(value) ? "" : "must be a string or a list of strings";
    case OptionType::kInt:
      return value.is_number_integer() ? "" : "must be an integer";
    case OptionType::kNumber:
      return value.is_number() ? "" : "must be a number";
    case OptionType::kBool:
      return value.is_boolean() ? "" : "must be true or false";
    case OptionType::kPairs:
      // A JSON object would do, but its keys come back sorted: the order of derived columns matters.
      return IsPairs(value) ? "" : "must be a list of [name, value] pairs of strings";
  }
  return "has an unknown type";
}

}  // namespace

std::string OperatorOptions::String(const std::string& key) const {
  return Has(key) ? values_.at(key).get<std::string>() : std::string();
}

std::vector<std::string> OperatorOptions::Strings(const std::string& key) const {
  if (!Has(key)) return {};
  const auto& value = values_.at(key);
  if (value.is_string()) return {value.get<std::string>()};
  return value.get<std::vector<std::string>>();
}

int64_t OperatorOptions::Int(const std::string& key) const {
  return Has(key) ? values_.at(key).get<int64_t>() : 0;
}

double OperatorOptions::Number(const std::string& key) const {
  return Has(key) ? values_.at(key).get<double>() : 0.0;
}

bool OperatorOptions::Bool(const std::string& key) const { return Has(key) && values_.at(key).get<bool>(); }

std::vector<std::pair<std::string, std::string>> OperatorOptions::Pairs(const std::string& key) const {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (!Has(key)) return pairs;
  for (const auto& pair : values_.at(key))
    pairs.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  return pairs;
}

std::string OperatorOptions::Context(const std::string& key) const {
  return naming_.context ? naming_.context(key) : key + ": ";
}

Status OperatorOptions::Invalid(const std::string& key, const std::string& what) const {
  return Status::Invalid(Context(key), what);
}

Result<OperatorOptions> ParseOptions(const std::string& name, const std::vector<OptionDoc>& declared,
                                     const nlohmann::json& values, const OptionNaming& naming) {
  auto context = [&](const std::string& key) { return naming.context ? naming.context(key) : key + ": "; };
  if (!values.is_null() && !values.is_object())
    return Status::Invalid(name, ": the options must be a JSON object");
  std::vector<std::string> keys;
  for (const auto& option : declared) keys.push_back(option.key);
  nlohmann::json checked = nlohmann::json::object();
  if (values.is_object()) {
    for (const auto& [key, value] : values.items()) {
      auto option =
          std::find_if(declared.begin(), declared.end(), [&](const auto& o) { return o.key == key; });
      if (option == declared.end()) {
        std::string takes;
        for (const auto& known : keys) takes += (takes.empty() ? "" : ", ") + known;
        const std::string nearest = NearestName(key, keys);
        return Status::Invalid(name, ": unknown option '", key, "'",
                               nearest.empty() ? "" : " (did you mean '" + nearest + "'?)", "; ", name,
                               " takes: ", takes.empty() ? "no options" : takes);
      }
      if (std::string error = TypeError(*option, value); !error.empty()) {
        return Status::Invalid(context(key), error);
      }
      if (option->type == OptionType::kInt && value.get<int64_t>() < option->min) {
        return Status::Invalid(context(key), "must be a whole number >= ", option->min, ", got ",
                               value.get<int64_t>());
      }
      if (option->type == OptionType::kStrings) {
        const size_t items = value.is_string() ? 1 : value.size();
        if (option->count != 0 && items != option->count) {
          return Status::Invalid(context(key), "must list ", option->count, " items, not ", items);
        }
        if (option->required && items == 0) return Status::Invalid(context(key), "must name at least one");
      }
      checked[key] = value;
    }
  }
  for (const auto& option : declared) {
    if (!checked.contains(option.key)) continue;
    for (const auto& other : option.excludes) {
      if (checked.contains(other))
        return Status::Invalid(context(option.key), "cannot be given with ", other);
    }
    for (const auto& other : option.needs) {
      if (!checked.contains(other)) return Status::Invalid(context(option.key), "needs ", other, " too");
    }
  }
  for (const auto& option : declared) {
    if (checked.contains(option.key)) continue;
    if (option.required) {
      return Status::Invalid(naming.missing ? naming.missing(option.key)
                                            : name + ": option '" + option.key + "' is required");
    }
    if (!option.default_value.is_null()) checked[option.key] = option.default_value;
  }
  return OperatorOptions(std::move(checked), naming);
}

OptionNaming JsonNaming(const std::string& operator_name) {
  return {[operator_name](const std::string& key) { return operator_name + ": option '" + key + "': "; },
          [operator_name](const std::string& key) {
            return operator_name + ": option '" + key + "' is required";
          }};
}

}  // namespace deeprc::dist
