// `deeprc predict --checkpoint DIR --data FILE --out DIR`: a trained model's forecasts of the test
// period of a table, written as `deeprc train` writes its own (predictions.parquet, metrics.json);
// the checkpoint folder is only read.
#include <cstdio>
#include <limits>
#include <optional>

#include "deeprc/cli/commands.h"
#include "deeprc/cli/number_checks.h"
#include "deeprc/learn/predict_job.h"
#include "deeprc/learn/threads.h"

namespace deeprc::cli {
namespace {

struct PredictArguments {
  learn::PredictJobOptions job;
  std::string checkpoint, data, out;
  std::optional<int> threads;  // unset: the cores
};

Status RunPredict(const PredictArguments& arguments) {
  learn::PredictJobOptions job = arguments.job;
  job.checkpoint = arguments.checkpoint;
  job.data = arguments.data;
  job.out_dir = arguments.out;
  learn::UseThreads(arguments.threads.value_or(0));
  DEEPRC_ASSIGN_OR_RETURN(auto outcome, learn::RunPredictJob(job));
  std::printf("%s: test MSE %.4f  MAE %.4f  (checkpoint of %lld steps) -> %s\n",
              outcome.summary["model"].get<std::string>().c_str(), outcome.test.mse, outcome.test.mae,
              (long long)outcome.summary["training"]["steps"].get<int64_t>(), arguments.out.c_str());
  return Status::OK();
}

}  // namespace

void AddPredictCommand(CLI::App& app, CommandResult& result) {
  auto arguments = std::make_shared<PredictArguments>();
  CLI::App* command = app.add_subcommand(
      "predict", "Forecast the test period of a table with a trained model's checkpoint (written by deeprc train)");
  command
      ->add_option("--checkpoint", arguments->checkpoint,
                   "The checkpoint folder of a train run (its --out/checkpoint: job.json, checkpoint.pt); only read")
      ->required();
  command
      ->add_option("--data", arguments->data,
                   "Table with the columns the model was trained on (ETT format; .csv, .parquet, .arrow)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--out", arguments->out, "Output folder: predictions.parquet, metrics.json")->required();
  command->add_option("--device", arguments->job.device, "cpu, cuda or cuda:N (CUDA needs a CUDA LibTorch)")
      ->capture_default_str();
  command->add_option("--threads", arguments->threads, "Intra-op threads (default: the cores)")
      ->check(WholeNumber(1, std::numeric_limits<int>::max()));
  command
      ->add_option("--loader-workers", arguments->job.loader_workers,
                   "Threads that collate batches (0: on the calling thread)")
      ->check(WholeNumber(0, std::numeric_limits<int>::max()))
      ->capture_default_str();
  command->callback([arguments, &result] { result.status = RunPredict(*arguments); });
}

}  // namespace deeprc::cli
