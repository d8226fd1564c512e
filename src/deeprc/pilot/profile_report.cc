#include "deeprc/pilot/profile_report.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "deeprc/core/json_file.h"
#include "deeprc/pilot/profiler.h"
#include "deeprc/pilot/states.h"

namespace deeprc::pilot {
namespace {

namespace fs = std::filesystem;

struct TaskTimes {
  double submitted = -1, dependencies_met = -1, scheduled = -1, started = -1, stopped = -1, final_time = -1;
  std::string final_state, placement, pilot;
  nlohmann::json function_overheads;  // milliseconds, from the pool's result
};

struct SessionProfile {
  std::map<std::string, TaskTimes> tasks;
  std::map<std::string, std::vector<std::pair<std::string, double>>> pilot_states;
  std::map<std::string, std::string> pilot_reasons;  // of each pilot's last state that gave one
  int cores = 0;
};

Result<SessionProfile> Load(const std::string& session_dir) {
  SessionProfile profile;
  const fs::path dir(session_dir);
  if (!fs::exists(dir / "client.prof")) {
    return Status::IOError("'", session_dir, "' is not a session folder (no client.prof)");
  }
  DEEPRC_ASSIGN_OR_RETURN(auto client, ReadProfile((dir / "client.prof").string()));
  for (const auto& event : client) {
    if (event.event == "task_state") {
      auto& task = profile.tasks[event.uid];
      if (event.state == "NEW") task.submitted = event.time;
      auto state = TaskStateFromString(event.state);
      if (state.ok() && IsFinal(*state)) task.final_time = event.time, task.final_state = event.state;
    } else if (event.event == "dependencies_met") {
      profile.tasks[event.uid].dependencies_met = event.time;
    } else if (event.event == "pilot_state") {
      profile.pilot_states[event.uid].emplace_back(event.state, event.time);
      if (!event.detail.empty()) profile.pilot_reasons[event.uid] = event.detail;
    }
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    const fs::path agent_profile = entry.path() / "agent.prof";
    if (!entry.is_directory() || !fs::exists(agent_profile)) continue;
    const std::string pilot = entry.path().filename().string();
    DEEPRC_ASSIGN_OR_RETURN(auto events, ReadProfile(agent_profile.string()));
    for (const auto& event : events) {
      if (event.event == "resources") {
        auto resources = nlohmann::json::parse(event.detail, nullptr, false);
        if (resources.is_object()) {
          for (const auto& node : resources["nodes"]) profile.cores += node.value("cores", 0);
        }
        continue;
      }
      if (event.uid.empty() || event.uid == pilot) continue;
      auto& task = profile.tasks[event.uid];
      task.pilot = pilot;
      // Retried tasks keep their last attempt.
      if (event.event == "schedule_ok") task.scheduled = event.time, task.placement = event.detail;
      if (event.event == "exec_start") task.started = event.time;
      if (event.event == "exec_stop") task.stopped = event.time;
      if (event.event == "function_overheads") {
        task.function_overheads = nlohmann::json::parse(event.detail, nullptr, false);
      }
    }
  }
  return profile;
}

// Cores of a placement "node:0 1|node:2" (GPU lists after a second colon are not cores).
int CountCores(const std::string& placement) {
  int cores = 0;
  std::stringstream ranks(placement);
  for (std::string rank; std::getline(ranks, rank, '|');) {
    auto first = rank.find(':');
    auto second = rank.find(':', first + 1);
    std::stringstream list(
        rank.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1));
    for (int core; list >> core;) ++cores;
  }
  return cores;
}

}  // namespace

Percentiles Percentiles::Of(std::vector<double> values) {
  Percentiles result;
  if (values.empty()) return result;
  std::sort(values.begin(), values.end());
  auto at = [&](double q) {
    return values[std::min(values.size() - 1, static_cast<size_t>(q * values.size()))];
  };
  result.p50 = at(0.50);
  result.p95 = at(0.95);
  result.p99 = at(0.99);
  result.max = values.back();
  return result;
}

Result<ProfileReport> AnalyzeSession(const std::string& session_dir) {
  DEEPRC_ASSIGN_OR_RETURN(auto profile, Load(session_dir));
  ProfileReport report;
  report.cores = profile.cores;
  double first = std::numeric_limits<double>::max(), last = 0;
  std::vector<double> submit_to_start, stop_to_final, runtime_overhead, dependency_wait, ready_to_start;
  std::map<std::string, std::vector<double>> function_overheads;  // seconds, by name
  for (const auto& [uid, task] : profile.tasks) {
    if (task.submitted < 0) continue;
    if (task.function_overheads.is_object()) {
      ++report.function_tasks;
      for (const char* name : {"deserialize_ms", "communicator_ms", "deliver_ms", "queued_ms"}) {
        function_overheads[name].push_back(task.function_overheads.value(name, 0.0) / 1e3);
      }
    }
    ++report.tasks;
    report.done += task.final_state == "DONE";
    report.failed += task.final_state == "FAILED";
    report.canceled += task.final_state == "CANCELED";
    first = std::min(first, task.submitted);
    if (task.final_time >= 0) last = std::max(last, task.final_time);
    if (task.dependencies_met >= 0) dependency_wait.push_back(task.dependencies_met - task.submitted);
    if (task.started >= 0) {
      submit_to_start.push_back(task.started - task.submitted);
      ready_to_start.push_back(task.started - std::max(task.submitted, task.dependencies_met));
    }
    if (task.stopped >= 0 && task.final_time >= 0) stop_to_final.push_back(task.final_time - task.stopped);
    if (task.scheduled >= 0 && task.started >= 0 && task.stopped >= 0 && task.final_time >= 0) {
      runtime_overhead.push_back((task.started - task.scheduled) + (task.final_time - task.stopped));
    }
  }
  for (const auto& [pilot, states] : profile.pilot_states) {
    double created = -1;
    for (const auto& [state, time] : states) {
      if (state == "NEW") created = time;
      if (state == "PMGR_ACTIVE" && created >= 0 && !report.pilot_active) {
        report.pilot_startup = time - created;
        report.pilot_active = true;
      }
    }
    if (!states.empty()) {
      report.pilot_state = states.back().first;
      if (created >= 0) report.pilot_ended = states.back().second - created;
    }
    if (auto reason = profile.pilot_reasons.find(pilot); reason != profile.pilot_reasons.end()) {
      report.pilot_reason = reason->second;
    }
    break;  // the first pilot
  }
  if (report.tasks == 0) return report;
  report.span = std::max(last - first, 0.0);
  const int finished = report.done + report.failed + report.canceled;
  report.throughput = report.span > 0 ? finished / report.span : 0;
  report.submit_to_start = Percentiles::Of(submit_to_start);
  report.dependency_waiters = static_cast<int>(dependency_wait.size());
  report.dependency_wait = Percentiles::Of(dependency_wait);
  report.ready_to_start = Percentiles::Of(ready_to_start);
  report.stop_to_final = Percentiles::Of(stop_to_final);
  report.runtime_overhead = Percentiles::Of(runtime_overhead);
  report.function_deserialize = Percentiles::Of(function_overheads["deserialize_ms"]);
  report.function_communicator = Percentiles::Of(function_overheads["communicator_ms"]);
  report.function_deliver = Percentiles::Of(function_overheads["deliver_ms"]);
  report.function_queued = Percentiles::Of(function_overheads["queued_ms"]);

  constexpr int kSlices = 20;
  std::vector<double> busy(kSlices, 0);
  double busy_total = 0;
  const double slice = report.span / kSlices;
  for (const auto& [uid, task] : profile.tasks) {
    if (task.started < 0 || task.stopped < 0) continue;
    const int cores = CountCores(task.placement);
    busy_total += cores * (task.stopped - task.started);
    for (int i = 0; slice > 0 && i < kSlices; ++i) {
      const double begin = first + i * slice, end = begin + slice;
      const double overlap = std::min(end, task.stopped) - std::max(begin, task.started);
      if (overlap > 0) busy[i] += cores * overlap;
    }
  }
  if (report.cores > 0 && report.span > 0) {
    report.utilization = busy_total / (report.cores * report.span);
    for (double value : busy) report.utilization_series.push_back(value / (report.cores * slice));
  }
  return report;
}

Status WriteChromeTrace(const std::string& session_dir, const std::string& path) {
  DEEPRC_ASSIGN_OR_RETURN(auto profile, Load(session_dir));
  double origin = std::numeric_limits<double>::max();
  for (const auto& [uid, task] : profile.tasks) {
    if (task.submitted >= 0) origin = std::min(origin, task.submitted);
  }
  for (const auto& [pilot, states] : profile.pilot_states) {
    for (const auto& [state, time] : states) origin = std::min(origin, time);
  }
  auto micros = [&](double time) { return (time - origin) * 1e6; };
  auto events = nlohmann::json::array();
  // A row (tid) per node and first core of a task: concurrent tasks never share a row.
  std::map<std::string, int> rows;
  for (const auto& [uid, task] : profile.tasks) {
    if (task.started < 0 || task.stopped < 0) continue;
    const std::string row_name = task.placement.substr(0, task.placement.find_first_of(" |"));
    auto [row, inserted] = rows.emplace(row_name, static_cast<int>(rows.size()) + 1);
    if (inserted) {
      events.push_back({{"ph", "M"},
                        {"name", "thread_name"},
                        {"pid", 1},
                        {"tid", row->second},
                        {"args", {{"name", "core " + row_name}}}});
    }
    events.push_back({{"ph", "X"},
                      {"name", uid},
                      {"cat", task.final_state},
                      {"pid", 1},
                      {"tid", row->second},
                      {"ts", micros(task.started)},
                      {"dur", micros(task.stopped) - micros(task.started)},
                      {"args",
                       {{"placement", task.placement},
                        {"state", task.final_state},
                        {"submit_to_start_ms", (task.started - task.submitted) * 1e3}}}});
  }
  events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", 1}, {"args", {{"name", "tasks"}}}});
  events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", 0}, {"args", {{"name", "pilots"}}}});
  for (const auto& [pilot, states] : profile.pilot_states) {
    for (const auto& [state, time] : states) {
      events.push_back({{"ph", "i"},
                        {"s", "g"},
                        {"name", pilot + " " + state},
                        {"pid", 0},
                        {"tid", 0},
                        {"ts", micros(time)}});
    }
  }
  const nlohmann::json trace = {{"traceEvents", events}, {"displayTimeUnit", "ms"}};
  return WriteJsonFile(path, trace, /*indent=*/-1);
}

std::string FormatReport(const ProfileReport& report) {
  auto ms = [](const Percentiles& p) {
    return fmt::format("p50 {:.3f}  p95 {:.3f}  p99 {:.3f}  max {:.3f} ms", p.p50 * 1e3, p.p95 * 1e3,
                       p.p99 * 1e3, p.max * 1e3);
  };
  std::string text;
  text += fmt::format("tasks        {} ({} done, {} failed, {} canceled)\n", report.tasks, report.done,
                      report.failed, report.canceled);
  if (report.pilot_active) {
    text += fmt::format("pilot        ACTIVE {:.3f} s after submission, {} cores\n", report.pilot_startup,
                        report.cores);
  } else {  // it never ran a task: its startup time and cores would be zeros that mean nothing
    text += fmt::format("pilot        {} {:.3f} s after submission, never ACTIVE{}\n",
                        report.pilot_state.empty() ? "not started" : report.pilot_state, report.pilot_ended,
                        report.pilot_reason.empty() ? "" : ": " + report.pilot_reason);
  }
  text += fmt::format("span         {:.3f} s, throughput {:.1f} tasks/s\n", report.span, report.throughput);
  text += "submit->start " + ms(report.submit_to_start) + "\n";
  if (report.dependency_waiters > 0) {
    text += "  after wait  " + ms(report.dependency_wait) +
            fmt::format("  (tasks held for their 'after': {})\n", report.dependency_waiters);
  }
  text += "  ready->start " + ms(report.ready_to_start) + "  (scheduling and launch, once dependencies are met)\n";
  text += "stop->final   " + ms(report.stop_to_final) + "\n";
  text += "runtime own   " + ms(report.runtime_overhead) + "  (scheduled->started + stopped->final)\n";
  if (report.function_tasks > 0) {
    text += fmt::format("function tasks {} (overheads per task, the slowest rank's):\n", report.function_tasks);
    text += "  deserialize  " + ms(report.function_deserialize) + "\n";
    text += "  communicator " + ms(report.function_communicator) + "\n";
    text += "  deliver      " + ms(report.function_deliver) + "\n";
    text += "  pool queue   " + ms(report.function_queued) + "  (waiting for free workers)\n";
  }
  text += fmt::format("utilization  {:.1f}% of core time;", report.utilization * 100);
  for (double value : report.utilization_series) text += fmt::format(" {:.0f}", value * 100);
  text += " (% per twentieth of the span)\n";
  return text;
}

}  // namespace deeprc::pilot
