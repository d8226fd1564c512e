// What every forecasting model is to the trainer: a LibTorch module that maps a batch of windows
// to forecasts over the horizon, built from its shape and its hyperparameters.
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>

#include "deeprc/bridge/window_batch.h"

namespace deeprc::learn {

// The sizes a model is built for; the window dataset's spec provides them.
struct ModelShape {
  int64_t input_size = 0;
  int64_t horizon = 0;
  int64_t n_targets = 1;
  int64_t n_hist_exog = 0;
  int64_t n_futr_exog = 0;
};

class ForecastModel : public torch::nn::Module {
 public:
  // batch.insample [B, input_size, n_targets] (plus the exogenous tensors the shape declares)
  // -> forecasts [B, horizon, n_targets], on the scale of the inputs.
  virtual torch::Tensor Forecast(const bridge::WindowBatch& batch) = 0;
};

}  // namespace deeprc::learn
