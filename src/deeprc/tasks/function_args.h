// The JSON arguments of a function task, read by name: an unknown name is an error with a
// did-you-mean, and every wrong value names the function and the argument.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::tasks {

class FunctionArgs {
 public:
  // `args` of `function` ("table.sort"), which takes the arguments `names`. Any other name is an
  // error naming it and the function, with a did-you-mean and the names it takes.
  static Result<FunctionArgs> Read(std::string function, const nlohmann::json& args,
                                   const std::vector<std::string>& names);

  const std::string& function() const { return function_; }
  bool Has(const std::string& name) const { return args_.contains(name); }

  // A required string.
  Result<std::string> String(const std::string& name) const;
  Result<std::string> String(const std::string& name, const std::string& fallback) const;
  // A string (one item) or a list of strings; empty when absent unless `required`.
  Result<std::vector<std::string>> Strings(const std::string& name, bool required = false) const;
  Result<bool> Bool(const std::string& name, bool fallback) const;
  Result<int64_t> Int(const std::string& name, int64_t fallback) const;
  Result<double> Number(const std::string& name, double fallback) const;
  // A map (e.g. a model's hyperparameters); an empty one when absent.
  Result<nlohmann::json> Object(const std::string& name) const;

  // "table.sort: argument 'by': ", to put in front of what parsing the argument's value says.
  std::string Context(const std::string& name) const;
  // An error about argument `name`: "table.sort: argument 'by': <what>".
  Status Invalid(const std::string& name, const std::string& what) const;

 private:
  FunctionArgs(std::string function, nlohmann::json args)
      : function_(std::move(function)), args_(std::move(args)) {}
  Status Missing(const std::string& name) const;

  std::string function_;
  nlohmann::json args_;
};

}  // namespace deeprc::tasks
