// Strict reading of YAML input (pipeline specs, the pilot's task files): every value error and
// unknown key names where it came from — "spec.yaml:12" for a file, "--set a.b=c" for an
// override — so a typo never runs.
#pragma once

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc {

// Parses `text`; a syntax error reads "origin:line: what yaml-cpp says".
Result<YAML::Node> LoadYaml(const std::string& text, const std::string& origin);

// Applies `--set key.path=value` overrides to a YAML tree: each path names map keys (created when
// missing) or list indices, and the value is read as YAML ("20", "[a, b]", "{x: 1}"). Returns, per
// path that was set, the override's text, so errors about those values can name it.
Result<std::map<std::string, std::string>> ApplyOverrides(YAML::Node root,
                                                          const std::vector<std::string>& sets);

class YamlReader {
 public:
  // How Strings reads a value where a list is expected.
  enum class ListForm {
    kListOnly,        // a YAML list; a single value is an error
    kValueOrList,     // a single value counts as a list of one
    kCommaSeparated,  // as kValueOrList, and each value "a, b" counts as two
  };

  explicit YamlReader(std::string origin, std::map<std::string, std::string> overridden = {})
      : origin_(std::move(origin)), overridden_(std::move(overridden)) {}

  // Where the node at `path` came from: "origin:line", or "--set path=value" when an override set
  // it or one of its parents.
  std::string Where(const YAML::Node& node, const std::string& path) const;

  template <typename... Args>
  Status Error(const YAML::Node& node, const std::string& path, Args&&... args) const {
    return Status::Invalid(Where(node, path), ": ", std::forward<Args>(args)...);
  }

  // Fails on the first key of the map `node` that is not in `allowed`, naming it, `what` holds it
  // ("stage 'train'"), the keys expected and the nearest one when it is a likely typo.
  Status CheckKeys(const YAML::Node& node, const std::string& path, const std::vector<std::string>& allowed,
                   const std::string& what) const;

  Result<std::string> String(const YAML::Node& node, const std::string& path) const;
  // A whole number, no less than `min` ("'x' must be a whole number, not '2.5'").
  Result<int64_t> Integer(const YAML::Node& node, const std::string& path,
                          int64_t min = std::numeric_limits<int64_t>::lowest()) const;
  // A number of type T (double, or int where "must be a number" is the message), no less than `min`.
  template <typename T = double>
  Result<T> Number(const YAML::Node& node, const std::string& path,
                   std::type_identity_t<T> min = std::numeric_limits<T>::lowest()) const {
    return Decode<T>(node, path, min, "a number");
  }
  Result<bool> Bool(const YAML::Node& node, const std::string& path) const;
  // Seconds from a number or a string with a unit: "90", "90s", "5m", "1.5h".
  Result<double> Seconds(const YAML::Node& node, const std::string& path) const;
  // A list of scalars; see ListForm for what a single value or "a, b" is.
  Result<std::vector<std::string>> Strings(const YAML::Node& node, const std::string& path,
                                           ListForm form = ListForm::kValueOrList) const;
  // A map of scalars, keys in document order.
  Result<std::vector<std::pair<std::string, std::string>>> StringPairs(const YAML::Node& node,
                                                                       const std::string& path) const;
  // Any YAML value as JSON (a function task's arguments): maps, lists, and plain scalars as
  // null, true/false, integers, numbers or strings by their look; quoted scalars stay strings.
  Result<nlohmann::json> Json(const YAML::Node& node, const std::string& path) const;

  const std::string& origin() const { return origin_; }

 private:
  template <typename T>
  Result<T> Decode(const YAML::Node& node, const std::string& path, T min, const char* what) const {
    T value{};
    if (!node.IsScalar() || !YAML::convert<T>::decode(node, value)) {
      return Error(node, path, "'", path, "' must be ", what, ", not '",
                   node.IsScalar() ? node.Scalar() : "...", "'");
    }
    // NaN compares false with everything, so it would pass `min` unnoticed; no setting means NaN.
    if constexpr (std::is_floating_point_v<T>) {
      if (!std::isfinite(value)) {
        return Error(node, path, "'", path, "' must be a finite number, not '", node.Scalar(), "'");
      }
    }
    if (value < min) return Error(node, path, "'", path, "' must be at least ", min, ", not ", value);
    return value;
  }

  std::string origin_;
  std::map<std::string, std::string> overridden_;
};

}  // namespace deeprc
