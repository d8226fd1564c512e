// A Task as the client sees it: its description and what has happened to it so far. Handles are
// cheap to copy and safe to read from any thread while the TaskManager updates them.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "deeprc/pilot/protocol.h"
#include "deeprc/pilot/states.h"
#include "deeprc/pilot/task_description.h"

namespace deeprc::pilot {

class Task {
 public:
  const std::string& uid() const { return record_->description.uid; }
  const TaskDescription& description() const { return record_->description; }
  const std::string& pilot() const { return record_->pilot; }
  const std::string& sandbox() const { return record_->sandbox; }
  std::string stdout_path() const;
  std::string stderr_path() const;

  TaskState state() const;
  std::vector<StateTransition<TaskState>> history() const;
  std::optional<int> exit_code() const;
  std::string reason() const;  // why it failed or was canceled
  std::vector<protocol::RankPlacement> placement() const;
  // A DONE function task's value (its rank 0's); null otherwise.
  nlohmann::json result() const;

 private:
  friend class TaskManager;
  struct Record {
    TaskDescription description;
    std::string pilot, sandbox;
    mutable std::mutex mutex;
    std::vector<StateTransition<TaskState>> history;
    std::optional<int> exit_code;
    std::string reason;
    std::vector<protocol::RankPlacement> placement;
    nlohmann::json result;
  };
  explicit Task(std::shared_ptr<Record> record) : record_(std::move(record)) {}
  std::shared_ptr<Record> record_;
};

}  // namespace deeprc::pilot
