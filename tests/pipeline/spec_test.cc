#include "deeprc/pipeline/spec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <variant>

namespace deeprc::pipeline {
namespace {

namespace fs = std::filesystem;

// A spec over a data file that exists (this test file), so only what a test changes can fail.
std::string Spec(const std::string& stages, const std::string& pilot = "pilot: {cores: 2}\n") {
  return pilot + "data:\n  ett: " + std::string(DEEPRC_SOURCE_DIR) +
         "/tests/pipeline/spec_test.cc\nstages:\n" + stages;
}

const char* kTrain =
    "  prepare:\n"
    "    kind: table\n"
    "    ops:\n"
    "      - read: ett\n"
    "      - sort: date\n"
    "  train:\n"
    "    kind: train\n"
    "    data: prepare\n"
    "    models: [nlinear, dlinear]\n"
    "    max_steps: 100\n";

Result<PipelineSpec> Parse(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return ParseSpec(text, "spec.yaml", fs::temp_directory_path().string(), overrides);
}

void ExpectError(const Result<PipelineSpec>& spec, const std::string& fragment) {
  ASSERT_FALSE(spec.ok()) << "expected an error containing: " << fragment;
  EXPECT_NE(spec.status().message().find(fragment), std::string::npos) << spec.status().message();
}

TEST(PipelineSpec, ParsesStagesInDependencyOrder) {
  auto spec = Parse(
      Spec(std::string("  report: {kind: report}\n") + kTrain + "  predict: {kind: predict, from: train}\n"));
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  std::vector<std::string> names;
  for (const auto& stage : spec->stages) names.push_back(stage.name);
  EXPECT_EQ(names, (std::vector<std::string>{"prepare", "train", "predict", "report"}));
  const StageSpec* train = spec->FindStage("train");
  ASSERT_NE(train, nullptr);
  EXPECT_EQ(train->depends, std::vector<std::string>{"prepare"});
  EXPECT_EQ(train->train().models.size(), 2u);
  EXPECT_EQ(train->train().settings.job.at("max_steps"), 100);
  // A predict stage takes its train stage's models, settings and data.
  const StageSpec* predict = spec->FindStage("predict");
  EXPECT_EQ(predict->predict().models.size(), 2u);
  EXPECT_EQ(predict->predict().data, "prepare");
  EXPECT_EQ(predict->predict().settings.job.at("max_steps"), 100);
  // A report stage without `stages` reports on every predict stage.
  EXPECT_EQ(spec->FindStage("report")->report().stages, std::vector<std::string>{"predict"});
}

TEST(PipelineSpec, EachStageHoldsItsKindsPart) {
  auto spec = Parse(Spec(std::string(kTrain) +
                         "  count:\n    executable: /usr/bin/wc\n    arguments: ['{table:prepare}']\n"
                         "    shell: true\n"
                         "  joined:\n    function: table.join\n    args: {left: '{table:ett}', n: 7}\n"
                         "    library: /lib/x.so\n"
                         "  report: {tables: ett, points: 10}\n"));
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  const StageSpec* prepare = spec->FindStage("prepare");
  EXPECT_TRUE(std::holds_alternative<TableStageSpec>(prepare->detail));
  EXPECT_EQ(prepare->table().ops.size(), 2u);
  EXPECT_EQ(prepare->backend, "mpi");
  const StageSpec* train = spec->FindStage("train");
  EXPECT_TRUE(std::holds_alternative<TrainStageSpec>(train->detail));
  EXPECT_EQ(train->train().data, "prepare");
  EXPECT_FALSE(train->train().pool);
  EXPECT_EQ(train->backend, "gloo");
  EXPECT_EQ(&train->models(), &train->train().models);
  const StageSpec* count = spec->FindStage("count");
  EXPECT_EQ(count->kind, StageKind::kExec);
  EXPECT_EQ(count->exec().executable, "/usr/bin/wc");
  EXPECT_EQ(count->exec().arguments, std::vector<std::string>{"{table:prepare}"});
  EXPECT_TRUE(count->exec().shell);
  EXPECT_EQ(count->depends, std::vector<std::string>{"prepare"});
  EXPECT_TRUE(count->models().empty());
  const StageSpec* joined = spec->FindStage("joined");
  EXPECT_EQ(joined->kind, StageKind::kFunction);
  EXPECT_EQ(joined->function().function, "table.join");
  EXPECT_EQ(joined->function().args, nlohmann::json::parse(R"({"left": "{table:ett}", "n": 7})"));
  EXPECT_EQ(joined->function().library, "/lib/x.so");
  EXPECT_EQ(joined->backend, "mpi");
  const StageSpec* report = spec->FindStage("report");
  EXPECT_EQ(report->kind, StageKind::kReport);
  // No predict stage: the report is on every train stage.
  EXPECT_EQ(report->report().stages, std::vector<std::string>{"train"});
  EXPECT_EQ(report->report().tables, std::vector<std::string>{"ett"});
  EXPECT_EQ(report->report().series, "OT");
  EXPECT_EQ(report->report().points, 10);
  EXPECT_TRUE(report->backend.empty());
}

TEST(PipelineSpec, UnknownKeyNamesItsLineAndTheNearestKey) {
  std::string text = Spec(kTrain);
  text.replace(text.find("models:"), 7, "modles:");
  auto spec = Parse(text);
  // pilot, data, ett, stages, prepare, kind, ops, read, sort, train, kind, data, models: line 13.
  ExpectError(spec, "spec.yaml:13: unknown key 'modles' in train stage 'train' (did you mean 'models'?)");
  ExpectError(spec, "(expected: kind,");
}

TEST(PipelineSpec, MissingDataFileNamesItsLine) {
  auto spec = Parse("data:\n  ett:\n    path: no/such/file.csv\nstages:\n" + std::string(kTrain));
  ExpectError(spec, "spec.yaml:3: data source 'ett': file 'no/such/file.csv' not found");
  // With a generator the file is made in the session instead.
  auto generated =
      Parse("data:\n  ett:\n    path: no/such/file.csv\n    generate: ett\nstages:\n" + std::string(kTrain));
  ASSERT_TRUE(generated.ok()) << generated.status().message();
  EXPECT_TRUE(generated->sources[0].missing);
  EXPECT_NE(std::find(generated->FindStage("prepare")->depends.begin(),
                      generated->FindStage("prepare")->depends.end(), "ett"),
            generated->FindStage("prepare")->depends.end());
}

TEST(PipelineSpec, OverridesApplyBeforeChecksAndNameThemselvesInErrors) {
  auto spec =
      Parse(Spec(kTrain), {"stages.train.max_steps=20", "stages.train.models=[mlp]", "pilot.cores=4"});
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->FindStage("train")->train().settings.job.at("max_steps"), 20);
  ASSERT_EQ(spec->FindStage("train")->train().models.size(), 1u);
  EXPECT_EQ(spec->FindStage("train")->train().models[0].name, "mlp");
  EXPECT_EQ(spec->pilot.cores, 4);
  ExpectError(Parse(Spec(kTrain), {"stages.train.max_steps=many"}),
              "--set stages.train.max_steps=many: 'stages.train.max_steps' must be a whole number");
  ExpectError(Parse(Spec(kTrain), {"stages.train.epochs=3"}),
              "--set stages.train.epochs=3: unknown key 'epochs'");
  ExpectError(Parse(Spec(kTrain), {"max_steps"}), "--set max_steps: expected key.path=value");
  ExpectError(Parse(Spec(kTrain), {"stages.train.max_steps.x=1"}), "holds a value, not keys");
}

// A train stage's settings are read through learn's job reader (issue 15, item 1): what only the
// job knows, such as the scaler's names, is refused with the stage's line before anything runs.
TEST(PipelineSpec, TrainSettingsAreTheLearnJobsJsonForm) {
  auto spec = Parse(Spec(kTrain), {"stages.train.scaler=robust", "stages.train.settings={hidden_size: 16}"});
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  const auto& job = spec->FindStage("train")->train().settings.job;
  EXPECT_EQ(job.at("scaler"), "robust");
  EXPECT_EQ(job.at("hyperparameters"), nlohmann::json({{"hidden_size", 16}}));
  EXPECT_TRUE(job.at("batch_size").is_null());  // the model's default
  EXPECT_FALSE(job.contains("model") || job.contains("data") || job.contains("out"));
  ExpectError(Parse(Spec(kTrain), {"stages.train.scaler=minmax"}), "unknown scaler 'minmax'");
}

TEST(PipelineSpec, ReferencesAreChecked) {
  std::string text = Spec(kTrain);
  text.replace(text.find("data: prepare"), 13, "data: prepar");
  ExpectError(Parse(text), "spec.yaml:12: unknown table 'prepar' (did you mean 'prepare'?)");
  ExpectError(Parse(Spec(std::string(kTrain) + "  predict: {kind: predict, from: prepare}\n")),
              "spec.yaml:15: predict stage 'predict' is from 'prepare', which is no train stage");
  ExpectError(Parse(Spec(std::string(kTrain) +
                         "  more:\n    kind: table\n    after: [trian]\n    ops: [{read: ett}]\n")),
              "spec.yaml:17: stage 'more' runs after 'trian', which is no stage of this pipeline");
}

TEST(PipelineSpec, CyclesAreErrors) {
  auto spec =
      Parse(Spec("  a: {kind: table, after: [b], ops: [{read: ett}]}\n"
                 "  b: {kind: table, ops: [{read: a}]}\n"));
  ExpectError(spec, "depend on each other in a cycle");
}

TEST(PipelineSpec, OperationsAreCheckedWithTheirLines) {
  ExpectError(
      Parse(Spec("  t:\n    kind: table\n    ops:\n      - read: ett\n      - derive: {x: \"a +\"}\n")),
      "spec.yaml:9: derive x:");
  ExpectError(Parse(Spec("  t:\n    kind: table\n    ops:\n      - read: ett\n      - sortt: a\n")),
              "spec.yaml:9: unknown table operation 'sortt' (did you mean 'sort'?)");
  ExpectError(Parse(Spec("  t:\n    kind: table\n    ops:\n      - sort: a\n")),
              "the first operation of table stage 't' must be a read");
  ExpectError(
      Parse(Spec(
          "  t:\n    kind: table\n    ops:\n      - read: ett\n      - groupby: {by: k, agg: [v:avrage]}\n")),
      "spec.yaml:9: groupby:");
  ExpectError(Parse(Spec("  t:\n    kind: table\n    ops:\n      - read: ett\n      - join: {with: ett, on: "
                         "k, how: sideways}\n")),
              "spec.yaml:9:");
}

// A table operation is an operator of dist's registry by name, its value the operator's JSON
// options (or the value of its shorthand option); its other tables come from `with`.
TEST(PipelineSpec, OperationsAreRegistryOperatorsWithTheirOptions) {
  auto spec = Parse(Spec(
      "  a: {kind: table, ops: [{read: ett}]}\n"
      "  t:\n    kind: table\n    ops:\n      - read: ett\n      - sort: -date, k\n"
      "      - join: {with: a, on: k, how: left}\n      - union: a\n      - head: 5\n"
      "      - derive: {y: x + 1, x: y * 2}\n      - unique: all\n"));
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  const StageSpec* t = spec->FindStage("t");
  ASSERT_EQ(t->table().ops.size(), 7u);
  EXPECT_EQ(t->table().ops[0].name, "read");
  EXPECT_EQ(t->table().ops[0].tables, std::vector<std::string>{"ett"});
  EXPECT_EQ(t->table().ops[1].options, nlohmann::json::parse(R"({"by": ["-date", "k"]})"));
  EXPECT_EQ(t->table().ops[2].tables, std::vector<std::string>{"a"});
  EXPECT_EQ(t->table().ops[2].options, nlohmann::json::parse(R"({"on": ["k"], "how": "left"})"));
  EXPECT_EQ(t->table().ops[3].tables, std::vector<std::string>{"a"});
  EXPECT_EQ(t->table().ops[4].options, nlohmann::json::parse(R"({"n": 5})"));
  // Derived columns keep the spec's order: a later one may use an earlier one.
  EXPECT_EQ(t->table().ops[5].options, nlohmann::json::parse(R"({"columns": [["y", "x + 1"], ["x", "y * 2"]]})"));
  EXPECT_EQ(t->table().ops[6].options, nlohmann::json::object());
  // The tables of `with` are dependencies like a read's.
  EXPECT_EQ(t->depends, std::vector<std::string>{"a"});
}

TEST(PipelineSpec, OperationOptionsAreCheckedByTheRegistry) {
  auto op = [](const std::string& line) {
    return Parse(Spec("  t:\n    kind: table\n    ops:\n      - read: ett\n      - " + line + "\n"));
  };
  ExpectError(op("join: {with: ett, onn: k}"), "spec.yaml:9: unknown key 'onn'");
  ExpectError(op("join: {on: k}"), "spec.yaml:9: join needs 'with': the right table");
  ExpectError(op("head: -1"), "spec.yaml:9:");
  ExpectError(op("project: []"), "spec.yaml:9: project: must name at least one");
  ExpectError(op("select: \"x >\""), "spec.yaml:9: select: ");
  ExpectError(op("join: {with: ett, on: k, suffixes: [a]}"), "spec.yaml:9: join: suffixes: must list 2 items");
  // An operator with no distributed form is refused in a stage of several ranks, at its line.
  ExpectError(Parse(Spec("  t:\n    kind: table\n    ranks: 2\n    ops:\n      - read: ett\n      - tail: 3\n")),
              "spec.yaml:10: tail has no distributed form, and the stage runs on 2 ranks");
  EXPECT_TRUE(Parse(Spec("  t:\n    kind: table\n    ops:\n      - read: ett\n      - tail: 3\n")).ok());
}

TEST(PipelineSpec, ModelNamesAreLeftToTheTrainTask) {
  std::string text = Spec(kTrain);
  text.replace(text.find("dlinear"), 7, "no_such_model");
  EXPECT_TRUE(Parse(text).ok());
}

// Issue 14, item 6: the list form checked model names, the one-line form let "../x" through to a
// folder and a task uid.
TEST(PipelineSpec, ModelNamesThatWouldLeaveTheirFolderAreRefusedInEveryForm) {
  std::string text = Spec(kTrain);
  text.replace(text.find("[nlinear, dlinear]"), 18, "nlinear, ../../escape");
  ExpectError(Parse(text), "spec.yaml:13: model name '../../escape' may hold only letters, digits, '_' and '-'");
  ExpectError(Parse(Spec(kTrain), {"stages.train.models=../up"}),
              "--set stages.train.models=../up: model name '../up' may hold only letters, digits, '_' and '-'");
}

TEST(PipelineSpec, ValuesAreTyped) {
  ExpectError(Parse(Spec(kTrain, "pilot: {cores: lots}\n")),
              "spec.yaml:1: 'pilot.cores' must be a whole number");
  ExpectError(Parse(Spec(kTrain, "pilot: {resource: cloud}\n")), "unknown pilot resource 'cloud'");
  ExpectError(Parse(Spec(std::string(kTrain) + "    timeout: soon\n")),
              "'stages.train.timeout' must be a duration");
  ExpectError(Parse(Spec("  t: {kind: tabel, ops: [{read: ett}]}\n")), "unknown kind 'tabel'");
}

// Issue 14, item 9, in the spec's form: a learning rate of 0 was taken as "the model's default" by
// the planner, and NaN passed the reader's minimum (NaN compares false with everything).
TEST(PipelineSpec, NumbersOutOfRangeAreRefusedNotReplaced) {
  ExpectError(Parse(Spec(std::string(kTrain) + "    learning_rate: 0\n")),
              "'stages.train.learning_rate' must be greater than 0, not 0");
  ExpectError(Parse(Spec(std::string(kTrain) + "    learning_rate: .nan\n")),
              "'stages.train.learning_rate' must be a finite number, not '.nan'");
  ExpectError(Parse(Spec(kTrain), {"stages.train.learning_rate=-1"}),
              "--set stages.train.learning_rate=-1: 'stages.train.learning_rate' must be greater than 0, not -1");
}

TEST(PipelineSpec, TheExamplePipelineParses) {
  auto spec = ReadSpec(std::string(DEEPRC_SOURCE_DIR) + "/examples/ett.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->name, "ett");
  EXPECT_EQ(spec->FindStage("train")->train().models.size(), 6u);
}

}  // namespace
}  // namespace deeprc::pipeline
