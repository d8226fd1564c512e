#include "deeprc/pipeline/spec_kinds.h"

#include <algorithm>
#include <cctype>

namespace deeprc::pipeline::spec_kinds {

bool ValidName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
}

std::vector<std::string> TableNamesIn(const std::string& word) {
  std::vector<std::string> names;
  for (size_t at = word.find("{table:"); at != std::string::npos; at = word.find("{table:", at + 1)) {
    const size_t end = word.find('}', at);
    if (end == std::string::npos) break;
    names.push_back(word.substr(at + 7, end - at - 7));
  }
  return names;
}

Result<std::string> StageReading::RequiredString(const YAML::Node& node, const std::string& path,
                                                 const StageSpec& stage, const std::string& key,
                                                 const std::string& what) const {
  if (!node[key]) return reader.Error(node, path, ToString(stage.kind), " stage '", stage.name, "' needs ", what);
  return reader.String(node[key], path + "." + key);
}

Status StageReading::ReadBackend(const YAML::Node& node, const std::string& path, StageSpec& stage) const {
  stage.backend = "mpi";
  if (node["backend"]) {
    DEEPRC_ASSIGN_OR_RETURN(stage.backend, reader.String(node["backend"], path + ".backend"));
    if (stage.backend != "mpi" && stage.backend != "gloo" && stage.backend != "ucx") {
      return reader.Error(node["backend"], path + ".backend", "unknown backend '", stage.backend,
                          "' (mpi, gloo or ucx)");
    }
  }
  return Status::OK();
}

Status StageReading::CollectTableRefs(const YAML::Node& node, const std::string& path,
                                      const std::string& where, const std::string& word) {
  if (word.find("{table:") != std::string::npos &&
      word.find('}', word.find("{table:")) == std::string::npos) {
    return reader.Error(node, path, "unclosed {table: in '", word, "'");
  }
  for (const auto& table : TableNamesIn(word)) table_refs.emplace_back(table, where);
  return Status::OK();
}

}  // namespace deeprc::pipeline::spec_kinds
