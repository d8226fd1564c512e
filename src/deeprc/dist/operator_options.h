// The options of a table operator, declared once (key, type, default, range, help) and read from
// JSON, so `deeprc table`, the table.* function tasks and pipeline table stages take the same ones.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::dist {

enum class OptionType {
  kString,
  kStrings,  // a list of strings (a single string counts as a list of one)
  kInt,
  kNumber,
  kBool,
  kPairs,  // an ordered list of [name, value] string pairs (derive's new columns)
};

// One option, as Arrow's FunctionOptions are described to its front ends.
struct OptionDoc {
  std::string key;  // JSON name, snake_case: "left_on"
  OptionType type = OptionType::kString;
  std::string help;
  bool required = false;
  nlohmann::json default_value;  // null: absent unless given (ignored when `required`)
  int64_t min = std::numeric_limits<int64_t>::lowest();  // kInt: the least value taken
  size_t count = 0;                                      // kStrings: exactly this many items; 0: any
  std::vector<std::string> excludes;                     // keys that may not be given with this one
  std::vector<std::string> needs;                        // keys that must be given with this one
  // The command-line spelling ("-n,--rows"); empty: "--" + key with '_' as '-'.
  std::string flag;
};

// How a front end names an option in its errors: "--by: ", "table.sort: argument 'by': ",
// "sort: by: ".
struct OptionNaming {
  std::function<std::string(const std::string& key)> context;
  // The whole message for a required option that is absent.
  std::function<std::string(const std::string& key)> missing;
};

// Options that passed their declarations: every key known, every value of its type and range,
// defaults filled in. Values are read by key; reading a key that was not declared is a bug.
class OperatorOptions {
 public:
  OperatorOptions() = default;
  OperatorOptions(nlohmann::json values, OptionNaming naming)
      : values_(std::move(values)), naming_(std::move(naming)) {}

  bool Has(const std::string& key) const { return values_.contains(key); }
  std::string String(const std::string& key) const;
  std::vector<std::string> Strings(const std::string& key) const;  // empty when absent
  int64_t Int(const std::string& key) const;
  double Number(const std::string& key) const;
  bool Bool(const std::string& key) const;
  std::vector<std::pair<std::string, std::string>> Pairs(const std::string& key) const;

  const nlohmann::json& json() const { return values_; }
  // What to put before an error about the value of `key`, in the front end's spelling.
  std::string Context(const std::string& key) const;
  Status Invalid(const std::string& key, const std::string& what) const;

 private:
  nlohmann::json values_ = nlohmann::json::object();
  OptionNaming naming_;
};

// Checks `values` (a JSON object, or null for none) against `declared` for the operator `name`:
// unknown keys (with a did-you-mean), types, counts, ranges, exclusions, required keys; fills in
// the defaults.
Result<OperatorOptions> ParseOptions(const std::string& name, const std::vector<OptionDoc>& declared,
                                     const nlohmann::json& values, const OptionNaming& naming);

// The naming of errors when options come as plain JSON: "join: option 'how': ".
OptionNaming JsonNaming(const std::string& operator_name);

}  // namespace deeprc::dist
