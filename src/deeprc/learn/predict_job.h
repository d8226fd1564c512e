// A trained model's forecasts of the test period of a table: `deeprc predict` and the learn.predict
// function. The model, its shape and the data's targets and scaler come from the checkpoint's job.json.
#pragma once

#include <filesystem>
#include <string>

#include "deeprc/core/status.h"
#include "deeprc/learn/forecast_job.h"

namespace deeprc::learn {

struct PredictJobOptions {
  std::filesystem::path checkpoint;  // a train job's checkpoint folder (job.json, checkpoint.pt)
  std::filesystem::path data;        // the table forecast, with the columns the model was trained on
  // predictions.parquet and metrics.json, as a train job writes them; nothing is written in
  // `checkpoint`. Empty: nothing is written.
  std::filesystem::path out_dir;
  std::string device = "cpu";
  int loader_workers = 1;
};

// Loads the checkpoint's weights (those its train job ended with), forecasts the test period of
// `data` (its splits as a train job makes them, its scaler fitted on its own training rows), and
// scores it: on the data a model was trained on, the metrics and predictions of its train job. A
// missing checkpoint, or data without the series it was trained on, is refused by name.
Result<ForecastJobResult> RunPredictJob(const PredictJobOptions& options);

}  // namespace deeprc::learn
