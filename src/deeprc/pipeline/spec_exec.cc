#include "deeprc/pipeline/spec_kinds.h"

namespace deeprc::pipeline::spec_kinds {

Status ReadExecStage(const YAML::Node& node, const std::string& path, StageSpec& stage,
                     StageReading& reading) {
  ExecStageSpec& exec = stage.detail.emplace<ExecStageSpec>();
  DEEPRC_ASSIGN_OR_RETURN(exec.executable,
                          reading.RequiredString(node, path, stage, "executable", "an 'executable'"));
  if (node["arguments"]) {
    DEEPRC_ASSIGN_OR_RETURN(exec.arguments, reading.reader.Strings(node["arguments"], path + ".arguments"));
  }
  if (node["shell"]) {
    DEEPRC_ASSIGN_OR_RETURN(exec.shell, reading.reader.Bool(node["shell"], path + ".shell"));
  }
  // {table:NAME} in the command line reads a table: a dependency like any other.
  std::vector<std::string> words = exec.arguments;
  words.push_back(exec.executable);
  for (const auto& word : words)
    DEEPRC_RETURN_NOT_OK(reading.CollectTableRefs(node, path, stage.where, word));
  return Status::OK();
}
}  // namespace deeprc::pipeline::spec_kinds
