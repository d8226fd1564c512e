#include "deeprc/pilot/agent_config.h"

#include <nlohmann/json.hpp>

#include "deeprc/core/json_file.h"

namespace deeprc::pilot {

Status AgentConfig::Write(const std::string& path) const {
  nlohmann::json json = {{"pilot_uid", pilot_uid},    {"session_dir", session_dir},
                         {"sandbox", sandbox},        {"secret_file", secret_file},
                         {"bind_host", bind_host},    {"parent_pid", parent_pid},
                         {"description", description}};
  auto written = WriteJsonFile(path, json);
  if (!written.ok()) return Status::IOError("cannot write agent config: ", written.message());
  return Status::OK();
}

Result<AgentConfig> AgentConfig::Read(const std::string& path) {
  auto read = ReadJsonFile(path);
  if (!read.ok()) return Status::IOError("cannot read agent config: ", read.status().message());
  const nlohmann::json& json = *read;
  try {
    AgentConfig config;
    config.pilot_uid = json.at("pilot_uid").get<std::string>();
    config.session_dir = json.at("session_dir").get<std::string>();
    config.sandbox = json.at("sandbox").get<std::string>();
    config.secret_file = json.at("secret_file").get<std::string>();
    config.bind_host = json.at("bind_host").get<std::string>();
    config.parent_pid = json.at("parent_pid").get<int>();
    DEEPRC_ASSIGN_OR_RETURN(config.description, PilotDescriptionFromJson(json.at("description")));
    return config;
  } catch (const nlohmann::json::exception& error) {
    return Status::Invalid("malformed agent config '", path, "': ", error.what());
  }
}

}  // namespace deeprc::pilot
