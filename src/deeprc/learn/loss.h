// Training losses over forecasts and truths: the point losses NeuralForecast trains with. Missing
// truths (NaN) are masked out, so series with gaps train without imputation.
#pragma once

#include <torch/types.h>

#include <string>
#include <string_view>

#include "deeprc/core/status.h"

namespace deeprc::learn {

enum class LossKind { kMae, kMse, kHuber };

Result<LossKind> ParseLossKind(std::string_view name);  // "mae", "mse", "huber"
std::string_view ToString(LossKind kind);

// The mean loss over the points of `truth` that are not NaN (0 when there are none).
// Huber uses delta 1 on the scaled values, as NeuralForecast's HuberLoss default.
torch::Tensor ComputeLoss(LossKind kind, const torch::Tensor& forecast, const torch::Tensor& truth);

}  // namespace deeprc::learn
