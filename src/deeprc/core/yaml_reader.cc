#include "deeprc/core/yaml_reader.h"

#include <algorithm>
#include <map>

#include "deeprc/core/nearest_name.h"

namespace deeprc {
namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

bool IsIndex(const std::string& part) {
  return !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Result<YAML::Node> LoadYaml(const std::string& text, const std::string& origin) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& error) {
    return Status::Invalid(origin, ":", error.mark.line + 1, ": ", error.msg);
  }
}

Result<std::map<std::string, std::string>> ApplyOverrides(YAML::Node root,
                                                          const std::vector<std::string>& sets) {
  std::map<std::string, std::string> overridden;
  for (const std::string& set : sets) {
    const size_t equals = set.find('=');
    if (equals == std::string::npos || equals == 0) {
      return Status::Invalid("--set ", set, ": expected key.path=value, e.g. stages.train.max_steps=20");
    }
    const std::string path = set.substr(0, equals);
    YAML::Node value;
    try {
      value = YAML::Load(set.substr(equals + 1));
    } catch (const YAML::Exception& error) {
      return Status::Invalid("--set ", set, ": the value is not YAML: ", error.msg);
    }
    const auto parts = SplitPath(path);
    // Node assignment in yaml-cpp writes through references, so walk with reset(), never `=`.
    YAML::Node node;
    node.reset(root);
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      const std::string& part = parts[i];
      if (part.empty()) return Status::Invalid("--set ", set, ": empty key in '", path, "'");
      YAML::Node next;
      if (node.IsSequence()) {
        if (!IsIndex(part) || std::stoul(part) >= node.size()) {
          return Status::Invalid("--set ", set, ": '", part, "' is not an index of the list at that place");
        }
        next.reset(node[std::stoul(part)]);
      } else if (node.IsMap() || !node.IsDefined() || node.IsNull()) {
        next.reset(node[part]);
        if (!next.IsDefined() || next.IsNull()) {
          node[part] = YAML::Node(YAML::NodeType::Map);
          next.reset(node[part]);
        }
      } else {
        return Status::Invalid("--set ", set, ": '", parts[i - 1], "' holds a value, not keys");
      }
      node.reset(next);
    }
    const std::string& last = parts.back();
    if (last.empty()) return Status::Invalid("--set ", set, ": empty key in '", path, "'");
    if (node.IsSequence()) {
      if (!IsIndex(last) || std::stoul(last) >= node.size()) {
        return Status::Invalid("--set ", set, ": '", last, "' is not an index of the list at that place");
      }
      node[std::stoul(last)] = value;
    } else if (node.IsScalar()) {
      return Status::Invalid("--set ", set, ": the parent of '", last, "' holds a value, not keys");
    } else {
      node[last] = value;
    }
    overridden[path] = "--set " + set;
  }
  return overridden;
}

std::string YamlReader::Where(const YAML::Node& node, const std::string& path) const {
  // The longest overridden prefix of `path` (the path itself, or a parent that was replaced).
  for (std::string prefix = path;;) {
    auto found = overridden_.find(prefix);
    if (found != overridden_.end()) return found->second;
    const size_t dot = prefix.rfind('.');
    if (dot == std::string::npos) break;
    prefix.resize(dot);
  }
  if (!node.IsDefined()) return origin_;  // a key that is absent has no line
  const auto mark = node.Mark();
  if (mark.is_null()) return origin_;
  return origin_ + ":" + std::to_string(mark.line + 1);
}

Status YamlReader::CheckKeys(const YAML::Node& node, const std::string& path,
                             const std::vector<std::string>& allowed, const std::string& what) const {
  if (!node.IsMap()) return Error(node, path, what, " must be a map of keys");
  for (const auto& item : node) {
    const std::string key = item.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string expected;
    for (const auto& name : allowed) expected += (expected.empty() ? "" : ", ") + name;
    const std::string nearest = NearestName(key, allowed);
    return Error(item.first, path.empty() ? key : path + "." + key, "unknown key '", key, "' in ", what,
                 nearest.empty() ? "" : " (did you mean '" + nearest + "'?)", " (expected: ", expected, ")");
  }
  return Status::OK();
}

Result<std::string> YamlReader::String(const YAML::Node& node, const std::string& path) const {
  if (!node.IsScalar()) return Error(node, path, "'", path, "' must be a single value");
  return node.Scalar();
}

Result<int64_t> YamlReader::Integer(const YAML::Node& node, const std::string& path, int64_t min) const {
  return Decode<int64_t>(node, path, min, "a whole number");
}

Result<bool> YamlReader::Bool(const YAML::Node& node, const std::string& path) const {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    return Error(node, path, "'", path, "' must be true or false");
  }
  return value;
}

Result<nlohmann::json> YamlReader::Json(const YAML::Node& node, const std::string& path) const {
  if (node.IsMap()) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      DEEPRC_ASSIGN_OR_RETURN(object[key], Json(entry.second, path + "." + key));
    }
    return object;
  }
  if (node.IsSequence()) {
    nlohmann::json array = nlohmann::json::array();
    for (size_t i = 0; i < node.size(); ++i) {
      DEEPRC_ASSIGN_OR_RETURN(auto item, Json(node[i], path + "." + std::to_string(i)));
      array.push_back(std::move(item));
    }
    return array;
  }
  if (node.IsNull()) return nlohmann::json();
  if (!node.IsScalar()) return Error(node, path, "'", path, "' is not a YAML value");
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: "1" is a string
  // Only true and false are booleans: YAML 1.1's yes/no/on/off would turn a "y" into true.
  if (text == "true" || text == "false") return text == "true";
  int64_t integer = 0;
  double number = 0;
  if (YAML::convert<int64_t>::decode(node, integer)) return integer;
  if (YAML::convert<double>::decode(node, number)) return number;
  return text;
}

Result<double> YamlReader::Seconds(const YAML::Node& node, const std::string& path) const {
  DEEPRC_ASSIGN_OR_RETURN(auto text, String(node, path));
  size_t end = 0;
  double value = 0;
  try {
    value = std::stod(text, &end);
  } catch (const std::exception&) {
    end = 0;
  }
  static const std::map<std::string, double> kScale = {{"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}};
  auto scale = end == 0 ? kScale.end() : kScale.find(text.substr(end));
  if (scale == kScale.end() || value < 0) {
    return Error(node, path, "'", path, "' must be a duration such as 30, 30s, 5m or 1h, not '", text, "'");
  }
  return value * scale->second;
}

Result<std::vector<std::string>> YamlReader::Strings(const YAML::Node& node, const std::string& path,
                                                     ListForm form) const {
  std::vector<std::string> values;
  auto add = [&](const std::string& text) {
    if (form != ListForm::kCommaSeparated) {
      values.push_back(text);
      return;
    }
    size_t start = 0;
    while (start <= text.size()) {
      size_t comma = text.find(',', start);
      if (comma == std::string::npos) comma = text.size();
      std::string item = text.substr(start, comma - start);
      const size_t first = item.find_first_not_of(" \t"), last = item.find_last_not_of(" \t");
      if (first != std::string::npos) values.push_back(item.substr(first, last - first + 1));
      start = comma + 1;
    }
  };
  if (node.IsScalar() && form != ListForm::kListOnly) {
    add(node.Scalar());
    return values;
  }
  if (!node.IsSequence()) return Error(node, path, "'", path, "' must be a list");
  for (size_t i = 0; i < node.size(); ++i) {
    DEEPRC_ASSIGN_OR_RETURN(auto value, String(node[i], path + "." + std::to_string(i)));
    add(value);
  }
  return values;
}

Result<std::vector<std::pair<std::string, std::string>>> YamlReader::StringPairs(
    const YAML::Node& node, const std::string& path) const {
  if (!node.IsMap()) return Error(node, path, "'", path, "' must be a map");
  std::vector<std::pair<std::string, std::string>> values;
  for (const auto& item : node) {
    const std::string key = item.first.Scalar();
    DEEPRC_ASSIGN_OR_RETURN(auto value, String(item.second, path + "." + key));
    values.emplace_back(key, std::move(value));
  }
  return values;
}

}  // namespace deeprc
