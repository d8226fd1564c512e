// NLinear, DLinear and MLP, after NeuralForecast's nlinear.py, dlinear.py and mlp.py.
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>

#include "deeprc/learn/models/model_support.h"

namespace deeprc::learn::models_internal {
namespace {

// NLinear: one linear map of the window relative to its last value, which is added back, so a level
// shift between training and test windows does not move the forecast's shape.
class NLinear : public ForecastModel {
 public:
  explicit NLinear(const ModelShape& shape) : shape_(shape) {
    linear_ = register_module("linear", torch::nn::Linear(shape.input_size, shape.horizon));
  }

  torch::Tensor Forecast(const bridge::WindowBatch& batch) override {
    CheckBatch("nlinear", shape_, batch, false, false);
    const torch::Tensor y = FoldTargets(batch.insample);  // [B*T, L]
    const torch::Tensor last = y.slice(/*dim=*/1, shape_.input_size - 1);
    return UnfoldTargets(linear_->forward(y - last) + last, batch.size(), shape_.n_targets);
  }

 private:
  ModelShape shape_;
  torch::nn::Linear linear_{nullptr};
};

// DLinear: a centred moving average splits the window into trend and remainder ("seasonal"); one
// linear map each, summed.
class DLinear : public ForecastModel {
 public:
  DLinear(const ModelShape& shape, int64_t moving_avg_window) : shape_(shape), kernel_(moving_avg_window) {
    linear_trend_ = register_module("linear_trend", torch::nn::Linear(shape.input_size, shape.horizon));
    linear_season_ = register_module("linear_season", torch::nn::Linear(shape.input_size, shape.horizon));
  }

  torch::Tensor Forecast(const bridge::WindowBatch& batch) override {
    CheckBatch("dlinear", shape_, batch, false, false);
    const torch::Tensor y = FoldTargets(batch.insample);  // [B*T, L]
    // The average keeps the window's length: both ends are extended by repeating the edge values
    // ((k-1)/2 each), so the trend near the edges is not pulled towards zero.
    const int64_t pad = (kernel_ - 1) / 2;
    const int64_t length = y.size(1);
    const torch::Tensor padded =
        torch::cat({y.slice(1, 0, 1).expand({-1, pad}), y, y.slice(1, length - 1, length).expand({-1, pad})},
                   /*dim=*/1);
    const torch::Tensor trend = torch::avg_pool1d(padded.unsqueeze(1), {kernel_}, {1}).squeeze(1);
    const torch::Tensor seasonal = y - trend;
    const torch::Tensor forecast = linear_trend_->forward(trend) + linear_season_->forward(seasonal);
    return UnfoldTargets(forecast, batch.size(), shape_.n_targets);
  }

 private:
  ModelShape shape_;
  int64_t kernel_;
  torch::nn::Linear linear_trend_{nullptr}, linear_season_{nullptr};
};

// MLP: the window's targets, its historic exogenous rows and its future exogenous rows (inputs and
// horizon) flattened into one vector, num_layers ReLU layers, then a linear head over the horizon.
class Mlp : public ForecastModel {
 public:
  Mlp(const ModelShape& shape, int64_t num_layers, int64_t hidden_size) : shape_(shape) {
    const int64_t in_features = shape.input_size + shape.n_hist_exog * shape.input_size +
                                shape.n_futr_exog * (shape.input_size + shape.horizon);
    layers_ = register_module("mlp", torch::nn::ModuleList());
    layers_->push_back(torch::nn::Linear(in_features, hidden_size));
    for (int64_t i = 1; i < num_layers; ++i) layers_->push_back(torch::nn::Linear(hidden_size, hidden_size));
    out_ = register_module("out", torch::nn::Linear(hidden_size, shape.horizon));
  }

  torch::Tensor Forecast(const bridge::WindowBatch& batch) override {
    CheckBatch("mlp", shape_, batch, true, true);
    torch::Tensor x = FoldTargets(batch.insample);  // [B*T, L]
    const int64_t rows = x.size(0);
    // Time-major flattening of [rows, time, column], as NF's reshape of [B, L, C].
    if (shape_.n_hist_exog > 0) {
      x = torch::cat({x, RepeatForTargets(batch.hist_exog, shape_.n_targets).reshape({rows, -1})}, 1);
    }
    if (shape_.n_futr_exog > 0) {
      x = torch::cat({x, RepeatForTargets(batch.futr_exog, shape_.n_targets).reshape({rows, -1})}, 1);
    }
    for (const auto& layer : *layers_) x = torch::relu(layer->as<torch::nn::Linear>()->forward(x));
    return UnfoldTargets(out_->forward(x), batch.size(), shape_.n_targets);
  }

 private:
  ModelShape shape_;
  torch::nn::ModuleList layers_{nullptr};
  torch::nn::Linear out_{nullptr};
};

}  // namespace

Result<ModelPtr> MakeNLinear(const ModelShape& shape, const HyperparameterReader& hp) {
  return std::make_shared<NLinear>(shape);
}

Result<ModelPtr> MakeDLinear(const ModelShape& shape, const HyperparameterReader& hp) {
  DEEPRC_ASSIGN_OR_RETURN(int64_t window, hp.PositiveInt("moving_avg_window"));
  // An even window has no centre: the average would shift the trend by half a step (NF refuses it too).
  if (window % 2 == 0) return hp.Invalid("moving_avg_window", "must be odd, got " + std::to_string(window));
  return std::make_shared<DLinear>(shape, window);
}

Result<ModelPtr> MakeMlp(const ModelShape& shape, const HyperparameterReader& hp) {
  DEEPRC_ASSIGN_OR_RETURN(int64_t num_layers, hp.PositiveInt("num_layers"));
  DEEPRC_ASSIGN_OR_RETURN(int64_t hidden_size, hp.PositiveInt("hidden_size"));
  return std::make_shared<Mlp>(shape, num_layers, hidden_size);
}

// NeuralForecast's defaults (models/nlinear.py, dlinear.py, mlp.py).
ModelEntry NLinearModel() {
  return {{"nlinear", "NLinear: one linear map of the window relative to its last value",
           Training(1e-4, 5000, 1024, -1), nlohmann::json::object()},
          MakeNLinear};
}

ModelEntry DLinearModel() {
  return {{"dlinear", "DLinear: moving-average trend and remainder, one linear map each",
           Training(1e-4, 5000, 1024, -1), nlohmann::json{{"moving_avg_window", 25}}},
          MakeDLinear};
}

ModelEntry MlpModel() {
  return {{"mlp", "MLP: ReLU layers over the flattened window and exogenous rows", Training(1e-3, 1000, 1024, -1),
           nlohmann::json{{"num_layers", 2}, {"hidden_size", 1024}}, true, true},
          MakeMlp};
}

}  // namespace deeprc::learn::models_internal
