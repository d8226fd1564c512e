// What each kind of pipeline stage says beyond what every stage says: one struct per kind (table,
// train, predict, report, exec, function), held by a StageSpec (pipeline/spec.h) as its `detail`.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace deeprc::pipeline {

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

struct TableStageSpec {
  std::vector<TableOp> ops;  // the first a read
};

struct TrainStageSpec {
  std::string data;  // the table trained on (a source or a table stage)
  std::vector<ModelSpec> models;
  TrainSettings settings;
  // Each model trains as a learn.train function task on the pilot's pool of workers (one core per
  // rank), not as a `deeprc train` process.
  bool pool = false;
};

// A predict stage forecasts with the checkpoints of its train stage's models; the spec's reader
// copies that stage's models and settings here (and its data, where the predict stage names none).
struct PredictStageSpec {
  std::string from;  // the train stage whose checkpoints forecast
  std::string data;  // the table predicted from
  std::vector<ModelSpec> models;
  TrainSettings settings;
};

struct ReportStageSpec {
  std::vector<std::string> stages;  // train or predict stages whose models are reported
  std::vector<std::string> tables;  // tables shown in the report
  std::string series = "OT";        // the series plotted per model
  int64_t points = 336;             // forecast points plotted (the first of the test period)
};

struct ExecStageSpec {
  std::string executable;
  std::vector<std::string> arguments;  // {session}, {stage_dir}, {spec_dir}, {table:NAME} are replaced
  bool shell = false;
};

// A registered function task (e.g. table.join) on the pilot's pool of workers; string values in
// `args` have {session}, {stage_dir}, {spec_dir} and {table:NAME} replaced.
struct FunctionStageSpec {
  std::string function;
  nlohmann::json args = nlohmann::json::object();
  std::string library;
};

}  // namespace deeprc::pipeline
