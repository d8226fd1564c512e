#include "deeprc/learn/loss.h"

#include <torch/torch.h>

namespace deeprc::learn {

Result<LossKind> ParseLossKind(std::string_view name) {
  if (name == "mae") return LossKind::kMae;
  if (name == "mse") return LossKind::kMse;
  if (name == "huber") return LossKind::kHuber;
  return Status::Invalid("unknown loss '", name, "': expected mae, mse or huber");
}

std::string_view ToString(LossKind kind) {
  switch (kind) {
    case LossKind::kMae:
      return "mae";
    case LossKind::kMse:
      return "mse";
    case LossKind::kHuber:
      return "huber";
  }
  return "?";
}

torch::Tensor ComputeLoss(LossKind kind, const torch::Tensor& forecast, const torch::Tensor& truth) {
  const torch::Tensor observed = truth.isnan().logical_not();
  // NaN truths must not reach the gradient: where() would still differentiate through them.
  const torch::Tensor error = forecast - torch::where(observed, truth, forecast.detach());
  torch::Tensor pointwise;
  switch (kind) {
    case LossKind::kMae:
      pointwise = error.abs();
      break;
    case LossKind::kMse:
      pointwise = error.square();
      break;
    case LossKind::kHuber: {
      const torch::Tensor magnitude = error.abs();
      pointwise = torch::where(magnitude <= 1.0, 0.5 * error.square(), magnitude - 0.5);
      break;
    }
  }
  const torch::Tensor weight = observed.to(pointwise.scalar_type());
  return (pointwise * weight).sum() / weight.sum().clamp_min(1.0);
}

}  // namespace deeprc::learn
