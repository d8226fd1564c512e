#include "deeprc/pilot/pilot_description.h"

#include <nlohmann/json.hpp>

namespace deeprc::pilot {

Status PilotDescription::Validate() const {
  if (resource != "local" && resource != "slurm") {
    return Status::Invalid("unknown pilot resource '", resource, "' (local or slurm)");
  }
  if (nodes < 1) return Status::Invalid("a pilot needs at least one node, not ", nodes);
  if (resource == "local" && nodes != 1) {
    return Status::Invalid("a local pilot has one node, not ", nodes, " (use resource slurm for more)");
  }
  if (cores < 0 || gpus < 0 || runtime < 0 || function_workers < 0)
    return Status::Invalid("pilot cores, gpus, runtime and function_workers must not be negative");
  return Status::OK();
}

void to_json(nlohmann::json& json, const PilotDescription& description) {
  json = {{"resource", description.resource},
          {"nodes", description.nodes},
          {"cores", description.cores},
          {"gpus", description.gpus},
          {"runtime", description.runtime},
          {"queue", description.queue},
          {"account", description.account},
          {"agent_executable", description.agent_executable},
          {"launch_timeout", description.launch_timeout},
          {"function_workers", description.function_workers},
          {"pool_executable", description.pool_executable}};
}

Result<PilotDescription> PilotDescriptionFromJson(const nlohmann::json& json) {
  try {
    PilotDescription description;
    description.resource = json.at("resource").get<std::string>();
    description.nodes = json.at("nodes").get<int>();
    description.cores = json.at("cores").get<int>();
    description.gpus = json.at("gpus").get<int>();
    description.runtime = json.at("runtime").get<double>();
    description.queue = json.at("queue").get<std::string>();
    description.account = json.at("account").get<std::string>();
    description.agent_executable = json.at("agent_executable").get<std::string>();
    description.launch_timeout = json.at("launch_timeout").get<double>();
    description.function_workers = json.at("function_workers").get<int>();
    description.pool_executable = json.at("pool_executable").get<std::string>();
    return description;
  } catch (const nlohmann::json::exception& error) {
    return Status::Invalid("malformed pilot description: ", error.what());
  }
}

}  // namespace deeprc::pilot
