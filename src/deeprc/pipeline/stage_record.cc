#include "deeprc/pipeline/stage_record.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "deeprc/core/json_file.h"

namespace deeprc::pipeline {

namespace fs = std::filesystem;
using pilot::TaskState;

bool TaskRecord::Finished() const {
  if (state != TaskState::kDone) return false;
  std::error_code error;
  return std::all_of(outputs.begin(), outputs.end(),
                     [&](const std::string& path) { return fs::exists(path, error); });
}

StageState StageRecord::State() const {
  bool all_final = true, all_done = true, any_failed = false, any_canceled = false, any_started = false;
  for (const auto& task : tasks) {
    all_final &= task.Final();
    all_done &= task.state == TaskState::kDone;
    any_failed |= task.state == TaskState::kFailed;
    any_canceled |= task.state == TaskState::kCanceled;
    // Held by the TaskManager (NEW, TMGR_SCHEDULING) is not started yet.
    any_started |= task.state > TaskState::kTmgrScheduling;
  }
  if (all_done) return StageState::kDone;
  if (all_final)
    return any_failed ? StageState::kFailed : any_canceled ? StageState::kCanceled : StageState::kFailed;
  return any_started ? StageState::kRunning : StageState::kPending;
}

double StageRecord::Started() const {
  double started = 0;
  for (const auto& task : tasks) {
    if (task.started > 0 && (started == 0 || task.started < started)) started = task.started;
  }
  return started;
}

double StageRecord::Finished() const {
  double finished = 0;
  for (const auto& task : tasks) {
    if (!task.Final()) return 0;
    finished = std::max(finished, task.finished);
  }
  return finished;
}

TaskRecord* StageRecord::FindTask(const std::string& uid) {
  for (auto& task : tasks) {
    if (task.uid == uid) return &task;
  }
  return nullptr;
}

void to_json(nlohmann::json& json, const TaskRecord& record) {
  json = {{"uid", record.uid},
          {"model", record.model},
          {"state", ToString(record.state)},
          {"reason", record.reason},
          {"run", record.run},
          {"submitted", record.submitted},
          {"started", record.started},
          {"stopped", record.stopped},
          {"finished", record.finished},
          {"stdout", record.stdout_path},
          {"stderr", record.stderr_path},
          {"outputs", record.outputs},
          {"result", record.result},
          {"from_earlier_run", record.from_earlier_run}};
  json["exit_code"] = record.exit_code ? nlohmann::json(*record.exit_code) : nlohmann::json(nullptr);
}

void to_json(nlohmann::json& json, const StageRecord& record) {
  json = {{"stage", record.name},
          {"kind", record.kind},
          {"state", ToString(record.State())},
          {"tasks", record.tasks}};
}

Result<StageRecord> ReadStageRecord(const std::string& path) {
  DEEPRC_ASSIGN_OR_RETURN(auto json, ReadJsonFile(path));
  try {
    StageRecord record;
    record.name = json.at("stage").get<std::string>();
    record.kind = json.at("kind").get<std::string>();
    for (const auto& item : json.at("tasks")) {
      TaskRecord task;
      task.uid = item.at("uid").get<std::string>();
      task.model = item.value("model", "");
      // Read back by --resume: the spelling of the file becomes the pilot's state here, once.
      auto state = RecordedStateFromString(item.at("state").get<std::string>());
      if (!state.ok()) return Status::Invalid(path, ": malformed stage record: ", state.status().message());
      task.state = *state;
      task.reason = item.value("reason", "");
      if (item.contains("exit_code") && item["exit_code"].is_number())
        task.exit_code = item["exit_code"].get<int>();
      task.run = item.value("run", -1);
      task.submitted = item.value("submitted", 0.0);
      task.started = item.value("started", 0.0);
      task.stopped = item.value("stopped", 0.0);
      task.finished = item.value("finished", 0.0);
      task.stdout_path = item.value("stdout", "");
      task.stderr_path = item.value("stderr", "");
      task.outputs = item.value("outputs", std::vector<std::string>{});
      task.result = item.value("result", nlohmann::json());
      record.tasks.push_back(std::move(task));
    }
    return record;
  } catch (const nlohmann::json::exception& error) {
    return Status::Invalid(path, ": malformed stage record: ", error.what());
  }
}

Status WriteStageRecord(const StageRecord& record, const std::string& path) {
  std::error_code error;
  fs::create_directories(fs::path(path).parent_path(), error);
  return WriteJsonFile(path, nlohmann::json(record));
}

}  // namespace deeprc::pipeline
