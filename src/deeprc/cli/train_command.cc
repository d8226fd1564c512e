// `deeprc train MODEL --data FILE --horizon H ...`: the bare-metal baseline. One model trained,
// validated and tested on an ETT-format file without a pilot, writing predictions and metrics. The
// flags and `--job` (the job's JSON form, what the pipeline's train tasks pass) are read through
// the one reader of learn/forecast_job_json.h.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <limits>
#include <optional>
#include <thread>

#include "deeprc/cli/commands.h"
#include "deeprc/cli/number_checks.h"
#include "deeprc/core/json_file.h"
#include "deeprc/core/key_values.h"
#include "deeprc/learn/forecast_job.h"
#include "deeprc/learn/forecast_job_json.h"
#include "deeprc/learn/models/registry.h"
#include "deeprc/learn/threads.h"
#include "deeprc/net/launcher.h"

namespace deeprc::cli {
namespace {

// The flags as given: each one set replaces its key of --job's JSON.
struct TrainArguments {
  std::string job;  // --job: the JSON form, inline or in a file
  std::optional<std::string> model, data, loss, scaler, out, device;
  std::optional<int64_t> horizon, input_size, max_steps, batch_size, val_check_steps, early_stop;
  std::optional<double> learning_rate, clip;
  std::optional<uint64_t> seed;
  std::optional<int> loader_workers;
  std::vector<std::string> targets;
  std::vector<std::string> settings;  // key=value hyperparameter overrides
  bool overwrite = false;
  std::optional<int> threads;  // unset: the cores, shared by the ranks
  int ranks = 1;
  std::string backend = "gloo";
  bool quiet = false;
};

Result<nlohmann::json> ReadJobArgument(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\n");
  nlohmann::json job;
  if (first != std::string::npos && text[first] == '{') {
    job = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  } else {  // not inline: a file
    DEEPRC_ASSIGN_OR_RETURN(job, WithContext(ReadJsonFile(text), "--job: "));
  }
  if (job.is_discarded() || !job.is_object()) return Status::Invalid("--job: not a JSON object: ", text);
  return job;
}

// The job's JSON form: --job, then every flag given on top of it.
Result<nlohmann::json> JobOf(const TrainArguments& arguments) {
  nlohmann::json job = nlohmann::json::object();
  if (!arguments.job.empty()) {
    DEEPRC_ASSIGN_OR_RETURN(job, ReadJobArgument(arguments.job));
  }
  auto set = [&](const char* key, const auto& value) {
    if (value) job[key] = *value;
  };
  set("model", arguments.model);
  set("data", arguments.data);
  set("horizon", arguments.horizon);
  set("input_size", arguments.input_size);
  set("max_steps", arguments.max_steps);
  set("learning_rate", arguments.learning_rate);
  set("batch_size", arguments.batch_size);
  set("val_check_steps", arguments.val_check_steps);
  set("early_stop", arguments.early_stop);
  set("loss", arguments.loss);
  set("gradient_clip_norm", arguments.clip);
  set("scaler", arguments.scaler);
  set("seed", arguments.seed);
  set("out", arguments.out);
  set("device", arguments.device);
  set("loader_workers", arguments.loader_workers);
  if (!arguments.targets.empty()) job["targets"] = arguments.targets;
  if (arguments.overwrite) job["overwrite"] = true;
  if (!arguments.settings.empty()) {
    if (!job.contains("hyperparameters")) job["hyperparameters"] = nlohmann::json::object();
    if (!job["hyperparameters"].is_object()) return Status::Invalid("--job: 'hyperparameters' must be a map");
    DEEPRC_RETURN_NOT_OK(ParseKeyValues(arguments.settings, "--set", &job["hyperparameters"]));
  }
  if (!job.contains("out") && job.contains("model") && job["model"].is_string()) {
    job["out"] = "train-" + job["model"].get<std::string>();
  }
  return job;
}

Status RunTrain(const TrainArguments& arguments, const CommandResult& result) {
  // Read and checked before ranks start: a bad value is refused once, by name.
  DEEPRC_ASSIGN_OR_RETURN(const nlohmann::json job_json, JobOf(arguments));
  DEEPRC_ASSIGN_OR_RETURN(learn::ForecastJobOptions job, learn::ForecastJobFromJson(job_json));
  if (job.data.empty()) return Status::Invalid("--data: no table named to train on");
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

  DEEPRC_ASSIGN_OR_RETURN(auto data, learn::LoadJobData(job));
  if (root && !arguments.quiet) {
    job.on_progress = [](int64_t step, int64_t max_steps, double train_loss, double val_loss) {
      std::fprintf(stderr, "  step %6lld/%lld  train loss %.4f  validation loss %.4f\n", (long long)step,
                   (long long)max_steps, train_loss, val_loss);
    };
    std::fprintf(stderr, "deeprc train %s: %zu series of %lld rows from %s\n", job.model.c_str(),
                 data.series.size(), (long long)data.series_length, job.data.c_str());
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
  command->add_option("model", arguments->model, "Model name (see the list below)");
  command
      ->add_option("--job", arguments->job,
                   "The job as JSON (inline, or a file): the keys of the flags below (data, model, horizon, "
                   "max_steps, hyperparameters, ...); a flag given as well replaces its key")
      ->type_name("JSON|FILE");
  command
      ->add_option("--data", arguments->data,
                   "Table with a date column and numeric series (ETT format; .csv, .parquet, .arrow)")
      ->check(CLI::ExistingFile);
  // Every numeric option is checked here, with its name and range; learn::ValidateForecastJob
  // checks the same for --job and the pipeline's and the function tasks' callers.
  command->add_option("--horizon", arguments->horizon, "Rows to forecast")
      ->check(WholeNumber(1))
      ->default_str("96");
  command
      ->add_option("--input-size", arguments->input_size,
                   "Rows the model sees (default: 5 x horizon; 3 x for lstm)")
      ->check(WholeNumber(1));
  command->add_option("--max-steps", arguments->max_steps, "Training steps (default: the model's)")
      ->check(WholeNumber(1));
  command
      ->add_option("--learning-rate", arguments->learning_rate, "Adam's learning rate (default: the model's)")
      ->check(FiniteNumber(0, /*inclusive=*/false));
  command
      ->add_option("--batch-size", arguments->batch_size, "Windows per step and rank (default: the model's)")
      ->check(WholeNumber(1));
  command->add_option("--val-check-steps", arguments->val_check_steps, "Validate every N steps")
      ->check(WholeNumber(1));
  command
      ->add_option("--early-stop", arguments->early_stop,
                   "Stop after N validations without improvement (default: never)")
      ->check(WholeNumber(1, std::numeric_limits<int>::max()));
  command->add_option("--loss", arguments->loss, "mae, mse or huber (default: the model's)");
  command->add_option("--clip", arguments->clip, "Clip the gradient norm to this (0: off)")
      ->check(FiniteNumber(0, /*inclusive=*/true))
      ->default_str("0");
  command
      ->add_option("--targets", arguments->targets,
                   "Columns to forecast, comma-separated (default: every numeric column; OT: univariate)")
      ->delimiter(',');
  command
      ->add_option("--scaler", arguments->scaler, "standard, robust or identity, fitted on the training rows")
      ->default_str("standard");
  command->add_option("--set", arguments->settings, "Model hyperparameter override key=value (repeatable)");
  command->add_option("--seed", arguments->seed, "Seed of weights and window order")
      ->check(WholeNumber(0))
      ->default_str("1");
  command->add_option("--out", arguments->out,
                      "Output folder: predictions.parquet, metrics.json, checkpoint/ (default train-MODEL)");
  command->add_option("--device", arguments->device, "cpu, cuda or cuda:N (CUDA needs a CUDA LibTorch)")
      ->default_str("cpu");
  command->add_option("--threads", arguments->threads, "Intra-op threads (default: the cores, shared by ranks)")
      ->check(WholeNumber(1, std::numeric_limits<int>::max()));
  command
      ->add_option("--loader-workers", arguments->loader_workers,
                   "Threads that collate batches (0: on the training thread)")
      ->check(WholeNumber(0, std::numeric_limits<int>::max()))
      ->default_str("1");
  command->add_option("--ranks", arguments->ranks, "Data-parallel training on N ranks of this machine")
      ->check(WholeNumber(1, net::kMaxLocalRanks))
      ->capture_default_str();
  command->add_option("--backend", arguments->backend, "Gradient all-reduce between ranks: gloo or mpi")
      ->check(CLI::IsMember({"gloo", "mpi"}))
      ->capture_default_str();
  command->add_flag("--quiet", arguments->quiet, "No progress lines");
  command->add_flag("--overwrite", arguments->overwrite,
                    "Start over in an --out that holds another run's checkpoint (its outputs are removed)");
  command->footer(
      ModelList() +
      "\nA run whose --out holds a checkpoint of the same settings and data resumes from it; other settings"
      "\nare refused (--overwrite starts over). Splits follow the long-horizon protocol"
      "\n(rows 0-8640 train, 8640-11520 validation, 11520-14400 test; 60/20/20 for shorter files).\n");
  command->callback([arguments, &result] { result.status = RunTrain(*arguments, result); });
}

}  // namespace deeprc::cli
