#include "deeprc/pipeline/spec_kinds.h"

namespace deeprc::pipeline::spec_kinds {

Status ReadFunctionStage(const YAML::Node& node, const std::string& path, StageSpec& stage,
                         StageReading& reading) {
  FunctionStageSpec& function = stage.detail.emplace<FunctionStageSpec>();
  DEEPRC_ASSIGN_OR_RETURN(function.function, reading.reader.String(node["function"], path + ".function"));
  if (node["args"]) {
    DEEPRC_ASSIGN_OR_RETURN(function.args, reading.reader.Json(node["args"], path + ".args"));
    if (!function.args.is_object()) {
      return reading.reader.Error(node["args"], path + ".args", "'args' of function stage '", stage.name,
                                  "' must be a map");
    }
  }
  DEEPRC_RETURN_NOT_OK(reading.ReadBackend(node, path, stage));
  if (node["library"]) {
    DEEPRC_ASSIGN_OR_RETURN(function.library, reading.reader.String(node["library"], path + ".library"));
  }
  // A function runs in the pool's workers: one core each, their environment.
  if (stage.cores != 1) {
    return Status::Invalid(stage.cores_where, ": function stage '", stage.name,
                           "' runs one worker (one core) per rank; it cannot ask for ", stage.cores,
                           " cores");
  }
  if (stage.gpus != 0) {
    return Status::Invalid(stage.gpus_where, ": function stage '", stage.name,
                           "': function tasks on GPUs are not supported yet");
  }
  if (!stage.environment.empty()) {
    return reading.reader.Error(node["environment"], path + ".environment", "function stage '", stage.name,
                                "' runs in the pool's workers and cannot set an environment");
  }
  // {table:NAME} in a string argument reads a table: a dependency like any other.
  Status refs = Status::OK();
  ForEachString(function.args, [&](const std::string& word) {
    if (refs.ok())
      refs = reading.CollectTableRefs(node["args"], path + ".args",
                                      reading.reader.Where(node["args"], path + ".args"), word);
  });
  return refs;
}
}  // namespace deeprc::pipeline::spec_kinds
