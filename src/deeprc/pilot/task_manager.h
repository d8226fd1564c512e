// The TaskManager submits tasks to pilots and follows their states: it holds tasks back until
// their `after` dependencies are DONE and their `after_ended` ones over, spreads them over its
// pilots, and wakes waiters and callbacks as the agents report.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "deeprc/pilot/pilot.h"
#include "deeprc/pilot/session.h"
#include "deeprc/pilot/task.h"
#include "deeprc/pilot/task_description.h"

namespace deeprc::pilot {

class TaskManager {
 public:
  // Runs on a channel's I/O thread for every transition; it must be quick and must not call Wait.
  using Callback = std::function<void(const Task& task, TaskState state)>;

  explicit TaskManager(std::shared_ptr<Session> session);
  ~TaskManager();
  TaskManager(const TaskManager&) = delete;
  TaskManager& operator=(const TaskManager&) = delete;

  Status AddPilot(std::shared_ptr<Pilot> pilot);

  // Validates every description first (all or nothing), assigns uids where missing, and sends the
  // tasks in batches. A task's `after` and `after_ended` may name tasks submitted earlier or anywhere
  // in the same call; a task naming itself, or tasks waiting for each other in a cycle, are refused.
  // A task whose `after` task ends FAILED or CANCELED fails without running ("dependency X ended
  // FAILED"); `after_ended` waits for its tasks to end however they end.
  Result<std::vector<Task>> Submit(std::vector<TaskDescription> descriptions);

  // Blocks until every task of `uids` (empty: every task submitted so far) is in one of `states`
  // or in a final state; fails after `timeout` seconds (< 0: no limit) naming how many are left.
  Status Wait(const std::vector<std::string>& uids = {},
              const std::vector<TaskState>& states = FinalTaskStates(), double timeout = -1);

  // Cancels tasks still queued or running; final tasks are left as they are.
  Status Cancel(const std::vector<std::string>& uids);

  void AddCallback(Callback callback);

  Result<Task> Get(const std::string& uid) const;
  std::vector<Task> tasks() const;  // in submission order
  std::map<TaskState, int> CountByState() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace deeprc::pilot
