// `deeprc train MODEL --data FILE --horizon H ...`: the bare-metal baseline. One model trained,
// validated and tested on an ETT-format file without a pilot, writing predictions and metrics.
// `deeprc data generate-ett` writes data in that format for machines without the real file.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <optional>
#include <thread>

#include "deeprc/cli/commands.h"
#include "deeprc/cli/number_checks.h"
#include "deeprc/learn/data/ett.h"
#include "deeprc/learn/forecast_job.h"
#include "deeprc/learn/models/registry.h"
#include "deeprc/core/key_values.h"
#include "deeprc/learn/threads.h"
#include "deeprc/net/launcher.h"

namespace deeprc::cli {
namespace {

struct TrainArguments {
  learn::ForecastJobOptions job;
  std::string data;
  std::vector<std::string> targets;  // empty: every numeric column
  std::string scaler = "standard";
  std::vector<std::string> settings;  // key=value hyperparameter overrides
  std::optional<int> threads;         // unset: the cores, shared by the ranks
  int ranks = 1;
  std::string backend = "gloo";
  bool quiet = false;
};

Status RunTrain(const TrainArguments& arguments, const CommandResult& result) {
  if (arguments.ranks > 1 && !net::InsideParallelJob()) {
    DEEPRC_ASSIGN_OR_RETURN(int code, net::LaunchRanks(arguments.ranks, arguments.backend, result.argv));
    result.exit_code = code;
    return Status::OK();
  }
  std::shared_ptr<net::Communicator> communicator;
  if (net::InsideParallelJob()) {
    DEEPRC_ASSIGN_OR_RETURN(communicator, net::MakeCommunicator(arguments.backend));
  }
  const bool root = !communicator || communicator->rank() == 0;
  int threads = arguments.threads.value_or(0);
  if (!arguments.threads && communicator) {
    threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / communicator->size());
  }
  learn::UseThreads(threads);

  learn::EttOptions data_options;
  data_options.targets = arguments.targets;
  DEEPRC_ASSIGN_OR_RETURN(data_options.scaler, learn::ParseScalerKind(arguments.scaler));
  DEEPRC_ASSIGN_OR_RETURN(auto data, learn::LoadEtt(arguments.data, data_options));

  learn::ForecastJobOptions job = arguments.job;
  DEEPRC_RETURN_NOT_OK(ParseKeyValues(arguments.settings, "--set", &job.hyperparameters));
  if (job.out_dir.empty()) job.out_dir = "train-" + job.model;
  if (root && !arguments.quiet) {
    job.on_progress = [](int64_t step, int64_t max_steps, double train_loss, double val_loss) {
      std::fprintf(stderr, "  step %6lld/%lld  train loss %.4f  validation loss %.4f\n", (long long)step,
                   (long long)max_steps, train_loss, val_loss);
    };
    std::fprintf(stderr, "deeprc train %s: %zu series of %lld rows from %s\n", job.model.c_str(),
                 data.series.size(), (long long)data.series_length, arguments.data.c_str());
  }
  DEEPRC_ASSIGN_OR_RETURN(auto outcome, learn::RunForecastJob(data, job, communicator.get()));
  if (root) {
    const auto& test = outcome.test;
    std::printf("%s: test MSE %.4f  MAE %.4f  (%lld steps, %.1f s) -> %s\n", job.model.c_str(), test.mse,
                test.mae, (long long)outcome.summary["training"]["steps"].get<int64_t>(),
                outcome.summary["seconds"].get<double>(), job.out_dir.c_str());
  }
  return Status::OK();
}

std::string ModelList() {
  std::string list = "\nModels:\n";
  for (const auto& model : learn::RegisteredModels())
    list += "  " + model.name + "\t" + model.description + "\n";
  return list;
}

}  // namespace

void AddTrainCommand(CLI::App& app, CommandResult& result) {
  auto arguments = std::make_shared<TrainArguments>();
  CLI::App* command = app.add_subcommand(
      "train", "Train, validate and test one forecasting model on an ETT-format CSV (no pilot: bare metal)");
  command->add_option("model", arguments->job.model, "Model name (see the list below)")->required();
  command
      ->add_option("--data", arguments->data,
                   "Table with a date column and numeric series (ETT format; .csv, .parquet, .arrow)")
      ->required()
      ->check(CLI::ExistingFile);
  // Every numeric option is checked here, with its name and range; learn::ValidateForecastJob
  // checks the same for the pipeline's and the function tasks' callers.
  command->add_option("--horizon", arguments->job.horizon, "Rows to forecast")
      ->check(WholeNumber(1))
      ->capture_default_str();
  command
      ->add_option("--input-size", arguments->job.input_size,
                   "Rows the model sees (default: 5 x horizon; 3 x for lstm)")
      ->check(WholeNumber(1));
  command->add_option("--max-steps", arguments->job.max_steps, "Training steps (default: the model's)")
      ->check(WholeNumber(1));
  command
      ->add_option("--learning-rate", arguments->job.learning_rate, "Adam's learning rate (default: the model's)")
      ->check(FiniteNumber(0, /*inclusive=*/false));
  command
      ->add_option("--batch-size", arguments->job.batch_size, "Windows per step and rank (default: the model's)")
      ->check(WholeNumber(1));
  command->add_option("--val-check-steps", arguments->job.val_check_steps, "Validate every N steps")
      ->check(WholeNumber(1));
  command
      ->add_option("--early-stop", arguments->job.early_stop_patience,
                   "Stop after N validations without improvement (default: never)")
      ->check(WholeNumber(1, std::numeric_limits<int>::max()));
  command->add_option("--loss", arguments->job.loss, "mae, mse or huber (default: the model's)");
  command->add_option("--clip", arguments->job.gradient_clip_norm, "Clip the gradient norm to this (0: off)")
      ->check(FiniteNumber(0, /*inclusive=*/true))
      ->capture_default_str();
  command
      ->add_option("--targets", arguments->targets,
                   "Columns to forecast, comma-separated (default: every numeric column; OT: univariate)")
      ->delimiter(',');
  command
      ->add_option("--scaler", arguments->scaler, "standard, robust or identity, fitted on the training rows")
      ->capture_default_str();
  command->add_option("--set", arguments->settings, "Model hyperparameter override key=value (repeatable)");
  command->add_option("--seed", arguments->job.seed, "Seed of weights and window order")
      ->check(WholeNumber(0))
      ->capture_default_str();
  command->add_option("--out", arguments->job.out_dir,
                      "Output folder: predictions.parquet, metrics.json, checkpoint/ (default train-MODEL)");
  command->add_option("--device", arguments->job.device, "cpu, cuda or cuda:N (CUDA needs a CUDA LibTorch)")
      ->capture_default_str();
  command->add_option("--threads", arguments->threads, "Intra-op threads (default: the cores, shared by ranks)")
      ->check(WholeNumber(1, std::numeric_limits<int>::max()));
  command
      ->add_option("--loader-workers", arguments->job.loader_workers,
                   "Threads that collate batches (0: on the training thread)")
      ->check(WholeNumber(0, std::numeric_limits<int>::max()))
      ->capture_default_str();
  command->add_option("--ranks", arguments->ranks, "Data-parallel training on N ranks of this machine")
      ->check(WholeNumber(1, net::kMaxLocalRanks))
      ->capture_default_str();
  command->add_option("--backend", arguments->backend, "Gradient all-reduce between ranks: gloo or mpi")
      ->check(CLI::IsMember({"gloo", "mpi"}))
      ->capture_default_str();
  command->add_flag("--quiet", arguments->quiet, "No progress lines");
  command->add_flag("--overwrite", arguments->job.overwrite,
                    "Start over in an --out that holds another run's checkpoint (its outputs are removed)");
  command->footer(
      ModelList() +
      "\nA run whose --out holds a checkpoint of the same settings and data resumes from it; other settings"
      "\nare refused (--overwrite starts over). Splits follow the long-horizon protocol"
      "\n(rows 0-8640 train, 8640-11520 validation, 11520-14400 test; 60/20/20 for shorter files).\n");
  command->callback([arguments, &result] { result.status = RunTrain(*arguments, result); });

  auto generate = std::make_shared<std::tuple<std::string, int64_t, uint64_t>>("", 17420, 0);
  CLI::App* data = app.add_subcommand("data", "Datasets: generate data in the formats deeprc reads");
  data->require_subcommand(1);
  CLI::App* ett = data->add_subcommand("generate-ett", "Write synthetic hourly data in ETTh1's CSV format");
  ett->add_option("--out", std::get<0>(*generate), "CSV file to write")->required();
  ett->add_option("--rows", std::get<1>(*generate), "Hourly rows")->check(WholeNumber(1))->capture_default_str();
  ett->add_option("--seed", std::get<2>(*generate), "Random seed")->check(WholeNumber(0))->capture_default_str();
  ett->callback([generate, &result] {
    const auto& [path, rows, seed] = *generate;
    result.status = learn::WriteSyntheticEtt(path, rows, seed);
  });
}

}  // namespace deeprc::cli
