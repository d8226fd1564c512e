#include "deeprc/learn/distributed_gradients.h"

#include <arrow/api.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstring>

namespace deeprc::learn {

namespace {

Status CheckFloat32(const torch::Tensor& parameter) {
  if (parameter.scalar_type() != torch::kFloat32) {
    return Status::NotImplemented("gradient averaging needs float32 parameters, got ",
                                  c10::toString(parameter.scalar_type()));
  }
  return Status::OK();
}

// A parameter's gradient, created as zeros where this rank's batch did not reach the parameter
// (the ranks' buckets must agree in size) and made contiguous.
torch::Tensor GradientOf(const torch::Tensor& parameter) {
  torch::Tensor& gradient = parameter.mutable_grad();
  if (!gradient.defined()) gradient = torch::zeros_like(parameter);
  if (!gradient.is_contiguous()) gradient = gradient.contiguous();
  return gradient;
}

}  // namespace

GradientAverager::GradientAverager(net::Communicator& communicator, int64_t bucket_bytes)
    : communicator_(communicator), bucket_bytes_(std::max<int64_t>(bucket_bytes, sizeof(float))) {}

Status GradientAverager::Average(const std::vector<torch::Tensor>& parameters) {
  if (communicator_.size() == 1) return Status::OK();
  const float scale = 1.0f / static_cast<float>(communicator_.size());
  const int64_t bucket_capacity = bucket_bytes_ / static_cast<int64_t>(sizeof(float));
  bucket_.resize(static_cast<size_t>(std::min<int64_t>(bucket_capacity, 1 << 26)));

  // The gradients packed into the bucket so far, and how many floats they fill. The bucket is host
  // memory: gradients on a GPU are staged through it, so any CPU communicator can reduce them.
  std::vector<torch::Tensor> pending;
  int64_t filled = 0;
  auto flush = [&]() -> Status {
    if (filled == 0) return Status::OK();
    DEEPRC_RETURN_NOT_OK(
        communicator_.AllReduce(bucket_.data(), filled, *arrow::float32(), net::ReduceOp::kSum));
    int64_t offset = 0;
    for (torch::Tensor& gradient : pending) {
      gradient.copy_(torch::from_blob(bucket_.data() + offset, gradient.sizes(), torch::kFloat32))
          .mul_(scale);
      offset += gradient.numel();
    }
    pending.clear();
    filled = 0;
    return Status::OK();
  };

  for (const torch::Tensor& parameter : parameters) {
    DEEPRC_RETURN_NOT_OK(CheckFloat32(parameter));
    torch::Tensor gradient = GradientOf(parameter);
    const int64_t count = gradient.numel();
    if (count > static_cast<int64_t>(bucket_.size())) {
      // Larger than a bucket: reduced on its own, in place when it lives in host memory.
      DEEPRC_RETURN_NOT_OK(flush());
      torch::Tensor host = gradient.is_cpu() ? gradient : gradient.to(torch::kCPU);
      DEEPRC_RETURN_NOT_OK(
          communicator_.AllReduce(host.data_ptr<float>(), count, *arrow::float32(), net::ReduceOp::kSum));
      if (!gradient.is_cpu()) gradient.copy_(host);
      gradient.mul_(scale);
      continue;
    }
    if (filled + count > static_cast<int64_t>(bucket_.size())) DEEPRC_RETURN_NOT_OK(flush());
    torch::from_blob(bucket_.data() + filled, gradient.sizes(), torch::kFloat32).copy_(gradient);
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
    const torch::Tensor host = parameter.to(torch::kCPU).contiguous();
    const auto bytes = std::span<const uint8_t>(static_cast<const uint8_t*>(host.data_ptr()),
                                                static_cast<size_t>(host.nbytes()));
    DEEPRC_ASSIGN_OR_RETURN(auto root_values, communicator_.Broadcast(bytes, 0));
    if (root_values->size() != static_cast<int64_t>(host.nbytes())) {
      return Status::Invalid("rank 0 broadcast a parameter of ", root_values->size(),
                             " bytes, this rank's has ", host.nbytes(), ": the ranks built different models");
    }
    parameter.copy_(torch::from_blob(const_cast<uint8_t*>(root_values->data()),  // read only: the source
                                     parameter.sizes(), torch::kFloat32));
  }
  return Status::OK();
}

}  // namespace deeprc::learn
