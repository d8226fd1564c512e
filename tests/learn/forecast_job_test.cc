// RunForecastJob, the one path of `deeprc train`, the pipeline's train tasks and the learn.train
// function: every value out of range is refused with its name and range before anything runs,
// never replaced by the model's default (issue 14, item 9).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "../unit/test_util.h"
#include "deeprc/learn/data/ett.h"
#include "deeprc/learn/forecast_job.h"

namespace deeprc::learn {
namespace {

class ForecastJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string csv = dir_.File("ett.csv");
    ASSERT_OK(WriteSyntheticEtt(csv, 400, 1));
    EttOptions options;
    options.targets = {"OT"};
    ASSERT_OK_AND_ASSIGN(data_, LoadEtt(csv, options));
  }

  // A job that would train a few steps, were it not for the one bad value the test sets.
  ForecastJobOptions Job() {
    ForecastJobOptions job;
    job.model = "nlinear";
    job.horizon = 4;
    job.max_steps = 2;
    job.val_check_steps = 1;
    job.out_dir = dir_.path() / "out";
    return job;
  }

  void ExpectRefused(const ForecastJobOptions& job, const std::string& expected) {
    auto result = RunForecastJob(data_, job);
    ASSERT_FALSE(result.ok()) << "ran: " << result->summary.dump();
    EXPECT_TRUE(result.status().IsInvalid()) << result.status().ToString();
    EXPECT_NE(result.status().message().find(expected), std::string::npos) << result.status().ToString();
    EXPECT_FALSE(std::filesystem::exists(dir_.path() / "out")) << "wrote outputs before refusing";
  }

  deeprc::testing::TempDir dir_;
  SeriesTable data_;
};

TEST_F(ForecastJobTest, RefusesEveryValueOutOfRangeByName) {
  for (double rate : {-1.0, 0.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
    auto job = Job();
    job.learning_rate = rate;
    ExpectRefused(job, "learning_rate must be a finite number > 0");
  }
  auto job = Job();
  job.max_steps = 0;
  ExpectRefused(job, "max_steps must be a whole number >= 1, got 0");
  job = Job();
  job.batch_size = 0;
  ExpectRefused(job, "batch_size must be a whole number >= 1, got 0");
  job = Job();
  job.val_check_steps = -3;
  ExpectRefused(job, "val_check_steps must be a whole number >= 1, got -3");
  job = Job();
  job.early_stop_patience = 0;
  ExpectRefused(job, "early_stop must be a whole number >= 1, got 0");
  job = Job();
  job.horizon = 0;
  ExpectRefused(job, "horizon must be a whole number >= 1, got 0");
  job = Job();
  job.gradient_clip_norm = std::nan("");
  ExpectRefused(job, "gradient_clip_norm must be a finite number >= 0");
  job = Job();
  job.loader_workers = -1;
  ExpectRefused(job, "loader_workers must be a whole number >= 0, got -1");
}

TEST_F(ForecastJobTest, AValidJobRuns) {
  ASSERT_OK_AND_ASSIGN(auto result, RunForecastJob(data_, Job()));
  EXPECT_EQ(result.summary["training"]["steps"], 2);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "out" / "checkpoint" / "job.json"));
}

}  // namespace
}  // namespace deeprc::learn
