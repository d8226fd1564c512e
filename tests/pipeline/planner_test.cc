#include "deeprc/pipeline/planner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

namespace deeprc::pipeline {
namespace {

namespace fs = std::filesystem;

Result<Plan> PlanOf(const std::string& text, int local_cores = 2,
                    const std::vector<std::string>& overrides = {}) {
  DEEPRC_ASSIGN_OR_RETURN(auto spec,
                          ParseSpec(text, "spec.yaml", fs::temp_directory_path().string(), overrides));
  PlanOptions options;
  options.layout.root = "/sessions/s";
  options.deeprc = "/bin/deeprc";
  options.local_cores = local_cores;
  return MakePlan(spec, options);
}

const std::string kPipeline = std::string("pilot: {cores: 2}\n") +
                              "data:\n  ett: {path: missing.csv, generate: ett, rows: 500}\n"
                              "stages:\n"
                              "  prepare:\n"
                              "    kind: table\n"
                              "    ops: [{read: ett}, {sort: date}]\n"
                              "  train:\n"
                              "    kind: train\n"
                              "    data: prepare\n"
                              "    models: [nlinear, dlinear, mlp]\n"
                              "    horizon: 24\n"
                              "    cores: 1\n"
                              "  predict: {kind: predict, from: train}\n"
                              "  report: {kind: report}\n";

const PlannedTask* Find(const Plan& plan, const std::string& uid) {
  for (const auto& stage : plan.stages) {
    for (const auto& task : stage.tasks) {
      if (task.description.uid == uid) return &task;
    }
  }
  return nullptr;
}

TEST(Planner, TrainStageBecomesOneIndependentTaskPerModel) {
  auto plan = PlanOf(kPipeline);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  std::vector<std::string> stages;
  for (const auto& stage : plan->stages) stages.push_back(stage.name);
  EXPECT_EQ(stages, (std::vector<std::string>{"ett", "prepare", "train", "predict", "report"}));
  EXPECT_EQ(plan->cores, 2);
  const auto* train = plan->FindStage("train");
  ASSERT_EQ(train->tasks.size(), 3u);
  for (const auto& task : train->tasks) {
    // After the table they read, never after each other: the models train at the same time.
    EXPECT_EQ(task.description.after, std::vector<std::string>{"prepare"});
    EXPECT_EQ(task.description.executable, "/bin/deeprc");
    // `deeprc train --job JSON`: the model's job in learn's one JSON form.
    const auto& args = task.description.arguments;
    ASSERT_GE(args.size(), 3u);
    EXPECT_EQ(args[0], "train");
    EXPECT_EQ(args[1], "--job");
    const auto job = nlohmann::json::parse(args[2]);
    EXPECT_EQ(job.at("model"), task.model);
    EXPECT_EQ(job.at("data"), "/sessions/s/tables/prepare.arrow");
    EXPECT_EQ(job.at("out"), "/sessions/s/stages/train/" + task.model);
    EXPECT_EQ(task.outputs.front(), "/sessions/s/stages/train/" + task.model + "/metrics.json");
  }
  // Generated data: a task of its own that the table stage waits for.
  EXPECT_EQ(Find(*plan, "ett")->description.arguments[1], "generate-ett");
  EXPECT_EQ(Find(*plan, "prepare")->description.after, std::vector<std::string>{"ett"});
  // The table stage gets its description resolved by the planner: table names are files, so the
  // task reads no spec.
  const auto& args = Find(*plan, "prepare")->description.arguments;
  ASSERT_EQ(args.size(), 6u);
  EXPECT_EQ((std::vector<std::string>(args.begin(), args.begin() + 5)),
            (std::vector<std::string>{"stage", "run", "/sessions/s", "prepare", "--description"}));
  const auto description = nlohmann::json::parse(args[5]);
  EXPECT_EQ(description, nlohmann::json::parse(R"({
    "kind": "table", "stage": "prepare", "backend": "mpi", "output": "/sessions/s/tables/prepare.arrow",
    "ops": [{"op": "read", "where": "spec.yaml:7", "inputs": ["/sessions/s/data/ett.csv"]},
            {"op": "sort", "where": "spec.yaml:7", "options": {"by": ["date"]}}]})"));
}

// std::to_string printed six decimals: a learning rate of 1e-7 reached `deeprc train` as 0.000000.
TEST(Planner, ASmallLearningRateReachesTheTrainTaskUnrounded) {
  auto plan = PlanOf(kPipeline, 2, {"stages.train.learning_rate=1e-07"});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const auto& args = plan->FindStage("train")->tasks.front().description.arguments;
  ASSERT_GE(args.size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(args[2]).at("learning_rate").get<double>(), 1e-07);
}

TEST(Planner, PredictTaskWaitsForItsOwnModelOnly) {
  auto plan = PlanOf(kPipeline);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const auto* predict = Find(*plan, "predict.dlinear");
  ASSERT_NE(predict, nullptr);
  auto after = predict->description.after;
  std::sort(after.begin(), after.end());
  EXPECT_EQ(after, (std::vector<std::string>{"prepare", "train.dlinear"}));
  // `deeprc predict` reads its model's checkpoint where the train task left it: no shell copy.
  EXPECT_TRUE(predict->description.pre_exec.empty());
  EXPECT_EQ(predict->description.arguments,
            (std::vector<std::string>{"predict", "--checkpoint", "/sessions/s/stages/train/dlinear/checkpoint",
                                      "--data", "/sessions/s/tables/prepare.arrow", "--out",
                                      "/sessions/s/stages/predict/dlinear", "--threads", "1"}));
}

// Issue 15, item 3: the report waits in the TaskManager for its stages to end however they end
// (`after_ended`), not in a hold of the runner's own.
TEST(Planner, ReportStageWaitsForItsStagesToEndHoweverTheyEnd) {
  auto plan = PlanOf(kPipeline);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const auto* report = plan->FindStage("report");
  EXPECT_TRUE(report->runs_after_failures);
  EXPECT_TRUE(report->tasks[0].description.after.empty());
  EXPECT_EQ(report->depends, std::vector<std::string>{"predict"});
  std::vector<std::string> expected;
  for (const auto& task : plan->FindStage("predict")->tasks) expected.push_back(task.description.uid);
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(report->tasks[0].description.after_ended, expected);
}

TEST(Planner, MoreCoresThanThePilotHasIsAnErrorWithTheSpecLine) {
  auto plan = PlanOf(kPipeline, 2, {"stages.train.cores=64"});
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(
      plan.status().message().find(
          "--set stages.train.cores=64: stage 'train' asks for 64 cores per rank, but the pilot has 2 cores"),
      std::string::npos)
      << plan.status().message();
  std::string text = kPipeline;
  text.replace(text.find("cores: 1"), 8, "cores: 64");
  plan = PlanOf(text);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("spec.yaml:13: stage 'train' asks for 64 cores per rank"),
            std::string::npos)
      << plan.status().message();
  EXPECT_NE(plan.status().message().find("(spec.yaml:1)"), std::string::npos) << plan.status().message();
}

TEST(Planner, RanksTimesCoresAndGpusAreChecked) {
  auto plan = PlanOf(kPipeline, 2, {"stages.prepare.ranks=3"});
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("asks for 3 ranks x 1 cores = 3 cores, but the pilot has 2"),
            std::string::npos)
      << plan.status().message();
  plan = PlanOf(kPipeline, 2, {"stages.train.gpus=1"});
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("asks for 1 GPUs per rank x 1 ranks, but the pilot has 0 GPUs"),
            std::string::npos)
      << plan.status().message();
  // A pilot with every core of the machine (cores 0) takes the machine's count.
  plan = PlanOf(kPipeline, 8, {"pilot.cores=0", "stages.train.cores=4"});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->cores, 8);
  // Slurm pilots without a core count are checked by the agent once the job runs.
  plan = PlanOf(kPipeline, 2, {"pilot.resource=slurm", "pilot.cores=0", "stages.train.cores=64"});
  EXPECT_TRUE(plan.ok()) << plan.status().message();
}

TEST(Planner, MultiRankTrainingPassesItsBackend) {
  auto plan = PlanOf(kPipeline, 2, {"stages.train.ranks=2", "stages.train.backend=mpi"});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const auto* task = Find(*plan, "train.mlp");
  EXPECT_EQ(task->description.ranks, 2);
  const auto& args = task->description.arguments;
  auto backend = std::find(args.begin(), args.end(), "--backend");
  ASSERT_NE(backend, args.end());
  EXPECT_EQ(*(backend + 1), "mpi");
}

TEST(Planner, ExecStagesReplacePlaceholders) {
  auto plan = PlanOf(kPipeline +
                     "  count:\n    kind: exec\n    executable: /usr/bin/wc\n"
                     "    arguments: ['-c', '{table:prepare}', '{stage_dir}/x']\n");
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const auto* task = Find(*plan, "count");
  EXPECT_EQ(task->description.arguments, (std::vector<std::string>{"-c", "/sessions/s/tables/prepare.arrow",
                                                                   "/sessions/s/stages/count/x"}));
  EXPECT_EQ(task->description.after, std::vector<std::string>{"prepare"});
}

TEST(Planner, FunctionStageBecomesAFunctionTaskWithItsTablesAndFoldersFilledIn) {
  const std::string text = std::string("pilot: {cores: 4, function_workers: 3}\n") +
                           "data:\n  ett: {path: missing.csv, generate: ett, rows: 500}\n"
                           "stages:\n"
                           "  prepare:\n"
                           "    ops: [{read: ett}, {sort: date}]\n"
                           "  joined:\n"
                           "    function: table.join\n"
                           "    ranks: 3\n"
                           "    backend: gloo\n"
                           "    args:\n"
                           "      left: '{table:prepare}'\n"
                           "      right: ['{table:ett}', 7]\n"
                           "      output: '{stage_dir}/joined.parquet'\n"
                           "      on: date\n";
  auto plan = PlanOf(text);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const PlannedTask* task = Find(*plan, "joined");
  ASSERT_NE(task, nullptr);
  const auto& d = task->description;
  EXPECT_EQ(d.mode, pilot::TaskMode::kFunction);
  EXPECT_EQ(d.function, "table.join");
  EXPECT_EQ(d.ranks, 3);
  EXPECT_EQ(d.cores_per_rank, 1);
  EXPECT_EQ(d.backend, "gloo");
  EXPECT_TRUE(d.executable.empty());
  ASSERT_TRUE(d.Validate().ok()) << d.Validate().message();
  // {table:...} became the tables' files, and made the stage depend on their stages.
  EXPECT_EQ(d.args.at("left").get<std::string>(), "/sessions/s/tables/prepare.arrow");
  EXPECT_EQ(d.args.at("right").at(1).get<int>(), 7);
  EXPECT_EQ(d.args.at("output").get<std::string>(), "/sessions/s/stages/joined/joined.parquet");
  EXPECT_EQ(d.args.at("on").get<std::string>(), "date");
  std::vector<std::string> after = d.after;
  std::sort(after.begin(), after.end());
  EXPECT_EQ(after, (std::vector<std::string>{"ett", "prepare"}));

  // More ranks than the pool has workers is refused before anything runs, with the line.
  auto wide = PlanOf(text, 2, {"stages.joined.ranks=4"});
  ASSERT_FALSE(wide.ok());
  EXPECT_NE(wide.status().message().find("the pilot's function pool has 3 workers"), std::string::npos)
      << wide.status().message();
  // A function runs one worker per rank: cores per rank are refused.
  auto cores = PlanOf(text, 2, {"stages.joined.cores=2"});
  ASSERT_FALSE(cores.ok());
  EXPECT_NE(cores.status().message().find("one worker (one core) per rank"), std::string::npos)
      << cores.status().message();
}

TEST(Planner, TrainStageInThePoolBecomesLearnTrainFunctionTasks) {
  auto plan = PlanOf(kPipeline, 2,
                     {"stages.train.pool=true", "stages.train.max_steps=30", "stages.train.targets=[OT]",
                      "stages.train.settings={dropout: 0.1}", "stages.train.models.0={name: nlinear, settings: {x: [1, 2]}}"});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const PlannedTask* task = Find(*plan, "train.nlinear");
  ASSERT_NE(task, nullptr);
  const auto& d = task->description;
  EXPECT_EQ(d.mode, pilot::TaskMode::kFunction);
  EXPECT_EQ(d.function, "learn.train");
  ASSERT_TRUE(d.Validate().ok()) << d.Validate().message();
  EXPECT_EQ(d.args.at("model"), "nlinear");
  EXPECT_EQ(d.args.at("horizon"), 24);
  EXPECT_EQ(d.args.at("max_steps"), 30);
  EXPECT_EQ(d.args.at("targets"), nlohmann::json({"OT"}));
  EXPECT_EQ(d.args.at("out"), "/sessions/s/stages/train/nlinear");
  EXPECT_EQ(d.args.at("hyperparameters"), nlohmann::json({{"dropout", 0.1}, {"x", {1, 2}}}));
  EXPECT_EQ(task->outputs, (std::vector<std::string>{"/sessions/s/stages/train/nlinear/metrics.json",
                                                     "/sessions/s/stages/train/nlinear/predictions.parquet"}));
  // Predict stays a process that reads the checkpoint the function wrote.
  const PlannedTask* predict = Find(*plan, "predict.nlinear");
  ASSERT_NE(predict, nullptr);
  EXPECT_EQ(predict->description.mode, pilot::TaskMode::kExecutable);

  // A pool worker is one core: cores per rank are refused, with their line.
  auto cores = PlanOf(kPipeline, 2, {"stages.train.pool=true", "stages.train.cores=2"});
  ASSERT_FALSE(cores.ok());
  EXPECT_NE(cores.status().message().find("one worker (one core) per rank"), std::string::npos)
      << cores.status().message();
}

}  // namespace
}  // namespace deeprc::pipeline
