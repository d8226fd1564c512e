#include "deeprc/tasks/function_args.h"

#include <algorithm>

#include "deeprc/core/nearest_name.h"

namespace deeprc::tasks {

Result<FunctionArgs> FunctionArgs::Read(std::string function, const nlohmann::json& args,
                                        const std::vector<std::string>& names) {
  if (args.is_null()) return FunctionArgs(std::move(function), nlohmann::json::object());
  if (!args.is_object()) return Status::Invalid(function, ": the arguments must be a JSON object");
  for (const auto& [name, value] : args.items()) {
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    std::string takes;
    for (const auto& known : names) takes += (takes.empty() ? "" : ", ") + known;
    const std::string nearest = NearestName(name, names);
    return Status::Invalid(function, ": unknown argument '", name, "'",
                           nearest.empty() ? "" : " (did you mean '" + nearest + "'?)", "; ", function,
                           " takes: ", takes);
  }
  return FunctionArgs(std::move(function), args);
}

std::string FunctionArgs::Context(const std::string& name) const {
  return function_ + ": argument '" + name + "': ";
}

Status FunctionArgs::Invalid(const std::string& name, const std::string& what) const {
  return Status::Invalid(Context(name), what);
}

Status FunctionArgs::Missing(const std::string& name) const {
  return Status::Invalid(function_, ": argument '", name, "' is required");
}

Result<std::string> FunctionArgs::String(const std::string& name) const {
  if (!Has(name)) return Missing(name);
  if (!args_.at(name).is_string()) return Invalid(name, "must be a string");
  return args_.at(name).get<std::string>();
}

Result<std::string> FunctionArgs::String(const std::string& name, const std::string& fallback) const {
  return Has(name) ? String(name) : fallback;
}

Result<std::vector<std::string>> FunctionArgs::Strings(const std::string& name, bool required) const {
  if (!Has(name)) {
    if (required) return Missing(name);
    return std::vector<std::string>{};
  }
  const nlohmann::json& value = args_.at(name);
  if (value.is_string()) return std::vector<std::string>{value.get<std::string>()};
  std::vector<std::string> items;
  if (!value.is_array()) return Invalid(name, "must be a string or a list of strings");
  for (const auto& item : value) {
    if (!item.is_string()) return Invalid(name, "must be a string or a list of strings");
    items.push_back(item.get<std::string>());
  }
  return items;
}

Result<bool> FunctionArgs::Bool(const std::string& name, bool fallback) const {
  if (!Has(name)) return fallback;
  if (!args_.at(name).is_boolean()) return Invalid(name, "must be true or false");
  return args_.at(name).get<bool>();
}

Result<int64_t> FunctionArgs::Int(const std::string& name, int64_t fallback) const {
  if (!Has(name)) return fallback;
  if (!args_.at(name).is_number_integer()) return Invalid(name, "must be an integer");
  return args_.at(name).get<int64_t>();
}

Result<double> FunctionArgs::Number(const std::string& name, double fallback) const {
  if (!Has(name)) return fallback;
  if (!args_.at(name).is_number()) return Invalid(name, "must be a number");
  return args_.at(name).get<double>();
}

Result<nlohmann::json> FunctionArgs::Object(const std::string& name) const {
  if (!Has(name)) return nlohmann::json::object();
  if (!args_.at(name).is_object()) return Invalid(name, "must be a map");
  return args_.at(name);
}

}  // namespace deeprc::tasks
