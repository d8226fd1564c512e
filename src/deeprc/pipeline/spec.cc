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
#include "deeprc/dist/operator_registry.h"
#include "deeprc/learn/forecast_job_json.h"

namespace deeprc::pipeline {
namespace {

namespace fs = std::filesystem;

// Lists of names in a spec also take "a, b" for [a, b].
constexpr auto kSplit = YamlReader::ListForm::kCommaSeparated;

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

// The NAMEs of the "{table:NAME}" in `word`, up to the first unclosed one.
std::vector<std::string> TableNamesIn(const std::string& word) {
  std::vector<std::string> names;
  for (size_t at = word.find("{table:"); at != std::string::npos; at = word.find("{table:", at + 1)) {
    const size_t end = word.find('}', at);
    if (end == std::string::npos) break;
    names.push_back(word.substr(at + 7, end - at - 7));
  }
  return names;
}

// Calls `visit` on every string inside a JSON value (a function stage's arguments).
template <typename Visit>
void ForEachString(const nlohmann::json& value, Visit&& visit) {
  if (value.is_string()) {
    visit(value.get<std::string>());
  } else if (value.is_structured()) {
    for (const auto& item : value) ForEachString(item, visit);
  }
}

bool ValidName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
}

class Parser {
 public:
  Parser(const YamlReader& reader, const std::string& dir) : reader_(reader), dir_(dir) {}

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
        DEEPRC_RETURN_NOT_OK(ParseTable(node, path, stage));
        break;
      case StageKind::kTrain:
        DEEPRC_RETURN_NOT_OK(ParseTrain(node, path, stage));
        break;
      case StageKind::kPredict:
        DEEPRC_RETURN_NOT_OK(ParsePredict(node, path, stage));
        break;
      case StageKind::kReport:
        DEEPRC_RETURN_NOT_OK(ParseReport(node, path, stage));
        break;
      case StageKind::kExec:
        DEEPRC_RETURN_NOT_OK(ParseExec(node, path, stage));
        break;
      case StageKind::kFunction:
        DEEPRC_RETURN_NOT_OK(ParseFunction(node, path, stage));
        break;
      case StageKind::kData:
        break;
    }
    return stage;
  }

  // The communicator between a table or function stage's ranks: mpi (default), gloo or ucx.
  Status ParseBackend(const YAML::Node& node, const std::string& path, StageSpec& stage) {
    stage.backend = "mpi";
    if (node["backend"]) {
      DEEPRC_ASSIGN_OR_RETURN(stage.backend, reader_.String(node["backend"], path + ".backend"));
      if (stage.backend != "mpi" && stage.backend != "gloo" && stage.backend != "ucx") {
        return reader_.Error(node["backend"], path + ".backend", "unknown backend '", stage.backend,
                             "' (mpi, gloo or ucx)");
      }
    }
    return Status::OK();
  }

  Status ParseTable(const YAML::Node& node, const std::string& path, StageSpec& stage) {
    DEEPRC_RETURN_NOT_OK(ParseBackend(node, path, stage));
    const YAML::Node ops = node["ops"];
    if (!ops || !ops.IsSequence() || ops.size() == 0) {
      return reader_.Error(ops ? ops : node, path + ".ops", "table stage '", stage.name,
                           "' needs 'ops': a list of operations, the first a read");
    }
    for (size_t i = 0; i < ops.size(); ++i) {
      DEEPRC_ASSIGN_OR_RETURN(auto op, ParseOp(ops[i], path + ".ops." + std::to_string(i), stage.ranks));
      if (i == 0 && op.name != "read") {
        return reader_.Error(ops[i], path + ".ops.0", "the first operation of table stage '", stage.name,
                             "' must be a read, not ", op.name);
      }
      stage.ops.push_back(std::move(op));
    }
    return Status::OK();
  }

  // An option's YAML value as the JSON its declaration takes.
  Result<nlohmann::json> OptionValue(const YAML::Node& node, const std::string& path, const dist::OptionDoc& option) {
    switch (option.type) {
      case dist::OptionType::kString:
        return reader_.String(node, path).Map([](std::string s) { return nlohmann::json(std::move(s)); });
      case dist::OptionType::kStrings:
        return reader_.Strings(node, path, kSplit).Map([](auto v) { return nlohmann::json(std::move(v)); });
      case dist::OptionType::kInt:
        return reader_.Integer(node, path, option.min).Map([](int64_t v) { return nlohmann::json(v); });
      case dist::OptionType::kNumber:
        return reader_.Number(node, path).Map([](double v) { return nlohmann::json(v); });
      case dist::OptionType::kBool:
        return reader_.Bool(node, path).Map([](bool v) { return nlohmann::json(v); });
      case dist::OptionType::kPairs: {
        DEEPRC_ASSIGN_OR_RETURN(auto pairs, reader_.StringPairs(node, path));
        nlohmann::json json = nlohmann::json::array();
        for (auto& [name, value] : pairs) json.push_back({name, value});
        return json;
      }
    }
    return reader_.Error(node, path, "an option of an unknown type");
  }

  // `- read: TABLE`, or `- OPERATOR: VALUE` where VALUE is the operator's options as a map (with
  // `with: TABLE` for the other inputs of a join or set operator), or the value of its shorthand
  // option (`sort: date`, `head: 10`, `derive: {x: a + 1}`).
  Result<TableOp> ParseOp(const YAML::Node& item, const std::string& path, int ranks) {
    if (!item.IsMap() || item.size() != 1) {
      return reader_.Error(item, path,
                           "an operation is a map of one key, e.g. `- read: ett` or `- sort: date`");
    }
    const YAML::Node key = item.begin()->first;
    const YAML::Node value = item.begin()->second;
    TableOp op;
    op.name = key.Scalar();
    op.where = reader_.Where(key, path);
    const std::string at = path + "." + op.name;
    auto add_tables = [&](const YAML::Node& node, const std::string& node_path) -> Status {
      DEEPRC_ASSIGN_OR_RETURN(auto tables, reader_.Strings(node, node_path, kSplit));
      for (auto& table : tables) {
        table_refs_.emplace_back(table, reader_.Where(node, node_path));
        op.tables.push_back(std::move(table));
      }
      return Status::OK();
    };
    if (op.name == "read") {
      DEEPRC_ASSIGN_OR_RETURN(auto table, reader_.String(value, at));
      table_refs_.emplace_back(table, reader_.Where(value, at));
      op.tables = {std::move(table)};
      return op;
    }
    const auto& registry = dist::OperatorRegistry::Default();
    const dist::TableOperator* def = registry.Find(op.name);
    if (!def) {
      std::vector<std::string> names = registry.Names();
      names.insert(names.begin(), "read");
      std::string expected;
      for (const auto& name : names) expected += (expected.empty() ? "" : ", ") + name;
      const std::string nearest = NearestName(op.name, names);
      return reader_.Error(key, path, "unknown table operation '", op.name, "'",
                           nearest.empty() ? "" : " (did you mean '" + nearest + "'?)", " (expected: ", expected, ")");
    }
    const bool several = def->arity != dist::Arity::kUnary;
    const dist::OptionDoc* shorthand = nullptr;
    for (const auto& option : def->options) {
      if (option.key == def->shorthand) shorthand = &option;
    }
    if (value.IsMap() && !(shorthand && shorthand->type == dist::OptionType::kPairs)) {
      std::vector<std::string> allowed = def->OptionKeys();
      if (several) allowed.push_back("with");
      DEEPRC_RETURN_NOT_OK(reader_.CheckKeys(value, at, allowed, op.name));
      for (const auto& entry : value) {
        const std::string name = entry.first.Scalar();
        if (name == "with") {
          DEEPRC_RETURN_NOT_OK(add_tables(entry.second, at + ".with"));
          continue;
        }
        for (const auto& option : def->options) {
          if (option.key != name) continue;
          DEEPRC_ASSIGN_OR_RETURN(op.options[name], OptionValue(entry.second, at + "." + name, option));
        }
      }
    } else if (op.name == "unique" && value.IsScalar() && (value.Scalar() == "true" || value.Scalar() == "all")) {
      // `unique: all`: whole rows.
    } else if (shorthand) {
      DEEPRC_ASSIGN_OR_RETURN(op.options[shorthand->key], OptionValue(value, at, *shorthand));
    } else if (several) {
      DEEPRC_RETURN_NOT_OK(add_tables(value, at));  // `union: other`
    } else if (!value.IsNull()) {
      return reader_.Error(value, at, op.name, " takes no value (its options, if any, as a map)");
    }
    if (def->arity == dist::Arity::kBinary && op.tables.size() != 1) {
      return reader_.Error(value, at, op.name, " needs 'with': the right table");
    }
    if (def->arity == dist::Arity::kVarargs && op.tables.empty()) {
      return reader_.Error(value, at, op.name, " needs 'with': the tables that follow this one");
    }
    // Checked now, so a bad value is an error naming its line, not a failed task.
    const std::string name = op.name, short_key = def->shorthand;
    const dist::OptionNaming naming{
        [name, short_key](const std::string& k) { return k == short_key ? name + ": " : name + ": " + k + ": "; },
        [name](const std::string& k) { return name + " needs '" + k + "'"; }};
    std::vector<std::string> input_names = {""};
    input_names.insert(input_names.end(), op.tables.begin(), op.tables.end());
    auto bound = def->Bind(op.options, naming, input_names);
    if (!bound.ok()) return reader_.Error(value, at, bound.status().message());
    if (ranks > 1 && !def->distributed) {
      return reader_.Error(key, path, op.name, " has no distributed form, and the stage runs on ", ranks,
                           " ranks");
    }
    return op;
  }

  // The train keys as the learn job's JSON form: each read with its type and range as YAML says
  // it ("spec.yaml:12: 'stages.train.max_steps' must be at least 1"), then the whole through
  // learn's reader, which checks what only the job knows (e.g. the scaler's name).
  Status ParseTrainSettings(const YAML::Node& node, const std::string& path, TrainSettings& train) {
    nlohmann::json job = nlohmann::json::object();
    auto integer = [&](const char* key, int64_t min) -> Status {
      if (!node[key]) return Status::OK();
      DEEPRC_ASSIGN_OR_RETURN(const int64_t value, reader_.Integer(node[key], path + "." + key, min));
      job[key] = value;
      return Status::OK();
    };
    for (const char* key : {"horizon", "input_size", "max_steps", "batch_size", "val_check_steps", "early_stop"}) {
      DEEPRC_RETURN_NOT_OK(integer(key, 1));
    }
    DEEPRC_RETURN_NOT_OK(integer("seed", 0));
    if (node["learning_rate"]) {
      DEEPRC_ASSIGN_OR_RETURN(const double rate, reader_.Number(node["learning_rate"], path + ".learning_rate"));
      // Zero is no learning rate: refuse it rather than let it stand for the model's default.
      if (rate <= 0) {
        return reader_.Error(node["learning_rate"], path + ".learning_rate", "'", path,
                             ".learning_rate' must be greater than 0, not ", rate);
      }
      job["learning_rate"] = rate;
    }
    if (node["targets"]) {
      DEEPRC_ASSIGN_OR_RETURN(job["targets"], reader_.Strings(node["targets"], path + ".targets", kSplit));
    }
    for (const char* key : {"scaler", "loss"}) {
      if (node[key]) {
        DEEPRC_ASSIGN_OR_RETURN(job[key], reader_.String(node[key], path + "." + key));
      }
    }
    if (node["settings"]) {
      DEEPRC_ASSIGN_OR_RETURN(job["hyperparameters"], Settings(node["settings"], path + ".settings"));
    }
    if (node["arguments"]) {
      DEEPRC_ASSIGN_OR_RETURN(train.arguments, reader_.Strings(node["arguments"], path + ".arguments"));
    }
    // A placeholder model: the stage's models are named per model, and checked by the train task.
    job["model"] = "-";
    auto options = learn::ForecastJobFromJson(job);
    if (!options.ok()) return reader_.Error(node, path, "'", path, "': ", options.status().message());
    train.job = learn::ToJson(*options);
    for (const char* key : {"model", "data", "out"}) train.job.erase(key);
    return Status::OK();
  }

  Result<nlohmann::json> Settings(const YAML::Node& node, const std::string& path) {
    if (!node.IsMap())
      return reader_.Error(node, path, "'", path, "' must be a map of hyperparameter: value");
    // Values as JSON, typed as YAML reads them ([1, 2] is a list of integers, not of strings).
    nlohmann::json settings = nlohmann::json::object();
    for (const auto& item : node) {
      const std::string key = item.first.Scalar();
      DEEPRC_ASSIGN_OR_RETURN(settings[key], reader_.Json(item.second, path + "." + key));
    }
    return settings;
  }

  Status ParseTrain(const YAML::Node& node, const std::string& path, StageSpec& stage) {
    stage.backend = "gloo";
    if (node["backend"]) {
      DEEPRC_ASSIGN_OR_RETURN(stage.backend, reader_.String(node["backend"], path + ".backend"));
      if (stage.backend != "gloo" && stage.backend != "mpi") {
        return reader_.Error(node["backend"], path + ".backend", "unknown backend '", stage.backend,
                             "' (gloo or mpi)");
      }
    }
    if (!node["data"])
      return reader_.Error(node, path, "train stage '", stage.name, "' needs 'data': the table to train on");
    DEEPRC_ASSIGN_OR_RETURN(stage.data, reader_.String(node["data"], path + ".data"));
    table_refs_.emplace_back(stage.data, reader_.Where(node["data"], path + ".data"));
    const YAML::Node models = node["models"];
    if (!models || !(models.IsSequence() || models.IsScalar()) ||
        (models.IsSequence() && models.size() == 0)) {
      return reader_.Error(models ? models : node, path + ".models", "train stage '", stage.name,
                           "' needs 'models': a list of model names");
    }
    if (models.IsScalar()) {
      DEEPRC_ASSIGN_OR_RETURN(auto names, reader_.Strings(models, path + ".models", kSplit));
      for (auto& name : names) {
        // A model name becomes a folder (stages/<stage>/<model>) and a task uid: the list form's check.
        if (!ValidName(name)) {
          return reader_.Error(models, path + ".models", "model name '", name,
                               "' may hold only letters, digits, '_' and '-'");
        }
        stage.models.push_back({name, nlohmann::json::object(), {}, reader_.Where(models, path + ".models")});
      }
    } else {
      for (size_t i = 0; i < models.size(); ++i) {
        const std::string at = path + ".models." + std::to_string(i);
        const YAML::Node entry = models[i];
        ModelSpec model;
        model.where = reader_.Where(entry, at);
        if (entry.IsScalar()) {
          model.name = entry.Scalar();
        } else {
          DEEPRC_RETURN_NOT_OK(reader_.CheckKeys(entry, at, {"name", "settings", "arguments"}, "a model"));
          if (!entry["name"]) return reader_.Error(entry, at, "a model entry needs a 'name'");
          DEEPRC_ASSIGN_OR_RETURN(model.name, reader_.String(entry["name"], at + ".name"));
          if (entry["settings"]) {
            DEEPRC_ASSIGN_OR_RETURN(model.hyperparameters, Settings(entry["settings"], at + ".settings"));
          }
          if (entry["arguments"]) {
            DEEPRC_ASSIGN_OR_RETURN(model.arguments, reader_.Strings(entry["arguments"], at + ".arguments"));
          }
        }
        // Model names are checked by the train task itself, not here: the spec knows no registry.
        if (!ValidName(model.name)) {
          return reader_.Error(entry, at, "model name '", model.name,
                               "' may hold only letters, digits, '_' and '-'");
        }
        for (const auto& other : stage.models) {
          if (other.name == model.name)
            return reader_.Error(entry, at, "model '", model.name, "' is listed twice");
        }
        stage.models.push_back(std::move(model));
      }
    }
    DEEPRC_RETURN_NOT_OK(ParseTrainSettings(node, path, stage.train));
    if (node["pool"]) {
      DEEPRC_ASSIGN_OR_RETURN(stage.pool, reader_.Bool(node["pool"], path + ".pool"));
    }
    if (stage.pool) {  // a worker of the pool is one core with the pool's environment
      if (stage.cores != 1) {
        return Status::Invalid(stage.cores_where, ": train stage '", stage.name,
                               "' trains in the pool, one worker (one core) per rank; it cannot ask for ",
                               stage.cores, " cores");
      }
      if (stage.gpus != 0) {
        return Status::Invalid(stage.gpus_where, ": train stage '", stage.name,
                               "': training in the pool on GPUs is not supported yet");
      }
      bool arguments = !stage.train.arguments.empty();
      for (const auto& model : stage.models) arguments |= !model.arguments.empty();
      if (arguments || !stage.environment.empty()) {
        return reader_.Error(node["pool"], path + ".pool", "train stage '", stage.name,
                             "' trains in the pool: it takes no 'arguments' (deeprc train flags) and no "
                             "'environment'");
      }
    }
    return Status::OK();
  }

  Status ParsePredict(const YAML::Node& node, const std::string& path, StageSpec& stage) {
    if (!node["from"])
      return reader_.Error(node, path, "predict stage '", stage.name, "' needs 'from': a train stage");
    DEEPRC_ASSIGN_OR_RETURN(stage.from, reader_.String(node["from"], path + ".from"));
    from_where_[stage.name] = reader_.Where(node["from"], path + ".from");
    if (node["data"]) {
      DEEPRC_ASSIGN_OR_RETURN(stage.data, reader_.String(node["data"], path + ".data"));
      table_refs_.emplace_back(stage.data, reader_.Where(node["data"], path + ".data"));
    }
    return Status::OK();
  }

  Status ParseReport(const YAML::Node& node, const std::string& path, StageSpec& stage) {
    if (node["stages"]) {
      DEEPRC_ASSIGN_OR_RETURN(stage.report_stages, reader_.Strings(node["stages"], path + ".stages", kSplit));
      report_where_[stage.name] = reader_.Where(node["stages"], path + ".stages");
    }
    if (node["tables"]) {
      DEEPRC_ASSIGN_OR_RETURN(stage.tables, reader_.Strings(node["tables"], path + ".tables", kSplit));
      for (const auto& table : stage.tables)
        table_refs_.emplace_back(table, reader_.Where(node["tables"], path + ".tables"));
    }
    if (node["series"]) {
      DEEPRC_ASSIGN_OR_RETURN(stage.series, reader_.String(node["series"], path + ".series"));
    }
    if (node["points"]) {
      DEEPRC_ASSIGN_OR_RETURN(stage.points, reader_.Integer(node["points"], path + ".points", 1));
    }
    return Status::OK();
  }

  Status ParseExec(const YAML::Node& node, const std::string& path, StageSpec& stage) {
    if (!node["executable"])
      return reader_.Error(node, path, "exec stage '", stage.name, "' needs an 'executable'");
    DEEPRC_ASSIGN_OR_RETURN(stage.executable, reader_.String(node["executable"], path + ".executable"));
    if (node["arguments"]) {
      DEEPRC_ASSIGN_OR_RETURN(stage.arguments, reader_.Strings(node["arguments"], path + ".arguments"));
    }
    if (node["shell"]) {
      DEEPRC_ASSIGN_OR_RETURN(stage.shell, reader_.Bool(node["shell"], path + ".shell"));
    }
    // {table:NAME} in the command line reads a table: a dependency like any other.
    std::vector<std::string> words = stage.arguments;
    words.push_back(stage.executable);
    for (const auto& word : words) DEEPRC_RETURN_NOT_OK(CollectTableRefs(node, path, stage.where, word));
    return Status::OK();
  }

  Status ParseFunction(const YAML::Node& node, const std::string& path, StageSpec& stage) {
    DEEPRC_ASSIGN_OR_RETURN(stage.function, reader_.String(node["function"], path + ".function"));
    if (node["args"]) {
      DEEPRC_ASSIGN_OR_RETURN(stage.args, reader_.Json(node["args"], path + ".args"));
      if (!stage.args.is_object()) {
        return reader_.Error(node["args"], path + ".args", "'args' of function stage '", stage.name,
                             "' must be a map");
      }
    }
    DEEPRC_RETURN_NOT_OK(ParseBackend(node, path, stage));
    if (node["library"]) {
      DEEPRC_ASSIGN_OR_RETURN(stage.library, reader_.String(node["library"], path + ".library"));
    }
    // A function runs in the pool's workers: one core each, their environment.
    if (stage.cores != 1) {
      return Status::Invalid(stage.cores_where, ": function stage '", stage.name,
                             "' runs one worker (one core) per rank; it cannot ask for ", stage.cores, " cores");
    }
    if (stage.gpus != 0) {
      return Status::Invalid(stage.gpus_where, ": function stage '", stage.name,
                             "': function tasks on GPUs are not supported yet");
    }
    if (!stage.environment.empty()) {
      return reader_.Error(node["environment"], path + ".environment", "function stage '", stage.name,
                           "' runs in the pool's workers and cannot set an environment");
    }
    // {table:NAME} in a string argument reads a table: a dependency like any other.
    Status refs = Status::OK();
    ForEachString(stage.args, [&](const std::string& word) {
      if (refs.ok()) refs = CollectTableRefs(node["args"], path + ".args", reader_.Where(node["args"], path + ".args"), word);
    });
    return refs;
  }

  // Notes every {table:NAME} of `word` as a table this stage reads, found at `where`.
  Status CollectTableRefs(const YAML::Node& node, const std::string& path, const std::string& where,
                          const std::string& word) {
    if (word.find("{table:") != std::string::npos && word.find('}', word.find("{table:")) == std::string::npos) {
      return reader_.Error(node, path, "unclosed {table: in '", word, "'");
    }
    for (const auto& table : TableNamesIn(word)) table_refs_.emplace_back(table, where);
    return Status::OK();
  }

  // Checks references now that every name is known, fills `depends` and orders the stages.
  Status Resolve(PipelineSpec& spec) {
    // Table references, in the order they were read, so the first bad one is the one reported.
    for (const auto& [table, where] : table_refs_) {
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
      for (const auto& op : stage.ops) {
        for (const auto& table : op.tables) reads(table);
      }
      if (!stage.data.empty()) reads(stage.data);
      for (const auto& table : stage.tables) reads(table);
      for (const auto& word : stage.arguments) {
        for (const auto& table : TableNamesIn(word)) reads(table);
      }
      ForEachString(stage.args, [&](const std::string& word) {
        for (const auto& table : TableNamesIn(word)) reads(table);
      });
      if (stage.kind == StageKind::kPredict) {
        const StageSpec* from = spec.FindStage(stage.from);
        if (!from || from->kind != StageKind::kTrain) {
          return Status::Invalid(from_where_[stage.name], ": predict stage '", stage.name, "' is from '",
                                 stage.from, "', which is no train stage");
        }
        depends.insert(from->name);
        if (stage.data.empty()) stage.data = from->data;
        reads(stage.data);
        stage.models = from->models;
        stage.train = from->train;
        stage.backend = from->backend;
      }
      if (stage.kind == StageKind::kReport) {
        if (stage.report_stages.empty()) {
          // Default: every predict stage, or every train stage when there is none.
          for (const auto& other : spec.stages) {
            if (other.kind == StageKind::kPredict) stage.report_stages.push_back(other.name);
          }
          if (stage.report_stages.empty()) {
            for (const auto& other : spec.stages) {
              if (other.kind == StageKind::kTrain) stage.report_stages.push_back(other.name);
            }
          }
        }
        for (const auto& name : stage.report_stages) {
          const StageSpec* other = spec.FindStage(name);
          if (!other || (other->kind != StageKind::kTrain && other->kind != StageKind::kPredict)) {
            return Status::Invalid(report_where_.count(stage.name) ? report_where_[stage.name] : stage.where,
                                   ": report stage '", stage.name, "' reports on '", name,
                                   "', which is no train or predict stage");
          }
          depends.insert(name);
        }
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
  std::vector<std::pair<std::string, std::string>> table_refs_;  // table name, where
  std::map<std::string, std::string> after_where_, from_where_, report_where_;
};

}  // namespace

std::string_view ToString(StageKind kind) {
  static constexpr EnumName<StageKind> kNames[] = {
      {StageKind::kData, "data"},       {StageKind::kTable, "table"}, {StageKind::kTrain, "train"},
      {StageKind::kPredict, "predict"}, {StageKind::kReport, "report"}, {StageKind::kExec, "exec"},
      {StageKind::kFunction, "function"}};
  return NameOf(kNames, kind);
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
