// Task files: every field parses, units convert, and mistakes are errors that name the line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "deeprc/pilot/task_description_yaml.h"

namespace deeprc::pilot {
namespace {

TEST(TaskDescriptionYaml, FunctionTasksTakeTheirArgumentsAsJson) {
  auto tasks = ParseTaskDescriptions(R"(
- uid: join
  mode: function
  function: table.join
  ranks: 3
  backend: gloo
  library: /opt/lib/functions.so
  args:
    left: a.parquet
    on: [k, k2]
    gather: false
    rows: 12
    fraction: 0.5
    quoted: "12"
    yes_is_text: yes
    nothing: ~
    nested: {how: outer}
)");
  ASSERT_TRUE(tasks.ok()) << tasks.status().ToString();
  const auto& task = tasks->front();
  EXPECT_EQ(task.mode, TaskMode::kFunction);
  EXPECT_EQ(task.function, "table.join");
  EXPECT_EQ(task.ranks, 3);
  EXPECT_EQ(task.backend, "gloo");
  EXPECT_EQ(task.library, "/opt/lib/functions.so");
  const auto expected = nlohmann::json::parse(R"({"left": "a.parquet", "on": ["k", "k2"], "gather": false,
      "rows": 12, "fraction": 0.5, "quoted": "12", "yes_is_text": "yes", "nothing": null,
      "nested": {"how": "outer"}})");
  EXPECT_EQ(task.args, expected) << task.args.dump();
  // The wire form keeps all of it.
  auto back = TaskDescriptionFromJson(nlohmann::json(task));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->args, expected);
  EXPECT_EQ(back->mode, TaskMode::kFunction);
}

TEST(TaskDescriptionYaml, ParsesEveryField) {
  auto tasks = ParseTaskDescriptions(R"(
tasks:
  - uid: train
    name: train a model
    executable: python3
    arguments: [train.py, --epochs, "3"]
    environment: {SEED: "1"}
    pre_exec: module load x
    post_exec: [echo done]
    working_directory: work
    stdout: train.log
    stderr: train.err
    ranks: 4
    cores_per_rank: 2
    gpus_per_rank: 1
    mem_per_rank: 2G
    launch_method: mpirun
    input_staging: [data.csv, {source: /a/b.txt, target: in/b.txt, action: link}]
    output_staging: [{source: model.pt, target: models/model.pt, action: move}]
    timeout: 5m
    retries: 2
    tags: {colocate: group1}
    priority: 7
    after: prepare
    after_ended: [train_a, train_b]
)");
  ASSERT_TRUE(tasks.ok()) << tasks.status().ToString();
  ASSERT_EQ(tasks->size(), 1u);
  const auto& task = tasks->front();
  EXPECT_EQ(task.uid, "train");
  EXPECT_EQ(task.arguments, (std::vector<std::string>{"train.py", "--epochs", "3"}));
  EXPECT_EQ(task.environment.at("SEED"), "1");
  EXPECT_EQ(task.pre_exec, std::vector<std::string>{"module load x"});
  EXPECT_EQ(task.stdout_file, "train.log");
  EXPECT_EQ(task.ranks, 4);
  EXPECT_EQ(task.cores_per_rank, 2);
  EXPECT_EQ(task.gpus_per_rank, 1);
  EXPECT_EQ(task.mem_per_rank, 2048);
  EXPECT_EQ(task.launch_method, LaunchMethod::kMpirun);
  ASSERT_EQ(task.input_staging.size(), 2u);
  EXPECT_EQ(task.input_staging[0].target, "data.csv");
  EXPECT_EQ(task.input_staging[1].action, StagingAction::kLink);
  EXPECT_EQ(task.output_staging[0].action, StagingAction::kMove);
  EXPECT_EQ(task.timeout, 300);
  EXPECT_EQ(task.retries, 2);
  EXPECT_EQ(task.tags.at("colocate"), "group1");
  EXPECT_EQ(task.priority, 7);
  EXPECT_EQ(task.after, std::vector<std::string>{"prepare"});
  EXPECT_EQ(task.after_ended, (std::vector<std::string>{"train_a", "train_b"}));
  EXPECT_FALSE(task.shell);
  // The wire form keeps both kinds of dependency.
  auto back = TaskDescriptionFromJson(nlohmann::json(task));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->after, task.after);
  EXPECT_EQ(back->after_ended, task.after_ended);
}

TEST(TaskDescriptionYaml, CountExpandsAndAListIsEnough) {
  auto tasks =
      ParseTaskDescriptions("- {executable: /bin/true, count: 3}\n- {uid: x, executable: ls, count: 2}\n");
  ASSERT_TRUE(tasks.ok()) << tasks.status().ToString();
  ASSERT_EQ(tasks->size(), 5u);
  EXPECT_EQ((*tasks)[0].uid, "");
  EXPECT_EQ((*tasks)[3].uid, "x.0");
  EXPECT_EQ((*tasks)[4].uid, "x.1");
}

TEST(TaskDescriptionYaml, UnknownKeysAreErrorsNamingTheLine) {
  auto tasks = ParseTaskDescriptions("tasks:\n  - executable: /bin/true\n    rnaks: 2\n", "my.yaml");
  ASSERT_FALSE(tasks.ok());
  EXPECT_EQ(tasks.status().message(), "my.yaml:3: unknown key 'rnaks' in task (did you mean 'ranks'?)");

  auto top = ParseTaskDescriptions("task:\n  - executable: /bin/true\n", "my.yaml");
  ASSERT_FALSE(top.ok());
  EXPECT_NE(top.status().message().find("my.yaml:1: unknown key 'task'"), std::string::npos);
}

TEST(TaskDescriptionYaml, BadValuesAreErrorsNamingTheLine) {
  struct Case {
    std::string yaml, expected;
  };
  for (const auto& [yaml, expected] : std::vector<Case>{
           {"- executable: a\n  ranks: two\n", "t.yaml:2: 'ranks' must be a number, not 'two'"},
           {"- executable: a\n  mem_per_rank: 2 pints\n", "t.yaml:2: 'mem_per_rank' must be a size"},
           {"- executable: a\n  timeout: soon\n", "t.yaml:2: 'timeout' must be a duration"},
           {"- executable: a\n  launch_method: ssh\n", "t.yaml:2: unknown launch method 'ssh'"},
           {"- executable: a\n  arguments: -x\n", "t.yaml:2: 'arguments' must be a list"},
           {"- arguments: [a]\n", "t.yaml:1: task '': no executable"},
           {"- executable: a\n  ranks: 0\n", "t.yaml:1: task '': ranks must be at least 1"},
           {"- executable: [a\n", "t.yaml:"},
       }) {
    auto tasks = ParseTaskDescriptions(yaml, "t.yaml");
    ASSERT_FALSE(tasks.ok()) << yaml;
    EXPECT_EQ(tasks.status().message().rfind(expected, 0), 0u) << tasks.status().message();
  }
}

// Issue 14, item 6: a uid became a path, and "../../../../escape" wrote /escape.out.
TEST(TaskDescriptionYaml, AUidThatWouldLeaveItsFolderIsRefusedWithTheAllowedSet) {
  for (const std::string uid : {"../../../../escape", "a/b", "..", ".hidden", "a b", "é"}) {
    auto tasks = ParseTaskDescriptions("- {executable: /bin/true, uid: \"" + uid + "\"}\n", "t.yaml");
    ASSERT_FALSE(tasks.ok()) << uid;
    EXPECT_NE(tasks.status().message().find("t.yaml:1: task uid '" + uid + "' is not allowed"),
              std::string::npos)
        << tasks.status().message();
    EXPECT_NE(tasks.status().message().find("letters, digits, '_', '-' and '.', not starting with '.'"),
              std::string::npos)
        << tasks.status().message();
  }
  auto long_uid = ParseTaskDescriptions("- {executable: /bin/true, uid: " + std::string(201, 'a') + "}\n");
  ASSERT_FALSE(long_uid.ok());
  EXPECT_NE(long_uid.status().message().find("1 to 200 characters"), std::string::npos);
  auto fine = ParseTaskDescriptions("- {executable: /bin/true, uid: Join-2_b.x}\n");
  EXPECT_TRUE(fine.ok()) << fine.status().ToString();
}

// Issue 14, item 7: `count: 100000000` grew the client to 4.6 GB before anything ran.
TEST(TaskDescriptionYaml, CountAndTheFileTotalHaveALimitThatIsNamed) {
  auto huge = ParseTaskDescriptions("- executable: /bin/true\n  count: 100000000\n", "t.yaml");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().message(),
            "t.yaml:2: 'count' is 100000000, more than the limit of 100000 tasks per file (each task is held "
            "in memory by the client and the agent; run more as several files)");
  // Each entry within the limit, together over it.
  auto total = ParseTaskDescriptions(
      "- {executable: /bin/true, count: 60000}\n- {executable: /bin/true, count: 60000}\n", "t.yaml");
  ASSERT_FALSE(total.ok());
  EXPECT_NE(total.status().message().find("t.yaml:2: this entry brings the file to 120000 tasks, more than "
                                          "the limit of 100000"),
            std::string::npos)
      << total.status().message();
  auto at_limit = ParseTaskDescriptions("- {executable: /bin/true, count: 100000}\n");
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().ToString();
  EXPECT_EQ(at_limit->size(), 100000u);
}

TEST(TaskDescriptionYaml, JsonRoundTrip) {
  auto tasks =
      ParseTaskDescriptions("- {executable: a, arguments: [b], ranks: 2, tags: {k: v}, after: [x]}\n");
  ASSERT_TRUE(tasks.ok());
  nlohmann::json json = tasks->front();
  auto back = TaskDescriptionFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(nlohmann::json(*back), json);
}

}  // namespace
}  // namespace deeprc::pilot
