#include "deeprc/pipeline/runner.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "deeprc/core/executable.h"
#include "deeprc/core/interrupt_guard.h"
#include "deeprc/core/json_file.h"
#include "deeprc/pilot/pilot_manager.h"
#include "deeprc/pilot/task_manager.h"
#include "deeprc/pipeline/model_results.h"
#include "deeprc/pipeline/planner.h"
#include "deeprc/pipeline/progress.h"
#include "deeprc/pipeline/report.h"
#include "deeprc/pipeline/session_info.h"
#include "deeprc/pipeline/stage_record.h"

namespace deeprc::pipeline {
namespace {

namespace fs = std::filesystem;
using pilot::TaskState;

// One `deeprc run` at a time per session: a second one would run the same tasks into the same files.
// The descriptor is inherited on purpose (no close-on-exec): the agent and its tasks hold the lock
// too, so a session whose `deeprc run` was killed stays locked until its last task is gone.
class SessionLock {
 public:
  ~SessionLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Acquire(const fs::path& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd_ < 0) return Status::IOError("cannot open ", path.string(), ": ", std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      return Status::Invalid(
          "session ", path.parent_path().string(),
          " is in use by another deeprc run (or by tasks of one that was killed, still ending)");
    }
    return Status::OK();
  }

 private:
  int fd_ = -1;
};

std::string NewSessionDir(const std::string& name) {
  std::time_t now = std::time(nullptr);
  std::tm local;
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &local);
  const fs::path base = fs::path("sessions") / (name + "." + stamp);
  fs::path dir = base;
  for (int i = 2; fs::exists(dir); ++i) dir = base.string() + "." + std::to_string(i);
  return dir.string();
}

std::string Seconds(double seconds) { return fmt::format("{:.1f} s", seconds); }

// Copies what the pilot knows of a task into its record; true when the state changed.
bool Refresh(TaskRecord& record, const pilot::Task& task) {
  const bool changed = record.state != task.state();
  record.state = task.state();
  record.reason = task.reason();
  record.exit_code = task.exit_code();
  record.result = task.result();
  for (const auto& transition : task.history()) {
    // A retried task keeps its last attempt.
    if (transition.state == TaskState::kNew) record.submitted = transition.time;
    if (transition.state == TaskState::kAgentExecuting) record.started = transition.time, record.stopped = 0;
    if (transition.state == TaskState::kAgentStagingOutput) record.stopped = transition.time;
    if (pilot::IsFinal(transition.state)) record.finished = transition.time;
  }
  if (pilot::IsFinal(task.state()) && record.started > 0 && record.stopped == 0)
    record.stopped = record.finished;
  // A function task runs in the pool's workers: it has no output files of its own to point at.
  if (!task.sandbox().empty() && task.description().mode == pilot::TaskMode::kExecutable) {
    record.stdout_path = task.stdout_path();
    record.stderr_path = task.stderr_path();
  }
  return changed;
}

class Runner {
 public:
  explicit Runner(const RunOptions& options) : options_(options) {}

  Result<RunResult> Run() {
    started_ = pilot::Now();
    DEEPRC_RETURN_NOT_OK(Prepare());
    if (options_.dry_run) {
      std::printf("%s\n", nlohmann::json(plan_).dump(2).c_str());
      return RunResult{layout_.root.string(), "", "planned", 0};
    }
    interrupts_.emplace();  // until the runner goes: the report is written before an interrupt ends it
    std::error_code error;
    fs::create_directories(layout_.root, error);
    if (error)
      return Status::IOError("cannot create session folder ", layout_.root.string(), ": ", error.message());
    DEEPRC_RETURN_NOT_OK(lock_.Acquire(layout_.root / "session.lock"));
    DEEPRC_RETURN_NOT_OK(CreateSession());
    auto result = Execute();
    if (!result.ok()) {
      // The session says how its run ended, also when it could not go on.
      info_.runs.back().finished = pilot::Now();
      info_.runs.back().outcome = "error: " + result.status().message();
      (void)WriteSessionInfo(info_, layout_);
    }
    return result;
  }

 private:
  // Everything that can be wrong with the spec or the plan is found here, before any file exists.
  Status Prepare() {
    if (!options_.resume.empty()) {
      if (!options_.overrides.empty() || !options_.resource.empty() || !options_.spec.empty()) {
        return Status::Invalid(
            "--resume finishes a session with the spec and overrides it started with; "
            "give no spec, --set or --resource with it");
      }
      layout_.root = fs::absolute(options_.resume).lexically_normal();
      DEEPRC_ASSIGN_OR_RETURN(info_, ReadSessionInfo(layout_));
      DEEPRC_ASSIGN_OR_RETURN(spec_, ReadSessionSpec(layout_, info_));
    } else {
      if (options_.spec.empty()) return Status::Invalid("give a pipeline spec (or --resume SESSION)");
      std::vector<std::string> overrides = options_.overrides;
      if (!options_.resource.empty()) overrides.push_back("pilot.resource=" + options_.resource);
      DEEPRC_ASSIGN_OR_RETURN(spec_, ReadSpec(options_.spec, overrides));
      const std::string dir = options_.session.empty() ? NewSessionDir(spec_.name) : options_.session;
      layout_.root = fs::absolute(dir).lexically_normal();
      if (fs::exists(layout_.SessionFile())) {
        return Status::Invalid(dir, " already holds a session; resume it with deeprc run --resume ", dir);
      }
      info_.name = spec_.name;
      info_.spec = options_.spec;
      info_.spec_dir = spec_.dir;
      info_.overrides = overrides;
      info_.created = started_;
    }
    PlanOptions plan_options;
    plan_options.layout = layout_;
    plan_options.deeprc = options_.deeprc.empty() ? SelfExecutable("deeprc") : options_.deeprc;
    DEEPRC_ASSIGN_OR_RETURN(plan_, MakePlan(spec_, plan_options));
    return Status::OK();
  }

  Status CreateSession() {
    std::error_code error;
    for (const auto& dir :
         {layout_.root / "data", layout_.root / "tables", layout_.ReportDir(), layout_.root / "runtime"}) {
      fs::create_directories(dir, error);
      if (error) return Status::IOError("cannot create ", dir.string(), ": ", error.message());
    }
    if (options_.resume.empty()) {
      fs::copy_file(options_.spec, layout_.SpecCopy(), fs::copy_options::overwrite_existing, error);
      if (error)
        return Status::IOError("cannot copy ", options_.spec, " into the session: ", error.message());
    }
    // A run still "running" with the lock free was killed before it could say so.
    for (auto& run : info_.runs) {
      if (run.outcome == "running") run.outcome = "killed";
    }
    run_ = static_cast<int>(info_.runs.size());
    info_.runs.push_back({run_, started_, 0, "running"});
    DEEPRC_RETURN_NOT_OK(WriteSessionInfo(info_, layout_));

    // A task finished in an earlier run, with its outputs still there, is not run again — unless
    // something it reads runs again (a report of a model that is retrained would be stale).
    std::set<std::string> rerun;
    for (const auto& stage : plan_.stages) {
      fs::create_directories(layout_.StageDir(stage.name), error);
      auto earlier = ReadStageRecord(layout_.StageStateFile(stage.name).string());
      StageRecord record;
      record.name = stage.name;
      record.kind = std::string(ToString(stage.kind));
      for (const auto& planned : stage.tasks) {
        TaskRecord task;
        bool inputs_rerun = false;
        for (const auto* dependencies : {&planned.description.after, &planned.description.after_ended}) {
          for (const auto& dependency : *dependencies) inputs_rerun |= rerun.count(dependency) > 0;
        }
        if (earlier.ok() && !inputs_rerun) {
          if (TaskRecord* before = earlier->FindTask(planned.description.uid); before && before->Finished()) {
            task = *before;
            task.from_earlier_run = true;
          }
        }
        if (!task.from_earlier_run) rerun.insert(planned.description.uid);
        if (!task.from_earlier_run) {
          task.uid = planned.description.uid;
          task.model = planned.model;
          task.outputs = planned.outputs;
          task.run = run_;
        }
        record.tasks.push_back(std::move(task));
      }
      DEEPRC_RETURN_NOT_OK(WriteStageRecord(record, layout_.StageStateFile(stage.name).string()));
      records_.push_back(std::move(record));
    }
    return Status::OK();
  }

  StageRecord& RecordOf(const std::string& stage) {
    for (auto& record : records_) {
      if (record.name == stage) return record;
    }
    return records_.front();  // unreachable: every planned stage has a record
  }

  // The descriptions of a stage's tasks still to run, without dependencies on tasks finished in an
  // earlier run (the TaskManager of this run does not know them).
  std::vector<pilot::TaskDescription> ToSubmit(const PlannedStage& stage) {
    std::set<std::string> finished;
    for (const auto& record : records_) {
      for (const auto& task : record.tasks) {
        if (task.from_earlier_run) finished.insert(task.uid);
      }
    }
    std::vector<pilot::TaskDescription> descriptions;
    StageRecord& record = RecordOf(stage.name);
    for (size_t i = 0; i < stage.tasks.size(); ++i) {
      if (record.tasks[i].from_earlier_run) continue;
      pilot::TaskDescription description = stage.tasks[i].description;
      const auto is_finished = [&](const std::string& uid) { return finished.count(uid) > 0; };
      std::erase_if(description.after, is_finished);
      std::erase_if(description.after_ended, is_finished);
      descriptions.push_back(std::move(description));
    }
    return descriptions;
  }

  Status Submit(std::vector<pilot::TaskDescription> descriptions, pilot::TaskManager& manager) {
    if (descriptions.empty()) return Status::OK();
    if (first_submit_ == 0) first_submit_ = pilot::Now();
    DEEPRC_ASSIGN_OR_RETURN(auto tasks, manager.Submit(std::move(descriptions)));
    for (auto& task : tasks) handles_.emplace(task.uid(), task);
    return Status::OK();
  }

  std::vector<StageProgress> Progress() const {
    std::vector<StageProgress> stages;
    const double now = pilot::Now();
    for (const auto& record : records_) {
      StageProgress stage{record.name, record.kind, record.State(), static_cast<int>(record.tasks.size())};
      for (const auto& task : record.tasks) {
        stage.done += task.state == TaskState::kDone;
        stage.failed += task.state == TaskState::kFailed;
        stage.canceled += task.state == TaskState::kCanceled;
        stage.running += task.state == TaskState::kAgentExecuting;
        stage.earlier += task.from_earlier_run;
      }
      const double begin = record.Started(), end = record.Finished();
      if (stage.earlier == stage.total) {
        stage.seconds = 0;
      } else if (begin > 0) {
        stage.seconds = (end > 0 ? end : now) - begin;
      }
      stages.push_back(std::move(stage));
    }
    return stages;
  }

  bool AllFinal() const {
    for (const auto& record : records_) {
      for (const auto& task : record.tasks) {
        if (!task.Final()) return false;
      }
    }
    return true;
  }

  // Pulls the tasks' states into the records; writes the stage records that changed and tells the
  // display about tasks that ended.
  void Collect(ProgressDisplay& display) {
    for (auto& record : records_) {
      bool changed = false;
      for (auto& task : record.tasks) {
        auto handle = handles_.find(task.uid);
        if (handle == handles_.end() || task.from_earlier_run) continue;
        const bool was_final = task.Final();
        if (!Refresh(task, handle->second)) continue;
        changed = true;
        if (!was_final && task.Final()) {
          std::string line = fmt::format("  {} {}", task.uid, ToString(task.state));
          if (task.started > 0)
            line += " after " + Seconds((task.stopped > 0 ? task.stopped : task.finished) - task.started);
          if (task.state != TaskState::kDone) {
            line += ": " + (task.reason.empty() ? std::string("no reason given") : task.reason);
            if (!task.stderr_path.empty()) line += " (stderr: " + task.stderr_path + ")";
          }
          display.Event(line);
        }
      }
      if (changed) {
        auto written = WriteStageRecord(record, layout_.StageStateFile(record.name).string());
        if (!written.ok()) display.Event("  warning: " + written.message());
      }
    }
  }

  Result<RunResult> Execute() {
    const bool terminal = ::isatty(STDERR_FILENO);
    ProgressDisplay display(options_.progress, terminal);
    int tasks = 0, earlier = 0;
    for (const auto& record : records_) {
      for (const auto& task : record.tasks) tasks += 1, earlier += task.from_earlier_run;
    }
    if (options_.progress) {
      std::fprintf(stderr, "deeprc run: pipeline '%s', %zu stages, %d tasks%s on a %s pilot with %s cores\n",
                   spec_.name.c_str(), plan_.stages.size(), tasks,
                   earlier > 0 ? fmt::format(" ({} finished in an earlier run)", earlier).c_str() : "",
                   spec_.pilot.resource.c_str(),
                   plan_.cores > 0 ? std::to_string(plan_.cores).c_str() : "all");
      std::fprintf(stderr, "  session %s\n", layout_.root.string().c_str());
    }

    std::string outcome = "done";
    if (!AllFinal()) {
      pilot::SessionOptions session_options;
      session_options.uid = "run." + std::to_string(run_);
      session_options.dir = layout_.RunDir(run_).string();
      DEEPRC_ASSIGN_OR_RETURN(auto session, pilot::Session::Create(session_options));
      // Declared before the managers: their callbacks touch these until the pilots are closed.
      std::mutex mutex;
      std::condition_variable wake;
      bool woken = false;
      pilot::PilotManager pilots(session);
      DEEPRC_ASSIGN_OR_RETURN(auto pilot, pilots.Submit(plan_.pilot));
      pilot::TaskManager manager(session);
      DEEPRC_RETURN_NOT_OK(manager.AddPilot(pilot));
      manager.AddCallback([&](const pilot::Task&, TaskState) {
        std::lock_guard<std::mutex> lock(mutex);
        woken = true;
        wake.notify_one();
      });

      // Every task at once: the TaskManager holds each until its dependencies allow it, and fails
      // the tasks whose `after` did not end DONE ("dependency X ended FAILED").
      std::vector<pilot::TaskDescription> all;
      for (const auto& stage : plan_.stages) {
        auto descriptions = ToSubmit(stage);
        all.insert(all.end(), descriptions.begin(), descriptions.end());
      }
      DEEPRC_RETURN_NOT_OK(Submit(std::move(all), manager));

      while (true) {
        {
          std::unique_lock<std::mutex> lock(mutex);
          wake.wait_for(lock, std::chrono::milliseconds(250), [&] { return woken; });
          woken = false;
        }
        if (pilot_active_ == 0 && pilot->state() == pilot::PilotState::kPmgrActive)
          pilot_active_ = pilot::Now();
        Collect(display);
        display.Update(Progress(), pilot::Now() - started_);
        if (AllFinal()) break;
        if (const int signal = interrupts_->signal(); signal != 0) {
          outcome = "interrupted";
          display.Event(fmt::format(
              "deeprc run: {}: cancelling the running tasks; finish the session with "
              "`deeprc run --resume {}`",
              signal == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)", layout_.root.string()));
          std::vector<std::string> uids;
          for (const auto& [uid, task] : handles_) {
            if (!pilot::IsFinal(task.state())) uids.push_back(uid);
          }
          (void)manager.Cancel(uids);
          (void)manager.Wait(uids, pilot::FinalTaskStates(), 10);
          Collect(display);
          break;
        }
      }
      (void)pilots.Close();
    }
    for (const auto& record : records_) {
      for (const auto& task : record.tasks) {
        if (!task.from_earlier_run) tasks_over_ = std::max(tasks_over_, task.finished);
      }
    }
    bool all_done = true;
    for (const auto& record : records_) all_done &= record.State() == StageState::kDone;
    if (outcome != "interrupted" && !all_done) outcome = "failed";
    for (const auto& record : records_) {
      DEEPRC_RETURN_NOT_OK(WriteStageRecord(record, layout_.StageStateFile(record.name).string()));
    }
    display.Finish(Progress(), pilot::Now() - started_);

    info_.runs.back().finished = pilot::Now();
    info_.runs.back().outcome = outcome;
    DEEPRC_RETURN_NOT_OK(WriteSessionInfo(info_, layout_));
    RunReportInput input;
    input.spec = &spec_;
    input.plan = &plan_;
    input.layout = layout_;
    input.info = info_;
    input.records = records_;
    input.run = run_;
    input.outcome = outcome;
    input.started = started_;
    input.first_submit = first_submit_;
    input.pilot_active = pilot_active_;
    input.tasks_over = tasks_over_;
    DEEPRC_ASSIGN_OR_RETURN(auto report, WriteRunReport(input));

    PrintSummary(outcome, report);
    RunResult result;
    result.session = layout_.root.string();
    result.report = report;
    result.outcome = outcome;
    const int signal = interrupts_->signal();
    result.exit_code = outcome == "done"          ? 0
                       : outcome == "interrupted" ? 128 + (signal ? signal : SIGINT)
                                                  : 1;
    return result;
  }

  void PrintSummary(const std::string& outcome, const std::string& report) {
    std::printf("pipeline %s: %s in %.1f s (run %d of session %s)\n", spec_.name.c_str(), outcome.c_str(),
                pilot::Now() - started_, run_, layout_.root.string().c_str());
    for (const auto& record : records_) {
      int done = 0;
      for (const auto& task : record.tasks) done += task.state == TaskState::kDone;
      std::printf("  %-14s %-8s %-9s %d/%zu tasks\n", record.name.c_str(), record.kind.c_str(),
                  std::string(ToString(record.State())).c_str(), done, record.tasks.size());
    }
    std::vector<std::string> model_stages;
    for (const auto& stage : spec_.stages) {
      if (stage.kind == StageKind::kTrain) model_stages.push_back(stage.name);
    }
    for (const auto& result : CollectModelResults(layout_, ModelStagesOf(spec_, model_stages))) {
      if (result.has_metrics) {
        const auto& test = result.summary["test"];
        std::printf("  %-14s test MSE %.4f  MAE %.4f\n", result.model.c_str(), test.value("mse", 0.0),
                    test.value("mae", 0.0));
      } else {
        std::printf("  %-14s %s%s%s\n", result.model.c_str(), ToString(result.state).c_str(),
                    result.reason.empty() ? "" : ": ", result.reason.c_str());
      }
    }
    std::printf("report: %s\n", report.c_str());
    if (outcome == "interrupted")
      std::printf("resume: deeprc run --resume %s\n", layout_.root.string().c_str());
    std::fflush(stdout);
  }

  const RunOptions& options_;
  std::optional<InterruptGuard> interrupts_;  // SIGINT/SIGTERM while the pipeline runs
  double started_ = 0, first_submit_ = 0, pilot_active_ = 0, tasks_over_ = 0;
  PipelineSpec spec_;
  Plan plan_;
  SessionLayout layout_;
  SessionInfo info_;
  SessionLock lock_;
  int run_ = 0;
  std::vector<StageRecord> records_;
  std::map<std::string, pilot::Task> handles_;
};

}  // namespace

Result<RunResult> RunPipeline(const RunOptions& options) { return Runner(options).Run(); }

}  // namespace deeprc::pipeline
