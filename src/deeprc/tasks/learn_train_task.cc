// learn.train as a function task: one model's forecasting run (learn::RunForecastJob, what
// `deeprc train` runs) on the task's communicator, so a pipeline trains in the same pool of
// workers as its table functions, without a process start per model. With several ranks the
// training is data-parallel over exactly the task's workers; rank 0 writes predictions.parquet,
// metrics.json and the checkpoint into `out`.
#include <nlohmann/json.hpp>

#include "deeprc/agent/raptor/function_registry.h"
#include "deeprc/learn/data/ett.h"
#include "deeprc/learn/forecast_job.h"
#include "deeprc/learn/threads.h"
#include "deeprc/tasks/function_args.h"

namespace deeprc::tasks {
namespace {

// args: model, data (a table file), out (a folder), and optionally horizon, input_size, max_steps,
// batch_size, learning_rate, val_check_steps, early_stop, loss, seed, targets, scaler,
// hyperparameters (a map), overwrite. Ranges are learn::ValidateForecastJob's. Returns rank 0's
// metrics.json.
Result<nlohmann::json> LearnTrainTask(raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(
      auto args, FunctionArgs::Read("learn.train", context.args(),
                                    {"model", "data", "out", "horizon", "input_size", "max_steps",
                                     "batch_size", "learning_rate", "val_check_steps", "early_stop", "loss",
                                     "seed", "targets", "scaler", "hyperparameters", "overwrite"}));
  learn::ForecastJobOptions job;
  DEEPRC_ASSIGN_OR_RETURN(job.model, args.String("model"));
  DEEPRC_ASSIGN_OR_RETURN(const std::string data_path, args.String("data"));
  DEEPRC_ASSIGN_OR_RETURN(const std::string out, args.String("out"));
  job.out_dir = out;
  DEEPRC_ASSIGN_OR_RETURN(job.horizon, args.Int("horizon", job.horizon));
  DEEPRC_ASSIGN_OR_RETURN(job.hyperparameters, args.Object("hyperparameters"));
  DEEPRC_ASSIGN_OR_RETURN(const int64_t seed, args.Int("seed", 1));
  if (seed < 0) return args.Invalid("seed", "must be a whole number >= 0, got " + std::to_string(seed));
  job.seed = static_cast<uint64_t>(seed);
  DEEPRC_ASSIGN_OR_RETURN(job.overwrite, args.Bool("overwrite", false));
  // Unset settings keep the model's defaults. (The macros are several statements: braces.)
  if (args.Has("input_size")) {
    DEEPRC_ASSIGN_OR_RETURN(job.input_size, args.Int("input_size", 0));
  }
  if (args.Has("max_steps")) {
    DEEPRC_ASSIGN_OR_RETURN(job.max_steps, args.Int("max_steps", 0));
  }
  if (args.Has("batch_size")) {
    DEEPRC_ASSIGN_OR_RETURN(job.batch_size, args.Int("batch_size", 0));
  }
  if (args.Has("val_check_steps")) {
    DEEPRC_ASSIGN_OR_RETURN(job.val_check_steps, args.Int("val_check_steps", 0));
  }
  if (args.Has("learning_rate")) {
    DEEPRC_ASSIGN_OR_RETURN(job.learning_rate, args.Number("learning_rate", 0));
  }
  if (args.Has("early_stop")) {
    DEEPRC_ASSIGN_OR_RETURN(const int64_t patience, args.Int("early_stop", 0));
    job.early_stop_patience = static_cast<int>(patience);
  }
  if (args.Has("loss")) {
    DEEPRC_ASSIGN_OR_RETURN(job.loss, args.String("loss"));
  }

  // Before the data is read: a bad value is the caller's to fix, whatever the data holds.
  DEEPRC_RETURN_NOT_OK(WithContext(learn::ValidateForecastJob(job), "learn.train: argument "));

  learn::EttOptions data_options;
  DEEPRC_ASSIGN_OR_RETURN(data_options.targets, args.Strings("targets"));
  DEEPRC_ASSIGN_OR_RETURN(const std::string scaler, args.String("scaler", "standard"));
  DEEPRC_ASSIGN_OR_RETURN(data_options.scaler, learn::ParseScalerKind(scaler));
  DEEPRC_ASSIGN_OR_RETURN(auto data, learn::LoadEtt(data_path, data_options));

  // A worker is one core: LibTorch's and OpenBLAS's pools get one thread.
  learn::UseThreads(1);
  DEEPRC_ASSIGN_OR_RETURN(auto outcome, learn::RunForecastJob(data, job, &context.comm()));
  return outcome.summary;
}

}  // namespace

DEEPRC_TASK("learn.train", LearnTrainTask);

}  // namespace deeprc::tasks
