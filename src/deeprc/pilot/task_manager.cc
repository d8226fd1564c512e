#include "deeprc/pilot/task_manager.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <set>
#include <unordered_map>

#include "deeprc/core/logging.h"
#include "deeprc/pilot/protocol.h"
#include "deeprc/pilot/task_dependencies.h"

namespace deeprc::pilot {
namespace {

constexpr size_t kBatchSize =
    2048;  // tasks per submit message: large enough to amortize, small enough to start early

}  // namespace

// Everything lives here, shared with the pilots' handlers through weak pointers, so a handler
// running on an I/O thread never touches a destroyed manager.
struct TaskManager::Impl : std::enable_shared_from_this<Impl> {
  using Record = Task::Record;

  std::shared_ptr<Session> session;
  mutable std::mutex mutex;
  std::condition_variable changed;
  // Weak: the PilotManager owns pilots. Were a handler's temporary hold on this Impl the last one
  // on a pilot, the pilot would be destroyed on its own thread, which cannot join itself.
  std::vector<std::weak_ptr<Pilot>> pilots;
  size_t next_pilot = 0;
  std::unordered_map<std::string, std::shared_ptr<Record>> records;
  std::vector<std::shared_ptr<Record>> order;
  std::array<int, 9> counts{};
  // Dependencies: unmet counts of held tasks and, per task, the tasks waiting for it, each with the
  // kind of its wait: `after` needs the task DONE, `after_ended` only needs it over.
  struct Dependent {
    std::string uid;
    bool any_end;
  };
  std::unordered_map<std::string, int> unmet;
  std::unordered_map<std::string, std::vector<Dependent>> dependents;
  std::vector<Callback> callbacks;

  // A transition of one task, applied under `mutex`; the callbacks it owes are collected in `fired`.
  using Fired = std::vector<std::pair<std::shared_ptr<Record>, TaskState>>;
  using Outbox = std::map<std::shared_ptr<Pilot>, std::vector<const Record*>>;

  std::shared_ptr<Pilot> PilotOf(const Record& record) const {
    for (const auto& weak : pilots) {
      auto pilot = weak.lock();
      if (pilot && pilot->uid() == record.pilot) return pilot;
    }
    return nullptr;
  }

  void Transition(const std::shared_ptr<Record>& record, const protocol::TaskUpdate& update, Fired& fired,
                  Outbox& outbox) {
    {
      std::lock_guard lock(record->mutex);
      TaskState current = record->history.back().state;
      if (IsFinal(current)) return;  // e.g. canceled here while the agent was finishing it
      record->history.push_back({update.state, update.time});
      if (update.exit_code) record->exit_code = update.exit_code;
      if (!update.reason.empty()) record->reason = update.reason;
      if (!update.placement.empty()) record->placement = update.placement;
      if (!update.result.is_null()) record->result = update.result;
      --counts[static_cast<size_t>(current)];
      ++counts[static_cast<size_t>(update.state)];
    }
    // The profile keeps when the client learned of the transition (what a user waits for); the
    // task's history keeps when it happened.
    session->profiler().Record(Now(), "task_state", record->description.uid, ToString(update.state),
                               update.reason);
    if (!callbacks.empty()) fired.emplace_back(record, update.state);
    if (IsFinal(update.state)) ReleaseDependents(*record, update.state, fired, outbox);
  }

  void ReleaseDependents(const Record& record, TaskState state, Fired& fired, Outbox& outbox) {
    auto waiting = dependents.find(record.description.uid);
    if (waiting == dependents.end()) return;
    auto waiters = std::move(waiting->second);
    dependents.erase(waiting);
    for (const auto& [uid, any_end] : waiters) {
      auto& dependent = records.at(uid);
      // Not held any more: final, or being canceled with the tasks it waits for (see Cancel).
      auto held = unmet.find(uid);
      if (IsFinal(dependent->history.back().state) || held == unmet.end()) continue;
      if (state == TaskState::kDone || any_end) {
        if (--held->second == 0) {
          unmet.erase(held);
          // Ends its wait on `after`: the report tells this wait from scheduling and launch.
          session->profiler().Record(Now(), "dependencies_met", uid);
          if (auto pilot = PilotOf(*dependent)) outbox[pilot].push_back(dependent.get());
        }
      } else {
        unmet.erase(uid);
        Transition(dependent,
                   {uid,
                    TaskState::kFailed,
                    Now(),
                    std::nullopt,
                    "dependency " + record.description.uid + " ended " + std::string(ToString(state)),
                    {},
                    {}},
                   fired, outbox);
      }
    }
  }

  void SendOutbox(const Outbox& outbox) {
    for (const auto& [pilot, batch] : outbox) {
      for (size_t begin = 0; begin < batch.size(); begin += kBatchSize) {
        auto message = protocol::Message(protocol::kSubmit);
        auto& tasks = message["tasks"] = nlohmann::json::array();
        for (size_t i = begin; i < std::min(batch.size(), begin + kBatchSize); ++i) {
          tasks.push_back(batch[i]->description);
        }
        pilot->Send(std::move(message));
      }
    }
  }

  void Fire(const Fired& fired) {
    for (const auto& [record, state] : fired) {
      for (const auto& callback : callbacks) callback(Task(record), state);
    }
  }

  void OnUpdates(const nlohmann::json& updates) {
    Fired fired;
    Outbox outbox;
    {
      std::lock_guard lock(mutex);
      for (const auto& json : updates) {
        auto update = protocol::TaskUpdateFromJson(json);
        if (!update.ok()) {
          spdlog::warn("task manager: {}", update.status().message());
          continue;
        }
        auto record = records.find(update->uid);
        if (record == records.end()) continue;
        Transition(record->second, *update, fired, outbox);
      }
    }
    changed.notify_all();
    SendOutbox(outbox);
    Fire(fired);
  }

  // A pilot ended: what it still had can never finish there.
  void OnPilotFinal(const std::string& pilot_uid, PilotState state, const std::string& reason) {
    Fired fired;
    Outbox outbox;
    {
      std::lock_guard lock(mutex);
      const TaskState task_state = state == PilotState::kFailed ? TaskState::kFailed : TaskState::kCanceled;
      const std::string why = "pilot " + pilot_uid + " ended " + std::string(ToString(state)) +
                              (reason.empty() ? "" : ": " + reason);
      for (const auto& record : order) {
        if (record->pilot != pilot_uid || IsFinal(record->history.back().state)) continue;
        unmet.erase(record->description.uid);
        Transition(record, {record->description.uid, task_state, Now(), std::nullopt, why, {}, {}}, fired,
                   outbox);
      }
      // Tasks on other pilots waiting with `after_ended` for these were released: they go; what was
      // released onto the pilot that ended was failed above with the rest of it.
      std::erase_if(outbox, [&](const auto& entry) { return entry.first->uid() == pilot_uid; });
    }
    changed.notify_all();
    SendOutbox(outbox);
    Fire(fired);
  }
};

TaskManager::TaskManager(std::shared_ptr<Session> session) : impl_(std::make_shared<Impl>()) {
  impl_->session = std::move(session);
}

TaskManager::~TaskManager() {
  std::lock_guard lock(impl_->mutex);
  for (auto& weak : impl_->pilots) {
    if (auto pilot = weak.lock()) {
      pilot->SetTaskHandler(nullptr);
      pilot->SetFinalHandler(nullptr);
    }
  }
}

Status TaskManager::AddPilot(std::shared_ptr<Pilot> pilot) {
  std::weak_ptr<Impl> weak = impl_;
  pilot->SetTaskHandler([weak](const nlohmann::json& updates) {
    if (auto impl = weak.lock()) impl->OnUpdates(updates);
  });
  const std::string uid = pilot->uid();
  pilot->SetFinalHandler([weak, uid](PilotState state, const std::string& reason) {
    if (auto impl = weak.lock()) impl->OnPilotFinal(uid, state, reason);
  });
  std::lock_guard lock(impl_->mutex);
  impl_->pilots.push_back(std::move(pilot));
  return Status::OK();
}

Result<std::vector<Task>> TaskManager::Submit(std::vector<TaskDescription> descriptions) {
  auto& impl = *impl_;
  Impl::Fired fired;
  Impl::Outbox outbox;
  std::vector<Task> submitted;
  {
    std::lock_guard lock(impl.mutex);
    std::vector<std::shared_ptr<Pilot>> pilots;
    for (const auto& weak : impl.pilots) {
      auto pilot = weak.lock();
      if (pilot && !IsFinal(pilot->state())) pilots.push_back(std::move(pilot));
    }
    if (pilots.empty()) return Status::Invalid("no running pilot to run tasks on (AddPilot one first)");
    // Check everything before changing anything, so a bad batch leaves no trace.
    std::set<std::string> batch_uids;
    for (auto& description : descriptions) {
      if (description.uid.empty()) description.uid = impl.session->NextUid("task");
      DEEPRC_RETURN_NOT_OK(description.Validate());
      if (impl.records.count(description.uid) || !batch_uids.insert(description.uid).second) {
        return Status::Invalid("task uid '", description.uid, "' is used twice in this session");
      }
      // Relative client-side paths mean the client's current folder, wherever the agent runs.
      for (auto& directive : description.input_staging) {
        directive.source = std::filesystem::absolute(directive.source).string();
      }
      for (auto& directive : description.output_staging) {
        directive.target = std::filesystem::absolute(directive.target).string();
      }
    }
    // Within one submission the order does not matter: `after` may name a task further down.
    DEEPRC_RETURN_NOT_OK(CheckDependencies(
        descriptions, [&impl](const std::string& uid) { return impl.records.count(uid) > 0; }));
    // Every record first, so that a dependency further down the batch is found; then the edges.
    const double now = Now();
    std::vector<std::pair<std::shared_ptr<Impl::Record>, std::shared_ptr<Pilot>>> created;
    for (auto& description : descriptions) {
      auto record = std::make_shared<Impl::Record>();
      const auto& pilot = pilots[impl.next_pilot++ % pilots.size()];
      record->pilot = pilot->uid();
      record->sandbox = impl.session->TaskSandbox(pilot->uid(), description.uid).string();
      record->description = std::move(description);
      record->history.push_back({TaskState::kNew, now});
      ++impl.counts[static_cast<size_t>(TaskState::kNew)];
      const std::string& uid = record->description.uid;
      impl.session->profiler().Record(now, "task_state", uid, ToString(TaskState::kNew));
      impl.records[uid] = record;
      impl.order.push_back(record);
      submitted.push_back(Task(record));
      impl.Transition(record, {uid, TaskState::kTmgrScheduling, now, std::nullopt, {}, {}, {}}, fired, outbox);
      created.emplace_back(record, pilot);
    }
    for (const auto& [record, pilot] : created) {
      const std::string& uid = record->description.uid;
      int unmet = 0;
      std::string failed_dependency;
      for (const auto& dependency : record->description.after) {
        TaskState state = impl.records.at(dependency)->history.back().state;
        if (state == TaskState::kDone) continue;
        if (IsFinal(state)) failed_dependency = dependency + " ended " + std::string(ToString(state));
        ++unmet;
        impl.dependents[dependency].push_back({uid, false});
      }
      for (const auto& dependency : record->description.after_ended) {
        if (IsFinal(impl.records.at(dependency)->history.back().state)) continue;
        ++unmet;
        impl.dependents[dependency].push_back({uid, true});
      }
      if (!failed_dependency.empty()) {
        impl.Transition(record,
                        {uid, TaskState::kFailed, now, std::nullopt, "dependency " + failed_dependency, {}, {}},
                        fired, outbox);
      } else if (unmet > 0) {
        impl.unmet[uid] = unmet;
      } else {
        outbox[pilot].push_back(record.get());
      }
    }
  }
  impl.changed.notify_all();
  impl.SendOutbox(outbox);
  impl.Fire(fired);
  return submitted;
}

Status TaskManager::Wait(const std::vector<std::string>& uids, const std::vector<TaskState>& states,
                         double timeout) {
  auto& impl = *impl_;
  std::unique_lock lock(impl.mutex);
  std::vector<std::shared_ptr<Impl::Record>> watched;
  if (uids.empty()) {
    watched = impl.order;
  } else {
    for (const auto& uid : uids) {
      auto record = impl.records.find(uid);
      if (record == impl.records.end()) return Status::KeyError("no task '", uid, "'");
      watched.push_back(record->second);
    }
  }
  // Records are only changed under impl.mutex, which we hold while checking.
  size_t reached = 0;
  auto all_reached = [&] {
    for (; reached < watched.size(); ++reached) {
      TaskState state = watched[reached]->history.back().state;
      if (!IsFinal(state) && std::find(states.begin(), states.end(), state) == states.end()) return false;
    }
    return true;
  };
  if (timeout < 0) {
    impl.changed.wait(lock, all_reached);
  } else if (!impl.changed.wait_for(lock, std::chrono::duration<double>(timeout), all_reached)) {
    return Status::IOError("timed out after ", timeout, " s: ", watched.size() - reached, " of ",
                           watched.size(), " tasks not there yet (", watched[reached]->description.uid,
                           " is ", ToString(watched[reached]->history.back().state), ")");
  }
  return Status::OK();
}

Status TaskManager::Cancel(const std::vector<std::string>& uids) {
  auto& impl = *impl_;
  Impl::Fired fired;
  Impl::Outbox outbox;
  std::map<std::shared_ptr<Pilot>, std::vector<std::string>> to_agents;
  {
    std::lock_guard lock(impl.mutex);
    for (const auto& uid : uids) {
      if (!impl.records.count(uid)) return Status::KeyError("no task '", uid, "'");
    }
    // Tasks still held here (the agent never saw them) let go of their waits first: a task that
    // waits with `after_ended` for another one canceled in the same call must not be released by
    // that cancel and sent to the agent.
    std::vector<std::shared_ptr<Impl::Record>> held;
    for (const auto& uid : uids) {
      auto& record = impl.records.at(uid);
      if (IsFinal(record->history.back().state)) continue;
      if (impl.unmet.erase(uid)) {
        held.push_back(record);
      } else if (auto pilot = impl.PilotOf(*record)) {
        to_agents[pilot].push_back(uid);
      }
    }
    for (const auto& record : held) {
      impl.Transition(
          record, {record->description.uid, TaskState::kCanceled, Now(), std::nullopt, "canceled", {}, {}},
          fired, outbox);
    }
  }
  impl.changed.notify_all();
  for (auto& [pilot, batch] : to_agents) {
    auto cancel = protocol::Message(protocol::kCancel);
    cancel["uids"] = batch;
    pilot->Send(std::move(cancel));
  }
  impl.SendOutbox(outbox);
  impl.Fire(fired);
  return Status::OK();
}

void TaskManager::AddCallback(Callback callback) {
  std::lock_guard lock(impl_->mutex);
  impl_->callbacks.push_back(std::move(callback));
}

Result<Task> TaskManager::Get(const std::string& uid) const {
  std::lock_guard lock(impl_->mutex);
  auto found = impl_->records.find(uid);
  if (found == impl_->records.end()) return Status::KeyError("no task '", uid, "'");
  return Task(found->second);
}

std::vector<Task> TaskManager::tasks() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<Task> all;
  for (const auto& record : impl_->order) all.push_back(Task(record));
  return all;
}

std::map<TaskState, int> TaskManager::CountByState() const {
  std::lock_guard lock(impl_->mutex);
  std::map<TaskState, int> counts;
  for (size_t i = 0; i < impl_->counts.size(); ++i) {
    if (impl_->counts[i] > 0) counts[static_cast<TaskState>(i)] = impl_->counts[i];
  }
  return counts;
}

}  // namespace deeprc::pilot
