// A pipeline spec: the YAML a user writes for `deeprc run` — a pilot, named data sources and stages
// (table, train, predict, report, exec, function) with their dependencies and resources — parsed
// and checked. What each kind of stage says is in pipeline/stage_specs.h, read by spec_<kind>.cc.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "deeprc/core/status.h"
#include "deeprc/pilot/pilot_description.h"
#include "deeprc/pipeline/stage_specs.h"

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

// One stage: what every stage has, and in `detail` what its kind has (one struct per kind,
// pipeline/stage_specs.h); `kind` says which, and the accessors of the other kinds must not be called.
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
  // The communicator between ranks: table and function stages mpi, gloo or ucx; train gloo or mpi;
  // predict its train stage's. "" for the other kinds.
  std::string backend;

  std::variant<TableStageSpec, TrainStageSpec, PredictStageSpec, ReportStageSpec, ExecStageSpec,
               FunctionStageSpec>
      detail;

  const TableStageSpec& table() const { return std::get<TableStageSpec>(detail); }
  const TrainStageSpec& train() const { return std::get<TrainStageSpec>(detail); }
  const PredictStageSpec& predict() const { return std::get<PredictStageSpec>(detail); }
  const ReportStageSpec& report() const { return std::get<ReportStageSpec>(detail); }
  const ExecStageSpec& exec() const { return std::get<ExecStageSpec>(detail); }
  const FunctionStageSpec& function() const { return std::get<FunctionStageSpec>(detail); }
  TableStageSpec& table() { return std::get<TableStageSpec>(detail); }
  TrainStageSpec& train() { return std::get<TrainStageSpec>(detail); }
  PredictStageSpec& predict() { return std::get<PredictStageSpec>(detail); }
  ReportStageSpec& report() { return std::get<ReportStageSpec>(detail); }
  ExecStageSpec& exec() { return std::get<ExecStageSpec>(detail); }
  FunctionStageSpec& function() { return std::get<FunctionStageSpec>(detail); }
  // A train or predict stage's models; none for the other kinds.
  const std::vector<ModelSpec>& models() const;
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
