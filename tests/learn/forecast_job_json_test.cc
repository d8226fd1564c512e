// The one JSON form of a forecasting job (issue 15, item 1): what every caller reads through.
// Unknown keys and wrong types are refused by name, ranges by ValidateForecastJob, and a job
// written with ToJson reads back as the same job.
#include <gtest/gtest.h>

#include "deeprc/learn/forecast_job_json.h"

namespace deeprc::learn {
namespace {

using nlohmann::json;

void ExpectRefused(const json& job, const std::string& expected) {
  auto result = ForecastJobFromJson(job);
  ASSERT_FALSE(result.ok()) << job.dump();
  EXPECT_NE(result.status().message().find(expected), std::string::npos) << result.status().message();
}

TEST(ForecastJobJson, LeftOutKeysKeepTheirDefaults) {
  auto job = ForecastJobFromJson({{"model", "nlinear"}, {"targets", "OT,HUFL"}, {"scaler", "robust"}});
  ASSERT_TRUE(job.ok()) << job.status().message();
  EXPECT_EQ(job->model, "nlinear");
  EXPECT_EQ(job->targets, (std::vector<std::string>{"OT", "HUFL"}));
  EXPECT_EQ(job->scaler, ScalerKind::kRobust);
  EXPECT_EQ(job->horizon, 96);
  EXPECT_EQ(job->seed, 1u);
  EXPECT_FALSE(job->max_steps.has_value());
  EXPECT_FALSE(job->learning_rate.has_value());
  EXPECT_EQ(job->hyperparameters, json::object());
}

TEST(ForecastJobJson, WrittenAndReadBackIsTheSameJob) {
  ForecastJobOptions options;
  options.model = "mlp";
  options.data = "/d/ett.csv";
  options.targets = {"OT"};
  options.scaler = ScalerKind::kIdentity;
  options.hyperparameters = {{"hidden_size", 16}, {"dropout", 0.25}};
  options.horizon = 12;
  options.input_size = 36;
  options.max_steps = 30;
  options.learning_rate = 1e-7;
  options.early_stop_patience = 3;
  options.loss = "huber";
  options.gradient_clip_norm = 1.5;
  options.seed = 7;
  options.loader_workers = 0;
  options.out_dir = "/o";
  options.overwrite = true;
  const json written = ToJson(options);
  EXPECT_EQ(written.size(), ForecastJobKeys().size());
  auto read = ForecastJobFromJson(written);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(ToJson(*read), written);
  EXPECT_EQ(read->learning_rate, 1e-7);  // not rounded on the way
  EXPECT_EQ(read->early_stop_patience, 3);
  EXPECT_FALSE(read->batch_size.has_value());  // null: the model's default
}

TEST(ForecastJobJson, RefusesUnknownKeysWrongTypesAndValuesOutOfRange) {
  const json base = {{"model", "nlinear"}};
  ExpectRefused(json{{"model", "nlinear"}, {"max_step", 3}}, "unknown key 'max_step' (did you mean 'max_steps'?)");
  ExpectRefused(json{{"model", "nlinear"}, {"horizon", "12"}}, "'horizon' must be a whole number, got \"12\"");
  ExpectRefused(json{{"model", "nlinear"}, {"horizon", 1.5}}, "'horizon' must be a whole number");
  ExpectRefused(json{{"model", "nlinear"}, {"learning_rate", "fast"}}, "'learning_rate' must be a number");
  ExpectRefused(json{{"model", "nlinear"}, {"targets", {1, 2}}}, "'targets' must be a string or a list of strings");
  ExpectRefused(json{{"model", "nlinear"}, {"hyperparameters", "x=1"}}, "'hyperparameters' must be a map");
  ExpectRefused(json{{"model", "nlinear"}, {"overwrite", 1}}, "'overwrite' must be true or false");
  ExpectRefused(json{{"model", "nlinear"}, {"early_stop", 1LL << 40}}, "'early_stop' is out of range");
  ExpectRefused(json{{"model", "nlinear"}, {"scaler", "minmax"}}, "unknown scaler 'minmax'");
  ExpectRefused(json{{"model", "nlinear"}, {"max_steps", 0}}, "max_steps must be a whole number >= 1, got 0");
  ExpectRefused(json{{"model", "nlinear"}, {"learning_rate", 0}}, "learning_rate must be a finite number > 0");
  ExpectRefused(json{{"model", "nlinear"}, {"seed", -1}}, "seed must be a whole number >= 0, got -1");
  ExpectRefused(json{{"horizon", 12}}, "model: no model named");
  ExpectRefused(json::array(), "must be a JSON object");
  EXPECT_TRUE(ForecastJobFromJson(base).ok());
}

}  // namespace
}  // namespace deeprc::learn
