// The readers of each kind of pipeline stage (spec_table.cc, spec_train.cc, ...), called by the
// spec's parser (spec.cc) once a stage's common keys are read; internal to the pipeline layer.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "deeprc/core/status.h"
#include "deeprc/core/yaml_reader.h"
#include "deeprc/pipeline/spec.h"

namespace deeprc::pipeline::spec_kinds {

// Lists of names in a spec also take "a, b" for [a, b].
constexpr auto kSplit = YamlReader::ListForm::kCommaSeparated;

// Letters, digits, '_' and '-': a name that becomes a folder or a task uid.
bool ValidName(const std::string& name);

// The NAMEs of the "{table:NAME}" in `word`, up to the first unclosed one.
std::vector<std::string> TableNamesIn(const std::string& word);

// Calls `visit` on every string inside a JSON value (a function stage's arguments).
template <typename Visit>
void ForEachString(const nlohmann::json& value, Visit&& visit) {
  if (value.is_string()) {
    visit(value.get<std::string>());
  } else if (value.is_structured()) {
    for (const auto& item : value) ForEachString(item, visit);
  }
}

// What the readers of the kinds share while a spec is read: the YAML reader, and what they note
// for the checks that need every stage's name (the parser's Resolve).
struct StageReading {
  const YamlReader& reader;
  std::vector<std::pair<std::string, std::string>> table_refs;  // table name, where; in reading order
  std::map<std::string, std::string> from_where;                // predict stage: where its `from` is
  std::map<std::string, std::string> report_where;              // report stage: where its `stages` is

  // The communicator between a table or function stage's ranks: mpi (default), gloo or ucx.
  Status ReadBackend(const YAML::Node& node, const std::string& path, StageSpec& stage) const;
  // The string under `key`, which the stage must have; without it the error reads
  // "<kind> stage '<name>' needs <what>".
  Result<std::string> RequiredString(const YAML::Node& node, const std::string& path, const StageSpec& stage,
                                     const std::string& key, const std::string& what) const;
  // Notes every {table:NAME} of `word` as a table this stage reads, found at `where`.
  Status CollectTableRefs(const YAML::Node& node, const std::string& path, const std::string& where,
                          const std::string& word);
};

// Each reads its kind's keys of `node` (the stage at `path`) into `stage.detail`; the stage's
// common keys (ranks, cores, environment, ...) are read already.
using StageKindReader = Status(const YAML::Node& node, const std::string& path, StageSpec& stage,
                               StageReading& reading);
StageKindReader ReadTableStage, ReadTrainStage, ReadPredictStage, ReadReportStage, ReadExecStage,
    ReadFunctionStage;

}  // namespace deeprc::pipeline::spec_kinds
