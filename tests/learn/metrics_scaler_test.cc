// Metrics, scalers, losses and the ETT loader against hand-computed values (no model involved).
#include <arrow/api.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../unit/test_util.h"
#include "deeprc/learn/data/ett.h"
#include "deeprc/learn/loss.h"
#include "deeprc/learn/metrics.h"
#include "deeprc/learn/scaler.h"
#include "deeprc/table/io/csv_io.h"

namespace deeprc::learn {
namespace {

const std::string kEtth1 = std::string(DEEPRC_SHARED_DATA_DIR) + "/ett/ETTh1.csv";

TEST(Metrics, MatchHandComputedValues) {
  const std::vector<float> prediction = {1, 2, 3, 4, 100};
  const std::vector<float> truth = {1, 3, 2, 6, NAN};  // the NaN truth is a missing observation
  const ForecastMetrics m = ComputeMetrics(prediction, truth);
  // errors 0, 1, 1, 2; truth mean 3, squared deviations 4, 0, 1, 9
  EXPECT_EQ(m.count, 4);
  EXPECT_DOUBLE_EQ(m.mae, 1.0);
  EXPECT_DOUBLE_EQ(m.mse, 1.5);
  EXPECT_DOUBLE_EQ(m.rmse, std::sqrt(1.5));
  EXPECT_NEAR(m.mape, (0 + 1.0 / 3 + 1.0 / 2 + 2.0 / 6) / 4, 1e-12);
  EXPECT_NEAR(m.smape, (0 + 2.0 / 5 + 2.0 / 5 + 4.0 / 10) / 4, 1e-12);
  EXPECT_NEAR(m.nse, 1 - 6.0 / 14, 1e-12);
  EXPECT_NEAR(m.nnse, 1 / (2 - (1 - 6.0 / 14)), 1e-12);
}

TEST(Metrics, PerfectForecastAndUndefinedValues) {
  const std::vector<float> y = {0, 2, 4};
  const ForecastMetrics m = ComputeMetrics(y, y);
  EXPECT_EQ(m.mse, 0);
  EXPECT_EQ(m.nse, 1);
  EXPECT_EQ(m.nnse, 1);
  EXPECT_EQ(m.mape, 0);  // the zero truth is left out rather than dividing by it
  const std::vector<float> zeros = {0, 0};
  const ForecastMetrics flat = ComputeMetrics(zeros, zeros);
  EXPECT_TRUE(std::isnan(flat.nse));
  EXPECT_TRUE(ToJson(flat)["nse"].is_null());
}

TEST(Scaler, StandardRobustIdentity) {
  const std::vector<double> x = {1, 2, 3, 4, 100, NAN};
  const Scaler standard = Scaler::Fit(ScalerKind::kStandard, x);
  EXPECT_DOUBLE_EQ(standard.center, 22);
  const double variance = (21 * 21 + 20 * 20 + 19 * 19 + 18 * 18 + 78 * 78) / 5.0;
  EXPECT_NEAR(standard.scale, std::sqrt(variance), 1e-12);
  EXPECT_NEAR(standard.Invert(standard.Apply(7.5)), 7.5, 1e-12);

  const Scaler robust = Scaler::Fit(ScalerKind::kRobust, x);
  EXPECT_DOUBLE_EQ(robust.center, 3);       // median of 1 2 3 4 100
  EXPECT_DOUBLE_EQ(robust.scale, 4.0 - 2);  // numpy's linear quantiles: q75 = 4, q25 = 2

  const Scaler identity = Scaler::Fit(ScalerKind::kIdentity, x);
  EXPECT_EQ(identity.Apply(5), 5);
  const std::vector<double> constant = {3, 3, 3};
  EXPECT_EQ(Scaler::Fit(ScalerKind::kStandard, constant).Apply(3), 0);
  EXPECT_FALSE(ParseScalerKind("minmax").ok());
}

TEST(Scaler, FitsOnTrainingRowsOnly) {
  arrow::DoubleBuilder builder;
  ASSERT_TRUE(builder.AppendValues({1, 3, 1000, 2000}).ok());
  auto column = std::make_shared<arrow::ChunkedArray>(builder.Finish().ValueOrDie());
  Scaler fitted;
  auto scaled = FitAndScale(column, "x", ScalerKind::kStandard, 2, &fitted);
  ASSERT_TRUE(scaled.ok()) << scaled.status();
  EXPECT_DOUBLE_EQ(fitted.center, 2);
  EXPECT_DOUBLE_EQ(fitted.scale, 1);
  const auto& values = static_cast<const arrow::FloatArray&>(**scaled);
  EXPECT_FLOAT_EQ(values.Value(0), -1);
  EXPECT_FLOAT_EQ(values.Value(3), 1998);
  auto too_short = FitAndScale(column, "x", ScalerKind::kStandard, 5, &fitted);
  EXPECT_NE(too_short.status().message().find("'x'"), std::string::npos);
}

TEST(Loss, MaskedPointLossesMatchHandValues) {
  const torch::Tensor forecast = torch::tensor({0.0f, 1.0f, 3.0f, 5.0f}, torch::requires_grad());
  const torch::Tensor truth = torch::tensor({0.5f, 1.0f, 0.0f, NAN});
  // errors -0.5, 0, 3 (the NaN point is masked)
  EXPECT_NEAR(ComputeLoss(LossKind::kMae, forecast, truth).item<double>(), 3.5 / 3, 1e-6);
  EXPECT_NEAR(ComputeLoss(LossKind::kMse, forecast, truth).item<double>(), 9.25 / 3, 1e-6);
  EXPECT_NEAR(ComputeLoss(LossKind::kHuber, forecast, truth).item<double>(), (0.125 + 0 + 2.5) / 3, 1e-6);
  const torch::Tensor loss = ComputeLoss(LossKind::kMse, forecast, truth);
  loss.backward();
  EXPECT_FALSE(forecast.grad().isnan().any().item<bool>());
  EXPECT_EQ(forecast.grad()[3].item<float>(), 0);
  // Without a gap the loss takes its plain-mean path: the same values.
  const torch::Tensor complete = torch::tensor({0.5f, 1.0f, 0.0f});
  EXPECT_NEAR(ComputeLoss(LossKind::kMae, forecast.slice(0, 0, 3), complete).item<double>(), 3.5 / 3, 1e-6);
  EXPECT_NEAR(ComputeLoss(LossKind::kHuber, forecast.slice(0, 0, 3), complete).item<double>(),
              (0.125 + 0 + 2.5) / 3, 1e-6);
  EXPECT_FALSE(ParseLossKind("mape").ok());
}

TEST(Ett, StandardProtocolOnTheRealFile) {
  if (!std::filesystem::exists(kEtth1)) GTEST_SKIP() << kEtth1 << " is absent (../shared/data)";
  auto data = LoadEtt(kEtth1);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->series, (std::vector<std::string>{"HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"}));
  EXPECT_EQ(data->series_length, 14400);
  EXPECT_EQ(data->splits.train_end, 8640);
  EXPECT_EQ(data->table->num_rows(), 7 * 14400);

  // The OT scaler against the mean and population std of the first 8640 raw values.
  std::ifstream in(kEtth1);
  std::string line;
  std::getline(in, line);
  double sum = 0, squares = 0, first = 0;
  std::vector<double> ot;
  while (std::getline(in, line) && ot.size() < 8640) {
    ot.push_back(std::stod(line.substr(line.rfind(',') + 1)));
  }
  for (double v : ot) sum += v;
  const double mean = sum / ot.size();
  for (double v : ot) squares += (v - mean) * (v - mean);
  first = ot[0];
  EXPECT_NEAR(data->scalers[6].center, mean, 1e-9);
  EXPECT_NEAR(data->scalers[6].scale, std::sqrt(squares / ot.size()), 1e-9);
  auto y = std::static_pointer_cast<arrow::FloatArray>(data->table->GetColumnByName("y")->chunk(0));
  EXPECT_NEAR(y->Value(6 * 14400), (first - mean) / data->scalers[6].scale, 1e-5);

  EttOptions univariate;
  univariate.targets = {"OT"};
  auto ot_only = LoadEtt(kEtth1, univariate);
  ASSERT_TRUE(ot_only.ok());
  EXPECT_EQ(ot_only->series, std::vector<std::string>{"OT"});
}

TEST(Ett, SyntheticDataInTheSameFormatIsDeterministic) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteSyntheticEtt(dir.File("a.csv"), 1000, 7).ok());
  ASSERT_TRUE(WriteSyntheticEtt(dir.File("b.csv"), 1000, 7).ok());
  auto read = [](const std::string& path) {
    std::stringstream text;
    text << std::ifstream(path).rdbuf();
    return text.str();
  };
  EXPECT_EQ(read(dir.File("a.csv")), read(dir.File("b.csv")));
  std::ifstream synthetic(dir.File("a.csv"));
  std::string synthetic_header, first_row;
  std::getline(synthetic, synthetic_header);
  std::getline(synthetic, first_row);
  EXPECT_EQ(synthetic_header, "date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT");  // ETTh1's header
  EXPECT_EQ(first_row.substr(0, 19), "2016-07-01 00:00:00");
  auto data = LoadEtt(dir.File("a.csv"));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->splits.train_end, 600);  // shorter than the protocol: 60/20/20
  EXPECT_EQ(data->splits.test_end, 1000);
}

TEST(Ett, ErrorsNameTheFile) {
  testing::TempDir dir;
  std::ofstream(dir.File("bad.csv")) << "date,x\n2016-07-01 00:00:00,1\n2016-07-01 01:00:00,oops\n";
  auto data = LoadEtt(dir.File("bad.csv"));
  ASSERT_FALSE(data.ok());
  EXPECT_NE(data.status().message().find("bad.csv"), std::string::npos) << data.status();
}

}  // namespace
}  // namespace deeprc::learn
