// One batch of forecasting windows, collated into contiguous tensors: what a loader yields and a
// forecasting model consumes.
#pragma once

#include <torch/types.h>

namespace deeprc::bridge {

// B windows of `input_size` rows followed by `horizon` rows. Float32 except the index tensors.
// Tensors of absent column groups are undefined (`!tensor.defined()`).
struct WindowBatch {
  torch::Tensor insample;      // [B, input_size, n_targets]: targets over the input rows
  torch::Tensor outsample;     // [B, horizon, n_targets]: targets over the forecast rows (the truth)
  torch::Tensor hist_exog;     // [B, input_size, n_hist_exog]: known only up to the forecast
  torch::Tensor futr_exog;     // [B, input_size + horizon, n_futr_exog]: known ahead (calendar)
  torch::Tensor series;        // [B] int64: index of each window's series in the dataset
  torch::Tensor forecast_row;  // [B] int64: table row of each window's first forecast row

  int64_t size() const { return insample.defined() ? insample.size(0) : 0; }

  // The same batch on `device`; `non_blocking` overlaps the copy when the source is pinned.
  WindowBatch To(const torch::Device& device, bool non_blocking = false) const;
};

}  // namespace deeprc::bridge
