// deeprc_tasks_bench: N null executable tasks (/bin/true) on a fresh local pilot, repeated; prints
// one JSON object with throughput, pilot startup and per-task overheads (bench/tasks/run.py
// drives it beside Dask and RADICAL-Pilot).
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "deeprc/pilot/pilot_manager.h"
#include "deeprc/pilot/profile_report.h"
#include "deeprc/pilot/task_manager.h"

namespace {

using namespace deeprc;
using namespace deeprc::pilot;

nlohmann::json ToJson(const Percentiles& p) {
  return {{"p50_ms", p.p50 * 1e3}, {"p95_ms", p.p95 * 1e3}, {"p99_ms", p.p99 * 1e3}, {"max_ms", p.max * 1e3}};
}

Result<nlohmann::json> RunOnce(int tasks, int cores, const std::string& executable, const std::string& dir) {
  SessionOptions options;
  options.dir = dir;
  DEEPRC_ASSIGN_OR_RETURN(auto session, Session::Create(options));
  PilotManager pilot_manager(session);
  PilotDescription description;
  description.cores = cores;
  DEEPRC_ASSIGN_OR_RETURN(auto pilot, pilot_manager.Submit(description));
  TaskManager task_manager(session);
  DEEPRC_RETURN_NOT_OK(task_manager.AddPilot(pilot));
  DEEPRC_RETURN_NOT_OK(pilot->Wait({PilotState::kPmgrActive}, 30));
  const auto history = pilot->history();
  const double startup = history.back().time - history.front().time;

  TaskDescription task;
  task.executable = executable;
  const double start = Now();
  DEEPRC_ASSIGN_OR_RETURN(auto submitted, task_manager.Submit(std::vector<TaskDescription>(tasks, task)));
  DEEPRC_RETURN_NOT_OK(task_manager.Wait({}, FinalTaskStates(), 600));
  const double wall = Now() - start;
  auto counts = task_manager.CountByState();
  DEEPRC_RETURN_NOT_OK(pilot_manager.Close());
  DEEPRC_ASSIGN_OR_RETURN(auto report, AnalyzeSession(session->dir().string()));
  return nlohmann::json{{"tasks", tasks},
                        {"done", counts[TaskState::kDone]},
                        {"cores", report.cores},
                        {"pilot_active_s", startup},
                        {"wall_s", wall},
                        {"throughput_per_s", tasks / wall},
                        {"runtime_overhead", ToJson(report.runtime_overhead)},
                        {"submit_to_start", ToJson(report.submit_to_start)},
                        {"stop_to_final", ToJson(report.stop_to_final)},
                        {"utilization", report.utilization}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"deeprc_tasks_bench: null executable tasks on a local pilot"};
  int tasks = 2000, cores = 0, repeat = 3;
  std::string executable = "/bin/true",
              scratch = std::filesystem::temp_directory_path() / "deeprc-tasks-bench";
  app.add_option("--tasks", tasks, "tasks per run")->capture_default_str();
  app.add_option("--cores", cores, "pilot slots (0: every CPU)")->capture_default_str();
  app.add_option("--repeat", repeat, "runs, each on a fresh pilot")->capture_default_str();
  app.add_option("--executable", executable, "the null task")->capture_default_str();
  app.add_option("--scratch", scratch, "where sessions go (removed after each run)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto runs = nlohmann::json::array();
  for (int i = 0; i < repeat; ++i) {
    const std::string dir = scratch + "/run" + std::to_string(i);
    std::filesystem::remove_all(dir);
    auto run = RunOnce(tasks, cores, executable, dir);
    std::filesystem::remove_all(dir);
    if (!run.ok()) {
      std::cerr << "deeprc_tasks_bench: " << run.status().ToString() << std::endl;
      return 1;
    }
    runs.push_back(*run);
  }
  std::cout << nlohmann::json{{"engine", "deeprc"}, {"runs", runs}}.dump() << std::endl;
  return 0;
}
