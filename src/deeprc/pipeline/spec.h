// A pipeline spec: the YAML a user writes for `deeprc run` — a pilot, named data sources and stages
// (table, train, predict, report, exec, function) with their dependencies and resources — parsed
// and checked.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deeprc/core/status.h"
#include "deeprc/pilot/pilot_description.h"

namespace deeprc::pipeline {

// kData is no kind a user writes: a data source whose file is generated becomes a stage of it.
enum class StageKind { kData, kTable, kTrain, kPredict, kReport, kExec, kFunction };
std::string_view ToString(StageKind kind);

struct DataSource {
  std::string name;
  std::string path;      // absolute
  std::string generate;  // "" or "ett": data in that format is written when `path` does not exist
  int64_t rows = 17420;
  uint64_t seed = 0;
  bool missing = false;  // `path` did not exist when the spec was read (so it is generated)
  std::string where;     // "spec.yaml:12"
};

// One operation of a table stage: `read` (the first: a table by name), or an operator of dist's
// registry (dist/operator_registry.h) by name with its options, checked against the registry when
// the spec is read.
struct TableOp {
  std::string name;  // "read" or a registered operator's name
  std::string where;
  // read: the table read; an operator of two or more tables: the others (`with`), in order.
  std::vector<std::string> tables;
  nlohmann::json options = nlohmann::json::object();  // the operator's options, as its JSON form
};

struct ModelSpec {
  std::string name;
  // Hyperparameters for this model only, over the stage's (the model checks their names).
  nlohmann::json hyperparameters = nlohmann::json::object();
  std::vector<std::string> arguments;  // further `deeprc train` arguments for this model only
  std::string where;
};

// What every model of a train stage shares (and, from its train stage, every model of a predict
// stage): the forecasting job's one JSON form (learn/forecast_job_json.h), read and checked by
// learn's reader, every key present (null: the model's default), less `model`, `data` and `out`,
// which the planner adds for each model.
struct TrainSettings {
  nlohmann::json job = nlohmann::json::object();
  std::vector<std::string> arguments;  // further `deeprc train` arguments for every model
};

struct StageSpec {
  std::string name;
  StageKind kind = StageKind::kTable;
  std::string where;
  std::vector<std::string> after;      // as written
  std::vector<std::string> depends;    // `after` plus the stages whose tables or models this one reads
  int ranks = 1, cores = 1, gpus = 0;  // cores and GPUs are per rank
  std::string ranks_where, cores_where, gpus_where;
  double timeout = 0;  // seconds per task; 0: none
  int retries = 0;
  std::map<std::string, std::string> environment;

  // table
  std::vector<TableOp> ops;
  std::string backend;  // table and function: mpi, gloo or ucx between ranks; train: gloo or mpi
  // train and predict
  std::string data;  // the table trained on or predicted from (a source or a table stage)
  std::vector<ModelSpec> models;
  TrainSettings train;
  std::string from;  // predict: the train stage whose checkpoints forecast
  // train: each model trains as a learn.train function task on the pilot's pool of workers (one
  // core per rank), not as a `deeprc train` process.
  bool pool = false;
  // report
  std::vector<std::string> report_stages;  // train or predict stages whose models are reported
  std::vector<std::string> tables;         // tables shown in the report
  std::string series = "OT";               // the series plotted per model
  int64_t points = 336;                    // forecast points plotted (the first of the test period)
  // exec
  std::string executable;
  std::vector<std::string> arguments;  // {session}, {stage_dir}, {spec_dir}, {table:NAME} are replaced
  bool shell = false;
  // function: a registered function task (e.g. table.join) on the pilot's pool of workers; string
  // values in `args` have {session}, {stage_dir}, {spec_dir} and {table:NAME} replaced.
  std::string function;
  nlohmann::json args = nlohmann::json::object();
  std::string library;
};

struct PipelineSpec {
  std::string origin;  // the spec file as named on the command line
  std::string dir;     // absolute folder that relative paths in the spec start from
  std::string name = "pipeline";
  std::string description;
  pilot::PilotDescription pilot;
  std::string pilot_where, pilot_cores_where, pilot_gpus_where;
  std::vector<DataSource> sources;
  std::vector<StageSpec> stages;  // in dependency order (each after the stages it depends on)

  const StageSpec* FindStage(const std::string& name) const;
  const DataSource* FindSource(const std::string& name) const;
};

// Parses and checks a spec: unknown keys, wrong types, unknown references, dependency cycles, bad
// expressions and missing files are errors naming "origin:line" (or the --set that caused them).
// `overrides` ("stages.train.max_steps=20") are applied to the YAML first; relative paths in the
// spec are resolved against `dir`.
Result<PipelineSpec> ParseSpec(const std::string& yaml_text, const std::string& origin,
                               const std::string& dir, const std::vector<std::string>& overrides = {});
// The same from a file; `dir` empty: the file's folder.
Result<PipelineSpec> ReadSpec(const std::string& path, const std::vector<std::string>& overrides = {},
                              const std::string& dir = {});

}  // namespace deeprc::pipeline
