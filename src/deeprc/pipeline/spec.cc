#include "deeprc/pipeline/spec.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "deeprc/core/enum_names.h"
#include "deeprc/core/nearest_name.h"
#include "deeprc/core/yaml_reader.h"
#include "deeprc/pipeline/spec_kinds.h"

namespace deeprc::pipeline {
namespace {

namespace fs = std::filesystem;

using spec_kinds::ForEachString;
using spec_kinds::StageReading;
using spec_kinds::TableNamesIn;
using spec_kinds::ValidName;
constexpr auto kSplit = spec_kinds::kSplit;

const std::vector<std::string> kTopKeys = {"name", "description", "pilot", "data", "stages"};
const std::vector<std::string> kPilotKeys = {"resource", "cores",   "gpus",            "nodes",
                                             "runtime",  "queue",   "account",         "function_workers"};
const std::vector<std::string> kSourceKeys = {"path", "generate", "rows", "seed"};
const std::vector<std::string> kCommonKeys = {"kind", "description", "after",   "ranks",      "cores",
                                              "gpus", "timeout",     "retries", "environment"};
const std::vector<std::string> kTrainKeys = {"data",       "models",     "horizon",       "input_size",
                                             "max_steps",  "batch_size", "learning_rate", "val_check_steps",
                                             "early_stop", "seed",       "targets",       "scaler",
                                             "loss",       "settings",   "arguments",     "backend",
                                             "pool"};

std::vector<std::string> KeysOf(StageKind kind) {
  std::vector<std::string> keys = kCommonKeys;
  auto add = [&](std::initializer_list<std::string> more) { keys.insert(keys.end(), more); };
  switch (kind) {
    case StageKind::kTable:
      add({"ops", "backend"});
      break;
    case StageKind::kTrain:
      keys.insert(keys.end(), kTrainKeys.begin(), kTrainKeys.end());
      break;
    case StageKind::kPredict:
      add({"from", "data"});
      break;
    case StageKind::kReport:
      add({"stages", "tables", "series", "points"});
      break;
    case StageKind::kExec:
      add({"executable", "arguments", "shell"});
      break;
    case StageKind::kFunction:
      add({"function", "args", "backend", "library"});
      break;
    case StageKind::kData:
      break;
  }
  return keys;
}

class Parser {
 public:
  Parser(const YamlReader& reader, const std::string& dir) : reader_(reader), dir_(dir), reading_{reader} {}

  Result<PipelineSpec> Parse(const YAML::Node& root) {
    PipelineSpec spec;
    spec.origin = reader_.origin();
    spec.dir = dir_;
    if (!root.IsMap()) return reader_.Error(root, "", "a pipeline spec is a map with pilot, data and stages");
    DEEPRC_RETURN_NOT_OK(reader_.CheckKeys(root, "", kTopKeys, "the pipeline"));
    if (root["name"]) {
      DEEPRC_ASSIGN_OR_RETURN(spec.name, reader_.String(root["name"], "name"));
    }
    if (!ValidName(spec.name)) {
      return reader_.Error(root["name"], "name", "the pipeline name '", spec.name,
                           "' may hold only letters, digits, '_' and '-'");
    }
    if (root["description"]) {
      DEEPRC_ASSIGN_OR_RETURN(spec.description, reader_.String(root["description"], "description"));
    }
    DEEPRC_RETURN_NOT_OK(ParsePilot(root["pilot"], spec));
    if (root["data"]) DEEPRC_RETURN_NOT_OK(ParseSources(root["data"], spec));
    const YAML::Node stages = root["stages"];
    if (!stages || !stages.IsMap() || stages.size() == 0) {
      return reader_.Error(stages ? stages : root, "stages",
                           "a pipeline needs 'stages': a map of named stages");
    }
    for (const auto& item : stages) {
      DEEPRC_ASSIGN_OR_RETURN(auto stage, ParseStage(item.first, item.second, spec));
      spec.stages.push_back(std::move(stage));
    }
    DEEPRC_RETURN_NOT_OK(Resolve(spec));
    return spec;
  }

 private:
  Status ParsePilot(const YAML::Node& node, PipelineSpec& spec) {
    spec.pilot_where = reader_.Where(node, "pilot");
    spec.pilot_cores_where = spec.pilot_gpus_where = spec.pilot_where;
    if (!node || node.IsNull()) return Status::OK();
    DEEPRC_RETURN_NOT_OK(reader_.CheckKeys(node, "pilot", kPilotKeys, "the pilot"));
    auto& pilot = spec.pilot;
    if (node["resource"]) {
      DEEPRC_ASSIGN_OR_RETURN(pilot.resource, reader_.String(node["resource"], "pilot.resource"));
    }
    if (pilot.resource != "local" && pilot.resource != "slurm") {
      return reader_.Error(node["resource"], "pilot.resource", "unknown pilot resource '", pilot.resource,
                           "' (local or slurm)");
    }
    if (node["cores"]) {
      DEEPRC_ASSIGN_OR_RETURN(auto cores, reader_.Integer(node["cores"], "pilot.cores", 0));
      pilot.cores = static_cast<int>(cores);
      spec.pilot_cores_where = reader_.Where(node["cores"], "pilot.cores");
    }
    if (node["gpus"]) {
      DEEPRC_ASSIGN_OR_RETURN(auto gpus, reader_.Integer(node["gpus"], "pilot.gpus", 0));
      pilot.gpus = static_cast<int>(gpus);
      spec.pilot_gpus_where = reader_.Where(node["gpus"], "pilot.gpus");
    }
    if (node["nodes"]) {
      DEEPRC_ASSIGN_OR_RETURN(auto nodes, reader_.Integer(node["nodes"], "pilot.nodes", 1));
      pilot.nodes = static_cast<int>(nodes);
    }
    if (node["runtime"]) {
      DEEPRC_ASSIGN_OR_RETURN(auto seconds, reader_.Seconds(node["runtime"], "pilot.runtime"));
      pilot.runtime = seconds / 60;
    }
    if (node["queue"]) {
      DEEPRC_ASSIGN_OR_RETURN(pilot.queue, reader_.String(node["queue"], "pilot.queue"));
    }
    if (node["account"]) {
      DEEPRC_ASSIGN_OR_RETURN(pilot.account, reader_.String(node["account"], "pilot.account"));
    }
    if (node["function_workers"]) {
      DEEPRC_ASSIGN_OR_RETURN(auto workers,
                              reader_.Integer(node["function_workers"], "pilot.function_workers", 0));
      pilot.function_workers = static_cast<int>(workers);
    }
    auto valid = pilot.Validate();
    if (!valid.ok()) return reader_.Error(node, "pilot", valid.message());
    return Status::OK();
  }

  Status ParseSources(const YAML::Node& node, PipelineSpec& spec) {
    if (!node.IsMap()) return reader_.Error(node, "data", "'data' must be a map of named sources");
    for (const auto& item : node) {
      const std::string name = item.first.Scalar();
      const std::string path = "data." + name;
      DataSource source;
      source.name = name;
      source.where = reader_.Where(item.first, path);
      if (!ValidName(name)) {
        return reader_.Error(item.first, path, "the source name '", name,
                             "' may hold only letters, digits, '_' and '-'");
      }
      const YAML::Node value = item.second;
      YAML::Node path_node = value;
      if (value.IsMap()) {
        DEEPRC_RETURN_NOT_OK(reader_.CheckKeys(value, path, kSourceKeys, "data source '" + name + "'"));
        path_node.reset(value["path"]);
        if (!path_node) return reader_.Error(item.first, path, "data source '", name, "' needs a 'path'");
        if (value["generate"]) {
          DEEPRC_ASSIGN_OR_RETURN(source.generate, reader_.String(value["generate"], path + ".generate"));
          if (source.generate != "ett") {
            return reader_.Error(value["generate"], path + ".generate", "unknown generator '",
                                 source.generate, "' (ett)");
          }
        }
        if (value["rows"]) {
          DEEPRC_ASSIGN_OR_RETURN(source.rows, reader_.Integer(value["rows"], path + ".rows", 1));
        }
        if (value["seed"]) {
          DEEPRC_ASSIGN_OR_RETURN(auto seed, reader_.Integer(value["seed"], path + ".seed", 0));
          source.seed = static_cast<uint64_t>(seed);
        }
      }
      const std::string value_path = value.IsMap() ? path + ".path" : path;
      DEEPRC_ASSIGN_OR_RETURN(auto file, reader_.String(path_node, value_path));
      source.path = (fs::path(dir_) / file).lexically_normal().string();
      std::error_code error;
      source.missing = !fs::is_regular_file(source.path, error);
      if (source.missing && source.generate.empty()) {
        return reader_.Error(path_node, value_path, "data source '", name, "': file '", file, "' not found (",
                             source.path, ")", fs::exists(source.path, error) ? " or not a regular file" : "",
                             "; give `generate: ett` to generate data in its place");
      }
      if (!source.missing) source.generate.clear();
      spec.sources.push_back(std::move(source));
    }
    return Status::OK();
  }

  Result<StageKind> KindOf(const YAML::Node& node, const std::string& path, const std::string& name) {
    if (node["kind"]) {
      DEEPRC_ASSIGN_OR_RETURN(auto kind, reader_.String(node["kind"], path + ".kind"));
      static const std::map<std::string, StageKind> kKinds = {{"table", StageKind::kTable},
                                                              {"train", StageKind::kTrain},
                                                              {"predict", StageKind::kPredict},
                                                              {"report", StageKind::kReport},
                                                              {"exec", StageKind::kExec},
                                                              {"function", StageKind::kFunction}};
      auto found = kKinds.find(kind);
      if (found == kKinds.end()) {
        return reader_.Error(node["kind"], path + ".kind", "stage '", name, "': unknown kind '", kind,
                             "' (table, train, predict, report, exec or function)");
      }
      return found->second;
    }
    // Without `kind`, the key only one kind has says which.
    if (node["ops"]) return StageKind::kTable;
    if (node["models"]) return StageKind::kTrain;
    if (node["from"]) return StageKind::kPredict;
    if (node["executable"]) return StageKind::kExec;
    if (node["function"]) return StageKind::kFunction;
    if (name == "report") return StageKind::kReport;
    return reader_.Error(node, path, "stage '", name,
                         "' needs a 'kind': table, train, predict, report, exec or function");
  }

  Result<StageSpec> ParseStage(const YAML::Node& key, const YAML::Node& node, const PipelineSpec& spec) {
    StageSpec stage;
    stage.name = key.Scalar();
    const std::string path = "stages." + stage.name;
    stage.where = reader_.Where(key, path);
    if (!ValidName(stage.name)) {
      return reader_.Error(key, path, "the stage name '", stage.name,
                           "' may hold only letters, digits, '_' and '-'");
    }
    for (const auto& other : spec.stages) {
      if (other.name == stage.name)
        return reader_.Error(key, path, "stage '", stage.name, "' is defined twice");
    }
    if (spec.FindSource(stage.name)) {
      return reader_.Error(key, path, "stage '", stage.name,
                           "' has the name of a data source; names must differ");
    }
    if (!node.IsMap()) return reader_.Error(node, path, "stage '", stage.name, "' must be a map of keys");
    DEEPRC_ASSIGN_OR_RETURN(stage.kind, KindOf(node, path, stage.name));
    DEEPRC_RETURN_NOT_OK(reader_.CheckKeys(
        node, path, KeysOf(stage.kind), std::string(ToString(stage.kind)) + " stage '" + stage.name + "'"));
    auto at = [&](const char* field) { return path + "." + field; };
    if (node["after"]) {
      DEEPRC_ASSIGN_OR_RETURN(stage.after, reader_.Strings(node["after"], at("after"), kSplit));
    }
    // A stage defined later is fine: Resolve checks the names once all are known.
    for (const auto& dependency : stage.after) {
      after_where_[stage.name + "/" + dependency] = reader_.Where(node["after"], at("after"));
    }
    stage.ranks_where = stage.cores_where = stage.gpus_where = stage.where;
    if (node["ranks"]) {
      DEEPRC_ASSIGN_OR_RETURN(auto ranks, reader_.Integer(node["ranks"], at("ranks"), 1));
      stage.ranks = static_cast<int>(ranks);
      stage.ranks_where = reader_.Where(node["ranks"], at("ranks"));
    }
    if (node["cores"]) {
      DEEPRC_ASSIGN_OR_RETURN(auto cores, reader_.Integer(node["cores"], at("cores"), 1));
      stage.cores = static_cast<int>(cores);
      stage.cores_where = reader_.Where(node["cores"], at("cores"));
    }
    if (node["gpus"]) {
      DEEPRC_ASSIGN_OR_RETURN(auto gpus, reader_.Integer(node["gpus"], at("gpus"), 0));
      stage.gpus = static_cast<int>(gpus);
      stage.gpus_where = reader_.Where(node["gpus"], at("gpus"));
    }
    if (node["timeout"]) {
      DEEPRC_ASSIGN_OR_RETURN(stage.timeout, reader_.Seconds(node["timeout"], at("timeout")));
    }
    if (node["retries"]) {
      DEEPRC_ASSIGN_OR_RETURN(auto retries, reader_.Integer(node["retries"], at("retries"), 0));
      stage.retries = static_cast<int>(retries);
    }
    if (node["environment"]) {
      DEEPRC_ASSIGN_OR_RETURN(auto pairs, reader_.StringPairs(node["environment"], at("environment")));
      stage.environment.insert(pairs.begin(), pairs.end());
    }
    switch (stage.kind) {
      case StageKind::kTable:
        DEEPRC_RETURN_NOT_OK(spec_kinds::ReadTableStage(node, path, stage, reading_));
        break;
      case StageKind::kTrain:
        DEEPRC_RETURN_NOT_OK(spec_kinds::ReadTrainStage(node, path, stage, reading_));
        break;
      case StageKind::kPredict:
        DEEPRC_RETURN_NOT_OK(spec_kinds::ReadPredictStage(node, path, stage, reading_));
        break;
      case StageKind::kReport:
        DEEPRC_RETURN_NOT_OK(spec_kinds::ReadReportStage(node, path, stage, reading_));
        break;
      case StageKind::kExec:
        DEEPRC_RETURN_NOT_OK(spec_kinds::ReadExecStage(node, path, stage, reading_));
        break;
      case StageKind::kFunction:
        DEEPRC_RETURN_NOT_OK(spec_kinds::ReadFunctionStage(node, path, stage, reading_));
        break;
      case StageKind::kData:
        break;
    }
    return stage;
  }

  // Checks references now that every name is known, fills `depends` and orders the stages.
  Status Resolve(PipelineSpec& spec) {
    // Table references, in the order they were read, so the first bad one is the one reported.
    for (const auto& [table, where] : reading_.table_refs) {
      const DataSource* source = spec.FindSource(table);
      const StageSpec* producer = spec.FindStage(table);
      if (!source && !(producer && producer->kind == StageKind::kTable)) {
        std::vector<std::string> names;
        for (const auto& s : spec.sources) names.push_back(s.name);
        for (const auto& s : spec.stages) {
          if (s.kind == StageKind::kTable) names.push_back(s.name);
        }
        std::string known;
        for (const auto& name : names) known += (known.empty() ? "" : ", ") + name;
        const std::string nearest = NearestName(table, names);
        return Status::Invalid(
            where, ": unknown table '", table, "'",
            nearest.empty() ? "" : " (did you mean '" + nearest + "'?)",
            "; tables are data sources and table stages: ", known.empty() ? "none" : known);
      }
    }
    for (auto& stage : spec.stages) {
      for (const auto& dependency : stage.after) {
        const StageSpec* other = spec.FindStage(dependency);
        if (!other || other == &stage) {
          auto found = after_where_.find(stage.name + "/" + dependency);
          const std::string where = found != after_where_.end() ? found->second : stage.where;
          return Status::Invalid(where, ": stage '", stage.name, "' runs after '", dependency, "', ",
                                 other ? "itself" : "which is no stage of this pipeline");
        }
      }
      std::set<std::string> depends(stage.after.begin(), stage.after.end());
      auto reads = [&](const std::string& table) {
        if (const StageSpec* producer = spec.FindStage(table)) depends.insert(producer->name);
        // A generated source becomes a stage of its own (the planner adds it).
        if (const DataSource* source = spec.FindSource(table); source && source->missing)
          depends.insert(source->name);
      };
      switch (stage.kind) {
        case StageKind::kTable:
          for (const auto& op : stage.table().ops) {
            for (const auto& table : op.tables) reads(table);
          }
          break;
        case StageKind::kTrain:
          reads(stage.train().data);
          break;
        case StageKind::kPredict: {
          PredictStageSpec& predict = stage.predict();
          const StageSpec* from = spec.FindStage(predict.from);
          if (!from || from->kind != StageKind::kTrain) {
            return Status::Invalid(reading_.from_where[stage.name], ": predict stage '", stage.name, "' is from '",
                                   predict.from, "', which is no train stage");
          }
          depends.insert(from->name);
          if (predict.data.empty()) predict.data = from->train().data;
          reads(predict.data);
          predict.models = from->train().models;
          predict.settings = from->train().settings;
          stage.backend = from->backend;
          break;
        }
        case StageKind::kReport: {
          ReportStageSpec& report = stage.report();
          for (const auto& table : report.tables) reads(table);
          if (report.stages.empty()) {
            // Default: every predict stage, or every train stage when there is none.
            for (const auto& other : spec.stages) {
              if (other.kind == StageKind::kPredict) report.stages.push_back(other.name);
            }
            if (report.stages.empty()) {
              for (const auto& other : spec.stages) {
                if (other.kind == StageKind::kTrain) report.stages.push_back(other.name);
              }
            }
          }
          for (const auto& name : report.stages) {
            const StageSpec* other = spec.FindStage(name);
            if (!other || (other->kind != StageKind::kTrain && other->kind != StageKind::kPredict)) {
              auto& report_where = reading_.report_where;
              return Status::Invalid(report_where.count(stage.name) ? report_where[stage.name] : stage.where,
                                     ": report stage '", stage.name, "' reports on '", name,
                                     "', which is no train or predict stage");
            }
            depends.insert(name);
          }
          break;
        }
        case StageKind::kExec:
          for (const auto& word : stage.exec().arguments) {
            for (const auto& table : TableNamesIn(word)) reads(table);
          }
          break;
        case StageKind::kFunction:
          ForEachString(stage.function().args, [&](const std::string& word) {
            for (const auto& table : TableNamesIn(word)) reads(table);
          });
          break;
        case StageKind::kData:
          break;
      }
      depends.erase(stage.name);
      stage.depends.assign(depends.begin(), depends.end());
    }
    return Order(spec);
  }

  // Topological order, stable with respect to the spec's order; a cycle names its stages.
  Status Order(PipelineSpec& spec) {
    std::vector<StageSpec> ordered;
    std::set<std::string> placed;
    for (const auto& source : spec.sources) {
      if (source.missing) placed.insert(source.name);
    }
    std::vector<StageSpec> pending = std::move(spec.stages);
    while (!pending.empty()) {
      bool progress = false;
      for (auto it = pending.begin(); it != pending.end();) {
        const bool ready = std::all_of(it->depends.begin(), it->depends.end(),
                                       [&](const std::string& name) { return placed.count(name) > 0; });
        if (!ready) {
          ++it;
          continue;
        }
        placed.insert(it->name);
        ordered.push_back(std::move(*it));
        it = pending.erase(it);
        progress = true;
      }
      if (!progress) {
        std::string names;
        for (const auto& stage : pending) names += (names.empty() ? "'" : ", '") + stage.name + "'";
        return Status::Invalid(pending.front().where, ": the stages ", names,
                               " depend on each other in a cycle (through `after`, tables or models)");
      }
    }
    spec.stages = std::move(ordered);
    return Status::OK();
  }

  const YamlReader& reader_;
  std::string dir_;
  StageReading reading_;  // what the readers of the kinds note for Resolve
  std::map<std::string, std::string> after_where_;
};

}  // namespace

std::string_view ToString(StageKind kind) {
  static constexpr EnumName<StageKind> kNames[] = {
      {StageKind::kData, "data"},       {StageKind::kTable, "table"}, {StageKind::kTrain, "train"},
      {StageKind::kPredict, "predict"}, {StageKind::kReport, "report"}, {StageKind::kExec, "exec"},
      {StageKind::kFunction, "function"}};
  return NameOf(kNames, kind);
}

const std::vector<ModelSpec>& StageSpec::models() const {
  static const std::vector<ModelSpec> kNone;
  if (kind == StageKind::kTrain) return train().models;
  if (kind == StageKind::kPredict) return predict().models;
  return kNone;
}

const StageSpec* PipelineSpec::FindStage(const std::string& name) const {
  for (const auto& stage : stages) {
    if (stage.name == name) return &stage;
  }
  return nullptr;
}

const DataSource* PipelineSpec::FindSource(const std::string& name) const {
  for (const auto& source : sources) {
    if (source.name == name) return &source;
  }
  return nullptr;
}

Result<PipelineSpec> ParseSpec(const std::string& yaml_text, const std::string& origin,
                               const std::string& dir, const std::vector<std::string>& overrides) {
  DEEPRC_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(yaml_text, origin));
  if (!root || root.IsNull()) return Status::Invalid(origin, ": the spec is empty");
  DEEPRC_ASSIGN_OR_RETURN(auto overridden, ApplyOverrides(root, overrides));
  YamlReader reader(origin, std::move(overridden));
  Parser parser(reader, fs::absolute(dir).lexically_normal().string());
  try {
    return parser.Parse(root);
  } catch (const YAML::Exception& error) {
    // yaml-cpp throws on misuse of a node; no exception leaves this layer.
    return Status::Invalid(origin, ":", error.mark.line + 1, ": ", error.msg);
  }
}

Result<PipelineSpec> ReadSpec(const std::string& path, const std::vector<std::string>& overrides,
                              const std::string& dir) {
  std::ifstream file(path);
  if (!file) return Status::IOError("cannot open pipeline spec '", path, "'");
  std::stringstream text;
  text << file.rdbuf();
  std::string folder = dir;
  if (folder.empty()) {
    folder = fs::absolute(path).parent_path().string();
  }
  return ParseSpec(text.str(), path, folder, overrides);
}

}  // namespace deeprc::pipeline
