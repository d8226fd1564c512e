#include "deeprc/pipeline/spec_kinds.h"

namespace deeprc::pipeline::spec_kinds {

Status ReadPredictStage(const YAML::Node& node, const std::string& path, StageSpec& stage,
                        StageReading& reading) {
  PredictStageSpec& predict = stage.detail.emplace<PredictStageSpec>();
  DEEPRC_ASSIGN_OR_RETURN(predict.from,
                          reading.RequiredString(node, path, stage, "from", "'from': a train stage"));
  reading.from_where[stage.name] = reading.reader.Where(node["from"], path + ".from");
  if (node["data"]) {
    DEEPRC_ASSIGN_OR_RETURN(predict.data, reading.reader.String(node["data"], path + ".data"));
    reading.table_refs.emplace_back(predict.data, reading.reader.Where(node["data"], path + ".data"));
  }
  return Status::OK();
}
}  // namespace deeprc::pipeline::spec_kinds
