#include "deeprc/learn/models/model_support.h"

#include <c10/util/Exception.h>
#include <torch/nn/functional/dropout.h>

#include <sstream>

namespace deeprc::learn::models_internal {
namespace {

std::string Sizes(const torch::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

void CheckTensor(const char* model, const char* name, const torch::Tensor& t, int64_t batch, int64_t rows,
                 int64_t columns) {
  TORCH_CHECK(t.defined(), model, ": the model was built for ", columns, " ", name,
              " columns but the batch has none");
  TORCH_CHECK(t.dim() == 3 && t.size(0) == batch && t.size(1) == rows && t.size(2) == columns, model,
              ": batch.", name, " is ", Sizes(t), ", expected [", batch, ", ", rows, ", ", columns, "]");
}

}  // namespace

void CheckBatch(const char* model, const ModelShape& shape, const bridge::WindowBatch& batch,
                bool reads_hist_exog, bool reads_futr_exog) {
  TORCH_CHECK(batch.insample.defined(), model, ": the batch has no insample tensor");
  const int64_t b = batch.insample.size(0);
  CheckTensor(model, "insample", batch.insample, b, shape.input_size, shape.n_targets);
  if (reads_hist_exog && shape.n_hist_exog > 0) {
    CheckTensor(model, "hist_exog", batch.hist_exog, b, shape.input_size, shape.n_hist_exog);
  }
  if (reads_futr_exog && shape.n_futr_exog > 0) {
    CheckTensor(model, "futr_exog", batch.futr_exog, b, shape.input_size + shape.horizon, shape.n_futr_exog);
  }
}

const std::vector<std::string>& ActivationNames() {
  static const std::vector<std::string> names = {"ReLU",      "Softplus", "Tanh",   "SELU",
                                                 "LeakyReLU", "PReLU",    "Sigmoid"};
  return names;
}

torch::nn::AnyModule MakeActivation(const std::string& name) {
  if (name == "ReLU") return torch::nn::AnyModule(torch::nn::ReLU());
  if (name == "Softplus") return torch::nn::AnyModule(torch::nn::Softplus());
  if (name == "Tanh") return torch::nn::AnyModule(torch::nn::Tanh());
  if (name == "SELU") return torch::nn::AnyModule(torch::nn::SELU());
  if (name == "LeakyReLU") return torch::nn::AnyModule(torch::nn::LeakyReLU());
  if (name == "PReLU") return torch::nn::AnyModule(torch::nn::PReLU());
  if (name == "Sigmoid") return torch::nn::AnyModule(torch::nn::Sigmoid());
  TORCH_CHECK(false, "unknown activation '", name, "'");
}

BlockMlpImpl::BlockMlpImpl(int64_t in_features, const std::vector<std::vector<int64_t>>& units,
                           int64_t n_theta, const std::string& activation, double dropout)
    : activation_(MakeActivation(activation)), dropout_(dropout) {
  hidden_.push_back(register_module("input", torch::nn::Linear(in_features, units[0][0])));
  for (size_t i = 0; i < units.size(); ++i) {
    hidden_.push_back(
        register_module("hidden" + std::to_string(i), torch::nn::Linear(units[i][0], units[i][1])));
  }
  output_ = register_module("output", torch::nn::Linear(units.back()[1], n_theta));
  register_module("activation", activation_.ptr());
}

torch::Tensor BlockMlpImpl::forward(torch::Tensor x) {
  x = hidden_[0]->forward(x);
  for (size_t i = 1; i < hidden_.size(); ++i) {
    x = activation_.forward(hidden_[i]->forward(x));
    if (dropout_ > 0)
      x = torch::nn::functional::dropout(
          x, torch::nn::functional::DropoutFuncOptions().p(dropout_).training(is_training()));
  }
  return output_->forward(x);
}

TrainingDefaults Training(double learning_rate, int64_t max_steps, int64_t windows_batch_size, int num_lr_decays,
                          std::string scaler_type, int64_t input_size_in_horizons) {
  TrainingDefaults t;
  t.learning_rate = learning_rate;
  t.max_steps = max_steps;
  t.batch_size = windows_batch_size;
  t.num_lr_decays = num_lr_decays;
  t.val_check_steps = 100;
  t.loss = "mae";
  t.scaler_type = std::move(scaler_type);
  t.input_size_in_horizons = input_size_in_horizons;
  return t;
}

}  // namespace deeprc::learn::models_internal
