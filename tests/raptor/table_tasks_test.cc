// The table function tasks (src/deeprc/tasks/table_*): each at 1, 2 and 3 ranks at once on
// random Parquet tables with nulls, strings and duplicate keys, its gathered output compared with
// the local operator on the whole input; the 3-rank tasks read one file per rank ("{rank}").
// Then argument errors: only the task at fault fails, with a message that names what is wrong.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "../mpi/random_table.h"
#include "deeprc/table/groupby/groupby.h"
#include "deeprc/table/io/file_format.h"
#include "deeprc/table/io/parquet_io.h"
#include "deeprc/table/join/join.h"
#include "deeprc/table/ops/concat.h"
#include "deeprc/table/ops/equals.h"
#include "deeprc/table/ops/expression_parser.h"
#include "deeprc/table/ops/project.h"
#include "deeprc/table/ops/select.h"
#include "deeprc/table/ops/set_ops.h"
#include "deeprc/table/ops/slice.h"
#include "deeprc/table/ops/unique.h"
#include "deeprc/table/sort/sort.h"
#include "raptor_test_env.h"

namespace deeprc::raptor {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr auto kTimeout = std::chrono::seconds(60);
constexpr int kRanks[] = {1, 2, 3};

// Input files: `name`.parquet (row groups of 400 rows, so every rank of a task reads some) and
// `name`_0..2.parquet, its three slices, for the 3-rank tasks.
class TableTasks : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("deeprc_table_tasks_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    a_ = deeprc::testing::RandomTable(31, 3000);
    b_ = deeprc::testing::RandomTable(32, 2000);
    // Few distinct rows, so that the set operators find overlap; keys 20-29 only in narrow_a_.
    narrow_a_ =
        table::Project(deeprc::testing::RandomTable(33, 1500, /*distinct_keys=*/30), {"k", "s"}).ValueOrDie();
    narrow_b_ = table::Project(b_, {"k", "s"}).ValueOrDie();
    // The same rows as a, in another order.
    shuffled_a_ = table::Sort(a_, {{"w", true}, {"v", false}}).ValueOrDie();
    for (const auto& [name, table] : std::map<std::string, table::Table>{
             {"a", a_}, {"b", b_}, {"na", narrow_a_}, {"nb", narrow_b_}, {"a_shuffled", shuffled_a_}}) {
      Write(name, table);
    }
  }

  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static void Write(const std::string& name, const table::Table& table) {
    ASSERT_OK(table::WriteParquet(table, Path(name + ".parquet"), table::ParquetWriteOptions{400}));
    const int64_t n = table.num_rows();
    for (int r = 0; r < 3; ++r) {
      ASSERT_OK_AND_ASSIGN(table::Table part, table::Slice(table, r * n / 3, (r + 1) * n / 3 - r * n / 3));
      ASSERT_OK(table::WriteTable(part, Path(name + "_" + std::to_string(r) + ".parquet")));
    }
  }

  static std::string Path(const std::string& name) { return (dir_ / name).string(); }
  // What a task of `ranks` ranks reads: the one file, or one file per rank at 3 ranks.
  static std::string Input(const std::string& name, int ranks) {
    return Path(ranks == 3 ? name + "_{rank}.parquet" : name + ".parquet");
  }
  static std::string Output(const std::string& function, int ranks) {
    return Path("out_" + function + "_" + std::to_string(ranks) + ".parquet");
  }

  static FunctionTask Task(std::string id, std::string function, int ranks, json args) {
    FunctionTask task;
    task.id = std::move(id);
    task.function = std::move(function);
    task.ranks = ranks;
    task.args = std::move(args);
    return task;
  }

  // Runs `function` at 1, 2 and 3 ranks at once with the arguments `args_of(ranks)` plus an
  // output file; returns the results by ranks and checks that they succeeded.
  static std::map<int, FunctionResult> RunAtOneTwoThreeRanks(const std::string& function,
                                                             const std::function<json(int ranks)>& args_of,
                                                             bool with_output = true) {
    Master& master = TestMaster();
    for (int ranks : kRanks) {
      json args = args_of(ranks);
      if (with_output && !args.contains("output")) args["output"] = Output(function, ranks);
      EXPECT_TRUE(master.Submit(Task(std::to_string(ranks), function, ranks, std::move(args))).ok());
    }
    std::map<int, FunctionResult> by_ranks;
    auto results = master.WaitAll(kTimeout);
    EXPECT_TRUE(results.ok()) << results.status().ToString();
    if (!results.ok()) return by_ranks;
    for (auto& result : *results) {
      EXPECT_TRUE(result.ok) << function << " at " << result.id << " ranks: " << result.error;
      by_ranks[std::stoi(result.id)] = std::move(result);
    }
    EXPECT_EQ(by_ranks.size(), 3u);
    return by_ranks;
  }

  // Runs `function` at 1, 2 and 3 ranks and compares each gathered output with `expected`, in
  // order or as row multisets.
  static void ExpectOutputs(const std::string& function, const std::function<json(int ranks)>& args_of,
                            const table::Table& expected, bool ordered) {
    auto results = RunAtOneTwoThreeRanks(function, args_of);
    for (int ranks : kRanks) {
      SCOPED_TRACE(function + " at " + std::to_string(ranks) + " ranks");
      ASSERT_TRUE(results[ranks].ok);
      EXPECT_EQ(results[ranks].value["rows"], expected.num_rows());
      int64_t rank_rows = 0;
      for (const json& value : results[ranks].rank_values) rank_rows += value["rank_rows"].get<int64_t>();
      EXPECT_EQ(rank_rows, expected.num_rows());
      ASSERT_OK_AND_ASSIGN(table::Table got, table::ReadTable(Output(function, ranks)));
      ASSERT_OK_AND_ASSIGN(table::TableComparison comparison,
                           table::Compare(got, expected, table::EqualsOptions{ordered}));
      EXPECT_TRUE(comparison.equal) << comparison.difference;
    }
  }

  static inline fs::path dir_;
  static inline table::Table a_, b_, narrow_a_, narrow_b_, shuffled_a_;
};

TEST_F(TableTasks, SortOrdersByEveryKeyLikeTheLocalSort) {
  const std::vector<std::string> by = {"s", "-k", "v"};
  ASSERT_OK_AND_ASSIGN(auto keys, table::ParseSortKeys(by));
  ASSERT_OK_AND_ASSIGN(table::Table expected, table::Sort(a_, keys));
  // Rows that tie on every key may come in another order: the keys in order, the rows as a multiset.
  ExpectOutputs(
      "table.sort",
      [&](int ranks) {
        return json{{"input", Input("a", ranks)}, {"by", by}};
      },
      expected,
      /*ordered=*/false);
  ASSERT_OK_AND_ASSIGN(table::Table expected_keys, table::Project(expected, {"s", "k", "v"}));
  for (int ranks : kRanks) {
    ASSERT_OK_AND_ASSIGN(table::Table got, table::ReadTable(Output("table.sort", ranks)));
    ASSERT_OK_AND_ASSIGN(table::Table got_keys, table::Project(got, {"s", "k", "v"}));
    ASSERT_OK_AND_ASSIGN(table::TableComparison comparison, table::Compare(got_keys, expected_keys));
    EXPECT_TRUE(comparison.equal) << ranks << " ranks: " << comparison.difference;
  }
}

TEST_F(TableTasks, GroupByEqualsTheLocalGroupBy) {
  const std::vector<std::string> by = {"k", "s"};
  const std::vector<std::string> agg = {"v:sum", "v:mean",   "v:std",    "v:count",
                                        "w:max", "w:median", "s:nunique"};
  ASSERT_OK_AND_ASSIGN(auto aggregations, table::ParseAggregations(agg, 0));
  ASSERT_OK_AND_ASSIGN(table::Table expected, table::GroupBy(a_, by, aggregations));
  auto results = RunAtOneTwoThreeRanks("table.groupby", [&](int ranks) {
    return json{{"input", Input("a", ranks)}, {"by", by}, {"agg", agg}, {"ddof", 0}};
  });
  for (int ranks : kRanks) {
    SCOPED_TRACE(std::to_string(ranks) + " ranks");
    EXPECT_EQ(results[ranks].value["rows"], expected.num_rows());
    // Each rank holds its own groups: in key order once sorted; floating-point sums and means
    // add up in another order, so they compare within a tolerance.
    ASSERT_OK_AND_ASSIGN(table::Table gathered, table::ReadTable(Output("table.groupby", ranks)));
    ASSERT_OK_AND_ASSIGN(table::Table got, table::Sort(gathered, {{"k", true}, {"s", true}}));
    ASSERT_EQ(got.num_rows(), expected.num_rows());
    ASSERT_TRUE(got.schema()->Equals(*expected.schema())) << got.schema()->ToString();
    for (int c = 0; c < expected.num_columns(); ++c) {
      EXPECT_TRUE(got.arrow()->column(c)->ApproxEquals(*expected.arrow()->column(c),
                                                       arrow::EqualOptions().atol(1e-9)))
          << expected.schema()->field(c)->name();
    }
  }
}

TEST_F(TableTasks, UniqueKeepsOneRowPerKeyLikeTheLocalUnique) {
  ASSERT_OK_AND_ASSIGN(table::Table expected, table::Unique(a_, {"k", "s"}));
  ASSERT_OK_AND_ASSIGN(table::Table expected_keys, table::Project(expected, {"k", "s"}));
  auto results = RunAtOneTwoThreeRanks("table.unique", [&](int ranks) {
    return json{{"input", Input("a", ranks)}, {"on", {"k", "s"}}};
  });
  for (int ranks : kRanks) {
    ASSERT_OK_AND_ASSIGN(table::Table got, table::ReadTable(Output("table.unique", ranks)));
    // The distinct keys; the row kept for each is one of its rows.
    ASSERT_OK_AND_ASSIGN(table::Table got_keys, table::Project(got, {"k", "s"}));
    ASSERT_OK_AND_ASSIGN(bool equal, table::Equals(got_keys, expected_keys, /*ordered=*/false));
    EXPECT_TRUE(equal) << ranks << " ranks";
    ASSERT_OK_AND_ASSIGN(table::Table kept_rows, table::Intersect(got, a_));
    EXPECT_EQ(kept_rows.num_rows(), got.num_rows()) << ranks << " ranks";
  }
  // Without `on`: whole rows.
  ASSERT_OK_AND_ASSIGN(table::Table distinct, table::Unique(narrow_a_, {}));
  ExpectOutputs(
      "table.unique",
      [&](int ranks) {
        return json{{"input", Input("na", ranks)}};
      },
      distinct,
      /*ordered=*/false);
}

TEST_F(TableTasks, SetOperatorsEqualTheLocalOnes) {
  ASSERT_OK_AND_ASSIGN(table::Table united, table::Union(narrow_a_, narrow_b_));
  ASSERT_OK_AND_ASSIGN(table::Table intersection, table::Intersect(narrow_a_, narrow_b_));
  ASSERT_OK_AND_ASSIGN(table::Table difference, table::Subtract(narrow_a_, narrow_b_));
  ASSERT_GT(intersection.num_rows(), 0);
  ASSERT_GT(difference.num_rows(), 0);
  // Both spellings of the two inputs.
  auto left_right = [&](int ranks) {
    return json{{"left", Input("na", ranks)}, {"right", Input("nb", ranks)}};
  };
  auto inputs = [&](int ranks) { return json{{"inputs", {Input("na", ranks), Input("nb", ranks)}}}; };
  ExpectOutputs("table.union", left_right, united, /*ordered=*/false);
  ExpectOutputs("table.intersect", inputs, intersection, /*ordered=*/false);
  ExpectOutputs("table.subtract", left_right, difference, /*ordered=*/false);
}

TEST_F(TableTasks, SelectProjectAndHeadKeepTheGlobalOrder) {
  const std::string where = "v > 9.5 and (s == 's1' or k is null)";
  ASSERT_OK_AND_ASSIGN(auto predicate, table::ParseExpression(where));
  ASSERT_OK_AND_ASSIGN(table::Table selected, table::Select(a_, predicate));
  ASSERT_GT(selected.num_rows(), 0);
  ExpectOutputs(
      "table.select",
      [&](int ranks) {
        return json{{"input", Input("a", ranks)}, {"where", where}};
      },
      selected, /*ordered=*/true);
  ASSERT_OK_AND_ASSIGN(table::Table projected, table::Project(a_, {"w", "s"}));
  ExpectOutputs(
      "table.project",
      [&](int ranks) {
        return json{{"input", Input("a", ranks)}, {"columns", {"w", "s"}}};
      },
      projected,
      /*ordered=*/true);
  // 1777 rows reach into the second rank's share at 2 and 3 ranks.
  ASSERT_OK_AND_ASSIGN(table::Table head, table::Head(a_, 1777));
  ExpectOutputs(
      "table.head",
      [&](int ranks) {
        return json{{"input", Input("a", ranks)}, {"n", 1777}};
      },
      head,
      /*ordered=*/true);
}

TEST_F(TableTasks, JoinOuterEqualsTheLocalJoin) {
  ASSERT_OK_AND_ASSIGN(table::Table expected,
                       table::Join(a_, b_, table::JoinOptions::On({"k", "s"}, table::JoinType::kFullOuter)));
  ExpectOutputs(
      "table.join",
      [&](int ranks) {
        return json{
            {"left", Input("a", ranks)}, {"right", Input("b", ranks)}, {"on", {"k", "s"}}, {"how", "outer"}};
      },
      expected, /*ordered=*/false);
}

TEST_F(TableTasks, RepartitionEvensRowCountsInTheGlobalOrder) {
  // Uneven shares: the rows of a that pass a predicate.
  ASSERT_OK_AND_ASSIGN(auto predicate, table::ParseExpression("k < 4 or w > 30"));
  ASSERT_OK_AND_ASSIGN(table::Table uneven, table::Select(a_, predicate));
  Write("uneven", uneven);
  ExpectOutputs(
      "table.repartition",
      [&](int ranks) {
        return json{{"input", Input("uneven", ranks)}};
      },
      uneven,
      /*ordered=*/true);
  // rank_rows of each task (the last run's) differ by one at most.
  auto results = RunAtOneTwoThreeRanks(
      "table.repartition",
      [&](int ranks) {
        return json{{"input", Input("uneven", ranks)}};
      },
      /*with_output=*/false);
  for (int ranks : kRanks) {
    const int64_t n = uneven.num_rows();
    for (int r = 0; r < ranks; ++r) {
      EXPECT_EQ(results[ranks].rank_values.at(r)["rank_rows"], (r + 1) * n / ranks - r * n / ranks);
    }
  }
}

TEST_F(TableTasks, ShuffleBringsEqualKeysToOneRank) {
  auto results = RunAtOneTwoThreeRanks("table.shuffle", [&](int ranks) {
    return json{{"input", Input("a", ranks)},
                {"on", "s"},
                {"output", Path("shuffled_" + std::to_string(ranks) + "_{rank}.parquet")},
                {"gather", false}};
  });
  for (int ranks : kRanks) {
    SCOPED_TRACE(std::to_string(ranks) + " ranks");
    std::vector<table::Table> parts;
    std::map<std::string, int> rank_of_key;
    for (int r = 0; r < ranks; ++r) {
      ASSERT_OK_AND_ASSIGN(table::Table part, table::ReadTable(Path("shuffled_" + std::to_string(ranks) +
                                                                    "_" + std::to_string(r) + ".parquet")));
      EXPECT_EQ(results[ranks].rank_values.at(r)["rank_rows"], part.num_rows());
      ASSERT_OK_AND_ASSIGN(table::Table keys, table::Unique(part, {"s"}));
      auto column = keys.arrow()->GetColumnByName("s");
      for (int64_t i = 0; i < keys.num_rows(); ++i) {
        const std::string key = column->GetScalar(i).ValueOrDie()->ToString();
        EXPECT_TRUE(rank_of_key.emplace(key, r).second) << "key " << key << " on two ranks";
      }
      parts.push_back(std::move(part));
    }
    ASSERT_OK_AND_ASSIGN(table::Table all, table::Concat(parts));
    ASSERT_OK_AND_ASSIGN(bool equal, table::Equals(all, a_, /*ordered=*/false));
    EXPECT_TRUE(equal);
  }
}

TEST_F(TableTasks, EqualsComparesInOrderOrAsMultisets) {
  struct Case {
    std::string left, right;
    bool unordered, equal;
  };
  const std::vector<Case> cases = {{"a", "a", false, true},
                                   {"a", "a_shuffled", false, false},
                                   {"a", "a_shuffled", true, true},
                                   {"a", "b", true, false}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.left + " vs " + c.right + (c.unordered ? " unordered" : " ordered"));
    auto results = RunAtOneTwoThreeRanks(
        "table.equals",
        [&](int ranks) {
          // The right side always as one file: its shares need not line up with the left's.
          return json{{"left", Input(c.left, ranks)},
                      {"right", Path(c.right + ".parquet")},
                      {"unordered", c.unordered}};
        },
        /*with_output=*/false);
    for (int ranks : kRanks) {
      for (const json& value : results[ranks].rank_values) EXPECT_EQ(value, json({{"equal", c.equal}}));
    }
  }
}

TEST_F(TableTasks, ArgumentErrorsFailOnlyTheirTask) {
  // Rank 1's file of "b_only0_{rank}" is missing; rank 0's is there.
  ASSERT_OK(table::WriteTable(b_, Path("b_only0_0.parquet")));
  Master& master = TestMaster();
  const std::map<std::string, std::pair<FunctionTask, std::vector<std::string>>> cases = {
      {"typo",
       {Task("typo", "table.sort", 2, {{"input", Path("a.parquet")}, {"bye", "k"}}),
        {"table.sort: unknown argument 'bye' (did you mean 'by'?)", "takes: input, by, output, gather"}}},
      {"missing_file",
       {Task("missing_file", "table.groupby", 3, {{"input", Path("nothing.parquet")}, {"by", "k"}}),
        {Path("nothing.parquet")}}},
      {"missing_rank_file",
       {Task("missing_rank_file", "table.union", 2,
             {{"left", Path("a.parquet")}, {"right", Path("b_only0_{rank}.parquet")}}),
        {"rank 1: ", Path("b_only0_1.parquet")}}},
      {"missing_argument",
       {Task("missing_argument", "table.select", 1, {{"input", Path("a.parquet")}}),
        {"table.select: argument 'where' is required"}}},
      {"bad_value",
       {Task("bad_value", "table.head", 1, {{"input", Path("a.parquet")}, {"n", "ten"}}),
        {"table.head: argument 'n': must be an integer"}}},
      {"bad_key",
       {Task("bad_key", "table.sort", 1, {{"input", Path("a.parquet")}, {"by", "-"}}),
        {"table.sort: argument 'by': empty column name"}}},
      {"bad_agg",
       {Task("bad_agg", "table.groupby", 1,
             {{"input", Path("a.parquet")}, {"by", "k"}, {"agg", {"v:total"}}}),
        {"table.groupby: argument 'agg': ", "unknown kind 'total'"}}},
  };
  const auto start = std::chrono::steady_clock::now();
  for (const auto& [id, task_and_messages] : cases) ASSERT_TRUE(master.Submit(task_and_messages.first).ok());
  ASSERT_TRUE(master
                  .Submit(Task("fine", "table.sort", 2,
                               {{"input", Path("a.parquet")}, {"by", "k"}, {"output", Output("fine", 2)}}))
                  .ok());
  ASSERT_OK_AND_ASSIGN(auto results, master.WaitAll(kTimeout));
  // No rank waited for a peer that gave up (that would take the communicator's 60 s timeout).
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  std::map<std::string, FunctionResult> by_id;
  for (auto& result : results) by_id[result.id] = std::move(result);
  for (const auto& [id, task_and_messages] : cases) {
    EXPECT_FALSE(by_id[id].ok) << id;
    for (const auto& message : task_and_messages.second) {
      EXPECT_NE(by_id[id].error.find(message), std::string::npos) << id << ": " << by_id[id].error;
    }
  }
  ASSERT_TRUE(by_id["fine"].ok) << by_id["fine"].error;
  EXPECT_EQ(by_id["fine"].value["rows"], a_.num_rows());
}

}  // namespace
}  // namespace deeprc::raptor
