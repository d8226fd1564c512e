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

namespace {

torch::Tensor Pointwise(LossKind kind, const torch::Tensor& error) {
  switch (kind) {
    case LossKind::kMae:
      return error.abs();
    case LossKind::kMse:
      return error.square();
    case LossKind::kHuber: {
      const torch::Tensor magnitude = error.abs();
      return torch::where(magnitude <= 1.0, 0.5 * error.square(), magnitude - 0.5);
    }
  }
  return error;
}

}  // namespace

torch::Tensor ComputeLoss(LossKind kind, const torch::Tensor& forecast, const torch::Tensor& truth) {
  const torch::Tensor missing = truth.isnan();
  // Most batches have no gap: the plain mean keeps the backward graph to a few nodes.
  if (!missing.any().item<bool>()) return Pointwise(kind, forecast - truth).mean();
  const torch::Tensor observed = missing.logical_not();
  // NaN truths must not reach the gradient: where() would still differentiate through them.
  const torch::Tensor error = forecast - torch::where(observed, truth, forecast.detach());
  const torch::Tensor weight = observed.to(error.scalar_type());
  return (Pointwise(kind, error) * weight).sum() / weight.sum().clamp_min(1.0);
}

}  // namespace deeprc::learn
