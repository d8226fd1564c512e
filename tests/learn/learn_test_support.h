// What the training tests share: the smallest forecasting model and a one-series table.
#pragma once

#include <arrow/api.h>
#include <torch/torch.h>

#include <cmath>
#include <memory>

#include "deeprc/learn/models/forecast_model.h"

namespace deeprc::learn::testing {

// One linear map from the inputs to the horizon: enough to check training mechanics exactly.
class TinyLinear : public ForecastModel {
 public:
  TinyLinear(int64_t input_size, int64_t horizon)
      : linear_(register_module("linear", torch::nn::Linear(input_size, horizon))) {}
  torch::Tensor Forecast(const bridge::WindowBatch& batch) override {
    return linear_(batch.insample.squeeze(2)).unsqueeze(2);
  }

 private:
  torch::nn::Linear linear_;
};

// A float32 column "y" of `rows` values of a two-tone wave.
inline std::shared_ptr<arrow::Table> WaveTable(int64_t rows) {
  arrow::FloatBuilder values;
  for (int64_t t = 0; t < rows; ++t) {
    (void)values.Append(static_cast<float>(std::sin(t * 0.3) + 0.1 * std::cos(t * 1.7)));
  }
  return arrow::Table::Make(arrow::schema({arrow::field("y", arrow::float32())}),
                            {values.Finish().ValueOrDie()});
}

}  // namespace deeprc::learn::testing
