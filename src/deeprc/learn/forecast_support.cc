#include "deeprc/learn/forecast_support.h"

#include <arrow/api.h>

#include "deeprc/learn/trainer.h"
#include "deeprc/table/io/parquet_io.h"

namespace deeprc::learn {
namespace {

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

}  // namespace

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

Result<std::shared_ptr<bridge::WindowDataset>> MakeWindows(const SeriesTable& data, int64_t input_size,
                                                           int64_t horizon, int64_t begin, int64_t end) {
  return bridge::WindowDataset::Make(data.table, SpecFor(data, input_size, horizon, begin, end));
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

Result<ForecastMetrics> ForecastTestPeriod(ForecastModel& model, const SeriesTable& data,
                                           std::shared_ptr<const bridge::WindowDataset> test_windows,
                                           int loader_workers, const torch::Device& device,
                                           const std::filesystem::path& out_dir) {
  const bridge::SamplerOptions in_order{.rank = 0, .world_size = 1, .shuffle = false};
  DEEPRC_ASSIGN_OR_RETURN(auto loader,
                          MakeLoader(std::move(test_windows), in_order, kEvaluationBatch, loader_workers, device));
  DEEPRC_ASSIGN_OR_RETURN(Forecasts forecasts, Predict(model, *loader));
  const torch::Tensor forecast = forecasts.forecast.contiguous();
  const torch::Tensor truth = forecasts.truth.contiguous();
  const ForecastMetrics metrics = ComputeMetrics({forecast.data_ptr<float>(), static_cast<size_t>(forecast.numel())},
                                                 {truth.data_ptr<float>(), static_cast<size_t>(truth.numel())});
  if (!out_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(out_dir, error);
    if (error) return Status::IOError("cannot create '", out_dir.string(), "': ", error.message());
    DEEPRC_ASSIGN_OR_RETURN(auto predictions, PredictionsTable(data, forecasts));
    DEEPRC_RETURN_NOT_OK(
        table::WriteParquet(table::Table(predictions), (out_dir / "predictions.parquet").string()));
  }
  return metrics;
}

}  // namespace deeprc::learn
