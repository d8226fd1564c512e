// The forecasting models of learn/models: shapes, a short training run on ETTh1 each, the
// hyperparameter checks, and NLinear/DLinear against forecasts computed by hand.
#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>
#include <torch/types.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "deeprc/learn/models/registry.h"

namespace deeprc::learn {
namespace {

using nlohmann::json;

constexpr int64_t kTrainRows = 8640;  // the long-horizon protocol's training rows

// Small sizes keep every model's run within a few seconds on two cores; the architecture is the
// default one otherwise.
json SmallOverrides(const std::string& model) {
  const json units = json::array({{32, 32}, {32, 32}, {32, 32}});
  if (model == "mlp") return {{"hidden_size", 64}};
  if (model == "nbeats" || model == "nhits") return {{"mlp_units", units}};
  if (model == "lstm") return {{"encoder_hidden_size", 32}, {"decoder_hidden_size", 32}};
  return json::object();
}

std::vector<std::string> ModelNames() {
  std::vector<std::string> names;
  for (const auto& info : RegisteredModels()) names.push_back(info.name);
  return names;
}

std::shared_ptr<ForecastModel> Make(const std::string& name, const ModelShape& shape,
                                    const json& overrides = json::object()) {
  auto model = MakeModel(name, shape, overrides);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? *model : nullptr;
}

// ETTh1's numeric columns [rows, 7] (HUFL ... OT), each z-scored with its training rows' mean and
// standard deviation; undefined when the shared data is absent.
torch::Tensor LoadEtth1() {
  std::ifstream in(std::string(DEEPRC_SHARED_DATA_DIR) + "/ett/ETTh1.csv");
  if (!in) return {};
  std::string line;
  std::getline(in, line);  // header
  std::vector<float> values;
  int64_t rows = 0;
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string field;
    std::getline(fields, field, ',');  // date
    while (std::getline(fields, field, ',')) values.push_back(std::stof(field));
    ++rows;
  }
  torch::Tensor data = torch::from_blob(values.data(), {rows, 7}, torch::kFloat32).clone();
  const torch::Tensor train = data.slice(0, 0, kTrainRows);
  return (data - train.mean(0)) / train.std(0);
}

// Hour of day as a cycle, a calendar column known ahead like the futr_exog of real runs.
torch::Tensor HourFeatures(int64_t rows) {
  const torch::Tensor hour = torch::arange(rows, torch::kFloat32).remainder(24) * (2 * std::numbers::pi / 24);
  return torch::stack({hour.sin(), hour.cos()}, 1);
}

// Batches of random training windows (starts within the training rows): targets = OT, hist_exog =
// the other six load columns, futr_exog = hour of day.
class EttWindows {
 public:
  EttWindows(const torch::Tensor& data, int64_t input_size, int64_t horizon)
      : input_size_(input_size), horizon_(horizon) {
    const torch::Tensor train = data.slice(0, 0, kTrainRows);
    const int64_t span = input_size + horizon;
    // unfold: [windows, columns, span] -> [windows, span, columns]
    target_ = train.slice(1, 6, 7).unfold(0, span, 1).permute({0, 2, 1}).contiguous();
    hist_ = train.slice(1, 0, 6).unfold(0, span, 1).permute({0, 2, 1}).contiguous();
    futr_ = HourFeatures(kTrainRows).unfold(0, span, 1).permute({0, 2, 1}).contiguous();
  }

  bridge::WindowBatch Sample(int64_t size, bool exog) const {
    const torch::Tensor index = torch::randint(target_.size(0), {size}, torch::kInt64);
    bridge::WindowBatch batch;
    const torch::Tensor target = target_.index_select(0, index);
    batch.insample = target.slice(1, 0, input_size_);
    batch.outsample = target.slice(1, input_size_);
    if (exog) {
      batch.hist_exog = hist_.index_select(0, index).slice(1, 0, input_size_);
      batch.futr_exog = futr_.index_select(0, index);
    }
    return batch;
  }

 private:
  int64_t input_size_, horizon_;
  torch::Tensor target_, hist_, futr_;
};

double Mean(const std::vector<double>& v, size_t begin, size_t end) {
  double sum = 0;
  for (size_t i = begin; i < end; ++i) sum += v[i];
  return sum / static_cast<double>(end - begin);
}

// Adam at the model's default learning rate on NF's default loss (MAE); the training losses.
std::vector<double> Train(ForecastModel& model, const EttWindows& windows, double learning_rate, int steps,
                          bool exog) {
  torch::optim::Adam optimizer(model.parameters(), torch::optim::AdamOptions(learning_rate));
  std::vector<double> losses;
  for (int step = 0; step < steps; ++step) {
    const bridge::WindowBatch batch = windows.Sample(64, exog);
    optimizer.zero_grad();
    torch::Tensor loss = (model.Forecast(batch) - batch.outsample).abs().mean();
    loss.backward();
    optimizer.step();
    losses.push_back(loss.item<double>());
  }
  return losses;
}

TEST(ModelsTest, RegistryListsTheModelsWithNeuralForecastDefaults) {
  EXPECT_EQ(ModelNames(), (std::vector<std::string>{"nlinear", "dlinear", "mlp", "nbeats", "nhits", "lstm"}));
  auto nhits = FindModel("NHITS");  // NF spells it in capitals
  ASSERT_TRUE(nhits.ok()) << nhits.status().ToString();
  EXPECT_EQ(nhits->training.num_lr_decays, 3);
  EXPECT_EQ(nhits->hyperparameters["n_pool_kernel_size"], json({2, 2, 1}));
  EXPECT_EQ(nhits->hyperparameters["n_freq_downsample"], json({4, 2, 1}));
  auto lstm = FindModel("lstm");
  ASSERT_TRUE(lstm.ok());
  EXPECT_EQ(lstm->training.scaler_type, "robust");
  EXPECT_EQ(lstm->training.batch_size, 128);
  auto nlinear = FindModel("nlinear");
  ASSERT_TRUE(nlinear.ok());
  EXPECT_DOUBLE_EQ(nlinear->training.learning_rate, 1e-4);
  EXPECT_EQ(nlinear->training.max_steps, 5000);

  auto unknown = FindModel("nbeatsx");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("nbeatsx"), std::string::npos);
  EXPECT_NE(unknown.status().message().find("nhits"), std::string::npos) << "lists the registered names";
}

// [B, H, T] for one and three targets, with and without exogenous inputs (models that ignore them
// must accept batches that carry them).
TEST(ModelsTest, ForecastShapes) {
  torch::manual_seed(0);
  for (const auto& name : ModelNames()) {
    for (int64_t targets : {1, 3}) {
      for (bool exog : {false, true}) {
        SCOPED_TRACE(name + " targets=" + std::to_string(targets) + (exog ? " with exog" : ""));
        ModelShape shape{.input_size = 36, .horizon = 12, .n_targets = targets};
        if (exog) {
          shape.n_hist_exog = 2;
          shape.n_futr_exog = 3;
        }
        auto model = Make(name, shape, SmallOverrides(name));
        ASSERT_NE(model, nullptr);
        bridge::WindowBatch batch;
        batch.insample = torch::randn({5, 36, targets});
        if (exog) {
          batch.hist_exog = torch::randn({5, 36, 2});
          batch.futr_exog = torch::randn({5, 48, 3});
        }
        const torch::Tensor forecast = model->Forecast(batch);
        EXPECT_EQ(forecast.sizes(), torch::IntArrayRef({5, 12, targets}));
        EXPECT_TRUE(torch::isfinite(forecast).all().item<bool>());
      }
    }
  }
}

// Horizon longer than the input (LSTM maps its hidden states to H steps, NHITS interpolates).
TEST(ModelsTest, HorizonLongerThanInput) {
  torch::manual_seed(0);
  for (const auto& name : ModelNames()) {
    SCOPED_TRACE(name);
    auto model = Make(name, ModelShape{.input_size = 8, .horizon = 20, .n_targets = 2}, SmallOverrides(name));
    ASSERT_NE(model, nullptr);
    bridge::WindowBatch batch;
    batch.insample = torch::randn({4, 8, 2});
    EXPECT_EQ(model->Forecast(batch).sizes(), torch::IntArrayRef({4, 20, 2}));
  }
}

// Each target is its own series through shared weights: a window's forecast for one target does not
// depend on the other targets.
TEST(ModelsTest, TargetsAreChannelIndependent) {
  torch::manual_seed(0);
  for (const auto& name : ModelNames()) {
    SCOPED_TRACE(name);
    auto model = Make(name, ModelShape{.input_size = 24, .horizon = 6, .n_targets = 3}, SmallOverrides(name));
    ASSERT_NE(model, nullptr);
    model->eval();
    bridge::WindowBatch batch;
    batch.insample = torch::randn({4, 24, 3});
    const torch::Tensor all = model->Forecast(batch);
    bridge::WindowBatch changed = batch;
    changed.insample = batch.insample.clone();
    changed.insample.select(2, 1).mul_(-3).add_(5);
    const torch::Tensor other = model->Forecast(changed);
    EXPECT_TRUE(torch::allclose(all.select(2, 0), other.select(2, 0)));
    EXPECT_TRUE(torch::allclose(all.select(2, 2), other.select(2, 2)));
    EXPECT_FALSE(torch::allclose(all.select(2, 1), other.select(2, 1)));
  }
}

// 100 Adam steps at the default learning rate on OT windows of ETTh1 (input 96, horizon 24): the
// training loss falls (mean of the last 5 steps below 0.9 x the mean of the first 5). NHITS and
// NBEATS start from the last value, so their first losses are already low: 100 steps keep the
// margin (ratios 0.73-0.79 over seeds 1-6). NLinear and DLinear take 1e-4 steps (NF's default for
// them), so they get 200, cheap, steps.
TEST(ModelsTest, TrainingLossFallsOnEtth1) {
  const torch::Tensor data = LoadEtth1();
  if (!data.defined()) GTEST_SKIP() << "no " << DEEPRC_SHARED_DATA_DIR << "/ett/ETTh1.csv";
  const EttWindows windows(data, 96, 24);
  for (const auto& info : RegisteredModels()) {
    SCOPED_TRACE(info.name);
    torch::manual_seed(1);
    auto model = Make(info.name, ModelShape{.input_size = 96, .horizon = 24}, SmallOverrides(info.name));
    ASSERT_NE(model, nullptr);
    const int steps = info.training.learning_rate < 1e-3 ? 200 : 100;
    const std::vector<double> losses = Train(*model, windows, info.training.learning_rate, steps, false);
    const double first = Mean(losses, 0, 5), last = Mean(losses, losses.size() - 5, losses.size());
    std::printf("[ train    ] %-8s %3d steps at lr %g: MAE %.4f -> %.4f\n", info.name.c_str(), steps,
                info.training.learning_rate, first, last);
    EXPECT_LT(last, 0.9 * first);
  }
}

// The models that read exogenous inputs train with them: six load columns as historic, hour of
// day as future exogenous inputs (the hydrology model's layout).
TEST(ModelsTest, TrainingWithExogenousInputsLossFalls) {
  const torch::Tensor data = LoadEtth1();
  if (!data.defined()) GTEST_SKIP() << "no " << DEEPRC_SHARED_DATA_DIR << "/ett/ETTh1.csv";
  const EttWindows windows(data, 96, 24);
  for (const auto& info : RegisteredModels()) {
    if (!info.uses_hist_exog && !info.uses_futr_exog) continue;
    SCOPED_TRACE(info.name);
    torch::manual_seed(1);
    const ModelShape shape{
        .input_size = 96, .horizon = 24, .n_targets = 1, .n_hist_exog = 6, .n_futr_exog = 2};
    auto model = Make(info.name, shape, SmallOverrides(info.name));
    ASSERT_NE(model, nullptr);
    const std::vector<double> losses = Train(*model, windows, info.training.learning_rate, 100, true);
    const double first = Mean(losses, 0, 5), last = Mean(losses, losses.size() - 5, losses.size());
    std::printf("[ train    ] %-8s with exog, 100 steps: MAE %.4f -> %.4f\n", info.name.c_str(), first, last);
    EXPECT_LT(last, 0.9 * first);
  }
}

TEST(ModelsTest, UnknownHyperparameterNamesKeyAndModel) {
  for (const auto& name : ModelNames()) {
    SCOPED_TRACE(name);
    auto model = MakeModel(name, ModelShape{.input_size = 24, .horizon = 12}, json{{"hiden_size", 8}});
    ASSERT_FALSE(model.ok());
    EXPECT_NE(model.status().message().find("'hiden_size'"), std::string::npos) << model.status().ToString();
    EXPECT_NE(model.status().message().find("'" + name + "'"), std::string::npos)
        << model.status().ToString();
  }
}

TEST(ModelsTest, HyperparameterOfWrongTypeOrValueNamesKey) {
  const ModelShape shape{.input_size = 24, .horizon = 12};
  const std::vector<std::pair<std::string, json>> cases = {
      {"mlp", {{"hidden_size", "64"}}},                   // quoted number
      {"mlp", {{"num_layers", 2.5}}},                     // not an integer
      {"lstm", {{"encoder_bias", 1}}},                    // not a boolean
      {"nhits", {{"n_pool_kernel_size", {2, "2", 1}}}},   // element of the wrong type
      {"nhits", {{"n_freq_downsample", {4, 2}}}},         // one value per stack
      {"nhits", {{"pooling_mode", "maxpool"}}},           // not one of NF's choices
      {"nbeats", {{"mlp_units", {{64, 64}, {32, 32}}}}},  // layers that do not chain
      {"nbeats", {{"stack_types", {"identity", "fourier", "trend"}}}},
      {"dlinear", {{"moving_avg_window", 24}}},  // even
      {"lstm", {{"encoder_dropout", 1.5}}},
  };
  for (const auto& [name, overrides] : cases) {
    SCOPED_TRACE(name + " " + overrides.dump());
    auto model = MakeModel(name, shape, overrides);
    ASSERT_FALSE(model.ok());
    const std::string key = overrides.begin().key();
    EXPECT_NE(model.status().message().find("'" + key + "'"), std::string::npos) << model.status().ToString();
  }
  // Floats accept integers; a null override object means none.
  EXPECT_TRUE(MakeModel("nhits", shape, json{{"dropout_prob_theta", 0}}).ok());
  EXPECT_TRUE(MakeModel("mlp", shape, json(nullptr)).ok());
  // NF refuses trend and seasonality stacks for a one-step horizon.
  EXPECT_FALSE(MakeModel("nbeats", ModelShape{.input_size = 24, .horizon = 1}).ok());
  EXPECT_TRUE(MakeModel("nbeats", ModelShape{.input_size = 24, .horizon = 1},
                        json{{"stack_types", {"identity"}}, {"n_blocks", {1}}})
                  .ok());
  EXPECT_FALSE(MakeModel("mlp", ModelShape{.input_size = 0, .horizon = 12}).ok());
}

TEST(ModelsTest, BatchThatDoesNotFitTheShapeThrowsNamingTheModel) {
  auto model =
      Make("lstm", ModelShape{.input_size = 24, .horizon = 12, .n_hist_exog = 2}, SmallOverrides("lstm"));
  ASSERT_NE(model, nullptr);
  bridge::WindowBatch batch;
  batch.insample = torch::randn({4, 24, 1});
  try {
    model->Forecast(batch);  // no hist_exog
    FAIL() << "expected c10::Error";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("lstm"), std::string::npos);
  }
}

// Parameter counts from NF's layer formulas (input 96, horizon 24): a missing or duplicated layer,
// or a basis of the wrong size, shows here.
TEST(ModelsTest, ParameterCountsFollowNeuralForecastsLayers) {
  auto count = [](const std::shared_ptr<ForecastModel>& model) {
    int64_t n = 0;
    for (const auto& p : model->parameters()) n += p.numel();
    return n;
  };
  auto linear = [](int64_t in, int64_t out) { return in * out + out; };
  // Block: Linear(in, 512), 3 x Linear(512, 512), Linear(512, n_theta).
  auto block = [&](int64_t in, int64_t n_theta) {
    return linear(in, 512) + 3 * linear(512, 512) + linear(512, n_theta);
  };
  const ModelShape shape{.input_size = 96, .horizon = 24};
  // NBEATS: identity theta 96 + 24; trend 2 * (2 + 1); seasonality 2 * 2 * ceil(2 / 2 * 24 - 1).
  EXPECT_EQ(count(Make("nbeats", shape)), block(96, 120) + block(96, 6) + block(96, 92));
  // NHITS: inputs pooled by 2, 2, 1; theta 96 + max(24 / d, 1) knots for d = 4, 2, 1.
  EXPECT_EQ(count(Make("nhits", shape)), block(48, 102) + block(48, 108) + block(96, 120));
  EXPECT_EQ(count(Make("mlp", shape)), linear(96, 1024) + linear(1024, 1024) + linear(1024, 24));
  // LSTM: 4 gates per layer (weights, two biases), decoder Linear(128, 128), Linear(128, 1).
  auto lstm_layer = [](int64_t in, int64_t hidden) { return 4 * hidden * (in + hidden + 2); };
  EXPECT_EQ(count(Make("lstm", shape)),
            lstm_layer(1, 128) + lstm_layer(128, 128) + linear(128, 128) + linear(128, 1));
  // Shared weights: one block per stack.
  EXPECT_EQ(count(Make("nbeats", shape, json{{"n_blocks", {2, 3, 1}}, {"shared_weights", true}})),
            block(96, 120) + block(96, 6) + block(96, 92));
}

void SetLinear(ForecastModel& model, const std::string& name, const torch::Tensor& weight,
               const torch::Tensor& bias) {
  torch::NoGradGuard no_grad;
  auto params = model.named_parameters();
  ASSERT_TRUE(params.contains(name + ".weight")) << name;
  params[name + ".weight"].copy_(weight);
  params[name + ".bias"].copy_(bias);
}

// Input 3, horizon 2, two targets. Relative to the last value the windows are [-3, -2, 0] (last 4)
// and [1, 2, 0] (last -1). Row 0 of the weights [1, 0, 0.5] + 0.25: -3 + 0.25 + 4 = 1.25 and
// 1 + 0.25 - 1 = 0.25; row 1 [0, 2, 1] - 1: -4 - 1 + 4 = -1 and 4 - 1 - 1 = 2.
TEST(ModelsTest, NLinearMatchesHandComputation) {
  auto model = Make("nlinear", ModelShape{.input_size = 3, .horizon = 2, .n_targets = 2});
  ASSERT_NE(model, nullptr);
  SetLinear(*model, "linear", torch::tensor({{1.0f, 0.0f, 0.5f}, {0.0f, 2.0f, 1.0f}}),
            torch::tensor({0.25f, -1.0f}));
  bridge::WindowBatch batch;
  batch.insample = torch::tensor({1.0f, 0.0f, 2.0f, 1.0f, 4.0f, -1.0f}).reshape({1, 3, 2});
  const torch::Tensor expected = torch::tensor({1.25f, 0.25f, -1.0f, 2.0f}).reshape({1, 2, 2});
  EXPECT_TRUE(torch::allclose(model->Forecast(batch), expected)) << model->Forecast(batch);
}

// Window [1, 2, 3, 4, 10], moving average of 3 with the edges repeated: padded [1, 1, 2, 3, 4, 10,
// 10], trend [4/3, 2, 3, 17/3, 8] (sum 20), remainder [-1/3, 0, 0, -5/3, 2]. Trend head: ones, no
// bias -> 20. Remainder head: [1, 0, 0, 0, 2] + 0.5 -> -1/3 + 4 + 0.5 = 25/6. Forecast 145/6.
TEST(ModelsTest, DLinearMatchesHandComputation) {
  auto model = Make("dlinear", ModelShape{.input_size = 5, .horizon = 1}, json{{"moving_avg_window", 3}});
  ASSERT_NE(model, nullptr);
  SetLinear(*model, "linear_trend", torch::ones({1, 5}), torch::zeros({1}));
  SetLinear(*model, "linear_season", torch::tensor({{1.0f, 0.0f, 0.0f, 0.0f, 2.0f}}), torch::tensor({0.5f}));
  bridge::WindowBatch batch;
  batch.insample = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f, 10.0f}).reshape({1, 5, 1});
  const torch::Tensor forecast = model->Forecast(batch);
  ASSERT_EQ(forecast.sizes(), torch::IntArrayRef({1, 1, 1}));
  EXPECT_NEAR(forecast.item<float>(), 145.0f / 6.0f, 1e-5);

  // The default window (25) is longer than this input: the edges repeat 12 times each side, so a
  // constant window is all trend.
  auto wide = Make("dlinear", ModelShape{.input_size = 5, .horizon = 1});
  ASSERT_NE(wide, nullptr);
  SetLinear(*wide, "linear_trend", torch::ones({1, 5}), torch::zeros({1}));
  SetLinear(*wide, "linear_season", torch::ones({1, 5}) * 100, torch::zeros({1}));
  batch.insample = torch::full({1, 5, 1}, 2.0f);
  EXPECT_NEAR(wide->Forecast(batch).item<float>(), 10.0f, 1e-5);
}

}  // namespace
}  // namespace deeprc::learn
