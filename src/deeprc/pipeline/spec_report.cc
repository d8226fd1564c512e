#include "deeprc/pipeline/spec_kinds.h"

namespace deeprc::pipeline::spec_kinds {

Status ReadReportStage(const YAML::Node& node, const std::string& path, StageSpec& stage,
                       StageReading& reading) {
  ReportStageSpec& report = stage.detail.emplace<ReportStageSpec>();
  if (node["stages"]) {
    DEEPRC_ASSIGN_OR_RETURN(report.stages, reading.reader.Strings(node["stages"], path + ".stages", kSplit));
    reading.report_where[stage.name] = reading.reader.Where(node["stages"], path + ".stages");
  }
  if (node["tables"]) {
    DEEPRC_ASSIGN_OR_RETURN(report.tables, reading.reader.Strings(node["tables"], path + ".tables", kSplit));
    for (const auto& table : report.tables)
      reading.table_refs.emplace_back(table, reading.reader.Where(node["tables"], path + ".tables"));
  }
  if (node["series"]) {
    DEEPRC_ASSIGN_OR_RETURN(report.series, reading.reader.String(node["series"], path + ".series"));
  }
  if (node["points"]) {
    DEEPRC_ASSIGN_OR_RETURN(report.points, reading.reader.Integer(node["points"], path + ".points", 1));
  }
  return Status::OK();
}
}  // namespace deeprc::pipeline::spec_kinds
