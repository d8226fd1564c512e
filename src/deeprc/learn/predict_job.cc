#include "deeprc/learn/predict_job.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <chrono>

#include "deeprc/core/atomic_file.h"
#include "deeprc/learn/forecast_support.h"
#include "deeprc/learn/job_description.h"
#include "deeprc/learn/models/registry.h"
#include "deeprc/learn/trainer.h"

namespace deeprc::learn {
namespace {

using Clock = std::chrono::steady_clock;

// What a predict job takes from the train job's description: the model as it was built, and how
// the data was read. A description without them is refused rather than guessed.
struct TrainedJob {
  std::string model;
  nlohmann::json hyperparameters;
  int64_t horizon = 0;
  int64_t input_size = 0;
  ForecastJobOptions data;  // targets and scaler
  std::vector<std::string> series;
};

Result<TrainedJob> ReadTrainedJob(const std::filesystem::path& checkpoint) {
  DEEPRC_ASSIGN_OR_RETURN(const nlohmann::json job, ReadJobDescription(checkpoint));
  const std::string path = JobDescriptionPath(checkpoint).string();
  TrainedJob trained;
  try {
    trained.model = job.at("model").get<std::string>();
    trained.hyperparameters = job.at("hyperparameters");
    trained.horizon = job.at("horizon").get<int64_t>();
    trained.input_size = job.at("input_size").get<int64_t>();
    trained.series = job.at("data").at("series").get<std::vector<std::string>>();
    if (!job.contains("targets") || !job.contains("scaler")) {
      return Status::Invalid(path, ": the job does not say which columns it was trained on, or how they were ",
                             "scaled (a checkpoint of an older deeprc): train the model again");
    }
    trained.data.targets = job.at("targets").get<std::vector<std::string>>();
    DEEPRC_ASSIGN_OR_RETURN(trained.data.scaler, ParseScalerKind(job.at("scaler").get<std::string>()));
  } catch (const nlohmann::json::exception& error) {
    return Status::Invalid(path, ": not the description of a training job (", error.what(), ")");
  }
  return trained;
}

Result<ForecastJobResult> RunCheckedPredictJob(const PredictJobOptions& options) {
  const auto started = Clock::now();
  DEEPRC_ASSIGN_OR_RETURN(TrainedJob trained, ReadTrainedJob(options.checkpoint));
  trained.data.data = options.data;
  DEEPRC_ASSIGN_OR_RETURN(SeriesTable data, LoadJobData(trained.data));  // errors name the file
  if (data.series != trained.series) {
    return Status::Invalid(options.data.string(), ": series ", fmt::format("{}", fmt::join(data.series, ", ")),
                           ", but the model of ", options.checkpoint.string(), " was trained on ",
                           fmt::format("{}", fmt::join(trained.series, ", ")));
  }
  DEEPRC_ASSIGN_OR_RETURN(const torch::Device device, ParseDevice(options.device));
  DEEPRC_ASSIGN_OR_RETURN(
      auto model, MakeModel(trained.model, {.input_size = trained.input_size, .horizon = trained.horizon},
                            trained.hyperparameters));
  DEEPRC_ASSIGN_OR_RETURN(TrainedCheckpoint checkpoint, LoadTrainedModel(options.checkpoint, device, *model));
  DEEPRC_ASSIGN_OR_RETURN(auto test_windows, MakeWindows(data, trained.input_size, trained.horizon,
                                                         data.splits.val_end, data.splits.test_end));
  if (test_windows->size() == 0) {
    return Status::Invalid("input size ", trained.input_size, " + horizon ", trained.horizon,
                           " leaves no test windows in series of ", data.series_length, " rows");
  }
  const auto loaded_at = Clock::now();
  ForecastJobResult result;
  DEEPRC_ASSIGN_OR_RETURN(result.test, ForecastTestPeriod(*model, data, test_windows, options.loader_workers,
                                                          device, options.out_dir));
  nlohmann::json& summary = result.summary;
  summary["model"] = trained.model;
  summary["horizon"] = trained.horizon;
  summary["input_size"] = trained.input_size;
  summary["ranks"] = 1;
  summary["checkpoint"] = options.checkpoint.string();
  summary["training"] = {{"steps", checkpoint.steps}, {"best_step", checkpoint.best_step}};
  summary["windows"] = {{"test", test_windows->size()}};
  summary["test"] = ToJson(result.test);
  summary["test_seconds"] = std::chrono::duration<double>(Clock::now() - loaded_at).count();
  summary["seconds"] = std::chrono::duration<double>(Clock::now() - started).count();
  if (!options.out_dir.empty()) {
    DEEPRC_RETURN_NOT_OK(
        WriteTextFileAtomically((options.out_dir / "metrics.json").string(), summary.dump(2) + "\n"));
  }
  return result;
}

}  // namespace

Result<ForecastJobResult> RunPredictJob(const PredictJobOptions& options) {
  if (options.checkpoint.empty()) return Status::Invalid("checkpoint: no checkpoint folder named");
  if (options.data.empty()) return Status::Invalid("data: no table named to forecast");
  if (options.loader_workers < 0) {
    return Status::Invalid("loader_workers must be a whole number >= 0, got ", options.loader_workers);
  }
  std::error_code error;
  if (!options.out_dir.empty() && std::filesystem::equivalent(options.out_dir, options.checkpoint, error)) {
    return Status::Invalid("out: ", options.out_dir.string(),
                           " is the checkpoint folder, which a prediction never writes into");
  }
  // The edge of the learning layer: what LibTorch throws comes back as a Status.
  try {
    return RunCheckedPredictJob(options);
  } catch (const c10::Error& error) {
    return Status::ExecutionError("predict: ", error.what_without_backtrace());
  } catch (const std::exception& error) {
    return Status::ExecutionError("predict: ", error.what());
  }
}

}  // namespace deeprc::learn
