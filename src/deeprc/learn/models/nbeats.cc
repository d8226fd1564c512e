// NBEATS after NeuralForecast's nbeats.py: stacks of MLP blocks, each projecting onto a basis
// (identity, polynomial trend, Fourier seasonality) a backcast that is removed from the input of the
// next block and a forecast that is summed.
#include <torch/nn/modules/container/modulelist.h>

#include <cmath>
#include <numbers>

#include "deeprc/learn/models/model_support.h"

namespace deeprc::learn::models_internal {
namespace {

enum class Basis { kIdentity, kTrend, kSeasonality };

// Rows of a basis as float32 [rows, columns], computed in double like NF's numpy templates.
torch::Tensor ToTensor(const std::vector<std::vector<double>>& rows) {
  const int64_t n = static_cast<int64_t>(rows.size());
  const int64_t m = n == 0 ? 0 : static_cast<int64_t>(rows[0].size());
  torch::Tensor t = torch::empty({n, m}, torch::kFloat32);
  auto a = t.accessor<float, 2>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < m; ++j) a[i][j] = static_cast<float>(rows[i][j]);
  }
  return t;
}

// Polynomials (t / size)^p, p = 0..degree, over `size` steps.
torch::Tensor TrendTemplate(int64_t degree, int64_t size) {
  std::vector<std::vector<double>> rows(degree + 1, std::vector<double>(size));
  for (int64_t p = 0; p <= degree; ++p) {
    for (int64_t t = 0; t < size; ++t) rows[p][t] = std::pow(static_cast<double>(t) / size, p);
  }
  return ToTensor(rows);
}

// NF's Fourier basis: frequencies 0 and harmonics/harmonics ... (harmonics/2 * horizon - 1)/harmonics
// in steps of 1/harmonics, over time measured in horizons (negative over the backcast); cosines
// then sines.
torch::Tensor SeasonalityTemplate(int64_t harmonics, int64_t horizon, int64_t size, double sign) {
  std::vector<double> frequency = {0.0};
  const double stop = harmonics / 2.0 * horizon;
  // numpy's arange(harmonics, stop) has ceil(stop - harmonics) elements.
  const int64_t count = std::max<int64_t>(0, static_cast<int64_t>(std::ceil(stop - harmonics)));
  for (int64_t i = 0; i < count; ++i) frequency.push_back(static_cast<double>(harmonics + i) / harmonics);
  const int64_t k = static_cast<int64_t>(frequency.size());
  std::vector<std::vector<double>> rows(2 * k, std::vector<double>(size));
  for (int64_t f = 0; f < k; ++f) {
    for (int64_t t = 0; t < size; ++t) {
      const double angle = sign * 2 * std::numbers::pi * (static_cast<double>(t) / horizon) * frequency[f];
      rows[f][t] = std::cos(angle);
      rows[k + f][t] = std::sin(angle);
    }
  }
  return ToTensor(rows);
}

class NBeatsBlockImpl : public torch::nn::Module {
 public:
  NBeatsBlockImpl(const ModelShape& shape, Basis basis, int64_t n_polynomials, int64_t n_harmonics,
                  const std::vector<std::vector<int64_t>>& units, const std::string& activation)
      : basis_(basis), input_size_(shape.input_size) {
    int64_t n_theta = shape.input_size + shape.horizon;
    if (basis != Basis::kIdentity) {
      // Fixed templates, not trained: buffers, so they move with the module but no optimiser or
      // gradient all-reduce sees them (NF keeps them as parameters with requires_grad=False).
      torch::Tensor backcast, forecast;
      if (basis == Basis::kTrend) {
        backcast = TrendTemplate(n_polynomials, shape.input_size);
        forecast = TrendTemplate(n_polynomials, shape.horizon);
      } else {
        backcast = SeasonalityTemplate(n_harmonics, shape.horizon, shape.input_size, -1.0);
        forecast = SeasonalityTemplate(n_harmonics, shape.horizon, shape.horizon, 1.0);
      }
      n_theta = backcast.size(0) + forecast.size(0);
      backcast_basis_ = register_buffer("backcast_basis", backcast);
      forecast_basis_ = register_buffer("forecast_basis", forecast);
    }
    layers_ = register_module("layers", BlockMlp(shape.input_size, units, n_theta, activation, 0.0));
  }

  // residuals [N, L] -> (backcast [N, L], forecast [N, H])
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& residuals) {
    const torch::Tensor theta = layers_->forward(residuals);
    if (basis_ == Basis::kIdentity) {
      return {theta.slice(1, 0, input_size_), theta.slice(1, input_size_)};
    }
    const int64_t rows = backcast_basis_.size(0);
    return {theta.slice(1, 0, rows).matmul(backcast_basis_), theta.slice(1, rows).matmul(forecast_basis_)};
  }

 private:
  Basis basis_;
  int64_t input_size_;
  torch::Tensor backcast_basis_, forecast_basis_;
  BlockMlp layers_{nullptr};
};
TORCH_MODULE(NBeatsBlock);

class NBeats : public ForecastModel {
 public:
  NBeats(const ModelShape& shape, std::vector<NBeatsBlock> blocks) : shape_(shape) {
    // With shared weights a stack repeats one block: register each block once so that it holds
    // one set of parameters, and keep the order of application separately.
    auto list = register_module("blocks", torch::nn::ModuleList());
    const NBeatsBlockImpl* previous = nullptr;
    for (auto& block : blocks) {
      if (block.get() != previous) list->push_back(block);
      previous = block.get();
    }
    blocks_ = std::move(blocks);
  }

  torch::Tensor Forecast(const bridge::WindowBatch& batch) override {
    CheckBatch("nbeats", shape_, batch, false, false);
    const torch::Tensor y = FoldTargets(batch.insample);  // [B*T, L]
    // NF runs the blocks on the reversed window and starts the forecast at the last value (Naive1
    // level); the blocks add corrections to it.
    torch::Tensor residuals = y.flip({1});
    torch::Tensor forecast = y.slice(1, shape_.input_size - 1);
    for (auto& block : blocks_) {
      auto [backcast, block_forecast] = block->forward(residuals);
      residuals = residuals - backcast;
      forecast = forecast + block_forecast;
    }
    return UnfoldTargets(forecast, batch.size(), shape_.n_targets);
  }

 private:
  ModelShape shape_;
  std::vector<NBeatsBlock> blocks_;
};

}  // namespace

Result<ModelPtr> MakeNBeats(const ModelShape& shape, const HyperparameterReader& hp) {
  DEEPRC_ASSIGN_OR_RETURN(auto stack_types, hp.Strings("stack_types", {"identity", "trend", "seasonality"}));
  const auto n_stacks = static_cast<int64_t>(stack_types.size());
  DEEPRC_ASSIGN_OR_RETURN(auto n_blocks, hp.PositiveInts("n_blocks", n_stacks));
  DEEPRC_ASSIGN_OR_RETURN(auto units, hp.LayerUnits("mlp_units"));
  DEEPRC_ASSIGN_OR_RETURN(int64_t n_harmonics, hp.PositiveInt("n_harmonics"));
  DEEPRC_ASSIGN_OR_RETURN(int64_t n_polynomials, hp.NonNegativeInt("n_polynomials"));
  DEEPRC_ASSIGN_OR_RETURN(std::string activation, hp.OneOf("activation", ActivationNames()));
  DEEPRC_ASSIGN_OR_RETURN(double dropout, hp.Probability("dropout_prob_theta"));
  if (dropout > 0)
    return hp.Invalid("dropout_prob_theta", "NeuralForecast's NBEATS implements no dropout; use 0");
  const bool shared_weights = hp.Bool("shared_weights");
  for (const auto& type : stack_types) {
    // A horizon of one step has no trend or season to project on (NF refuses it too).
    if (type != "identity" && shape.horizon == 1) {
      return hp.Invalid("stack_types", "a '" + type + "' stack needs a horizon of at least 2");
    }
  }
  std::vector<NBeatsBlock> blocks;
  for (int64_t s = 0; s < n_stacks; ++s) {
    const Basis basis = stack_types[s] == "identity" ? Basis::kIdentity
                        : stack_types[s] == "trend"  ? Basis::kTrend
                                                     : Basis::kSeasonality;
    for (int64_t b = 0; b < n_blocks[s]; ++b) {
      if (shared_weights && b > 0) {
        blocks.push_back(blocks.back());
      } else {
        blocks.push_back(NBeatsBlock(shape, basis, n_polynomials, n_harmonics, units, activation));
      }
    }
  }
  return std::make_shared<NBeats>(shape, std::move(blocks));
}

// NeuralForecast's defaults (models/nbeats.py).
ModelEntry NBeatsModel() {
  using nlohmann::json;
  return {{"nbeats", "NBEATS: identity, trend and seasonality stacks of MLP blocks with backcast residuals",
           Training(1e-3, 1000, 1024, 3),
           json{{"stack_types", {"identity", "trend", "seasonality"}},
                {"n_blocks", {1, 1, 1}},
                {"mlp_units", json::array({{512, 512}, {512, 512}, {512, 512}})},
                {"n_harmonics", 2},
                {"n_polynomials", 2},
                {"dropout_prob_theta", 0.0},
                {"activation", "ReLU"},
                {"shared_weights", false}}},
          MakeNBeats};
}

}  // namespace deeprc::learn::models_internal
