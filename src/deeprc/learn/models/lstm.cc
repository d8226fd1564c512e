// LSTM after NeuralForecast's lstm.py (NF >= 2.0, recurrent=False, its default): an LSTM encoder
// over the input rows (target + historic + future exogenous), its last H hidden states (or all of
// them mapped linearly to H steps when H > L), each joined with that horizon step's future
// exogenous row and decoded by a shared MLP into the forecast.
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/rnn.h>

#include "deeprc/learn/models/model_support.h"

namespace deeprc::learn::models_internal {
namespace {

struct LstmOptions {
  int64_t encoder_n_layers = 2;
  int64_t encoder_hidden_size = 128;
  bool encoder_bias = true;
  double encoder_dropout = 0;
  int64_t decoder_hidden_size = 128;
  int64_t decoder_layers = 2;
};

class Lstm : public ForecastModel {
 public:
  Lstm(const ModelShape& shape, const LstmOptions& o) : shape_(shape) {
    const int64_t encoder_inputs = 1 + shape.n_hist_exog + shape.n_futr_exog;
    hist_encoder_ = register_module(
        "hist_encoder", torch::nn::LSTM(torch::nn::LSTMOptions(encoder_inputs, o.encoder_hidden_size)
                                            .num_layers(o.encoder_n_layers)
                                            .bias(o.encoder_bias)
                                            .dropout(o.encoder_dropout)
                                            .batch_first(true)));
    // NF's decoder MLP: decoder_layers linear layers in all (ReLU between), the last one to 1 output.
    mlp_decoder_ = register_module("mlp_decoder", torch::nn::Sequential());
    mlp_decoder_->push_back(
        torch::nn::Linear(o.encoder_hidden_size + shape.n_futr_exog, o.decoder_hidden_size));
    mlp_decoder_->push_back(torch::nn::ReLU());
    for (int64_t i = 0; i + 2 < o.decoder_layers; ++i) {
      mlp_decoder_->push_back(torch::nn::Linear(o.decoder_hidden_size, o.decoder_hidden_size));
      mlp_decoder_->push_back(torch::nn::ReLU());
    }
    mlp_decoder_->push_back(torch::nn::Linear(o.decoder_hidden_size, 1));
    if (shape.horizon > shape.input_size) {
      upsample_sequence_ =
          register_module("upsample_sequence", torch::nn::Linear(shape.input_size, shape.horizon));
    }
  }

  torch::Tensor Forecast(const bridge::WindowBatch& batch) override {
    CheckBatch("lstm", shape_, batch, true, true);
    const int64_t length = shape_.input_size;
    const int64_t horizon = shape_.horizon;
    // [B*T, L, 1 + Nh + Nf]: each target with its window's exogenous rows.
    std::vector<torch::Tensor> inputs = {FoldTargets(batch.insample).unsqueeze(2)};
    torch::Tensor futr_exog;
    if (shape_.n_hist_exog > 0) inputs.push_back(RepeatForTargets(batch.hist_exog, shape_.n_targets));
    if (shape_.n_futr_exog > 0) {
      futr_exog = RepeatForTargets(batch.futr_exog, shape_.n_targets);
      inputs.push_back(futr_exog.slice(1, 0, length));
    }
    torch::Tensor hidden = std::get<0>(hist_encoder_->forward(torch::cat(inputs, 2)));  // [N, L, hidden]
    if (horizon > length) {
      hidden = upsample_sequence_->forward(hidden.permute({0, 2, 1})).permute({0, 2, 1});  // [N, H, hidden]
    } else {
      hidden = hidden.slice(1, length - horizon);
    }
    if (shape_.n_futr_exog > 0) hidden = torch::cat({hidden, futr_exog.slice(1, length)}, 2);
    const torch::Tensor forecast = mlp_decoder_->forward(hidden).squeeze(2);  // [N, H]
    return UnfoldTargets(forecast, batch.size(), shape_.n_targets);
  }

 private:
  ModelShape shape_;
  torch::nn::LSTM hist_encoder_{nullptr};
  torch::nn::Sequential mlp_decoder_{nullptr};
  torch::nn::Linear upsample_sequence_{nullptr};
};

}  // namespace

Result<ModelPtr> MakeLstm(const ModelShape& shape, const HyperparameterReader& hp) {
  LstmOptions o;
  DEEPRC_ASSIGN_OR_RETURN(o.encoder_n_layers, hp.PositiveInt("encoder_n_layers"));
  DEEPRC_ASSIGN_OR_RETURN(o.encoder_hidden_size, hp.PositiveInt("encoder_hidden_size"));
  o.encoder_bias = hp.Bool("encoder_bias");
  DEEPRC_ASSIGN_OR_RETURN(o.encoder_dropout, hp.Probability("encoder_dropout"));
  DEEPRC_ASSIGN_OR_RETURN(o.decoder_hidden_size, hp.PositiveInt("decoder_hidden_size"));
  DEEPRC_ASSIGN_OR_RETURN(o.decoder_layers, hp.PositiveInt("decoder_layers"));
  // NF's MLP has an input and an output layer at least.
  if (o.decoder_layers < 2)
    return hp.Invalid("decoder_layers", "must be at least 2 (input and output layers)");
  return std::make_shared<Lstm>(shape, o);
}

// NeuralForecast's defaults (models/lstm.py): a robust temporal scaler, inputs of 3 horizons.
ModelEntry LstmModel() {
  return {{"lstm", "LSTM: LSTM encoder over target and exogenous rows, MLP decoder per horizon step",
           Training(1e-3, 1000, 128, -1, "robust", 3),
           nlohmann::json{{"encoder_n_layers", 2},
                          {"encoder_hidden_size", 128},
                          {"encoder_bias", true},
                          {"encoder_dropout", 0.0},
                          {"decoder_hidden_size", 128},
                          {"decoder_layers", 2}},
           true, true},
          MakeLstm};
}

}  // namespace deeprc::learn::models_internal
