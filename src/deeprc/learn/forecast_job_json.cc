#include "deeprc/learn/forecast_job_json.h"

#include <algorithm>
#include <utility>

#include "deeprc/core/nearest_name.h"

namespace deeprc::learn {
namespace {

using nlohmann::json;

std::string Listed(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

Status WrongType(const std::string& key, const char* expected, const json& value) {
  return Status::Invalid("'", key, "' must be ", expected, ", got ", value.dump());
}

// Readers of one key each: null leaves the value as it is (an unset optional setting).
Status Read(const json& job, const std::string& key, std::string* out) {
  if (!job.contains(key) || job[key].is_null()) return Status::OK();
  if (!job[key].is_string()) return WrongType(key, "a string", job[key]);
  *out = job[key].get<std::string>();
  return Status::OK();
}

template <typename Int>
Status ReadInt(const json& job, const std::string& key, Int* out) {
  if (!job.contains(key) || job[key].is_null()) return Status::OK();
  const json& value = job[key];
  if (!value.is_number_integer()) return WrongType(key, "a whole number", value);
  const bool fits = value.is_number_unsigned() ? std::in_range<Int>(value.get<uint64_t>())
                                              : std::in_range<Int>(value.get<int64_t>());
  if (!fits) return Status::Invalid("'", key, "' is out of range, got ", value.dump());
  *out = value.get<Int>();
  return Status::OK();
}

template <typename Int>
Status ReadOptionalInt(const json& job, const std::string& key, std::optional<Int>* out) {
  if (!job.contains(key) || job[key].is_null()) return Status::OK();
  Int value = 0;
  DEEPRC_RETURN_NOT_OK(ReadInt(job, key, &value));
  *out = value;
  return Status::OK();
}

Status ReadNumber(const json& job, const std::string& key, double* out) {
  if (!job.contains(key) || job[key].is_null()) return Status::OK();
  if (!job[key].is_number()) return WrongType(key, "a number", job[key]);
  *out = job[key].get<double>();
  return Status::OK();
}

// A comma-separated string (as `--targets OT,HUFL`) or a list of strings.
Status ReadNames(const json& job, const std::string& key, std::vector<std::string>* out) {
  if (!job.contains(key) || job[key].is_null()) return Status::OK();
  const json& value = job[key];
  out->clear();
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    for (size_t begin = 0; begin <= text.size();) {
      const size_t end = std::min(text.find(',', begin), text.size());
      if (end > begin) out->push_back(text.substr(begin, end - begin));
      begin = end + 1;
    }
    return Status::OK();
  }
  if (!value.is_array()) return WrongType(key, "a string or a list of strings", value);
  for (const auto& item : value) {
    if (!item.is_string()) return WrongType(key, "a string or a list of strings", value);
    out->push_back(item.get<std::string>());
  }
  return Status::OK();
}

json Optional(const auto& value) { return value ? json(*value) : json(); }

}  // namespace

const std::vector<std::string>& ForecastJobKeys() {
  static const std::vector<std::string> keys = {
      "data",          "targets",    "scaler",          "model",      "hyperparameters",
      "horizon",       "input_size", "max_steps",       "learning_rate", "batch_size",
      "val_check_steps", "early_stop", "loss",          "gradient_clip_norm", "seed",
      "device",        "loader_workers", "out",         "overwrite"};
  return keys;
}

Result<ForecastJobOptions> ForecastJobFromJson(const json& job) {
  if (!job.is_object()) return Status::Invalid("a forecasting job must be a JSON object, got ", job.dump());
  const auto& keys = ForecastJobKeys();
  for (const auto& [key, value] : job.items()) {
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    const std::string nearest = NearestName(key, keys);
    return Status::Invalid("unknown key '", key, "'", nearest.empty() ? "" : " (did you mean '" + nearest + "'?)",
                           "; a forecasting job takes: ", Listed(keys));
  }
  ForecastJobOptions options;
  std::string path;
  DEEPRC_RETURN_NOT_OK(Read(job, "data", &path));
  options.data = path;
  DEEPRC_RETURN_NOT_OK(ReadNames(job, "targets", &options.targets));
  if (job.contains("scaler") && !job["scaler"].is_null()) {
    std::string scaler;
    DEEPRC_RETURN_NOT_OK(Read(job, "scaler", &scaler));
    DEEPRC_ASSIGN_OR_RETURN(options.scaler, WithContext(ParseScalerKind(scaler), "scaler: "));
  }
  DEEPRC_RETURN_NOT_OK(Read(job, "model", &options.model));
  if (job.contains("hyperparameters") && !job["hyperparameters"].is_null()) {
    if (!job["hyperparameters"].is_object()) {
      return WrongType("hyperparameters", "a map of hyperparameter: value", job["hyperparameters"]);
    }
    options.hyperparameters = job["hyperparameters"];
  }
  DEEPRC_RETURN_NOT_OK(ReadInt(job, "horizon", &options.horizon));
  DEEPRC_RETURN_NOT_OK(ReadOptionalInt(job, "input_size", &options.input_size));
  DEEPRC_RETURN_NOT_OK(ReadOptionalInt(job, "max_steps", &options.max_steps));
  if (job.contains("learning_rate") && !job["learning_rate"].is_null()) {
    double rate = 0;
    DEEPRC_RETURN_NOT_OK(ReadNumber(job, "learning_rate", &rate));
    options.learning_rate = rate;
  }
  DEEPRC_RETURN_NOT_OK(ReadOptionalInt(job, "batch_size", &options.batch_size));
  DEEPRC_RETURN_NOT_OK(ReadOptionalInt(job, "val_check_steps", &options.val_check_steps));
  DEEPRC_RETURN_NOT_OK(ReadOptionalInt(job, "early_stop", &options.early_stop_patience));
  if (job.contains("loss") && !job["loss"].is_null()) {
    std::string loss;
    DEEPRC_RETURN_NOT_OK(Read(job, "loss", &loss));
    options.loss = loss;
  }
  DEEPRC_RETURN_NOT_OK(ReadNumber(job, "gradient_clip_norm", &options.gradient_clip_norm));
  if (job.contains("seed") && job["seed"].is_number_integer() && !job["seed"].is_number_unsigned() &&
      job["seed"].get<int64_t>() < 0) {
    return Status::Invalid("seed must be a whole number >= 0, got ", job["seed"].dump());
  }
  DEEPRC_RETURN_NOT_OK(ReadInt(job, "seed", &options.seed));
  DEEPRC_RETURN_NOT_OK(Read(job, "device", &options.device));
  DEEPRC_RETURN_NOT_OK(ReadInt(job, "loader_workers", &options.loader_workers));
  std::string out;
  DEEPRC_RETURN_NOT_OK(Read(job, "out", &out));
  options.out_dir = out;
  if (job.contains("overwrite") && !job["overwrite"].is_null()) {
    if (!job["overwrite"].is_boolean()) return WrongType("overwrite", "true or false", job["overwrite"]);
    options.overwrite = job["overwrite"].get<bool>();
  }
  DEEPRC_RETURN_NOT_OK(ValidateForecastJob(options));
  return options;
}

json ToJson(const ForecastJobOptions& job) {
  return {{"data", job.data.string()},
          {"targets", job.targets},
          {"scaler", std::string(ToString(job.scaler))},
          {"model", job.model},
          {"hyperparameters", job.hyperparameters},
          {"horizon", job.horizon},
          {"input_size", Optional(job.input_size)},
          {"max_steps", Optional(job.max_steps)},
          {"learning_rate", Optional(job.learning_rate)},
          {"batch_size", Optional(job.batch_size)},
          {"val_check_steps", Optional(job.val_check_steps)},
          {"early_stop", Optional(job.early_stop_patience)},
          {"loss", Optional(job.loss)},
          {"gradient_clip_norm", job.gradient_clip_norm},
          {"seed", job.seed},
          {"device", job.device},
          {"loader_workers", job.loader_workers},
          {"out", job.out_dir.string()},
          {"overwrite", job.overwrite}};
}

}  // namespace deeprc::learn
