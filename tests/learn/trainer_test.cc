// The trainer's mechanics on a tiny model: loss falls, early stopping, the learning-rate decay,
// and a run interrupted and resumed from its checkpoint ends with the same weights.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../unit/test_util.h"
#include "deeprc/bridge/window_loader.h"
#include "deeprc/learn/trainer.h"
#include "learn_test_support.h"

namespace deeprc::learn {
namespace {

using testing::TinyLinear;

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    bridge::WindowSpec spec;
    spec.target_columns = {"y"};
    spec.input_size = 16;
    spec.horizon = 4;
    spec.forecast_end = 240;
    train_ = bridge::WindowDataset::Make(testing::WaveTable(300), spec).ValueOrDie();
    spec.forecast_begin = 240;
    spec.forecast_end = -1;
    validation_ = bridge::WindowDataset::Make(testing::WaveTable(300), spec).ValueOrDie();
  }

  std::unique_ptr<bridge::WindowLoader> Loader(std::shared_ptr<const bridge::WindowDataset> dataset,
                                               bool shuffle) {
    auto sampler =
        bridge::DistributedSampler::Make(dataset->size(), {.shuffle = shuffle, .seed = 5}).ValueOrDie();
    bridge::LoaderOptions options;
    options.batch_size = 16;
    options.num_workers = 1;
    return std::make_unique<bridge::WindowLoader>(dataset, std::move(sampler), options);
  }

  std::shared_ptr<TinyLinear> Model() {
    torch::manual_seed(11);
    return std::make_shared<TinyLinear>(16, 4);
  }

  std::shared_ptr<bridge::WindowDataset> train_, validation_;
};

TEST_F(TrainerTest, LossFallsAndBestWeightsAreKept) {
  auto model = Model();
  TrainerOptions options;
  options.max_steps = 200;
  options.learning_rate = 1e-2;
  options.val_check_steps = 20;
  Trainer trainer(model, options);
  auto train = Loader(train_, true), validation = Loader(validation_, false);
  auto before = trainer.Evaluate(*validation);
  auto result = trainer.Fit(*train, validation.get());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->steps, 200);
  EXPECT_EQ(result->val_losses.size(), 10u);
  EXPECT_LT(result->best_val_loss, *before * 0.5);
  // On return the model holds the best validation's weights.
  EXPECT_NEAR(*trainer.Evaluate(*validation), result->best_val_loss, 1e-6);
}

TEST_F(TrainerTest, EarlyStoppingStopsAfterPatienceValidations) {
  auto model = Model();
  TrainerOptions options;
  options.max_steps = 10000;
  options.learning_rate = 1.0;  // far too large: validation stops improving at once
  options.num_lr_decays = -1;
  options.val_check_steps = 5;
  options.early_stop_patience = 3;
  Trainer trainer(model, options);
  auto train = Loader(train_, true), validation = Loader(validation_, false);
  auto result = trainer.Fit(*train, validation.get());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->early_stopped);
  EXPECT_LT(result->steps, 10000);
  // It stopped exactly `patience` validations after the best one.
  EXPECT_EQ(result->steps, result->best_step + 3 * 5);
}

TEST_F(TrainerTest, ResumedRunEndsWithTheUninterruptedWeights) {
  deeprc::testing::TempDir dir;
  TrainerOptions options;
  options.max_steps = 60;
  options.learning_rate = 1e-2;
  options.val_check_steps = 10;

  // The interrupted run stops after the checkpoint of step 30, as a kill just after it would.
  TrainerOptions interrupted = options;
  interrupted.checkpoint_dir = dir.path() / "checkpoint";
  interrupted.max_steps = 30;  // same schedule: no decay, so max_steps only ends the run
  interrupted.num_lr_decays = -1;
  options.num_lr_decays = -1;
  auto straight_no_decay = Model();
  {
    auto train = Loader(train_, true), validation = Loader(validation_, false);
    ASSERT_TRUE(Trainer(straight_no_decay, options).Fit(*train, validation.get()).ok());
  }
  auto first_half = Model();
  {
    auto train = Loader(train_, true), validation = Loader(validation_, false);
    ASSERT_TRUE(Trainer(first_half, interrupted).Fit(*train, validation.get()).ok());
  }
  TrainerOptions resumed_options = interrupted;
  resumed_options.max_steps = 60;
  auto resumed = Model();  // fresh weights: everything must come from the checkpoint
  auto train = Loader(train_, true), validation = Loader(validation_, false);
  auto result = Trainer(resumed, resumed_options).Fit(*train, validation.get());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->resumed_from_step, 30);
  EXPECT_EQ(result->steps, 60);
  EXPECT_EQ(result->val_losses.size(), 6u);
  for (size_t i = 0; i < resumed->parameters().size(); ++i) {
    EXPECT_TRUE(torch::allclose(resumed->parameters()[i], straight_no_decay->parameters()[i], 0, 1e-6));
  }
}

TEST(LearningRate, StepDecayAsNeuralForecast) {
  TrainerOptions options;
  options.max_steps = 30;
  options.learning_rate = 0.1;
  options.num_lr_decays = 3;  // halves every 10 steps
  EXPECT_DOUBLE_EQ(ScheduledLearningRate(options, 0), 0.1);
  EXPECT_DOUBLE_EQ(ScheduledLearningRate(options, 9), 0.1);
  EXPECT_DOUBLE_EQ(ScheduledLearningRate(options, 10), 0.05);
  EXPECT_DOUBLE_EQ(ScheduledLearningRate(options, 29), 0.025);
  options.num_lr_decays = -1;
  EXPECT_DOUBLE_EQ(ScheduledLearningRate(options, 29), 0.1);
}

}  // namespace
}  // namespace deeprc::learn
