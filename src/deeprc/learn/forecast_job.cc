#include "deeprc/learn/forecast_job.h"

#include <arrow/api.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>

#include "deeprc/bridge/window_loader.h"
#include "deeprc/core/atomic_file.h"
#include "deeprc/learn/job_description.h"
#include "deeprc/learn/models/registry.h"
#include "deeprc/learn/trainer.h"
#include "deeprc/table/io/parquet_io.h"

namespace deeprc::learn {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kEvaluationBatch = 1024;  // no effect on results, only on speed

bridge::WindowSpec SpecFor(const SeriesTable& data, int64_t input_size, int64_t horizon, int64_t begin,
                           int64_t end) {
  bridge::WindowSpec spec;
  spec.target_columns = {"y"};
  spec.id_column = "unique_id";
  spec.input_size = input_size;
  spec.horizon = horizon;
  spec.forecast_begin = begin;
  spec.forecast_end = end;
  return spec;
}

Result<torch::Device> ParseDevice(const std::string& name) {
  try {
    torch::Device device(name);
    if (!device.is_cpu() && !device.is_cuda())
      return Status::Invalid("device '", name, "': expected cpu or cuda[:N]");
    if (device.is_cuda() && !torch::cuda::is_available()) {
      return Status::Invalid("device '", name,
                             "': this LibTorch has no CUDA or sees no GPU (Debian's libtorch-dev is ",
                             "CPU-only; build against a CUDA LibTorch)");
    }
    return device;
  } catch (const std::exception&) {
    return Status::Invalid("device '", name, "': expected cpu, cuda or cuda:N");
  }
}

Result<std::unique_ptr<bridge::WindowLoader>> MakeLoader(std::shared_ptr<const bridge::WindowDataset> dataset,
                                                         bridge::SamplerOptions sampler_options,
                                                         int64_t batch_size, int workers,
                                                         const torch::Device& device) {
  DEEPRC_ASSIGN_OR_RETURN(auto sampler, bridge::DistributedSampler::Make(dataset->size(), sampler_options));
  bridge::LoaderOptions loader_options;
  loader_options.batch_size = batch_size;
  loader_options.num_workers = workers;
  loader_options.device = device;
  return std::make_unique<bridge::WindowLoader>(std::move(dataset), std::move(sampler), loader_options);
}

// The test forecasts in long format, one row per window and horizon step, on the scaled and the
// original scale: what a user plots or joins back to the source.
Result<std::shared_ptr<arrow::Table>> PredictionsTable(const SeriesTable& data, const Forecasts& forecasts) {
  const auto& ds = static_cast<const arrow::TimestampArray&>(*data.table->GetColumnByName("ds")->chunk(0));
  const int64_t windows = forecasts.forecast.size(0);
  const int64_t horizon = forecasts.forecast.size(1);
  const torch::Tensor forecast = forecasts.forecast.select(2, 0).contiguous();
  const torch::Tensor truth = forecasts.truth.select(2, 0).contiguous();
  const float* y_hat = forecast.data_ptr<float>();
  const float* y = truth.data_ptr<float>();
  const int64_t* series = forecasts.series.data_ptr<int64_t>();
  const int64_t* rows = forecasts.forecast_row.data_ptr<int64_t>();

  arrow::StringBuilder ids;
  arrow::TimestampBuilder cutoffs(ds.type(), arrow::default_memory_pool());
  arrow::TimestampBuilder times(ds.type(), arrow::default_memory_pool());
  arrow::Int32Builder steps;
  arrow::FloatBuilder truths, predictions, truths_original, predictions_original;
  for (int64_t w = 0; w < windows; ++w) {
    const Scaler& scaler = data.scalers[series[w]];
    for (int64_t h = 0; h < horizon; ++h) {
      const int64_t i = w * horizon + h;
      DEEPRC_RETURN_NOT_OK(ids.Append(data.series[series[w]]));
      DEEPRC_RETURN_NOT_OK(cutoffs.Append(ds.Value(rows[w] - 1)));
      DEEPRC_RETURN_NOT_OK(times.Append(ds.Value(rows[w] + h)));
      DEEPRC_RETURN_NOT_OK(steps.Append(static_cast<int32_t>(h + 1)));
      DEEPRC_RETURN_NOT_OK(truths.Append(y[i]));
      DEEPRC_RETURN_NOT_OK(predictions.Append(y_hat[i]));
      DEEPRC_RETURN_NOT_OK(truths_original.Append(static_cast<float>(scaler.Invert(y[i]))));
      DEEPRC_RETURN_NOT_OK(predictions_original.Append(static_cast<float>(scaler.Invert(y_hat[i]))));
    }
  }
  arrow::ArrayVector columns(8);
  DEEPRC_RETURN_NOT_OK(ids.Finish(&columns[0]));
  DEEPRC_RETURN_NOT_OK(cutoffs.Finish(&columns[1]));
  DEEPRC_RETURN_NOT_OK(times.Finish(&columns[2]));
  DEEPRC_RETURN_NOT_OK(steps.Finish(&columns[3]));
  DEEPRC_RETURN_NOT_OK(truths.Finish(&columns[4]));
  DEEPRC_RETURN_NOT_OK(predictions.Finish(&columns[5]));
  DEEPRC_RETURN_NOT_OK(truths_original.Finish(&columns[6]));
  DEEPRC_RETURN_NOT_OK(predictions_original.Finish(&columns[7]));
  auto schema = arrow::schema({arrow::field("unique_id", arrow::utf8()), arrow::field("cutoff", ds.type()),
                               arrow::field("ds", ds.type()), arrow::field("step", arrow::int32()),
                               arrow::field("y", arrow::float32()), arrow::field("y_hat", arrow::float32()),
                               arrow::field("y_original", arrow::float32()),
                               arrow::field("y_hat_original", arrow::float32())});
  return arrow::Table::Make(schema, columns);
}

// --overwrite: the outputs of the run that was there go before this one starts, so neither its
// checkpoint nor its metrics can pass for this run's. Only rank 0 removes; the others wait for it,
// or one of them might find the old checkpoint and resume while the rest start afresh.
Status RemovePreviousRun(const std::filesystem::path& out_dir, int rank, net::Communicator* communicator) {
  if (rank == 0) {
    for (const char* name : {"checkpoint", "metrics.json", "predictions.parquet"}) {
      std::error_code error;
      std::filesystem::remove_all(out_dir / name, error);
      if (error) return Status::IOError("cannot remove ", (out_dir / name).string(), ": ", error.message());
    }
  }
  if (communicator != nullptr && communicator->size() > 1) return communicator->Barrier();
  return Status::OK();
}

Result<ForecastJobResult> RunValidatedForecastJob(const SeriesTable& data, const ForecastJobOptions& options,
                                                  net::Communicator* communicator) {
  const auto started = Clock::now();
  DEEPRC_ASSIGN_OR_RETURN(ModelInfo info, FindModel(options.model));
  // Unset: the model's own multiple of the horizon (NF's LSTM: 3), else 5, NHITS' long-horizon setting.
  const int64_t horizons = info.training.input_size_in_horizons > 0 ? info.training.input_size_in_horizons : 5;
  const int64_t input_size = options.input_size.value_or(horizons * options.horizon);
  const int rank = communicator ? communicator->rank() : 0;
  const int world = communicator ? communicator->size() : 1;

  TrainerOptions trainer;
  DEEPRC_ASSIGN_OR_RETURN(trainer.device, ParseDevice(options.device));
  trainer.max_steps = options.max_steps.value_or(info.training.max_steps);
  trainer.learning_rate = options.learning_rate.value_or(info.training.learning_rate);
  trainer.num_lr_decays = info.training.num_lr_decays;
  trainer.val_check_steps = options.val_check_steps.value_or(info.training.val_check_steps);
  trainer.early_stop_patience = options.early_stop_patience.value_or(-1);
  trainer.gradient_clip_norm = options.gradient_clip_norm;
  DEEPRC_ASSIGN_OR_RETURN(trainer.loss, ParseLossKind(options.loss.value_or(info.training.loss)));
  if (!options.out_dir.empty()) trainer.checkpoint_dir = options.out_dir / "checkpoint";
  if (options.on_progress) {
    trainer.on_validation = [&](int64_t step, double train_loss, double val_loss) {
      options.on_progress(step, trainer.max_steps, train_loss, val_loss);
    };
  }
  const int64_t batch_size = options.batch_size.value_or(info.training.batch_size);
  // Every setting that shapes the trained weights; a checkpoint resumes only under the same ones.
  trainer.job = {{"model", options.model},
                 {"hyperparameters", options.hyperparameters},
                 {"horizon", options.horizon},
                 {"input_size", input_size},
                 {"max_steps", trainer.max_steps},
                 {"learning_rate", trainer.learning_rate},
                 {"batch_size", batch_size},
                 {"val_check_steps", trainer.val_check_steps},
                 {"early_stop", options.early_stop_patience ? nlohmann::json(*options.early_stop_patience)
                                                            : nlohmann::json()},
                 {"loss", std::string(ToString(trainer.loss))},
                 {"gradient_clip_norm", trainer.gradient_clip_norm},
                 {"seed", options.seed},
                 {"ranks", world},
                 {"data", DescribeData(data)}};
  if (options.overwrite) DEEPRC_RETURN_NOT_OK(RemovePreviousRun(options.out_dir, rank, communicator));

  const auto& splits = data.splits;
  auto make_dataset = [&](int64_t begin, int64_t end) {
    return bridge::WindowDataset::Make(data.table, SpecFor(data, input_size, options.horizon, begin, end));
  };
  DEEPRC_ASSIGN_OR_RETURN(auto train_windows, make_dataset(0, splits.train_end));
  DEEPRC_ASSIGN_OR_RETURN(auto val_windows, make_dataset(splits.train_end, splits.val_end));
  DEEPRC_ASSIGN_OR_RETURN(auto test_windows, make_dataset(splits.val_end, splits.test_end));
  if (train_windows->size() == 0 || test_windows->size() == 0) {
    return Status::Invalid("input size ", input_size, " + horizon ", options.horizon, " leaves no ",
                           train_windows->size() == 0 ? "training" : "test", " windows in series of ",
                           data.series_length, " rows (train ends at row ", splits.train_end, ")");
  }

  bridge::SamplerOptions shard{.rank = rank, .world_size = world, .shuffle = true, .seed = options.seed};
  DEEPRC_ASSIGN_OR_RETURN(auto train_loader, MakeLoader(train_windows, shard, batch_size,
                                                        options.loader_workers, trainer.device));
  shard.shuffle = false;
  std::unique_ptr<bridge::WindowLoader> val_loader;
  if (val_windows->size() > 0) {
    DEEPRC_ASSIGN_OR_RETURN(
        val_loader, MakeLoader(val_windows, shard, kEvaluationBatch, options.loader_workers, trainer.device));
  }

  torch::manual_seed(options.seed);
  const ModelShape shape{.input_size = input_size, .horizon = options.horizon};
  DEEPRC_ASSIGN_OR_RETURN(auto model, MakeModel(options.model, shape, options.hyperparameters));
  spdlog::info(
      "{}: {} parameters, {} training windows, {} steps of {} windows", options.model,
      [&] {
        int64_t n = 0;
        for (const auto& p : model->parameters()) n += p.numel();
        return n;
      }(),
      train_windows->size(), trainer.max_steps, batch_size);

  Trainer fit(model, trainer, communicator);
  DEEPRC_ASSIGN_OR_RETURN(TrainResult trained, fit.Fit(*train_loader, val_loader.get()));
  const auto trained_at = Clock::now();

  ForecastJobResult result;
  nlohmann::json& summary = result.summary;
  summary["model"] = options.model;
  summary["horizon"] = options.horizon;
  summary["input_size"] = input_size;
  summary["ranks"] = world;
  summary["training"] = {{"max_steps", trainer.max_steps},
                         {"steps", trained.steps},
                         {"resumed_from_step", trained.resumed_from_step},
                         {"best_step", trained.best_step},
                         {"early_stopped", trained.early_stopped},
                         {"learning_rate", trainer.learning_rate},
                         {"batch_size", batch_size},
                         {"loss", std::string(ToString(trainer.loss))},
                         {"seconds", trained.seconds}};
  summary["windows"] = {
      {"train", train_windows->size()}, {"validation", val_windows->size()}, {"test", test_windows->size()}};
  if (!std::isnan(trained.best_val_loss)) summary["training"]["best_val_loss"] = trained.best_val_loss;

  if (rank == 0) {
    // Only rank 0 forecasts: the test period is small next to training, and one writer keeps the
    // outputs whole.
    shard.rank = 0;
    shard.world_size = 1;
    DEEPRC_ASSIGN_OR_RETURN(auto test_loader, MakeLoader(test_windows, shard, kEvaluationBatch,
                                                         options.loader_workers, trainer.device));
    DEEPRC_ASSIGN_OR_RETURN(Forecasts forecasts, Predict(*model, *test_loader));
    const torch::Tensor forecast = forecasts.forecast.contiguous();
    const torch::Tensor truth = forecasts.truth.contiguous();
    result.test = ComputeMetrics({forecast.data_ptr<float>(), static_cast<size_t>(forecast.numel())},
                                 {truth.data_ptr<float>(), static_cast<size_t>(truth.numel())});
    summary["test"] = ToJson(result.test);
    summary["test_seconds"] = std::chrono::duration<double>(Clock::now() - trained_at).count();
    if (!options.out_dir.empty()) {
      std::filesystem::create_directories(options.out_dir);
      DEEPRC_ASSIGN_OR_RETURN(auto predictions, PredictionsTable(data, forecasts));
      DEEPRC_RETURN_NOT_OK(
          table::WriteParquet(table::Table(predictions), (options.out_dir / "predictions.parquet").string()));
    }
  }
  summary["seconds"] = std::chrono::duration<double>(Clock::now() - started).count();
  if (rank == 0 && !options.out_dir.empty()) {
    DEEPRC_RETURN_NOT_OK(
        WriteTextFileAtomically((options.out_dir / "metrics.json").string(), summary.dump(2) + "\n"));
  }
  return result;
}

}  // namespace

Result<ForecastJobResult> RunForecastJob(const SeriesTable& data, const ForecastJobOptions& options,
                                         net::Communicator* communicator) {
  DEEPRC_RETURN_NOT_OK(ValidateForecastJob(options));
  // The edge of the learning layer towards its callers (the CLI, function tasks): whatever LibTorch
  // throws outside the trainer's own guards comes back as a Status, without C++ frames.
  try {
    return RunValidatedForecastJob(data, options, communicator);
  } catch (const c10::Error& error) {
    return Status::ExecutionError(options.model, ": ", error.what_without_backtrace());
  } catch (const std::exception& error) {
    return Status::ExecutionError(options.model, ": ", error.what());
  }
}

}  // namespace deeprc::learn
