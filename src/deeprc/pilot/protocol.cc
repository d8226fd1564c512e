#include "deeprc/pilot/protocol.h"

namespace deeprc::pilot::protocol {

nlohmann::json ToJson(const TaskUpdate& update) {
  nlohmann::json json = {{"uid", update.uid}, {"state", ToString(update.state)}, {"time", update.time}};
  if (update.exit_code) json["exit_code"] = *update.exit_code;
  if (!update.reason.empty()) json["reason"] = update.reason;
  if (!update.placement.empty()) {
    auto& ranks = json["placement"] = nlohmann::json::array();
    for (const auto& rank : update.placement) {
      ranks.push_back({{"node", rank.node}, {"cores", rank.cores}, {"gpus", rank.gpus}});
    }
  }
  if (!update.result.is_null()) json["result"] = update.result;
  return json;
}

Result<TaskUpdate> TaskUpdateFromJson(const nlohmann::json& json) {
  try {
    TaskUpdate update;
    update.uid = json.at("uid").get<std::string>();
    DEEPRC_ASSIGN_OR_RETURN(update.state, TaskStateFromString(json.at("state").get<std::string>()));
    update.time = json.at("time").get<double>();
    if (json.contains("exit_code")) update.exit_code = json["exit_code"].get<int>();
    if (json.contains("reason")) update.reason = json["reason"].get<std::string>();
    if (json.contains("placement")) {
      for (const auto& rank : json["placement"]) {
        update.placement.push_back({rank.at("node").get<std::string>(),
                                    rank.at("cores").get<std::vector<int>>(),
                                    rank.at("gpus").get<std::vector<int>>()});
      }
    }
    if (json.contains("result")) update.result = json["result"];
    return update;
  } catch (const nlohmann::json::exception& error) {
    return Status::Invalid("malformed task update: ", error.what());
  }
}

Result<nlohmann::json> ParseMessage(std::string_view bytes) {
  auto json = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("type") || !json["type"].is_string()) {
    return Status::Invalid("malformed message (", bytes.size(), " bytes)");
  }
  return json;
}

}  // namespace deeprc::pilot::protocol
