#include "deeprc/learn/loss.h"

#include <torch/torch.h>

#include "deeprc/core/enum_names.h"

namespace deeprc::learn {

namespace {
constexpr EnumName<LossKind> kLossNames[] = {
    {LossKind::kMae, "mae"}, {LossKind::kMse, "mse"}, {LossKind::kHuber, "huber"}};
}  // namespace

Result<LossKind> ParseLossKind(std::string_view name) { return ParseEnum(kLossNames, name, "loss"); }

std::string_view ToString(LossKind kind) { return NameOf(kLossNames, kind); }

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
