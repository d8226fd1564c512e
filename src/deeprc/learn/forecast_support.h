// The steps a train job and a predict job share: the device, window datasets and loaders over a
// series table, and the test period forecast, scored and written as predictions.parquet.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <string>

#include "deeprc/bridge/window_loader.h"
#include "deeprc/core/status.h"
#include "deeprc/learn/data/ett.h"
#include "deeprc/learn/metrics.h"
#include "deeprc/learn/models/forecast_model.h"

namespace deeprc::learn {

// Windows are evaluated in batches of this many: no effect on results, only on speed.
inline constexpr int64_t kEvaluationBatch = 1024;

// "cpu", "cuda" or "cuda:N", refused when this LibTorch cannot use it.
Result<torch::Device> ParseDevice(const std::string& name);

// The windows of `data` whose forecasts start in rows [begin, end) of each series.
Result<std::shared_ptr<bridge::WindowDataset>> MakeWindows(const SeriesTable& data, int64_t input_size,
                                                           int64_t horizon, int64_t begin, int64_t end);

Result<std::unique_ptr<bridge::WindowLoader>> MakeLoader(std::shared_ptr<const bridge::WindowDataset> dataset,
                                                         bridge::SamplerOptions sampler_options,
                                                         int64_t batch_size, int workers,
                                                         const torch::Device& device);

// Forecasts every window of `test_windows` with `model`, in order, and scores the forecasts on the
// scaled values; with an `out_dir`, writes them to out_dir/predictions.parquet (atomically), in long
// format on the scaled and the original scale.
Result<ForecastMetrics> ForecastTestPeriod(ForecastModel& model, const SeriesTable& data,
                                           std::shared_ptr<const bridge::WindowDataset> test_windows,
                                           int loader_workers, const torch::Device& device,
                                           const std::filesystem::path& out_dir);

}  // namespace deeprc::learn
