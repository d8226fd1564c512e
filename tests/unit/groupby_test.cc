// GroupBy on small hand-computed tables: every aggregation, null keys, several keys, both
// execution paths (Acero alone, and with exact quantiles), output order and names, errors.
#include "deeprc/table/groupby.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace deeprc {
namespace {

using testing::MakeTable;

Table Sample() {
  auto schema = arrow::schema({arrow::field("k", arrow::int32()), arrow::field("v", arrow::float64()),
                               arrow::field("s", arrow::utf8()), arrow::field("i", arrow::int16())});
  return MakeTable(schema, {"[1, 2, 1, null, 2, 1, null]", "[1.0, 2.0, 3.0, 4.0, null, 5.0, null]",
                            R"(["a", "b", "a", null, "c", "b", null])", "[1, 2, 3, 4, 5, 6, 7]"});
}

void ExpectColumn(const Table& table, const std::string& name, const std::shared_ptr<arrow::DataType>& type,
                  const std::string& json) {
  ASSERT_OK_AND_ASSIGN(auto column, table.Column(name));
  ASSERT_TRUE(column->type()->Equals(*type)) << name << " is " << column->type()->ToString();
  auto expected = arrow::json::ArrayFromJSONString(type, json).ValueOrDie();
  auto combined = arrow::Concatenate(column->chunks()).ValueOrDie();
  EXPECT_TRUE(combined->ApproxEquals(*expected, arrow::EqualOptions::Defaults().atol(1e-12)))
      << name << ": got " << combined->ToString() << ", expected " << json;
}

std::vector<Aggregation> AllAggregations() {
  return {{"v", AggregateKind::kSum},    {"v", AggregateKind::kCount},
          {"v", AggregateKind::kMean},   {"v", AggregateKind::kMin},
          {"v", AggregateKind::kMax},    {"v", AggregateKind::kVar},
          {"v", AggregateKind::kStd},    {"v", AggregateKind::kNunique},
          {"v", AggregateKind::kMedian}, {"v", AggregateKind::kQuantile, 0.25},
          {"s", AggregateKind::kCount},  {"s", AggregateKind::kNunique},
          {"s", AggregateKind::kMin},    {"s", AggregateKind::kMax},
          {"i", AggregateKind::kSum}};
}

TEST(GroupBy, EveryAggregationWithNullKeysLast) {
  ASSERT_OK_AND_ASSIGN(auto out, GroupBy(Sample(), {"k"}, AllAggregations()));
  EXPECT_EQ(out.ColumnNames(), (std::vector<std::string>{"k", "v_sum", "v_count", "v_mean", "v_min", "v_max",
                                                         "v_var", "v_std", "v_nunique", "v_median", "v_q0.25",
                                                         "s_count", "s_nunique", "s_min", "s_max", "i_sum"}));
  ExpectColumn(out, "k", arrow::int32(), "[1, 2, null]");
  ExpectColumn(out, "v_sum", arrow::float64(), "[9, 2, 4]");
  ExpectColumn(out, "v_count", arrow::int64(), "[3, 1, 1]");
  ExpectColumn(out, "v_mean", arrow::float64(), "[3, 2, 4]");
  ExpectColumn(out, "v_min", arrow::float64(), "[1, 2, 4]");
  ExpectColumn(out, "v_max", arrow::float64(), "[5, 2, 4]");
  ExpectColumn(out, "v_var", arrow::float64(), "[4, null, null]");  // one value: no sample variance
  ExpectColumn(out, "v_std", arrow::float64(), "[2, null, null]");
  ExpectColumn(out, "v_nunique", arrow::int64(), "[3, 1, 1]");
  ExpectColumn(out, "v_median", arrow::float64(), "[3, 2, 4]");
  ExpectColumn(out, "v_q0.25", arrow::float64(), "[2, 2, 4]");  // rank 0.5 between 1 and 3
  ExpectColumn(out, "s_count", arrow::int64(), "[3, 2, 0]");
  ExpectColumn(out, "s_nunique", arrow::int64(), "[2, 2, 0]");
  ExpectColumn(out, "s_min", arrow::utf8(), R"(["a", "b", null])");
  ExpectColumn(out, "s_max", arrow::utf8(), R"(["b", "c", null])");
  ExpectColumn(out, "i_sum", arrow::int64(), "[10, 7, 11]");
}

TEST(GroupBy, AceroPathAndExactPathAgree) {
  // Without median/quantile only Acero runs, grouped by the keys; with them the keys are grouped
  // first and Acero groups by group id. Both must give the same rows.
  std::vector<Aggregation> without_exact;
  for (const auto& aggregation : AllAggregations()) {
    if (aggregation.kind != AggregateKind::kMedian && aggregation.kind != AggregateKind::kQuantile) {
      without_exact.push_back(aggregation);
    }
  }
  ASSERT_OK_AND_ASSIGN(auto fast, GroupBy(Sample(), {"s", "k"}, without_exact));
  ASSERT_OK_AND_ASSIGN(auto exact, GroupBy(Sample(), {"s", "k"}, AllAggregations()));
  for (const auto& name : fast.ColumnNames()) {
    ASSERT_OK_AND_ASSIGN(auto a, fast.Column(name));
    ASSERT_OK_AND_ASSIGN(auto b, exact.Column(name));
    EXPECT_TRUE(a->ApproxEquals(*b)) << name << ": " << a->ToString() << " vs " << b->ToString();
  }
}

TEST(GroupBy, SeveralKeysSortAscendingNullsLast) {
  ASSERT_OK_AND_ASSIGN(auto out, GroupBy(Sample(), {"s", "k"}, {{"i", AggregateKind::kSum}}));
  ExpectColumn(out, "s", arrow::utf8(), R"(["a", "b", "b", "c", null])");
  ExpectColumn(out, "k", arrow::int32(), "[1, 1, 2, 2, null]");
  ExpectColumn(out, "i_sum", arrow::int64(), "[4, 6, 2, 5, 11]");
}

TEST(GroupBy, NoAggregationsGivesDistinctKeys) {
  ASSERT_OK_AND_ASSIGN(auto out, GroupBy(Sample(), {"k"}, {}));
  EXPECT_EQ(out.ColumnNames(), std::vector<std::string>{"k"});
  ExpectColumn(out, "k", arrow::int32(), "[1, 2, null]");
}

TEST(GroupBy, DdofAndEvenMedianAndQuantiles) {
  auto schema = arrow::schema({arrow::field("k", arrow::utf8()), arrow::field("x", arrow::uint8())});
  auto table = MakeTable(schema, {R"(["g", "g", "g", "g", "h"])", "[4, 1, 3, 2, 7]"});
  ASSERT_OK_AND_ASSIGN(auto out, GroupBy(table, {"k"},
                                         {{"x", AggregateKind::kMedian},
                                          {"x", AggregateKind::kQuantile, 0.9},
                                          {"x", AggregateKind::kQuantile, 0.0},
                                          {"x", AggregateKind::kQuantile, 1.0},
                                          {"x", AggregateKind::kVar, 0.5, /*ddof=*/0},
                                          {"x", AggregateKind::kSum}}));
  ExpectColumn(out, "x_median", arrow::float64(), "[2.5, 7]");
  ExpectColumn(out, "x_q0.9", arrow::float64(), "[3.7, 7]");
  ExpectColumn(out, "x_q0", arrow::float64(), "[1, 7]");
  ExpectColumn(out, "x_q1", arrow::float64(), "[4, 7]");
  ExpectColumn(out, "x_var", arrow::float64(), "[1.25, 0]");
  ExpectColumn(out, "x_sum", arrow::uint64(), "[10, 7]");
}

TEST(GroupBy, AllNullKeysAndEmptyTable) {
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("v", arrow::int64())});
  ASSERT_OK_AND_ASSIGN(auto out, GroupBy(MakeTable(schema, {"[null, null, null]", "[1, null, 3]"}), {"k"},
                                         {{"v", AggregateKind::kSum}, {"v", AggregateKind::kMedian}}));
  ExpectColumn(out, "k", arrow::int64(), "[null]");
  ExpectColumn(out, "v_sum", arrow::int64(), "[4]");
  ExpectColumn(out, "v_median", arrow::float64(), "[2]");

  for (bool exact : {false, true}) {
    std::vector<Aggregation> aggregations = {{"v", AggregateKind::kMean}};
    if (exact) aggregations.push_back({"v", AggregateKind::kMedian});
    ASSERT_OK_AND_ASSIGN(out, GroupBy(MakeTable(schema, {"[]", "[]"}), {"k"}, aggregations));
    EXPECT_EQ(out.num_rows(), 0);
    EXPECT_EQ(out.schema()->field(1)->type()->id(), arrow::Type::DOUBLE);
  }
}

TEST(GroupBy, TemporalAndBooleanKeysAndValues) {
  auto schema = arrow::schema({arrow::field("d", arrow::date32()), arrow::field("b", arrow::boolean()),
                               arrow::field("t", arrow::timestamp(arrow::TimeUnit::NANO)),
                               arrow::field("ls", arrow::large_utf8())});
  auto table = MakeTable(schema, {"[2, 1, 2, null]", "[true, false, null, true]", "[30, 10, 20, null]",
                                  R"(["x", "y", "z", null])"});
  ASSERT_OK_AND_ASSIGN(auto out, GroupBy(table, {"d"},
                                         {{"t", AggregateKind::kMin},
                                          {"t", AggregateKind::kMax},
                                          {"b", AggregateKind::kSum},
                                          {"ls", AggregateKind::kMax},
                                          {"ls", AggregateKind::kNunique}}));
  ExpectColumn(out, "d", arrow::date32(), "[1, 2, null]");
  ExpectColumn(out, "t_min", arrow::timestamp(arrow::TimeUnit::NANO), "[10, 20, null]");
  ExpectColumn(out, "t_max", arrow::timestamp(arrow::TimeUnit::NANO), "[10, 30, null]");
  ExpectColumn(out, "b_sum", arrow::uint64(), "[0, 1, 1]");
  ExpectColumn(out, "ls_max", arrow::large_utf8(), R"(["y", "z", null])");
  ExpectColumn(out, "ls_nunique", arrow::int64(), "[1, 2, 0]");

  ASSERT_OK_AND_ASSIGN(out, GroupBy(table, {"b"}, {{"d", AggregateKind::kCount}}));
  ExpectColumn(out, "b", arrow::boolean(), "[false, true, null]");
  ExpectColumn(out, "d_count", arrow::int64(), "[1, 1, 1]");
}

TEST(GroupBy, ErrorsNameTheColumn) {
  auto message = [](const std::vector<std::string>& keys, const std::vector<Aggregation>& aggregations) {
    auto result = GroupBy(Sample(), keys, aggregations);
    return result.ok() ? std::string("ok") : result.status().message();
  };
  EXPECT_EQ(message({"nope"}, {}), "groupby: key: no column 'nope'; the table has: k, v, s, i");
  EXPECT_EQ(message({"k"}, {{"w", AggregateKind::kSum}}),
            "groupby: aggregation w_sum: no column 'w'; the table has: k, v, s, i");
  EXPECT_EQ(message({"k"}, {{"s", AggregateKind::kMean}}),
            "groupby: cannot take the mean of column 's' (string): mean needs a numeric or boolean column");
  EXPECT_EQ(
      message({"k"}, {{"s", AggregateKind::kMedian}}),
      "groupby: cannot take the median of column 's' (string): median needs an integer or float column");
  EXPECT_EQ(message({"k"}, {{"v", AggregateKind::kQuantile, 1.5}}),
            "groupby: quantile 1.5 of column 'v' is not in [0, 1]");
  EXPECT_EQ(message({"k"}, {{"v", AggregateKind::kSum}, {"v", AggregateKind::kSum}}),
            "groupby: two output columns would be named 'v_sum'");
  EXPECT_EQ(message({"k", "k"}, {}), "groupby: key 'k' is listed twice");
  EXPECT_EQ(message({}, {}), "groupby: no key column given");
}

TEST(ParseAggregation, SpecsAndErrors) {
  ASSERT_OK_AND_ASSIGN(auto aggregation, ParseAggregation("v:sum"));
  EXPECT_EQ(aggregation.column, "v");
  EXPECT_EQ(aggregation.kind, AggregateKind::kSum);
  ASSERT_OK_AND_ASSIGN(aggregation, ParseAggregation("a:b:quantile=0.9"));
  EXPECT_EQ(aggregation.column, "a:b");
  EXPECT_EQ(aggregation.kind, AggregateKind::kQuantile);
  EXPECT_DOUBLE_EQ(aggregation.quantile, 0.9);
  EXPECT_EQ(AggregationOutputName(aggregation), "a:b_q0.9");
  ASSERT_OK_AND_ASSIGN(aggregation, ParseAggregation("w:avg"));
  EXPECT_EQ(aggregation.kind, AggregateKind::kMean);
  EXPECT_EQ(AggregationOutputName(aggregation), "w_mean");
  EXPECT_FALSE(ParseAggregation("v").ok());
  EXPECT_FALSE(ParseAggregation(":sum").ok());
  EXPECT_FALSE(ParseAggregation("v:").ok());
  EXPECT_EQ(
      ParseAggregation("v:total").status().message(),
      "aggregation 'v:total': unknown kind 'total' (sum, count, mean, min, max, var, std, nunique, median, "
      "quantile=Q)");
  EXPECT_EQ(ParseAggregation("v:quantile=2").status().message(),
            "aggregation 'v:quantile=2': the quantile must be a number in [0, 1], not '2'");
  EXPECT_FALSE(ParseAggregation("v:quantile=x").ok());
}

}  // namespace
}  // namespace deeprc
