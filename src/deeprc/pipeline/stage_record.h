// What a session remembers about each stage and task between runs: states, reasons, times and
// outputs, in stages/<stage>/stage.json, so `deeprc run --resume` knows what is already finished.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deeprc/core/status.h"
#include "deeprc/pipeline/stage_state.h"

namespace deeprc::pipeline {

struct TaskRecord {
  std::string uid, model;
  RecordedState state;
  std::string reason;
  std::optional<int> exit_code;
  int run = -1;                                                  // the run that last ran it
  double submitted = 0, started = 0, stopped = 0, finished = 0;  // seconds since the epoch; 0: not yet
  std::string stdout_path, stderr_path;
  std::vector<std::string> outputs;
  nlohmann::json result;          // a function task's value (null for executables)
  bool from_earlier_run = false;  // finished in an earlier run and skipped in this one

  bool Final() const { return state && pilot::IsFinal(*state); }
  // DONE with every output on disk: what lets a resumed run skip it.
  bool Finished() const;
};

struct StageRecord {
  std::string name, kind;
  std::vector<TaskRecord> tasks;

  // From the tasks: DONE when all are; FAILED once all are over and one failed (CANCELED when none
  // failed but one was canceled); RUNNING once one reached the agent; PENDING before.
  StageState State() const;
  double Started() const;   // earliest task start; 0 when none started
  double Finished() const;  // latest task end once all are final; 0 otherwise
  TaskRecord* FindTask(const std::string& uid);
};

void to_json(nlohmann::json& json, const TaskRecord& record);
void to_json(nlohmann::json& json, const StageRecord& record);
Result<StageRecord> ReadStageRecord(const std::string& path);
// Written to a temporary file and renamed, so a run killed while writing leaves the last one.
Status WriteStageRecord(const StageRecord& record, const std::string& path);

}  // namespace deeprc::pipeline
