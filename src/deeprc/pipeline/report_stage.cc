#include "deeprc/pipeline/report_stage.h"

#include <arrow/compute/api.h>

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "deeprc/core/atomic_file.h"
#include "deeprc/core/json_file.h"
#include "deeprc/pipeline/model_results.h"
#include "deeprc/pipeline/plot.h"
#include "deeprc/pipeline/stage_record.h"
#include "deeprc/table/io/file_format.h"
#include "deeprc/table/ops/expression_parser.h"
#include "deeprc/table/ops/select.h"
#include "deeprc/table/ops/slice.h"
#include "deeprc/table/sort/sort.h"

namespace deeprc::pipeline {
namespace {

namespace fs = std::filesystem;

// Reports are written whole or not at all: a reader never sees half a file.
Status WriteText(const fs::path& path, const std::string& text) {
  return WriteTextFileAtomically(path.string(), text);
}

// 'text' as a literal of the select language.
std::string Literal(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return quoted + "'";
}

// The step-1 forecasts of one series over the first `points` steps of the test period, as
// "time truth forecast" lines on the original scale. Falls back to the first series when
// `series` is not among the forecast ones; returns the series plotted.
Result<std::string> WriteForecastData(const std::string& predictions_path, const std::string& series,
                                      int64_t points, const fs::path& out) {
  DEEPRC_ASSIGN_OR_RETURN(auto predictions, table::ReadTable(predictions_path));
  auto steps_of = [&](const std::string& id) -> Result<table::Table> {
    DEEPRC_ASSIGN_OR_RETURN(auto predicate,
                            table::ParseExpression("unique_id == " + Literal(id) + " and step == 1"));
    return table::Select(predictions, predicate);
  };
  std::string chosen = series;
  DEEPRC_ASSIGN_OR_RETURN(auto rows, steps_of(chosen));
  if (rows.num_rows() == 0 && predictions.num_rows() > 0) {
    DEEPRC_ASSIGN_OR_RETURN(auto ids, predictions.Column("unique_id"));
    DEEPRC_ASSIGN_OR_RETURN(auto first, ids->GetScalar(0));
    chosen = first->ToString();
    DEEPRC_ASSIGN_OR_RETURN(rows, steps_of(chosen));
  }
  DEEPRC_ASSIGN_OR_RETURN(rows, table::Sort(rows, {table::SortKey{"ds", true}}));
  DEEPRC_ASSIGN_OR_RETURN(rows, table::Head(rows, points));
  DEEPRC_ASSIGN_OR_RETURN(auto times, rows.Column("ds"));
  DEEPRC_ASSIGN_OR_RETURN(auto text_times, arrow::compute::Cast(times, arrow::utf8()));
  DEEPRC_ASSIGN_OR_RETURN(auto truth, rows.Column("y_original"));
  DEEPRC_ASSIGN_OR_RETURN(auto forecast, rows.Column("y_hat_original"));
  DEEPRC_ASSIGN_OR_RETURN(auto truth64, arrow::compute::Cast(truth, arrow::float64()));
  DEEPRC_ASSIGN_OR_RETURN(auto forecast64, arrow::compute::Cast(forecast, arrow::float64()));
  std::string text = fmt::format("# {}: time\ttruth\tforecast (step 1, original scale)\n", chosen);
  for (int64_t i = 0; i < rows.num_rows(); ++i) {
    DEEPRC_ASSIGN_OR_RETURN(auto time, text_times.chunked_array()->GetScalar(i));
    DEEPRC_ASSIGN_OR_RETURN(auto y, truth64.chunked_array()->GetScalar(i));
    DEEPRC_ASSIGN_OR_RETURN(auto y_hat, forecast64.chunked_array()->GetScalar(i));
    std::string stamp = time->ToString().substr(0, 19);
    if (stamp.size() > 10) stamp[10] = 'T';
    text += fmt::format("{}\t{:.6g}\t{:.6g}\n", stamp, static_cast<const arrow::DoubleScalar&>(*y).value,
                        static_cast<const arrow::DoubleScalar&>(*y_hat).value);
  }
  DEEPRC_RETURN_NOT_OK(WriteText(out, text));
  return chosen;
}

// The first `rows` rows of a table as a Markdown table, numbers to six significant digits.
Result<std::string> MarkdownRows(const table::Table& table, int64_t rows) {
  std::string text = "|";
  std::string rule = "|";
  for (const auto& field : table.schema()->fields()) {
    text += " " + field->name() + " |";
    rule += arrow::is_numeric(field->type()->id()) ? "---:|" : "---|";
  }
  text += "\n" + rule + "\n";
  DEEPRC_ASSIGN_OR_RETURN(auto head, table::Head(table, rows));
  for (int64_t row = 0; row < head.num_rows(); ++row) {
    text += "|";
    for (int column = 0; column < head.num_columns(); ++column) {
      DEEPRC_ASSIGN_OR_RETURN(auto value, head.arrow()->column(column)->GetScalar(row));
      std::string cell = value->is_valid ? value->ToString() : "";
      if (value->is_valid && arrow::is_floating(value->type->id())) {
        auto as_double = value->CastTo(arrow::float64());
        if (as_double.ok())
          cell = fmt::format("{:.6g}", static_cast<const arrow::DoubleScalar&>(**as_double).value);
      }
      text += " " + cell + " |";
    }
    text += "\n";
  }
  if (head.num_rows() < table.num_rows()) {
    text += fmt::format("\n({} of {} rows)\n", head.num_rows(), table.num_rows());
  }
  return text;
}

}  // namespace

ReportStageDescription DescribeReportStage(const PipelineSpec& spec, const SessionLayout& layout,
                                           const StageSpec& stage) {
  const ReportStageSpec& report = stage.report();
  ReportStageDescription description{stage.name, ModelStagesOf(spec, report.stages), {}, report.series,
                                     report.points};
  for (const auto& name : report.tables) {
    description.tables.push_back({name, TablePath(spec, layout, name), spec.FindStage(name) != nullptr});
  }
  return description;
}

void to_json(nlohmann::json& json, const ReportStageDescription& description) {
  auto model_stages = nlohmann::json::array();
  for (const auto& stage : description.model_stages) {
    model_stages.push_back({{"name", stage.name}, {"models", stage.models}});
  }
  auto tables = nlohmann::json::array();
  for (const auto& table : description.tables) {
    tables.push_back({{"name", table.name}, {"path", table.path}, {"stage_output", table.stage_output}});
  }
  json = {{"kind", "report"},
          {"stage", description.stage},
          {"model_stages", std::move(model_stages)},
          {"tables", std::move(tables)},
          {"series", description.series},
          {"points", description.points}};
}

Result<ReportStageDescription> ReportStageDescriptionFromJson(const nlohmann::json& json) {
  try {
    ReportStageDescription description;
    if (json.at("kind").get<std::string>() != "report") {
      return Status::Invalid("not a report stage's description: kind '", json.at("kind").get<std::string>(),
                             "'");
    }
    description.stage = json.at("stage").get<std::string>();
    for (const auto& stage : json.at("model_stages")) {
      description.model_stages.push_back(
          {stage.at("name").get<std::string>(), stage.at("models").get<std::vector<std::string>>()});
    }
    for (const auto& table : json.at("tables")) {
      description.tables.push_back({table.at("name").get<std::string>(), table.at("path").get<std::string>(),
                                    table.at("stage_output").get<bool>()});
    }
    description.series = json.at("series").get<std::string>();
    description.points = json.at("points").get<int64_t>();
    return description;
  } catch (const nlohmann::json::exception& error) {
    return Status::Invalid("malformed report stage description: ", error.what());
  }
}

Status RunReportStage(const ReportStageDescription& stage, const SessionLayout& layout) {
  const fs::path dir = layout.ReportDir();
  std::error_code error;
  fs::create_directories(dir, error);
  const auto results = CollectModelResults(layout, stage.model_stages);
  DEEPRC_RETURN_NOT_OK(WriteText(dir / "metrics.md", MetricsMarkdown(results)));
  DEEPRC_RETURN_NOT_OK(WriteText(dir / "metrics.csv", MetricsCsv(results)));

  nlohmann::json summary = {{"stage", stage.stage}, {"gnuplot", GnuplotAvailable()}};
  auto models = nlohmann::json::array();
  const bool several_stages = stage.model_stages.size() > 1;
  for (const auto& result : results) {
    nlohmann::json entry = {
        {"stage", result.stage}, {"model", result.model}, {"state", ToString(result.state)}};
    if (!result.reason.empty()) entry["reason"] = result.reason;
    if (result.has_metrics) entry["test"] = result.summary["test"];
    const std::string predictions = (fs::path(result.dir) / "predictions.parquet").string();
    if (result.has_metrics && fs::exists(predictions, error)) {
      const std::string base =
          "forecast_" + (several_stages ? result.stage + "_" : std::string()) + result.model;
      auto plotted = WriteForecastData(predictions, stage.series, stage.points, dir / (base + ".tsv"));
      if (!plotted.ok()) {
        entry["plot_error"] = plotted.status().message();
      } else {
        entry["series"] = *plotted;
        entry["data"] = base + ".tsv";
        auto drawn = PlotForecast(
            (dir / (base + ".tsv")).string(), (dir / (base + ".png")).string(),
            fmt::format("{} ({}): {} — truth and step-1 forecast, first {} points of the test period",
                        result.model, result.stage, *plotted, stage.points));
        if (drawn.ok()) {
          entry["plot"] = base + ".png";
        } else {
          entry["plot_error"] = drawn.message();
        }
      }
    }
    std::fprintf(stderr, "%s: %s %s%s\n", stage.stage.c_str(), result.model.c_str(),
                 ToString(result.state).c_str(), entry.contains("plot") ? " (plotted)" : "");
    models.push_back(std::move(entry));
  }
  summary["models"] = std::move(models);

  auto tables = nlohmann::json::array();
  for (const auto& [name, path, stage_output] : stage.tables) {
    // The report runs however its stages ended: a table whose stage did not end DONE is reported
    // as missing, with the stage's state and reason, as a failed model is (and a file left by an
    // earlier run of that stage is stale, not its output).
    if (stage_output) {
      auto record = ReadStageRecord(layout.StageStateFile(name).string());
      const std::string state = record.ok() ? std::string(ToString(record->State())) : "not run";
      if (!record.ok() || record->State() != StageState::kDone) {
        std::string reason;
        if (record.ok()) {
          for (const auto& task : record->tasks) {
            if (task.state != pilot::TaskState::kDone && !task.reason.empty()) reason = task.reason;
          }
        }
        const std::string file = "table_" + name + ".md";
        DEEPRC_RETURN_NOT_OK(WriteText(dir / file, fmt::format("`{}`: not available, stage '{}' {}{}{}\n", path,
                                                               name, state, reason.empty() ? "" : ": ", reason)));
        std::fprintf(stderr, "%s: table %s not available (stage %s)\n", stage.stage.c_str(), name.c_str(),
                     state.c_str());
        tables.push_back({{"name", name}, {"state", state}, {"reason", reason}, {"file", file}});
        continue;
      }
    }
    auto table = table::ReadTable(path);
    if (!table.ok()) return WithContext(table.status(), "report table '", name, "': ");
    const std::string file = "table_" + name + ".md";
    DEEPRC_ASSIGN_OR_RETURN(auto rows, MarkdownRows(*table, 24));
    DEEPRC_RETURN_NOT_OK(WriteText(dir / file, fmt::format("`{}`: {} rows x {} columns\n\n{}", path,
                                                           table->num_rows(), table->num_columns(), rows)));
    tables.push_back(
        {{"name", name}, {"rows", table->num_rows()}, {"columns", table->ColumnNames()}, {"file", file}});
  }
  summary["tables"] = std::move(tables);
  return WriteJsonFile((dir / ("stage-" + stage.stage + ".json")).string(), summary);
}

}  // namespace deeprc::pipeline
