// Strict reading of a pipeline spec's YAML: every value error and unknown key names where it came
// from — "spec.yaml:12" for the file, "--set a.b=c" for an override — so a typo never runs.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "deeprc/core/nearest_name.h"
#include "deeprc/core/status.h"

namespace deeprc::pipeline {

// Applies `--set key.path=value` overrides to a YAML tree: each path names map keys (created when
// missing) or list indices, and the value is read as YAML ("20", "[a, b]", "{x: 1}"). Returns, per
// path that was set, the override's text, so errors about those values can name it.
Result<std::map<std::string, std::string>> ApplyOverrides(YAML::Node root,
                                                          const std::vector<std::string>& sets);

class YamlReader {
 public:
  YamlReader(std::string origin, std::map<std::string, std::string> overridden)
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
  Result<int64_t> Integer(const YAML::Node& node, const std::string& path, int64_t min) const;
  Result<double> Number(const YAML::Node& node, const std::string& path, double min) const;
  Result<bool> Bool(const YAML::Node& node, const std::string& path) const;
  // Seconds from a number or a string with a unit: "90", "90s", "5m", "1.5h".
  Result<double> Seconds(const YAML::Node& node, const std::string& path) const;
  // A list of scalars; a single scalar counts as a list of one, and "a, b" as two where `split`.
  Result<std::vector<std::string>> Strings(const YAML::Node& node, const std::string& path,
                                           bool split = false) const;
  // A map of scalars, keys in document order.
  Result<std::vector<std::pair<std::string, std::string>>> StringPairs(const YAML::Node& node,
                                                                       const std::string& path) const;

  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
  std::map<std::string, std::string> overridden_;
};


}  // namespace deeprc::pipeline
