// NHITS after NeuralForecast's nhits.py: NBEATS-like identity stacks whose blocks see the input
// max-pooled (coarser per stack) and forecast a few knots that are interpolated over the horizon.
#include <torch/nn/functional/upsampling.h>
#include <torch/nn/modules/container/modulelist.h>

#include <cmath>

#include "deeprc/learn/models/model_support.h"

namespace deeprc::learn::models_internal {
namespace {

struct NHitsOptions {
  std::vector<std::vector<int64_t>> units;
  std::string activation;
  std::string pooling_mode;
  std::string interpolation_mode;
  double dropout = 0;
};

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

class NHitsBlockImpl : public torch::nn::Module {
 public:
  NHitsBlockImpl(const ModelShape& shape, int64_t pool_kernel, int64_t n_knots, const NHitsOptions& options)
      : shape_(shape),
        pool_kernel_(pool_kernel),
        max_pool_(options.pooling_mode == "MaxPool1d"),
        linear_(options.interpolation_mode == "linear") {
    // Pooling uses ceil_mode, so a partial last window still gives a value.
    const int64_t pooled_hist = CeilDiv(shape.input_size, pool_kernel);
    const int64_t pooled_futr = CeilDiv(shape.input_size + shape.horizon, pool_kernel);
    const int64_t in_features =
        pooled_hist + shape.n_hist_exog * pooled_hist + shape.n_futr_exog * pooled_futr;
    layers_ = register_module("layers", BlockMlp(in_features, options.units, shape.input_size + n_knots,
                                                 options.activation, options.dropout));
  }

  // Pools the last dimension of [N, C, time].
  torch::Tensor Pool(const torch::Tensor& x) const {
    return max_pool_ ? torch::max_pool1d(x, {pool_kernel_}, {pool_kernel_}, {0}, {1}, /*ceil_mode=*/true)
                     : torch::avg_pool1d(x, {pool_kernel_}, {pool_kernel_}, {0}, /*ceil_mode=*/true);
  }

  // residuals [N, L], exogenous [N, time, C] -> (backcast [N, L], forecast [N, H])
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& residuals,
                                                  const torch::Tensor& hist_exog,
                                                  const torch::Tensor& futr_exog) {
    const int64_t n = residuals.size(0);
    torch::Tensor x = Pool(residuals.unsqueeze(1)).squeeze(1);
    // Exogenous rows are pooled over time per column and flattened time-major, like NF.
    if (shape_.n_hist_exog > 0) {
      x = torch::cat({x, Pool(hist_exog.permute({0, 2, 1})).permute({0, 2, 1}).reshape({n, -1})}, 1);
    }
    if (shape_.n_futr_exog > 0) {
      x = torch::cat({x, Pool(futr_exog.permute({0, 2, 1})).permute({0, 2, 1}).reshape({n, -1})}, 1);
    }
    const torch::Tensor theta = layers_->forward(x);
    const torch::Tensor backcast = theta.slice(1, 0, shape_.input_size);
    const torch::Tensor knots = theta.slice(1, shape_.input_size).unsqueeze(1);  // [N, 1, knots]
    auto options = torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{shape_.horizon});
    if (linear_) {
      options.mode(torch::kLinear).align_corners(false);
    } else {
      options.mode(torch::kNearest);
    }
    const torch::Tensor forecast = torch::nn::functional::interpolate(knots, options).squeeze(1);
    return {backcast, forecast};
  }

 private:
  ModelShape shape_;
  int64_t pool_kernel_;
  bool max_pool_;
  bool linear_;  // else nearest
  BlockMlp layers_{nullptr};
};
TORCH_MODULE(NHitsBlock);

class NHits : public ForecastModel {
 public:
  NHits(const ModelShape& shape, const std::vector<int64_t>& n_blocks,
        const std::vector<int64_t>& pool_kernels, const std::vector<int64_t>& freq_downsample,
        const NHitsOptions& options)
      : shape_(shape) {
    blocks_ = register_module("blocks", torch::nn::ModuleList());
    for (size_t s = 0; s < n_blocks.size(); ++s) {
      // Coarser stacks forecast fewer knots: horizon / downsample, at least one.
      const int64_t n_knots = std::max<int64_t>(shape.horizon / freq_downsample[s], 1);
      for (int64_t b = 0; b < n_blocks[s]; ++b) {
        blocks_->push_back(NHitsBlock(shape, pool_kernels[s], n_knots, options));
      }
    }
  }

  torch::Tensor Forecast(const bridge::WindowBatch& batch) override {
    CheckBatch("nhits", shape_, batch, true, true);
    const torch::Tensor y = FoldTargets(batch.insample);  // [B*T, L]
    torch::Tensor hist_exog, futr_exog;
    if (shape_.n_hist_exog > 0) hist_exog = RepeatForTargets(batch.hist_exog, shape_.n_targets);
    if (shape_.n_futr_exog > 0) futr_exog = RepeatForTargets(batch.futr_exog, shape_.n_targets);
    // As in NF (and NBEATS): blocks run on the reversed window (the exogenous rows are not
    // reversed), the forecast starts at the last value.
    torch::Tensor residuals = y.flip({1});
    torch::Tensor forecast = y.slice(1, shape_.input_size - 1);
    for (const auto& module : *blocks_) {
      auto [backcast, block_forecast] =
          module->as<NHitsBlockImpl>()->forward(residuals, hist_exog, futr_exog);
      residuals = residuals - backcast;
      forecast = forecast + block_forecast;
    }
    return UnfoldTargets(forecast, batch.size(), shape_.n_targets);
  }

 private:
  ModelShape shape_;
  torch::nn::ModuleList blocks_{nullptr};
};

}  // namespace

Result<ModelPtr> MakeNHits(const ModelShape& shape, const HyperparameterReader& hp) {
  // NF keeps stack_types only to count the stacks: every stack is an identity stack.
  DEEPRC_ASSIGN_OR_RETURN(auto stack_types, hp.Strings("stack_types", {"identity"}));
  const auto n_stacks = static_cast<int64_t>(stack_types.size());
  DEEPRC_ASSIGN_OR_RETURN(auto n_blocks, hp.PositiveInts("n_blocks", n_stacks));
  DEEPRC_ASSIGN_OR_RETURN(auto pool_kernels, hp.PositiveInts("n_pool_kernel_size", n_stacks));
  DEEPRC_ASSIGN_OR_RETURN(auto freq_downsample, hp.PositiveInts("n_freq_downsample", n_stacks));
  NHitsOptions options;
  DEEPRC_ASSIGN_OR_RETURN(options.units, hp.LayerUnits("mlp_units"));
  DEEPRC_ASSIGN_OR_RETURN(options.activation, hp.OneOf("activation", ActivationNames()));
  DEEPRC_ASSIGN_OR_RETURN(options.pooling_mode, hp.OneOf("pooling_mode", {"MaxPool1d", "AvgPool1d"}));
  // NF's "cubic" interpolation (bicubic over a fake image dimension) is not carried over.
  DEEPRC_ASSIGN_OR_RETURN(options.interpolation_mode, hp.OneOf("interpolation_mode", {"linear", "nearest"}));
  DEEPRC_ASSIGN_OR_RETURN(options.dropout, hp.Probability("dropout_prob_theta"));
  return std::make_shared<NHits>(shape, n_blocks, pool_kernels, freq_downsample, options);
}

// NeuralForecast's defaults (models/nhits.py).
ModelEntry NHitsModel() {
  using nlohmann::json;
  return {{"nhits", "NHITS: pooled-input MLP stacks with interpolated multi-rate forecasts",
           Training(1e-3, 1000, 1024, 3),
           json{{"stack_types", {"identity", "identity", "identity"}},
                {"n_blocks", {1, 1, 1}},
                {"mlp_units", json::array({{512, 512}, {512, 512}, {512, 512}})},
                {"n_pool_kernel_size", {2, 2, 1}},
                {"n_freq_downsample", {4, 2, 1}},
                {"pooling_mode", "MaxPool1d"},
                {"interpolation_mode", "linear"},
                {"dropout_prob_theta", 0.0},
                {"activation", "ReLU"}},
           true, true},
          MakeNHits};
}

}  // namespace deeprc::learn::models_internal
