#include "deeprc/pipeline/session_info.h"

#include <nlohmann/json.hpp>

#include "deeprc/core/json_file.h"
#include "deeprc/pipeline/stage_record.h"

namespace deeprc::pipeline {

Result<SessionInfo> ReadSessionInfo(const SessionLayout& layout) {
  auto json = ReadJsonFile(layout.SessionFile().string());
  if (!json.ok()) {
    return Status::IOError("'", layout.root.string(),
                           "' is not a pipeline session (no readable session.json)");
  }
  try {
    SessionInfo info;
    info.name = json->at("name").get<std::string>();
    info.spec = json->at("spec").get<std::string>();
    info.spec_dir = json->at("spec_dir").get<std::string>();
    info.overrides = json->at("overrides").get<std::vector<std::string>>();
    info.created = json->at("created").get<double>();
    for (const auto& item : json->at("runs")) {
      info.runs.push_back({item.at("run").get<int>(), item.at("started").get<double>(),
                           item.at("finished").get<double>(), item.at("outcome").get<std::string>()});
    }
    return info;
  } catch (const nlohmann::json::exception& error) {
    return Status::Invalid(layout.SessionFile().string(), ": malformed: ", error.what());
  }
}

Status WriteSessionInfo(const SessionInfo& info, const SessionLayout& layout) {
  auto runs = nlohmann::json::array();
  for (const auto& run : info.runs) {
    runs.push_back(
        {{"run", run.run}, {"started", run.started}, {"finished", run.finished}, {"outcome", run.outcome}});
  }
  nlohmann::json json = {{"name", info.name},         {"spec", info.spec},
                         {"spec_dir", info.spec_dir}, {"overrides", info.overrides},
                         {"created", info.created},   {"runs", runs}};
  return WriteJsonFile(layout.SessionFile().string(), json);
}

Result<PipelineSpec> ReadSessionSpec(const SessionLayout& layout, const SessionInfo& info) {
  auto spec = ReadSpec(layout.SpecCopy().string(), info.overrides, info.spec_dir);
  if (!spec.ok()) return WithContext(spec.status(), "the session's copy of ", info.spec, ": ");
  return spec;
}

}  // namespace deeprc::pipeline
