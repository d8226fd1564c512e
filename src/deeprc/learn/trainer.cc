#include "deeprc/learn/trainer.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "deeprc/core/atomic_file.h"
#include "deeprc/learn/distributed_gradients.h"
#include "deeprc/learn/job_description.h"

namespace deeprc::learn {

namespace {

using Clock = std::chrono::steady_clock;

// LibTorch reports errors as exceptions; no exception leaves this layer. A c10::Error's what()
// carries some twenty lines of C++ frames, which mean nothing to a user: only its message is kept.
template <typename Fn>
auto CatchTorch(const std::string& what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const c10::Error& error) {
    return Status::ExecutionError(what, ": ", error.what_without_backtrace());
  } catch (const std::exception& error) {
    return Status::ExecutionError(what, ": ", error.what());
  }
}

// Where the loop stands: everything a resumed run needs besides the weights and Adam's moments.
struct LoopState {
  int64_t step = 0;
  int64_t epoch = 0;
  int64_t batches_into_epoch = 0;
  int64_t best_step = 0;
  double best_val_loss = std::numeric_limits<double>::infinity();
  int64_t validations_without_improvement = 0;
  std::vector<std::pair<int64_t, double>> val_losses;
};

std::vector<torch::Tensor> CloneState(torch::nn::Module& model) {
  std::vector<torch::Tensor> state;
  for (const auto& parameter : model.parameters()) state.push_back(parameter.detach().clone());
  for (const auto& buffer : model.buffers()) state.push_back(buffer.detach().clone());
  return state;
}

void RestoreState(torch::nn::Module& model, const std::vector<torch::Tensor>& state) {
  torch::NoGradGuard no_grad;
  size_t i = 0;
  for (auto& parameter : model.parameters()) parameter.copy_(state[i++]);
  for (auto& buffer : model.buffers()) buffer.copy_(state[i++]);
}

std::filesystem::path CheckpointPath(const std::filesystem::path& dir) { return dir / "checkpoint.pt"; }

// One file holds the weights, the best weights, Adam's state and the loop state. It is written
// atomically, so a run killed while writing leaves the previous checkpoint.
Status SaveCheckpoint(const std::filesystem::path& dir, torch::nn::Module& model, torch::optim::Adam& optimizer,
                    const std::vector<torch::Tensor>& best_state, const LoopState& state) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive, optimizer_archive, best_archive;
  model.save(model_archive);
  optimizer.save(optimizer_archive);
  for (size_t i = 0; i < best_state.size(); ++i) best_archive.write(std::to_string(i), best_state[i]);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("best", best_archive);
  archive.write("loop", torch::tensor({state.step, state.epoch, state.batches_into_epoch, state.best_step,
                                       state.validations_without_improvement}));
  archive.write("best_val_loss", torch::tensor({state.best_val_loss}, torch::kFloat64));
  std::vector<double> history;
  for (const auto& [step, loss] : state.val_losses) history.insert(history.end(), {double(step), loss});
  archive.write("val_losses", torch::tensor(history, torch::kFloat64));
  std::filesystem::create_directories(dir);
  return WriteFileAtomically(CheckpointPath(dir).string(), [&](const std::string& temporary) {
    archive.save_to(temporary);
    return Status::OK();
  });
}

void LoadCheckpoint(const std::filesystem::path& dir, const torch::Device& device, torch::nn::Module& model,
                    torch::optim::Adam& optimizer, std::vector<torch::Tensor>* best_state, LoopState* state) {
  torch::serialize::InputArchive archive;
  archive.load_from(CheckpointPath(dir).string(), device);
  torch::serialize::InputArchive model_archive, optimizer_archive, best_archive;
  archive.read("model", model_archive);
  archive.read("optimizer", optimizer_archive);
  archive.read("best", best_archive);
  model.load(model_archive);
  optimizer.load(optimizer_archive);
  for (size_t i = 0; i < best_state->size(); ++i) best_archive.read(std::to_string(i), (*best_state)[i]);
  torch::Tensor loop, best_val_loss, history;
  archive.read("loop", loop);
  archive.read("best_val_loss", best_val_loss);
  archive.read("val_losses", history);
  loop = loop.to(torch::kCPU);
  best_val_loss = best_val_loss.to(torch::kCPU);
  history = history.to(torch::kCPU);
  const auto* values = loop.data_ptr<int64_t>();
  state->step = values[0];
  state->epoch = values[1];
  state->batches_into_epoch = values[2];
  state->best_step = values[3];
  state->validations_without_improvement = values[4];
  state->best_val_loss = best_val_loss.item<double>();
  state->val_losses.clear();
  const auto* pairs = history.data_ptr<double>();
  for (int64_t i = 0; i + 1 < history.numel(); i += 2)
    state->val_losses.emplace_back(int64_t(pairs[i]), pairs[i + 1]);
}

}  // namespace

double ScheduledLearningRate(const TrainerOptions& options, int64_t step) {
  if (options.num_lr_decays <= 0) return options.learning_rate;
  const int64_t decay_every = std::max<int64_t>(1, options.max_steps / options.num_lr_decays);
  return options.learning_rate * std::pow(options.lr_decay_gamma, static_cast<double>(step / decay_every));
}

Trainer::Trainer(std::shared_ptr<ForecastModel> model, TrainerOptions options,
                 net::Communicator* communicator)
    : model_(std::move(model)), options_(std::move(options)), communicator_(communicator) {}

Result<double> Trainer::Evaluate(bridge::WindowLoader& loader) {
  double weighted_sum = 0, observed = 0;
  DEEPRC_RETURN_NOT_OK(CatchTorch("validation", [&]() -> Status {
    torch::NoGradGuard no_grad;
    model_->eval();
    loader.StartEpoch(0);
    while (auto batch = loader.Next()) {
      const torch::Tensor forecast = model_->Forecast(*batch);
      const double count = batch->outsample.isnan().logical_not().sum().item<double>();
      weighted_sum += ComputeLoss(options_.loss, forecast, batch->outsample).item<double>() * count;
      observed += count;
    }
    model_->train();
    return Status::OK();
  }));
  if (communicator_ != nullptr) {
    DEEPRC_ASSIGN_OR_RETURN(weighted_sum, communicator_->AllReduceScalar(weighted_sum, net::ReduceOp::kSum));
    DEEPRC_ASSIGN_OR_RETURN(observed, communicator_->AllReduceScalar(observed, net::ReduceOp::kSum));
  }
  if (observed == 0) return std::numeric_limits<double>::quiet_NaN();
  return weighted_sum / observed;
}

Result<TrainResult> Trainer::Fit(bridge::WindowLoader& train, bridge::WindowLoader* validation) {
  const auto started = Clock::now();
  if (options_.max_steps < 1)
    return Status::Invalid("max_steps must be at least 1, got ", options_.max_steps);
  if (train.batches_per_epoch() == 0) {
    return Status::Invalid("the training data holds no batch: ", train.dataset().size(),
                           " windows (input size + horizon longer than the training rows?)");
  }
  const bool is_root = communicator_ == nullptr || communicator_->rank() == 0;
  DEEPRC_RETURN_NOT_OK(CatchTorch("moving the model to " + options_.device.str(), [&] {
    model_->to(options_.device);
    return Status::OK();
  }));
  std::vector<torch::Tensor> parameters = model_->parameters();
  torch::optim::Adam optimizer(parameters, torch::optim::AdamOptions(options_.learning_rate));
  std::optional<GradientAverager> averager;
  if (communicator_ != nullptr) averager.emplace(*communicator_, options_.gradient_bucket_bytes);

  LoopState state;
  std::vector<torch::Tensor> best_state = CloneState(*model_);
  TrainResult result;
  const bool resuming =
      !options_.checkpoint_dir.empty() && std::filesystem::exists(CheckpointPath(options_.checkpoint_dir));
  if (resuming) {
    // Loading another job's checkpoint would fail deep in LibTorch (another model) or, worse,
    // succeed and train on with mixed settings (another learning rate).
    if (!options_.job.is_null()) DEEPRC_RETURN_NOT_OK(CheckSameJob(options_.checkpoint_dir, options_.job));
    DEEPRC_RETURN_NOT_OK(
        CatchTorch("reading checkpoint " + CheckpointPath(options_.checkpoint_dir).string(), [&] {
          LoadCheckpoint(options_.checkpoint_dir, options_.device, *model_, optimizer, &best_state, &state);
          return Status::OK();
        }));
    result.resumed_from_step = state.step;
    spdlog::info("resuming from step {} ({})", state.step, CheckpointPath(options_.checkpoint_dir).string());
  } else {
    if (!options_.checkpoint_dir.empty() && !options_.job.is_null() && is_root) {
      DEEPRC_RETURN_NOT_OK(WriteJobDescription(options_.checkpoint_dir, options_.job));
    }
    if (averager) DEEPRC_RETURN_NOT_OK(averager->BroadcastFromRoot(parameters));
  }

  double last_train_loss = std::numeric_limits<double>::quiet_NaN();
  double loss_since_validation = 0;
  int64_t steps_since_validation = 0;
  bool stop = state.step >= options_.max_steps;
  Status loop_status = CatchTorch("training", [&]() -> Status {
    model_->train();
    train.StartEpoch(state.epoch);
    // A resumed run skips the batches its epoch had already used, so it sees the same data in
    // the same order as an uninterrupted one.
    for (int64_t i = 0; i < state.batches_into_epoch; ++i) train.Next();
    while (!stop) {
      std::optional<bridge::WindowBatch> batch = train.Next();
      if (!batch) {
        ++state.epoch;
        state.batches_into_epoch = 0;
        train.StartEpoch(state.epoch);
        continue;
      }
      ++state.batches_into_epoch;
      for (auto& group : optimizer.param_groups()) {
        static_cast<torch::optim::AdamOptions&>(group.options())
            .lr(ScheduledLearningRate(options_, state.step));
      }
      optimizer.zero_grad();
      const torch::Tensor loss = ComputeLoss(options_.loss, model_->Forecast(*batch), batch->outsample);
      loss.backward();
      if (averager) DEEPRC_RETURN_NOT_OK(averager->Average(parameters));
      if (options_.gradient_clip_norm > 0)
        torch::nn::utils::clip_grad_norm_(parameters, options_.gradient_clip_norm);
      optimizer.step();
      ++state.step;
      last_train_loss = loss.item<double>();
      loss_since_validation += last_train_loss;
      ++steps_since_validation;

      const bool last = state.step >= options_.max_steps;
      if (state.step % std::max<int64_t>(1, options_.val_check_steps) != 0 && !last) continue;
      double val_loss = std::numeric_limits<double>::quiet_NaN();
      if (validation != nullptr) {
        DEEPRC_ASSIGN_OR_RETURN(val_loss, Evaluate(*validation));
        state.val_losses.emplace_back(state.step, val_loss);
        if (val_loss < state.best_val_loss) {
          state.best_val_loss = val_loss;
          state.best_step = state.step;
          state.validations_without_improvement = 0;
          best_state = CloneState(*model_);
        } else {
          ++state.validations_without_improvement;
        }
        if (options_.early_stop_patience > 0 &&
            state.validations_without_improvement >= options_.early_stop_patience) {
          result.early_stopped = true;
        }
      }
      if (options_.on_validation)
        options_.on_validation(state.step, loss_since_validation / steps_since_validation, val_loss);
      loss_since_validation = 0;
      steps_since_validation = 0;
      if (!options_.checkpoint_dir.empty() && is_root) {
        DEEPRC_RETURN_NOT_OK(SaveCheckpoint(options_.checkpoint_dir, *model_, optimizer, best_state, state));
      }
      stop = last || result.early_stopped;
    }
    if (validation != nullptr && !state.val_losses.empty()) RestoreState(*model_, best_state);
    return Status::OK();
  });
  DEEPRC_RETURN_NOT_OK(loop_status);

  result.steps = state.step;
  result.best_step = state.best_step;
  result.best_val_loss =
      state.val_losses.empty() ? std::numeric_limits<double>::quiet_NaN() : state.best_val_loss;
  result.last_train_loss = last_train_loss;
  result.val_losses = state.val_losses;
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

Result<TrainedCheckpoint> LoadTrainedModel(const std::filesystem::path& checkpoint_dir,
                                           const torch::Device& device, ForecastModel& model) {
  const auto path = CheckpointPath(checkpoint_dir);
  if (!std::filesystem::exists(path)) {
    return Status::Invalid(checkpoint_dir.string(), " holds no checkpoint (", path.string(), " is missing)");
  }
  return CatchTorch("reading checkpoint " + path.string(), [&]() -> Result<TrainedCheckpoint> {
    model.to(device);
    // Adam's state is read only because the archive holds it: nothing of it is used.
    torch::optim::Adam optimizer(model.parameters(), torch::optim::AdamOptions(1e-3));
    std::vector<torch::Tensor> best_state = CloneState(model);
    LoopState state;
    LoadCheckpoint(checkpoint_dir, device, model, optimizer, &best_state, &state);
    // The weights Fit ends with: the best validation's, when it validated.
    if (!state.val_losses.empty()) RestoreState(model, best_state);
    return TrainedCheckpoint{state.step, state.best_step};
  });
}

Result<Forecasts> Predict(ForecastModel& model, bridge::WindowLoader& loader) {
  return CatchTorch("prediction", [&]() -> Result<Forecasts> {
    torch::NoGradGuard no_grad;
    model.eval();
    std::vector<torch::Tensor> forecasts, truths, series, rows;
    loader.StartEpoch(0);
    while (auto batch = loader.Next()) {
      forecasts.push_back(model.Forecast(*batch).to(torch::kCPU));
      truths.push_back(batch->outsample.to(torch::kCPU));
      series.push_back(batch->series.to(torch::kCPU));
      rows.push_back(batch->forecast_row.to(torch::kCPU));
    }
    model.train();
    if (forecasts.empty()) return Status::Invalid("no windows to forecast");
    return Forecasts{torch::cat(forecasts), torch::cat(truths), torch::cat(series), torch::cat(rows)};
  });
}

}  // namespace deeprc::learn
