#include "deeprc/learn/distributed_gradients.h"

#include <arrow/api.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstring>

namespace deeprc::learn {

namespace {

Status CheckFloat32(const torch::Tensor& parameter) {
  if (parameter.scalar_type() != torch::kFloat32 || !parameter.is_cpu()) {
    return Status::NotImplemented(
        "gradient all-reduce over CPU communicators needs float32 CPU parameters, got ",
        c10::toString(parameter.scalar_type()), " on ", parameter.device().str());
  }
  return Status::OK();
}

}  // namespace

GradientAverager::GradientAverager(net::Communicator& communicator, int64_t bucket_bytes)
    : communicator_(communicator), bucket_bytes_(std::max<int64_t>(bucket_bytes, sizeof(float))) {}

Status GradientAverager::Average(const std::vector<torch::Tensor>& parameters) {
  if (communicator_.size() == 1) return Status::OK();
  const float scale = 1.0f / static_cast<float>(communicator_.size());
  const int64_t bucket_capacity = bucket_bytes_ / static_cast<int64_t>(sizeof(float));
  bucket_.resize(static_cast<size_t>(std::min<int64_t>(bucket_capacity, 1 << 26)));

  // The parameters packed into the bucket so far, and how many floats they fill.
  std::vector<torch::Tensor> pending;
  int64_t filled = 0;
  auto flush = [&]() -> Status {
    if (filled == 0) return Status::OK();
    DEEPRC_RETURN_NOT_OK(
        communicator_.AllReduce(bucket_.data(), filled, *arrow::float32(), net::ReduceOp::kSum));
    int64_t offset = 0;
    for (torch::Tensor& gradient : pending) {
      std::memcpy(gradient.data_ptr<float>(), bucket_.data() + offset, gradient.numel() * sizeof(float));
      gradient.mul_(scale);
      offset += gradient.numel();
    }
    pending.clear();
    filled = 0;
    return Status::OK();
  };

  for (const torch::Tensor& parameter : parameters) {
    DEEPRC_RETURN_NOT_OK(CheckFloat32(parameter));
    torch::Tensor gradient = parameter.mutable_grad();
    if (!gradient.defined()) {
      // A parameter this rank's batch did not reach still takes part, or the ranks' buckets
      // would disagree in size.
      parameter.mutable_grad() = torch::zeros_like(parameter);
      gradient = parameter.mutable_grad();
    }
    if (!gradient.is_contiguous()) {
      parameter.mutable_grad() = gradient.contiguous();
      gradient = parameter.mutable_grad();
    }
    const int64_t count = gradient.numel();
    if (count > static_cast<int64_t>(bucket_.size())) {
      // Larger than a bucket: reduced in place, with no staging copy.
      DEEPRC_RETURN_NOT_OK(flush());
      DEEPRC_RETURN_NOT_OK(
          communicator_.AllReduce(gradient.data_ptr<float>(), count, *arrow::float32(), net::ReduceOp::kSum));
      gradient.mul_(scale);
      continue;
    }
    if (filled + count > static_cast<int64_t>(bucket_.size())) DEEPRC_RETURN_NOT_OK(flush());
    std::memcpy(bucket_.data() + filled, gradient.data_ptr<float>(), count * sizeof(float));
    filled += count;
    pending.push_back(gradient);
  }
  return flush();
}

Status GradientAverager::BroadcastFromRoot(const std::vector<torch::Tensor>& parameters) {
  if (communicator_.size() == 1) return Status::OK();
  torch::NoGradGuard no_grad;
  for (const torch::Tensor& parameter : parameters) {
    DEEPRC_RETURN_NOT_OK(CheckFloat32(parameter));
    torch::Tensor values = parameter.contiguous();
    const auto bytes = std::span<const uint8_t>(static_cast<const uint8_t*>(values.data_ptr()),
                                                static_cast<size_t>(values.nbytes()));
    DEEPRC_ASSIGN_OR_RETURN(auto root_values, communicator_.Broadcast(bytes, 0));
    if (root_values->size() != static_cast<int64_t>(values.nbytes())) {
      return Status::Invalid("rank 0 broadcast a parameter of ", root_values->size(),
                             " bytes, this rank's has ", values.nbytes(),
                             ": the ranks built different models");
    }
    std::memcpy(values.data_ptr(), root_values->data(), values.nbytes());
    if (!parameter.is_contiguous()) parameter.copy_(values);
  }
  return Status::OK();
}

}  // namespace deeprc::learn
