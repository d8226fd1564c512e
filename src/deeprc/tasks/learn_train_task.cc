// learn.train and learn.predict as function tasks: one model's forecasting run (what `deeprc train`
// runs) on the task's communicator, and a trained model's forecasts (what `deeprc predict` runs),
// so a pipeline trains in the same pool of workers as its table functions, without a process start
// per model. With several ranks the training is data-parallel over exactly the task's workers;
// rank 0 writes predictions.parquet, metrics.json and the checkpoint into `out`.
#include <nlohmann/json.hpp>

#include "deeprc/agent/raptor/function_registry.h"
#include "deeprc/learn/forecast_job.h"
#include "deeprc/learn/forecast_job_json.h"
#include "deeprc/learn/predict_job.h"
#include "deeprc/learn/threads.h"
#include "deeprc/tasks/function_args.h"

namespace deeprc::tasks {
namespace {

// args: the forecasting job's JSON form (learn/forecast_job_json.h), with `data` and `out`
// required. Returns rank 0's metrics.json.
Result<nlohmann::json> LearnTrainTask(raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(auto job, WithContext(learn::ForecastJobFromJson(context.args()), "learn.train: "));
  if (job.data.empty()) return Status::Invalid("learn.train: argument 'data' is required");
  if (job.out_dir.empty()) return Status::Invalid("learn.train: argument 'out' is required");
  // A worker is one core: LibTorch's and OpenBLAS's pools get one thread.
  learn::UseThreads(1);
  DEEPRC_ASSIGN_OR_RETURN(auto outcome, learn::RunForecastJob(job, &context.comm()));
  return outcome.summary;
}

// args: checkpoint (a train job's checkpoint folder), data, out. Returns metrics.json. Forecasts
// on rank 0 only: the other ranks of a task with several return without work.
Result<nlohmann::json> LearnPredictTask(raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(auto args,
                          FunctionArgs::Read("learn.predict", context.args(), {"checkpoint", "data", "out"}));
  learn::PredictJobOptions options;
  DEEPRC_ASSIGN_OR_RETURN(const std::string checkpoint, args.String("checkpoint"));
  DEEPRC_ASSIGN_OR_RETURN(const std::string data, args.String("data"));
  DEEPRC_ASSIGN_OR_RETURN(const std::string out, args.String("out"));
  options.checkpoint = checkpoint;
  options.data = data;
  options.out_dir = out;
  if (context.comm().rank() != 0) return nlohmann::json::object();
  learn::UseThreads(1);
  DEEPRC_ASSIGN_OR_RETURN(auto outcome, WithContext(learn::RunPredictJob(options), "learn.predict: "));
  return outcome.summary;
}

}  // namespace

DEEPRC_TASK("learn.train", LearnTrainTask);
DEEPRC_TASK("learn.predict", LearnPredictTask);

}  // namespace deeprc::tasks
