#include "deeprc/pipeline/spec_kinds.h"

#include "deeprc/learn/forecast_job_json.h"

namespace deeprc::pipeline::spec_kinds {
namespace {

Result<nlohmann::json> Settings(const YAML::Node& node, const std::string& path,
                                const StageReading& reading) {
  if (!node.IsMap())
    return reading.reader.Error(node, path, "'", path, "' must be a map of hyperparameter: value");
  // Values as JSON, typed as YAML reads them ([1, 2] is a list of integers, not of strings).
  nlohmann::json settings = nlohmann::json::object();
  for (const auto& item : node) {
    const std::string key = item.first.Scalar();
    DEEPRC_ASSIGN_OR_RETURN(settings[key], reading.reader.Json(item.second, path + "." + key));
  }
  return settings;
}

// The train keys as the learn job's JSON form: each read with its type and range as YAML says
// it ("spec.yaml:12: 'stages.train.max_steps' must be at least 1"), then the whole through
// learn's reader, which checks what only the job knows (e.g. the scaler's name).
Status ReadTrainSettings(const YAML::Node& node, const std::string& path, TrainSettings& train,
                         const StageReading& reading) {
  nlohmann::json job = nlohmann::json::object();
  auto integer = [&](const char* key, int64_t min) -> Status {
    if (!node[key]) return Status::OK();
    DEEPRC_ASSIGN_OR_RETURN(const int64_t value, reading.reader.Integer(node[key], path + "." + key, min));
    job[key] = value;
    return Status::OK();
  };
  for (const char* key :
       {"horizon", "input_size", "max_steps", "batch_size", "val_check_steps", "early_stop"}) {
    DEEPRC_RETURN_NOT_OK(integer(key, 1));
  }
  DEEPRC_RETURN_NOT_OK(integer("seed", 0));
  if (node["learning_rate"]) {
    DEEPRC_ASSIGN_OR_RETURN(const double rate,
                            reading.reader.Number(node["learning_rate"], path + ".learning_rate"));
    // Zero is no learning rate: refuse it rather than let it stand for the model's default.
    if (rate <= 0) {
      return reading.reader.Error(node["learning_rate"], path + ".learning_rate", "'", path,
                                  ".learning_rate' must be greater than 0, not ", rate);
    }
    job["learning_rate"] = rate;
  }
  if (node["targets"]) {
    DEEPRC_ASSIGN_OR_RETURN(job["targets"],
                            reading.reader.Strings(node["targets"], path + ".targets", kSplit));
  }
  for (const char* key : {"scaler", "loss"}) {
    if (node[key]) {
      DEEPRC_ASSIGN_OR_RETURN(job[key], reading.reader.String(node[key], path + "." + key));
    }
  }
  if (node["settings"]) {
    DEEPRC_ASSIGN_OR_RETURN(job["hyperparameters"], Settings(node["settings"], path + ".settings", reading));
  }
  if (node["arguments"]) {
    DEEPRC_ASSIGN_OR_RETURN(train.arguments, reading.reader.Strings(node["arguments"], path + ".arguments"));
  }
  // A placeholder model: the stage's models are named per model, and checked by the train task.
  job["model"] = "-";
  auto options = learn::ForecastJobFromJson(job);
  if (!options.ok()) return reading.reader.Error(node, path, "'", path, "': ", options.status().message());
  train.job = learn::ToJson(*options);
  for (const char* key : {"model", "data", "out"}) train.job.erase(key);
  return Status::OK();
}

}  // namespace

Status ReadTrainStage(const YAML::Node& node, const std::string& path, StageSpec& stage,
                      StageReading& reading) {
  TrainStageSpec& train = stage.detail.emplace<TrainStageSpec>();
  stage.backend = "gloo";
  if (node["backend"]) {
    DEEPRC_ASSIGN_OR_RETURN(stage.backend, reading.reader.String(node["backend"], path + ".backend"));
    if (stage.backend != "gloo" && stage.backend != "mpi") {
      return reading.reader.Error(node["backend"], path + ".backend", "unknown backend '", stage.backend,
                                  "' (gloo or mpi)");
    }
  }
  DEEPRC_ASSIGN_OR_RETURN(train.data,
                          reading.RequiredString(node, path, stage, "data", "'data': the table to train on"));
  reading.table_refs.emplace_back(train.data, reading.reader.Where(node["data"], path + ".data"));
  const YAML::Node models = node["models"];
  if (!models || !(models.IsSequence() || models.IsScalar()) || (models.IsSequence() && models.size() == 0)) {
    return reading.reader.Error(models ? models : node, path + ".models", "train stage '", stage.name,
                                "' needs 'models': a list of model names");
  }
  if (models.IsScalar()) {
    DEEPRC_ASSIGN_OR_RETURN(auto names, reading.reader.Strings(models, path + ".models", kSplit));
    for (auto& name : names) {
      // A model name becomes a folder (stages/<stage>/<model>) and a task uid: the list form's check.
      if (!ValidName(name)) {
        return reading.reader.Error(models, path + ".models", "model name '", name,
                                    "' may hold only letters, digits, '_' and '-'");
      }
      train.models.push_back(
          {name, nlohmann::json::object(), {}, reading.reader.Where(models, path + ".models")});
    }
  } else {
    for (size_t i = 0; i < models.size(); ++i) {
      const std::string at = path + ".models." + std::to_string(i);
      const YAML::Node entry = models[i];
      ModelSpec model;
      model.where = reading.reader.Where(entry, at);
      if (entry.IsScalar()) {
        model.name = entry.Scalar();
      } else {
        DEEPRC_RETURN_NOT_OK(
            reading.reader.CheckKeys(entry, at, {"name", "settings", "arguments"}, "a model"));
        if (!entry["name"]) return reading.reader.Error(entry, at, "a model entry needs a 'name'");
        DEEPRC_ASSIGN_OR_RETURN(model.name, reading.reader.String(entry["name"], at + ".name"));
        if (entry["settings"]) {
          DEEPRC_ASSIGN_OR_RETURN(model.hyperparameters,
                                  Settings(entry["settings"], at + ".settings", reading));
        }
        if (entry["arguments"]) {
          DEEPRC_ASSIGN_OR_RETURN(model.arguments,
                                  reading.reader.Strings(entry["arguments"], at + ".arguments"));
        }
      }
      // Model names are checked by the train task itself, not here: the spec knows no registry.
      if (!ValidName(model.name)) {
        return reading.reader.Error(entry, at, "model name '", model.name,
                                    "' may hold only letters, digits, '_' and '-'");
      }
      for (const auto& other : train.models) {
        if (other.name == model.name)
          return reading.reader.Error(entry, at, "model '", model.name, "' is listed twice");
      }
      train.models.push_back(std::move(model));
    }
  }
  DEEPRC_RETURN_NOT_OK(ReadTrainSettings(node, path, train.settings, reading));
  if (node["pool"]) {
    DEEPRC_ASSIGN_OR_RETURN(train.pool, reading.reader.Bool(node["pool"], path + ".pool"));
  }
  if (train.pool) {  // a worker of the pool is one core with the pool's environment
    if (stage.cores != 1) {
      return Status::Invalid(stage.cores_where, ": train stage '", stage.name,
                             "' trains in the pool, one worker (one core) per rank; it cannot ask for ",
                             stage.cores, " cores");
    }
    if (stage.gpus != 0) {
      return Status::Invalid(stage.gpus_where, ": train stage '", stage.name,
                             "': training in the pool on GPUs is not supported yet");
    }
    bool arguments = !train.settings.arguments.empty();
    for (const auto& model : train.models) arguments |= !model.arguments.empty();
    if (arguments || !stage.environment.empty()) {
      return reading.reader.Error(node["pool"], path + ".pool", "train stage '", stage.name,
                                  "' trains in the pool: it takes no 'arguments' (deeprc train flags) and no "
                                  "'environment'");
    }
  }
  return Status::OK();
}
}  // namespace deeprc::pipeline::spec_kinds
