#include "deeprc/agent/raptor/messages.h"

namespace deeprc::raptor {

using nlohmann::json;

json ToJson(const FunctionTask& task) {
  return {{"id", task.id},           {"function", task.function},    {"args", task.args},
          {"ranks", task.ranks},     {"gpus", task.gpus},            {"backend", task.backend},
          {"sandbox", task.sandbox},
          {"library", task.library}, {"timeout_ms", task.timeout_ms}};
}

Result<FunctionTask> FunctionTaskFromJson(const json& j) {
  try {
    FunctionTask task;
    task.id = j.value("id", "");
    task.function = j.at("function").get<std::string>();
    task.args = j.value("args", json::object());
    task.ranks = j.value("ranks", 1);
    task.gpus = j.value("gpus", 0);
    task.backend = j.value("backend", "mpi");
    task.sandbox = j.value("sandbox", "");
    task.library = j.value("library", "");
    task.timeout_ms = j.value("timeout_ms", int64_t{0});
    return task;
  } catch (const json::exception& e) {
    return Status::Invalid("function task ", j.dump(), ": ", e.what());
  }
}

std::string Serialize(const Assignment& a) {
  return json{{"serial", a.serial}, {"task", ToJson(a.task)}, {"group", a.group}}.dump();
}

Result<Assignment> ParseAssignment(const std::string& text) {
  try {
    const json j = json::parse(text);
    Assignment a;
    a.serial = j.at("serial").get<int64_t>();
    DEEPRC_ASSIGN_OR_RETURN(a.task, FunctionTaskFromJson(j.at("task")));
    a.group = j.at("group").get<std::vector<int>>();
    return a;
  } catch (const json::exception& e) {
    return Status::Invalid("raptor assignment: ", e.what());
  }
}

std::string Serialize(const RankResult& r) {
  return json{{"serial", r.serial},
              {"task_rank", r.task_rank},
              {"world_rank", r.world_rank},
              {"ok", r.ok},
              {"value", r.value},
              {"error", r.error},
              {"deserialize_ms", r.deserialize_ms},
              {"communicator_ms", r.communicator_ms},
              {"deliver_ms", r.deliver_ms},
              {"run_ms", r.run_ms}}
      .dump();
}

Result<RankResult> ParseRankResult(const std::string& text) {
  try {
    const json j = json::parse(text);
    RankResult r;
    r.serial = j.at("serial").get<int64_t>();
    r.task_rank = j.at("task_rank").get<int>();
    r.world_rank = j.at("world_rank").get<int>();
    r.ok = j.at("ok").get<bool>();
    r.value = j.at("value");
    r.error = j.at("error").get<std::string>();
    r.deserialize_ms = j.at("deserialize_ms").get<double>();
    r.communicator_ms = j.at("communicator_ms").get<double>();
    r.deliver_ms = j.at("deliver_ms").get<double>();
    r.run_ms = j.at("run_ms").get<double>();
    return r;
  } catch (const json::exception& e) {
    return Status::Invalid("raptor rank result: ", e.what());
  }
}

json ToJson(const FunctionResult& r) {
  return {{"id", r.id},
          {"ok", r.ok},
          {"value", r.value},
          {"rank_values", r.rank_values},
          {"error", r.error},
          {"workers", r.workers},
          {"queued_ms", r.queued_ms},
          {"deserialize_ms", r.deserialize_ms},
          {"communicator_ms", r.communicator_ms},
          {"deliver_ms", r.deliver_ms},
          {"run_ms", r.run_ms}};
}

Result<FunctionResult> FunctionResultFromJson(const json& j) {
  try {
    FunctionResult r;
    r.id = j.at("id").get<std::string>();
    r.ok = j.at("ok").get<bool>();
    r.value = j.value("value", json());
    r.rank_values = j.value("rank_values", std::vector<json>{});
    r.error = j.value("error", "");
    r.workers = j.value("workers", std::vector<int>{});
    r.queued_ms = j.value("queued_ms", 0.0);
    r.deserialize_ms = j.value("deserialize_ms", 0.0);
    r.communicator_ms = j.value("communicator_ms", 0.0);
    r.deliver_ms = j.value("deliver_ms", 0.0);
    r.run_ms = j.value("run_ms", 0.0);
    return r;
  } catch (const json::exception& e) {
    return Status::Invalid("function result ", j.dump(), ": ", e.what());
  }
}

}  // namespace deeprc::raptor
