#include "deeprc/pilot/agent_config.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace deeprc::pilot {

Status AgentConfig::Write(const std::string& path) const {
  nlohmann::json json = {{"pilot_uid", pilot_uid},    {"session_dir", session_dir},
                         {"sandbox", sandbox},        {"secret_file", secret_file},
                         {"bind_host", bind_host},    {"parent_pid", parent_pid},
                         {"description", description}};
  std::ofstream file(path);
  file << json.dump(2) << "\n";
  if (!file) return Status::IOError("cannot write agent config '", path, "'");
  return Status::OK();
}

Result<AgentConfig> AgentConfig::Read(const std::string& path) {
  std::ifstream file(path);
  if (!file) return Status::IOError("cannot read agent config '", path, "'");
  std::stringstream text;
  text << file.rdbuf();
  try {
    auto json = nlohmann::json::parse(text.str());
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
