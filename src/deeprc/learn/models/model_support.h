// Internal to learn/models: what the model files share (channel-independent folding of targets,
// batch checks, activations by name) and each model's entry (defaults and factory), listed by registry.cc.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

#include "deeprc/core/status.h"
#include "deeprc/learn/models/forecast_model.h"
#include "deeprc/learn/models/hyperparameters.h"
#include "deeprc/learn/models/registry.h"

namespace deeprc::learn::models_internal {

// NeuralForecast's univariate models see one series at a time and share their weights across
// series, so T targets are T series: [B, L, T] -> [B*T, L], a window's targets adjacent.
inline torch::Tensor FoldTargets(const torch::Tensor& x) {
  return x.permute({0, 2, 1}).reshape({x.size(0) * x.size(2), x.size(1)});
}

// Exogenous inputs [B, ...] -> [B*T, ...]: each target of a window sees that window's exogenous rows.
inline torch::Tensor RepeatForTargets(const torch::Tensor& exog, int64_t n_targets) {
  if (n_targets == 1) return exog;
  return exog.repeat_interleave(n_targets, /*dim=*/0);
}

// [B*T, H] -> [B, H, T], the inverse of FoldTargets on the forecasts.
inline torch::Tensor UnfoldTargets(const torch::Tensor& y, int64_t batch, int64_t n_targets) {
  return y.reshape({batch, n_targets, y.size(1)}).permute({0, 2, 1});
}

// Forecast() returns a tensor, so a batch that does not fit the shape the model was built for
// throws c10::Error (as any LibTorch module does); the trainer catches it at its edge. The
// exogenous tensors are checked only for models that read them.
void CheckBatch(const char* model, const ModelShape& shape, const bridge::WindowBatch& batch,
                bool reads_hist_exog, bool reads_futr_exog);

// NF's activation choices for NBEATS and NHITS blocks.
const std::vector<std::string>& ActivationNames();
torch::nn::AnyModule MakeActivation(const std::string& name);

// Hidden layers of NF's NBEATS/NHITS blocks: Linear(in, units[0][0]) without an activation, then
// per [a, b] in units Linear(a, b) + activation (+ dropout), then Linear(units.back()[1], n_theta).
// One activation module serves every layer, as in NF (a PReLU's slope is shared by the block).
class BlockMlpImpl : public torch::nn::Module {
 public:
  BlockMlpImpl(int64_t in_features, const std::vector<std::vector<int64_t>>& units, int64_t n_theta,
               const std::string& activation, double dropout);
  torch::Tensor forward(torch::Tensor x);

 private:
  std::vector<torch::nn::Linear> hidden_;
  torch::nn::Linear output_{nullptr};
  torch::nn::AnyModule activation_;
  double dropout_ = 0;
};
TORCH_MODULE(BlockMlp);

using ModelPtr = std::shared_ptr<ForecastModel>;

using Factory = Result<ModelPtr> (*)(const ModelShape&, const HyperparameterReader&);

// A model as the registry lists it: its name, NeuralForecast's defaults (training settings and
// every hyperparameter, the keys MergeHyperparameters accepts) and its factory. Each is defined in
// the model's own file, beside the code that reads the hyperparameters, so a hyperparameter is
// added in that file alone.
struct ModelEntry {
  ModelInfo info;
  Factory make;
};

// NeuralForecast's training settings: its windows_batch_size is `windows_batch_size`, windows per
// step; validation every 100 steps on the MAE.
TrainingDefaults Training(double learning_rate, int64_t max_steps, int64_t windows_batch_size, int num_lr_decays,
                          std::string scaler_type = "identity", int64_t input_size_in_horizons = 0);

ModelEntry NLinearModel();
ModelEntry DLinearModel();
ModelEntry MlpModel();
ModelEntry NBeatsModel();
ModelEntry NHitsModel();
ModelEntry LstmModel();

}  // namespace deeprc::learn::models_internal
