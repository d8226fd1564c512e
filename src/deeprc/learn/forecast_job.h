// One model's whole forecasting run on a series table: train with validation, forecast the test
// period, score it, and write predictions (Parquet) and metrics (JSON). `deeprc train` and the
// pipeline's train tasks are thin callers of this.
#pragma once

#include <nlohmann/json.hpp>

#include "deeprc/core/status.h"
#include "deeprc/learn/data/ett.h"
#include "deeprc/learn/forecast_job_options.h"
#include "deeprc/learn/metrics.h"
#include "deeprc/net/communicator.h"

namespace deeprc::learn {

struct ForecastJobResult {
  nlohmann::json summary;  // what metrics.json holds: model, settings, steps, times, metrics
  ForecastMetrics test;    // on the scaled values
};

// Trains on the splits of `data` and evaluates the test period. With a communicator of several
// ranks, training is data-parallel (each rank a shard of the windows); rank 0 forecasts, scores
// and writes, and the other ranks return the same summary without writing. Options out of range
// are refused (ValidateForecastJob); a checkpoint in `out_dir` is resumed only when it was written
// by the same job (job_description.h), unless `overwrite` starts over. No exception escapes.
Result<ForecastJobResult> RunForecastJob(const SeriesTable& data, const ForecastJobOptions& options,
                                         net::Communicator* communicator = nullptr);

// The same on the table `options.data` names, read with the job's targets and scaler.
Result<ForecastJobResult> RunForecastJob(const ForecastJobOptions& options,
                                         net::Communicator* communicator = nullptr);

// The series table of a job: `options.data` read with its targets and scaler.
Result<SeriesTable> LoadJobData(const ForecastJobOptions& options);

}  // namespace deeprc::learn
