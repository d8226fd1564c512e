// The training loop every model shares: Adam with step decay, gradient clipping, validation with
// early stopping, seeded determinism, checkpoints a run resumes from, and data-parallel
// gradients over a communicator.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "deeprc/bridge/window_loader.h"
#include "deeprc/core/status.h"
#include "deeprc/learn/loss.h"
#include "deeprc/learn/models/forecast_model.h"
#include "deeprc/net/communicator.h"

namespace deeprc::learn {

struct TrainerOptions {
  int64_t max_steps = 1000;
  double learning_rate = 1e-3;
  // StepLR as NeuralForecast: the rate is multiplied by lr_decay_gamma every
  // max_steps / num_lr_decays steps; num_lr_decays <= 0 keeps it constant.
  int num_lr_decays = 3;
  double lr_decay_gamma = 0.5;
  double gradient_clip_norm = 0;  // > 0: clip the global gradient norm to this
  LossKind loss = LossKind::kMae;
  int64_t val_check_steps = 100;  // validate every this many steps (and after the last)
  // Stop after this many validations without improvement; <= 0 never stops early.
  int early_stop_patience = -1;
  // Checkpoints are written at every validation to this directory; a Fit that finds one
  // there resumes from it. Empty: no checkpoints.
  std::filesystem::path checkpoint_dir;
  // The job's description (job_description.h), stored with the checkpoint: a Fit refuses to
  // resume a checkpoint whose description differs. Null: not stored or checked.
  nlohmann::json job;
  // Staging buffer of one gradient all-reduce in data-parallel training (PyTorch DDP's 25 MB).
  int64_t gradient_bucket_bytes = 25 << 20;
  // Where the model trains; the loaders must deliver batches there (LoaderOptions::device).
  torch::Device device = torch::kCPU;
  // Called after every validation (step, train loss, validation loss): progress for long runs.
  std::function<void(int64_t, double, double)> on_validation;
};

// The learning rate of step `step` (counted from 0) under the options' step decay.
double ScheduledLearningRate(const TrainerOptions& options, int64_t step);

struct TrainResult {
  int64_t steps = 0;  // optimizer steps taken in total (including before a resume)
  int64_t resumed_from_step = 0;
  bool early_stopped = false;
  int64_t best_step = 0;
  double best_val_loss = 0;  // NaN without validation data
  double last_train_loss = 0;
  std::vector<std::pair<int64_t, double>> val_losses;  // (step, validation loss)
  double seconds = 0;                                  // wall time of this Fit
};

class Trainer {
 public:
  // `communicator` (may be null) makes training data-parallel: each rank's loader holds its shard,
  // gradients are averaged across ranks, and the ranks start from rank 0's weights.
  Trainer(std::shared_ptr<ForecastModel> model, TrainerOptions options,
          net::Communicator* communicator = nullptr);

  // Trains on `train`, validating on `validation` when given; on return the model holds the
  // weights of the best validation (the last weights without validation). LibTorch errors come
  // back as a Status.
  Result<TrainResult> Fit(bridge::WindowLoader& train, bridge::WindowLoader* validation);

  // Mean loss over every batch of `loader` (one epoch, no gradients), averaged over ranks.
  Result<double> Evaluate(bridge::WindowLoader& loader);

 private:
  std::shared_ptr<ForecastModel> model_;
  TrainerOptions options_;
  net::Communicator* communicator_;
};

// Loads into `model` (built with the job's model, shape and hyperparameters) the weights a Fit that
// wrote `checkpoint_dir` ended with; reads and changes nothing else there.
struct TrainedCheckpoint {
  int64_t steps = 0;      // optimizer steps the checkpoint was trained for
  int64_t best_step = 0;  // the step whose weights were restored (0 without validation)
};
Result<TrainedCheckpoint> LoadTrainedModel(const std::filesystem::path& checkpoint_dir,
                                           const torch::Device& device, ForecastModel& model);

// Forecasts for every window of a loader (one epoch, in the sampler's order).
struct Forecasts {
  torch::Tensor forecast;      // [N, horizon, n_targets], float32
  torch::Tensor truth;         // [N, horizon, n_targets]
  torch::Tensor series;        // [N] int64
  torch::Tensor forecast_row;  // [N] int64
};
Result<Forecasts> Predict(ForecastModel& model, bridge::WindowLoader& loader);

}  // namespace deeprc::learn
