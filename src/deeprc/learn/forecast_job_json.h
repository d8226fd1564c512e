// The one JSON form of a forecasting job: what `deeprc train --job`, its flags, the learn.train
// function's arguments and the pipeline's train stages are read through, and what job.json records.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "deeprc/core/status.h"
#include "deeprc/learn/forecast_job_options.h"

namespace deeprc::learn {

// The keys of the form, in the order they are listed to a user: data, targets, scaler, model,
// hyperparameters (the model's own object: its keys are checked by the model), horizon, input_size,
// max_steps, learning_rate, batch_size, val_check_steps, early_stop, loss, gradient_clip_norm,
// seed, device, loader_workers, out, overwrite.
const std::vector<std::string>& ForecastJobKeys();

// Reads a job. An unknown key is refused with the nearest known one, a value of the wrong type
// with its key and the type expected, and the whole job goes through ValidateForecastJob, so a
// value out of range is refused by name before anything runs. Keys left out keep their defaults
// (the model's, for the training settings); `model` is required.
Result<ForecastJobOptions> ForecastJobFromJson(const nlohmann::json& job);

// The job as that form, every key present (unset optional settings as null), so that reading it
// back gives the same job.
nlohmann::json ToJson(const ForecastJobOptions& job);

}  // namespace deeprc::learn
