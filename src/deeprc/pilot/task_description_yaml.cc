#include "deeprc/pilot/task_description_yaml.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "deeprc/core/nearest_name.h"
#include "deeprc/core/yaml_reader.h"

namespace deeprc::pilot {
namespace {

// Mebibytes from a number or a string with a unit: "512", "512M", "2GB", "1GiB", "1T".
Result<int64_t> Mebibytes(const YamlReader& reader, const YAML::Node& node, const std::string& key) {
  DEEPRC_ASSIGN_OR_RETURN(auto text, reader.String(node, key));
  size_t end = 0;
  double value = 0;
  try {
    value = std::stod(text, &end);
  } catch (const std::exception&) {
    return reader.Error(node, key, "'", key, "' must be a size such as 512, 512M or 2G, not '", text, "'");
  }
  std::string unit = text.substr(end);
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char c) { return std::toupper(c); });
  static const std::map<std::string, double> kScale = {
      {"", 1},        {"K", 1.0 / 1024}, {"KB", 1.0 / 1024}, {"KIB", 1.0 / 1024}, {"M", 1},
      {"MB", 1},      {"MIB", 1},        {"G", 1024},        {"GB", 1024},        {"GIB", 1024},
      {"T", 1 << 20}, {"TB", 1 << 20},   {"TIB", 1 << 20}};
  auto scale = kScale.find(unit);
  if (scale == kScale.end() || value < 0) {
    return reader.Error(node, key, "'", key, "' must be a size such as 512, 512M or 2G, not '", text, "'");
  }
  return static_cast<int64_t>(value * scale->second + 0.5);
}

// A map of scalars ("environment", "tags").
Status StringMap(const YamlReader& reader, const YAML::Node& node, const std::string& key,
                 std::map<std::string, std::string>& out) {
  DEEPRC_ASSIGN_OR_RETURN(auto pairs, reader.StringPairs(node, key));
  for (auto& [name, value] : pairs) out[name] = std::move(value);
  return Status::OK();
}

// Staging directives: a path (copied under its own name) or a map of source, target and action.
Result<std::vector<StagingDirective>> Staging(const YamlReader& reader, const YAML::Node& node,
                                              const std::string& key) {
  if (!node.IsSequence()) return reader.Error(node, key, "'", key, "' must be a list");
  std::vector<StagingDirective> directives;
  for (const auto& item : node) {
    StagingDirective directive;
    if (item.IsScalar()) {  // "path": copy it under its own name
      directive.source = item.Scalar();
      directive.target = std::filesystem::path(item.Scalar()).filename().string();
    } else if (item.IsMap()) {
      for (const auto& field : item) {
        const std::string name = field.first.Scalar();
        if (name == "source") {
          DEEPRC_ASSIGN_OR_RETURN(directive.source, reader.String(field.second, name));
        } else if (name == "target") {
          DEEPRC_ASSIGN_OR_RETURN(directive.target, reader.String(field.second, name));
        } else if (name == "action") {
          DEEPRC_ASSIGN_OR_RETURN(auto action, reader.String(field.second, name));
          auto parsed = StagingActionFromString(action);
          if (!parsed.ok()) return reader.Error(field.second, name, parsed.status().message());
          directive.action = *parsed;
        } else {
          return reader.Error(field.first, name, "unknown key '", name, "' in ", key,
                              " (source, target, action)");
        }
      }
      if (directive.source.empty()) return reader.Error(item, key, key, " entry has no 'source'");
      if (directive.target.empty())
        directive.target = std::filesystem::path(directive.source).filename().string();
    } else {
      return reader.Error(item, key, key, " entries are paths or maps of source, target, action");
    }
    directives.push_back(std::move(directive));
  }
  return directives;
}

// Every task of a file is held by the client and by the agent, with its description and its
// messages: a typo such as `count: 100000000` would fill the memory before anything ran.
constexpr const char* kWhyTaskLimit =
    " tasks per file (each task is held in memory by the client and the agent; run more as several "
    "files)";

// Arguments are a list ("arguments: -x" is a mistake); pre_exec, post_exec, after and after_ended take
// one value too.
constexpr auto kListOnly = YamlReader::ListForm::kListOnly;

using FieldParser = std::function<Status(const YamlReader&, const YAML::Node&, TaskDescription&)>;

#define DEEPRC_FIELD(key, body) \
  { key, [](const YamlReader& reader, const YAML::Node& value, TaskDescription& task) -> Status body }

const std::map<std::string, FieldParser>& FieldParsers() {
  static const std::map<std::string, FieldParser> kParsers = {
      DEEPRC_FIELD("uid", { return reader.String(value, "uid").Value(&task.uid); }),
      DEEPRC_FIELD("name", { return reader.String(value, "name").Value(&task.name); }),
      DEEPRC_FIELD("mode",
                   {
                     DEEPRC_ASSIGN_OR_RETURN(auto name, reader.String(value, "mode"));
                     auto mode = TaskModeFromString(name);
                     if (!mode.ok()) return reader.Error(value, "mode", mode.status().message());
                     task.mode = *mode;
                     return Status::OK();
                   }),
      DEEPRC_FIELD("executable", { return reader.String(value, "executable").Value(&task.executable); }),
      DEEPRC_FIELD("function", { return reader.String(value, "function").Value(&task.function); }),
      DEEPRC_FIELD("args",
                   {
                     DEEPRC_ASSIGN_OR_RETURN(task.args, reader.Json(value, "args"));
                     if (!task.args.is_object()) return reader.Error(value, "args", "'args' must be a map");
                     return Status::OK();
                   }),
      DEEPRC_FIELD("backend", { return reader.String(value, "backend").Value(&task.backend); }),
      DEEPRC_FIELD("library", { return reader.String(value, "library").Value(&task.library); }),
      DEEPRC_FIELD("arguments",
                   { return reader.Strings(value, "arguments", kListOnly).Value(&task.arguments); }),
      DEEPRC_FIELD("shell", { return reader.Bool(value, "shell").Value(&task.shell); }),
      DEEPRC_FIELD("environment", { return StringMap(reader, value, "environment", task.environment); }),
      DEEPRC_FIELD("pre_exec", { return reader.Strings(value, "pre_exec").Value(&task.pre_exec); }),
      DEEPRC_FIELD("post_exec", { return reader.Strings(value, "post_exec").Value(&task.post_exec); }),
      DEEPRC_FIELD("working_directory",
                   { return reader.String(value, "working_directory").Value(&task.working_directory); }),
      DEEPRC_FIELD("stdout", { return reader.String(value, "stdout").Value(&task.stdout_file); }),
      DEEPRC_FIELD("stderr", { return reader.String(value, "stderr").Value(&task.stderr_file); }),
      DEEPRC_FIELD("ranks", { return reader.Number<int>(value, "ranks").Value(&task.ranks); }),
      DEEPRC_FIELD("cores_per_rank",
                   { return reader.Number<int>(value, "cores_per_rank").Value(&task.cores_per_rank); }),
      DEEPRC_FIELD("gpus_per_rank",
                   { return reader.Number<int>(value, "gpus_per_rank").Value(&task.gpus_per_rank); }),
      DEEPRC_FIELD("mem_per_rank",
                   { return Mebibytes(reader, value, "mem_per_rank").Value(&task.mem_per_rank); }),
      DEEPRC_FIELD("launch_method",
                   {
                     DEEPRC_ASSIGN_OR_RETURN(auto name, reader.String(value, "launch_method"));
                     auto method = LaunchMethodFromString(name);
                     if (!method.ok()) return reader.Error(value, "launch_method", method.status().message());
                     task.launch_method = *method;
                     return Status::OK();
                   }),
      DEEPRC_FIELD("input_staging",
                   { return Staging(reader, value, "input_staging").Value(&task.input_staging); }),
      DEEPRC_FIELD("output_staging",
                   { return Staging(reader, value, "output_staging").Value(&task.output_staging); }),
      DEEPRC_FIELD("timeout", { return reader.Seconds(value, "timeout").Value(&task.timeout); }),
      DEEPRC_FIELD("retries", { return reader.Number<int>(value, "retries").Value(&task.retries); }),
      DEEPRC_FIELD("tags", { return StringMap(reader, value, "tags", task.tags); }),
      DEEPRC_FIELD("priority", { return reader.Number<int>(value, "priority").Value(&task.priority); }),
      DEEPRC_FIELD("after", { return reader.Strings(value, "after").Value(&task.after); }),
      DEEPRC_FIELD("after_ended", { return reader.Strings(value, "after_ended").Value(&task.after_ended); }),
  };
  return kParsers;
}

#undef DEEPRC_FIELD

Status UnknownKey(const YamlReader& reader, const YAML::Node& key_node) {
  const std::string key = key_node.Scalar();
  std::vector<std::string> known;
  for (const auto& [name, parser] : FieldParsers()) known.push_back(name);
  std::string best = key == "count" ? std::string() : NearestName(key, known);
  return reader.Error(key_node, key, "unknown key '", key, "' in task",
                      best.empty() ? std::string() : " (did you mean '" + best + "'?)");
}

Status ParseEntry(const YamlReader& reader, const YAML::Node& entry, std::vector<TaskDescription>& tasks) {
  if (!entry.IsMap()) return reader.Error(entry, "", "a task must be a map of fields");
  TaskDescription task;
  int64_t count = 1;
  for (const auto& field : entry) {
    const std::string key = field.first.Scalar();
    if (key == "count") {
      DEEPRC_ASSIGN_OR_RETURN(count, reader.Integer(field.second, "count", 1));
      if (count > kMaxTasksPerFile) {
        return reader.Error(field.second, "count", "'count' is ", count, ", more than the limit of ",
                            kMaxTasksPerFile, kWhyTaskLimit);
      }
      continue;
    }
    auto parser = FieldParsers().find(key);
    if (parser == FieldParsers().end()) return UnknownKey(reader, field.first);
    DEEPRC_RETURN_NOT_OK(parser->second(reader, field.second, task));
  }
  auto valid = task.Validate();
  if (!valid.ok()) return reader.Error(entry, "", valid.message());
  if (static_cast<int64_t>(tasks.size()) + count > kMaxTasksPerFile) {
    return reader.Error(entry, "", "this entry brings the file to ", static_cast<int64_t>(tasks.size()) + count,
                        " tasks, more than the limit of ", kMaxTasksPerFile, kWhyTaskLimit);
  }
  for (int64_t i = 0; i < count; ++i) {
    tasks.push_back(task);
    if (count > 1 && !task.uid.empty()) tasks.back().uid += "." + std::to_string(i);
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<TaskDescription>> ParseTaskDescriptions(const std::string& yaml_text,
                                                           const std::string& origin) {
  DEEPRC_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(yaml_text, origin));
  YamlReader reader(origin);
  YAML::Node list = root;
  if (root.IsMap()) {
    for (const auto& field : root) {
      if (field.first.Scalar() != "tasks") {
        return reader.Error(field.first, field.first.Scalar(), "unknown key '", field.first.Scalar(),
                            "' (a task file holds 'tasks')");
      }
    }
    list = root["tasks"];
  }
  if (!list.IsSequence()) return Status::Invalid(origin, ": expected a list of tasks or a map with 'tasks'");
  std::vector<TaskDescription> tasks;
  for (const auto& entry : list) DEEPRC_RETURN_NOT_OK(ParseEntry(reader, entry, tasks));
  return tasks;
}

Result<std::vector<TaskDescription>> ReadTaskDescriptions(const std::string& path) {
  std::ifstream file(path);
  if (!file) return Status::IOError("cannot open task file '", path, "'");
  std::stringstream text;
  text << file.rdbuf();
  return ParseTaskDescriptions(text.str(), path);
}

}  // namespace deeprc::pilot
