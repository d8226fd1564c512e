// `deeprc tasks FILE.yaml`: runs a list of task descriptions on a new pilot with a live progress
// line, prints a summary (and writes the function tasks' results to results.json in the session
// folder), and exits non-zero when a task did not end DONE.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "deeprc/cli/commands.h"
#include "deeprc/core/json_file.h"
#include "deeprc/core/interrupt_guard.h"
#include "deeprc/pilot/pilot_manager.h"
#include "deeprc/pilot/profile_report.h"
#include "deeprc/pilot/task_description_yaml.h"
#include "deeprc/pilot/task_manager.h"

namespace deeprc::cli {
namespace {

using pilot::TaskState;

struct TasksOptions {
  std::string file, session_dir;
  pilot::PilotDescription pilot;
  bool quiet = false;
};

std::string ProgressLine(const std::map<TaskState, int>& counts, int total, double elapsed) {
  auto count = [&](TaskState state) {
    auto found = counts.find(state);
    return found == counts.end() ? 0 : found->second;
  };
  const int done = count(TaskState::kDone), failed = count(TaskState::kFailed),
            canceled = count(TaskState::kCanceled), running = count(TaskState::kAgentExecuting);
  const int finished = done + failed + canceled;
  constexpr int kWidth = 30;
  const int filled = total > 0 ? finished * kWidth / total : kWidth;
  return fmt::format("[{}{}] {}/{}  running {}  queued {}  done {}  failed {}  canceled {}  {:.1f}s",
                     std::string(filled, '#'), std::string(kWidth - filled, '.'), finished, total, running,
                     total - finished - running, done, failed, canceled, elapsed);
}

constexpr double kCancelWait = 10;  // seconds the canceled tasks get to end before the pilot closes

Status RunTasks(const TasksOptions& options, int& exit_code) {
  DEEPRC_ASSIGN_OR_RETURN(auto descriptions, pilot::ReadTaskDescriptions(options.file));
  if (descriptions.empty()) return Status::Invalid(options.file, ": no tasks");
  pilot::SessionOptions session_options;
  session_options.dir = options.session_dir;
  DEEPRC_ASSIGN_OR_RETURN(auto session, pilot::Session::Create(session_options));
  InterruptGuard signals;
  pilot::PilotManager pilot_manager(session);
  DEEPRC_ASSIGN_OR_RETURN(auto pilot, pilot_manager.Submit(options.pilot));
  pilot::TaskManager task_manager(session);
  DEEPRC_RETURN_NOT_OK(task_manager.AddPilot(pilot));
  const double start = pilot::Now();
  DEEPRC_ASSIGN_OR_RETURN(auto tasks, task_manager.Submit(std::move(descriptions)));

  const bool terminal = ::isatty(STDERR_FILENO);
  const double interval = terminal ? 0.2 : 5;  // a log file gets a line now and then, not a flood
  constexpr double kSignalCheck = 0.2;         // how soon a Ctrl-C is answered
  double last_line = -1;
  int signal = 0;
  for (;;) {
    auto waited = task_manager.Wait({}, pilot::FinalTaskStates(), kSignalCheck);
    const double now = pilot::Now();
    if (!options.quiet && (waited.ok() || last_line < 0 || now - last_line >= interval)) {
      last_line = now;
      std::cerr << (terminal ? "\r" : "")
                << ProgressLine(task_manager.CountByState(), static_cast<int>(tasks.size()), now - start)
                << (terminal ? "" : "\n") << std::flush;
    }
    if (waited.ok()) break;
    if ((signal = signals.signal()) != 0) break;
  }
  if (!options.quiet && terminal) std::cerr << "\n";
  if (signal != 0) {
    std::vector<std::string> unfinished;
    for (const auto& task : tasks) {
      if (!pilot::IsFinal(task.state())) unfinished.push_back(task.uid());
    }
    std::cerr << fmt::format("deeprc tasks: {}: canceling the {} unfinished tasks\n",
                             signal == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)", unfinished.size())
              << std::flush;
    (void)task_manager.Cancel(unfinished);
    (void)task_manager.Wait(unfinished, pilot::FinalTaskStates(), kCancelWait);
  }
  DEEPRC_RETURN_NOT_OK(pilot_manager.Close());

  // What function tasks returned, by uid: printed when few, always kept in the session folder.
  nlohmann::json results = nlohmann::json::object();
  for (const auto& task : tasks) {
    if (task.description().mode == pilot::TaskMode::kFunction && task.state() == TaskState::kDone) {
      results[task.uid()] = task.result();
    }
  }
  if (!results.empty()) {
    const std::string path = (session->dir() / "results.json").string();
    DEEPRC_RETURN_NOT_OK(WriteJsonFile(path, results));
    int shown = 0;
    for (const auto& [uid, value] : results.items()) {
      if (++shown > 10) break;
      std::string text = value.dump();
      if (text.size() > 200) text = text.substr(0, 197) + "...";
      std::cout << uid << " DONE " << text << "\n";
    }
    std::cout << "results      " << path << "\n";
  }
  int failed = 0;
  for (const auto& task : tasks) {
    if (task.state() == TaskState::kDone) continue;
    if (++failed <= 10) {
      // A function task has no output files of its own, and a task that never started has none
      // yet: its reason is all there is.
      const bool has_output = task.description().mode == pilot::TaskMode::kExecutable &&
                              std::filesystem::exists(task.stderr_path());
      std::cout << fmt::format("{} {}: {}{}\n", task.uid(), pilot::ToString(task.state()), task.reason(),
                               has_output ? "  (see " + task.stderr_path() + ")" : std::string());
    }
  }
  if (failed > 10) std::cout << "... and " << failed - 10 << " more\n";
  auto report = pilot::AnalyzeSession(session->dir().string());
  if (report.ok()) std::cout << pilot::FormatReport(*report);
  std::cout << "session      " << session->dir().string() << "\n" << std::flush;
  if (signal != 0) {
    std::cerr << fmt::format("deeprc tasks: {} of {} tasks ended DONE before the {}; session {}\n",
                             tasks.size() - failed, tasks.size(), signal == SIGINT ? "interrupt" : "SIGTERM",
                             session->dir().string());
    exit_code = 128 + signal;  // as a shell reports a process ended by that signal
    return Status::OK();
  }
  if (failed > 0) return Status::Invalid(failed, " of ", tasks.size(), " tasks did not end DONE");
  return Status::OK();
}

}  // namespace

void AddTasksCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<TasksOptions>();
  auto* command = app.add_subcommand("tasks", "Run the tasks of a YAML file on a new pilot");
  command->add_option("file", options->file, "YAML list of task descriptions (or a map with 'tasks')")
      ->required();
  command->add_option("--resource", options->pilot.resource, "local or slurm")
      ->check(CLI::IsMember({"local", "slurm"}))
      ->capture_default_str();
  command->add_option("--cores", options->pilot.cores,
                      "task slots (local; 0: every CPU) or cores per node (Slurm)");
  command->add_option("--gpus", options->pilot.gpus, "GPUs (local) or GPUs per node (Slurm)");
  command->add_option("--nodes", options->pilot.nodes, "nodes (Slurm)")->capture_default_str();
  command->add_option("--runtime", options->pilot.runtime, "pilot runtime in minutes (0: no limit)");
  command->add_option("--function-workers", options->pilot.function_workers,
                      "workers of the pool that runs function tasks (0: one per core)");
  command->add_option("--queue", options->pilot.queue, "Slurm partition");
  command->add_option("--account", options->pilot.account, "Slurm account");
  command->add_option("--session", options->session_dir, "session folder (default: sessions/<uid>)");
  command->add_flag("--quiet", options->quiet, "no progress line");
  command->footer(
      "Exit status: 0 when every task ended DONE, 1 when one did not, 130/143 when interrupted by "
      "SIGINT/SIGTERM (the unfinished tasks are canceled and the session summarised).");
  command->callback([&result, options] { result.status = RunTasks(*options, result.exit_code); });
}

}  // namespace deeprc::cli
