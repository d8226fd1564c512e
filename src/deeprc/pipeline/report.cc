#include "deeprc/pipeline/report.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "deeprc/core/atomic_file.h"
#include "deeprc/core/json_file.h"
#include "deeprc/pilot/profile_report.h"
#include "deeprc/pilot/profiler.h"
#include "deeprc/pilot/states.h"
#include "deeprc/pipeline/model_results.h"
#include "deeprc/pipeline/plot.h"
#include "deeprc/pipeline/stage_record.h"

namespace deeprc::pipeline {
namespace {

namespace fs = std::filesystem;

// Reports are written whole or not at all: a reader never sees half a file.
Status WriteText(const fs::path& path, const std::string& text) {
  return WriteTextFileAtomically(path.string(), text);
}

std::string Tail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  if (!in) return {};
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string text;
  for (const auto& line : last) text += line + "\n";
  return text;
}

// Pool workers that died in this run, from the agents' profiles: an idle one fails no task, yet
// the pool runs smaller from then on (and tasks wider than what is left fail), so the report names it.
nlohmann::json LostPoolWorkers(const fs::path& run_dir) {
  auto lost = nlohmann::json::array();
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(run_dir, error)) {
    const fs::path profile = entry.path() / "agent.prof";
    if (!fs::exists(profile, error)) continue;
    auto events = pilot::ReadProfile(profile.string());
    if (!events.ok()) continue;  // the overheads' analysis says why
    for (const auto& event : *events) {
      if (event.event != "pool_workers_lost") continue;
      lost.push_back({{"pilot", entry.path().filename().string()},
                      {"pool", event.uid},
                      {"slots", event.detail},
                      {"time", event.time}});
    }
  }
  return lost;
}

nlohmann::json PercentilesJson(const pilot::Percentiles& p) {
  return {{"p50", p.p50}, {"p95", p.p95}, {"p99", p.p99}, {"max", p.max}};
}

double Span(const StageRecord& record) {
  const double started = record.Started(), finished = record.Finished();
  return started > 0 && finished > started ? finished - started : 0;
}

}  // namespace

Result<std::string> WriteRunReport(const RunReportInput& in) {
  const PipelineSpec& spec = *in.spec;
  const fs::path dir = in.layout.ReportDir();
  std::error_code error;
  fs::create_directories(dir, error);

  // Models of every train and predict stage; the report stages' own files, when they ran.
  std::vector<std::string> model_stages, reported;
  for (const auto& stage : spec.stages) {
    if (stage.kind == StageKind::kTrain || stage.kind == StageKind::kPredict)
      model_stages.push_back(stage.name);
  }
  const auto results = CollectModelResults(spec, in.layout, model_stages);
  nlohmann::json report_stages = nlohmann::json::array();
  for (const auto& stage : spec.stages) {
    if (stage.kind != StageKind::kReport) continue;
    auto json = ReadJsonFile((dir / ("stage-" + stage.name + ".json")).string());
    if (json.ok()) report_stages.push_back(*json);
    reported.insert(reported.end(), stage.report_stages.begin(), stage.report_stages.end());
  }
  if (report_stages.empty()) {
    // No report stage ran: the metrics tables still belong in the report.
    DEEPRC_RETURN_NOT_OK(WriteText(dir / "metrics.md", MetricsMarkdown(results)));
    DEEPRC_RETURN_NOT_OK(WriteText(dir / "metrics.csv", MetricsCsv(results)));
  }

  // The timeline of this run's tasks.
  struct Bar {
    double start, end;
    std::string uid, state;
  };
  std::vector<Bar> bars;
  for (const auto& record : in.records) {
    for (const auto& task : record.tasks) {
      if (task.run != in.run || task.started <= 0 || task.from_earlier_run) continue;
      const double end = task.stopped > 0 ? task.stopped : (task.finished > 0 ? task.finished : pilot::Now());
      bars.push_back({task.started - in.started, end - in.started, task.uid, task.state});
    }
  }
  std::sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) { return a.start < b.start; });
  std::string timeline = "# row\tstart_s\tend_s\ttask\tstate (seconds since deeprc run started)\n";
  for (size_t i = 0; i < bars.size(); ++i) {
    timeline += fmt::format("{}\t{:.3f}\t{:.3f}\t{}\t{}\n", i, bars[i].start, bars[i].end, bars[i].uid, bars[i].state);
  }
  DEEPRC_RETURN_NOT_OK(WriteText(dir / "timeline.tsv", timeline));
  nlohmann::json plots = nlohmann::json::object();
  std::string plot_note;
  if (!bars.empty()) {
    auto drawn = PlotTimeline(
        (dir / "timeline.tsv").string(), (dir / "timeline.png").string(),
        fmt::format("{}: tasks of run {} (green DONE, red FAILED, grey CANCELED)", spec.name, in.run),
        static_cast<int>(bars.size()));
    if (drawn.ok()) {
      plots["timeline"] = "timeline.png";
    } else {
      plot_note = drawn.message();
    }
  }

  // Overheads: the pilot runtime's own, from its profiles, and deeprc run's around them.
  nlohmann::json overheads = nlohmann::json::object();
  std::string overhead_text;
  auto profile = pilot::AnalyzeSession(in.layout.RunDir(in.run).string());
  if (profile.ok()) {
    overheads = {{"pilot_startup_s", profile->pilot_startup},
                 {"runtime_own_s", PercentilesJson(profile->runtime_overhead)},
                 {"submit_to_start_s", PercentilesJson(profile->submit_to_start)},
                 {"stop_to_final_s", PercentilesJson(profile->stop_to_final)},
                 {"utilization", profile->utilization},
                 {"cores", profile->cores},
                 {"tasks", profile->tasks}};
    if (profile->function_tasks > 0) {  // the paper's overheads of function tasks
      overheads["function_tasks"] = {{"tasks", profile->function_tasks},
                                     {"deserialize_s", PercentilesJson(profile->function_deserialize)},
                                     {"communicator_s", PercentilesJson(profile->function_communicator)},
                                     {"deliver_s", PercentilesJson(profile->function_deliver)},
                                     {"pool_queue_s", PercentilesJson(profile->function_queued)}};
    }
    overhead_text = pilot::FormatReport(*profile);
  } else {
    overhead_text = "no runtime profile: " + profile.status().message() + "\n";
  }
  if (in.first_submit > 0) overheads["setup_s"] = in.first_submit - in.started;
  if (in.pilot_active > 0) overheads["pilot_active_after_s"] = in.pilot_active - in.started;
  const double report_started = pilot::Now();
  if (in.tasks_over > 0) overheads["last_task_to_report_s"] = report_started - in.tasks_over;
  std::string own = "deeprc run:\n";
  if (in.first_submit > 0) {
    own +=
        fmt::format("  spec, plan and session folder: {:.3f} s from the start to the first task submitted\n",
                    in.first_submit - in.started);
  }
  if (in.pilot_active > 0)
    own += fmt::format("  pilot ACTIVE {:.3f} s after deeprc run started\n", in.pilot_active - in.started);
  if (in.tasks_over > 0) {
    own +=
        fmt::format("  from the last task's end to this report: {:.3f} s\n", report_started - in.tasks_over);
  }
  DEEPRC_RETURN_NOT_OK(WriteText(
      dir / "overheads.txt", "pilot runtime (run " + std::to_string(in.run) + "):\n" + overhead_text + own));

  // Stages, failures.
  nlohmann::json stages = nlohmann::json::array(), failures = nlohmann::json::array();
  std::string stage_rows, failure_text;
  for (const auto& record : in.records) {
    int done = 0, earlier = 0;
    for (const auto& task : record.tasks) {
      done += task.state == "DONE";
      earlier += task.from_earlier_run;
      if (task.state == "FAILED" || task.state == "CANCELED") {
        const std::string tail = Tail(task.stderr_path, 15);
        failures.push_back(
            {{"task", task.uid},
             {"stage", record.name},
             {"state", task.state},
             {"reason", task.reason},
             {"exit_code", task.exit_code ? nlohmann::json(*task.exit_code) : nlohmann::json()},
             {"stderr", task.stderr_path},
             {"stderr_tail", tail}});
        failure_text += fmt::format("- **{}** {}: {}{}\n", task.uid, task.state,
                                    task.reason.empty() ? "(no reason given)" : task.reason,
                                    task.stderr_path.empty() ? "" : fmt::format(" — `{}`", task.stderr_path));
        if (!tail.empty()) failure_text += "\n  ```\n" + tail + "  ```\n";
      }
    }
    stages.push_back({{"name", record.name},
                      {"kind", record.kind},
                      {"state", record.State()},
                      {"tasks", record.tasks},
                      {"seconds", Span(record)}});
    stage_rows +=
        fmt::format("| {} | {} | {} | {}/{}{} | {:.1f} |\n", record.name, record.kind, record.State(), done,
                    record.tasks.size(), earlier > 0 ? fmt::format(" ({} from an earlier run)", earlier) : "",
                    Span(record));
  }

  nlohmann::json models = nlohmann::json::array();
  for (const auto& result : results) {
    nlohmann::json entry = {{"stage", result.stage}, {"model", result.model}, {"state", result.state}};
    if (!result.reason.empty()) entry["reason"] = result.reason;
    if (result.has_metrics) {
      entry["test"] = result.summary["test"];
      entry["training"] = result.summary.value("training", nlohmann::json::object());
      entry["seconds"] = result.summary.value("seconds", 0.0);
    }
    models.push_back(std::move(entry));
  }

  // README.md: what a person opens first.
  const double wall = (in.tasks_over > 0 ? in.tasks_over : report_started) - in.started;
  std::string md = fmt::format("# Pipeline `{}`: {}\n\n", spec.name, in.outcome);
  if (!spec.description.empty()) md += spec.description + "\n\n";
  md += fmt::format(
      "- spec: `{}`{}\n- session: `{}` (run {} of {})\n- wall time of this run: {:.1f} s\n\n", in.info.spec,
      in.info.overrides.empty() ? std::string()
                                : fmt::format(" with `--set {}`", fmt::join(in.info.overrides, "` `--set ")),
      in.layout.root.string(), in.run + 1, in.info.runs.size(), wall);
  md += "## Stages\n\n| stage | kind | state | tasks done | seconds |\n|---|---|---|---:|---:|\n" +
        stage_rows + "\n";
  if (!results.empty()) {
    md +=
        "## Models\n\nTest-period metrics on the scaled series (as the long-horizon benchmarks report "
        "them).\n\n";
    md += MetricsMarkdown(results) + "\n";
    for (const auto& stage_json : report_stages) {
      for (const auto& model : stage_json.value("models", nlohmann::json::array())) {
        if (model.contains("plot")) {
          md += fmt::format("![{} forecast]({})\n\n", model.value("model", ""),
                            model["plot"].get<std::string>());
          plots["forecast_" + model.value("stage", "") + "_" + model.value("model", "")] = model["plot"];
        } else if (model.contains("plot_error")) {
          md += fmt::format("- {}: no plot ({})\n", model.value("model", ""),
                            model["plot_error"].get<std::string>());
        }
      }
    }
  }
  const nlohmann::json lost_workers = LostPoolWorkers(in.layout.RunDir(in.run));
  for (const auto& lost : lost_workers) {
    failure_text += fmt::format("- function pool {} lost its worker(s) on {} (died; the pool went on without them)\n",
                                lost["pool"].get<std::string>(), lost["slots"].get<std::string>());
  }
  if (!failure_text.empty()) md += "## Failures\n\n" + failure_text + "\n";
  for (const auto& stage_json : report_stages) {
    for (const auto& table : stage_json.value("tables", nlohmann::json::array())) {
      std::ifstream in_file(dir / table.value("file", ""));
      std::stringstream text;
      text << in_file.rdbuf();
      md += fmt::format("## Table `{}`\n\n{}\n", table.value("name", ""), text.str());
    }
  }
  md += "## Runtime overheads\n\n```\n" + overhead_text + own + "```\n\n";
  if (plots.contains("timeline")) md += "## Timeline\n\n![task timeline](timeline.png)\n\n";
  if (!GnuplotAvailable()) {
    md +=
        "_gnuplot is not installed: no PNG plots were drawn; their data is in the .tsv files "
        "(apt-get install gnuplot-nox)._\n";
  } else if (!plot_note.empty()) {
    md += "_timeline plot failed: " + plot_note + "_\n";
  }
  DEEPRC_RETURN_NOT_OK(WriteText(dir / "README.md", md));

  nlohmann::json runs = nlohmann::json::array();
  for (const auto& run : in.info.runs) {
    runs.push_back(
        {{"run", run.run}, {"started", run.started}, {"finished", run.finished}, {"outcome", run.outcome}});
  }
  overheads["report_s"] = pilot::Now() - report_started;
  nlohmann::json summary = {
      {"pipeline", spec.name},
      {"spec", in.info.spec},
      {"overrides", in.info.overrides},
      {"session", in.layout.root.string()},
      {"run", in.run},
      {"runs", runs},
      {"outcome", in.outcome},
      {"started", in.started},
      {"tasks_over", in.tasks_over},
      {"wall_seconds", wall},
      {"pilot", {{"resource", spec.pilot.resource}, {"cores", in.plan->cores}, {"gpus", in.plan->gpus}}},
      {"stages", stages},
      {"models", models},
      {"failures", failures},
      {"pool_workers_lost", lost_workers},
      {"overheads", overheads},
      {"plots", plots},
      {"gnuplot", GnuplotAvailable()}};
  DEEPRC_RETURN_NOT_OK(WriteJsonFile((dir / "summary.json").string(), summary));
  return (dir / "README.md").string();
}

}  // namespace deeprc::pipeline
