// Select and Project on small hand-checked tables: every column type, nulls, chunked input and
// the errors for unknown columns and non-boolean predicates.
#include "deeprc/table/ops/select.h"

#include <gtest/gtest.h>

#include "deeprc/table/ops/expression_parser.h"
#include "deeprc/table/ops/project.h"
#include "test_util.h"

namespace deeprc::table {
namespace {

using testing::MakeTable;

Table Typed() {
  auto schema = arrow::schema({
      arrow::field("i8", arrow::int8()),
      arrow::field("u64", arrow::uint64()),
      arrow::field("f32", arrow::float32()),
      arrow::field("ls", arrow::large_utf8()),
      arrow::field("d", arrow::date32()),
      arrow::field("ts", arrow::timestamp(arrow::TimeUnit::MICRO)),
      arrow::field("tz", arrow::timestamp(arrow::TimeUnit::SECOND, "UTC")),
  });
  return MakeTable(schema, {
                               "[1, -2, null, 4]",
                               "[10, null, 18446744073709551615, 0]",
                               "[0.5, 1.5, null, -2.5]",
                               R"(["a", null, "b", "a"])",
                               "[18262, 18263, null, 18264]",  // 2020-01-01, -02, null, -03
                               "[1577836800000000, null, 1577836800000001, 1577923200000000]",
                               "[1577836800, 1577836801, null, 1577923200]",
                           });
}

Result<Table> SelectText(const Table& table, const std::string& text) {
  DEEPRC_ASSIGN_OR_RETURN(auto predicate, ParseExpression(text));
  return Select(table, predicate);
}

void ExpectColumn(const Table& table, const std::string& name, const std::string& json) {
  auto column = table.Column(name).ValueOrDie();
  auto expected = arrow::json::ArrayFromJSONString(column->type(), json).ValueOrDie();
  auto combined = arrow::Concatenate(column->chunks()).ValueOrDie();
  EXPECT_TRUE(combined->Equals(*expected))
      << name << ": got " << combined->ToString() << ", expected " << json;
}

TEST(Select, EveryTypeWithNulls) {
  auto table = Typed();
  ASSERT_OK_AND_ASSIGN(auto out, SelectText(table, "i8 > 0"));
  ExpectColumn(out, "i8", "[1, 4]");
  ExpectColumn(out, "ls", R"(["a", "a"])");
  ASSERT_OK_AND_ASSIGN(out, SelectText(table, "u64 > 5"));
  ExpectColumn(out, "u64", "[10, 18446744073709551615]");
  ASSERT_OK_AND_ASSIGN(out, SelectText(table, "u64 > -1 and 5 < u64"));
  ExpectColumn(out, "u64", "[10, 18446744073709551615]");
  // Literals outside the column's range: the same answer for every value, null for nulls.
  ASSERT_OK_AND_ASSIGN(out, SelectText(table, "i8 < 300"));
  ExpectColumn(out, "i8", "[1, -2, 4]");
  ASSERT_OK_AND_ASSIGN(out, SelectText(table, "not (i8 >= 300) and i8 != -1000"));
  ExpectColumn(out, "i8", "[1, -2, 4]");
  ASSERT_OK_AND_ASSIGN(out, SelectText(table, "not (-1 > u64)"));
  ExpectColumn(out, "u64", "[10, 18446744073709551615, 0]");
  ASSERT_OK_AND_ASSIGN(out, SelectText(table, "i8 == 18446744073709551615"));
  EXPECT_EQ(out.num_rows(), 0);
  ASSERT_OK_AND_ASSIGN(out, SelectText(table, "f32 < 1"));
  ExpectColumn(out, "i8", "[1, 4]");
  ASSERT_OK_AND_ASSIGN(out, SelectText(table, "ls == 'a'"));
  ExpectColumn(out, "i8", "[1, 4]");
  ASSERT_OK_AND_ASSIGN(out, SelectText(table, "ls is null"));
  ExpectColumn(out, "i8", "[-2]");
}

TEST(Select, DatesAndTimestampsCompareWithStringLiterals) {
  auto table = Typed();
  ASSERT_OK_AND_ASSIGN(auto out, SelectText(table, "d >= '2020-01-02'"));
  ExpectColumn(out, "i8", "[-2, 4]");
  ASSERT_OK_AND_ASSIGN(out, SelectText(table, "'2020-01-02' == d"));
  ExpectColumn(out, "i8", "[-2]");
  ASSERT_OK_AND_ASSIGN(out, SelectText(table, "ts > '2020-01-01 00:00:00'"));
  ExpectColumn(out, "i8", "[null, 4]");
  ASSERT_OK_AND_ASSIGN(out, SelectText(table, "tz > '2020-01-01 00:00:00' and tz < '2020-01-02'"));
  ExpectColumn(out, "i8", "[-2]");
  auto bad = SelectText(table, "d > 'yesterday'");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'yesterday' is not a date32[day] value, as column 'd' needs"),
            std::string::npos)
      << bad.status().message();
}

TEST(Select, ChunkedInputKeepsOrder) {
  auto schema = arrow::schema({arrow::field("x", arrow::int32())});
  auto first = arrow::json::ArrayFromJSONString(arrow::int32(), "[5, 1, 7]").ValueOrDie();
  auto second = arrow::json::ArrayFromJSONString(arrow::int32(), "[null, 9, 2]").ValueOrDie();
  Table table(
      arrow::Table::Make(schema, {std::make_shared<arrow::ChunkedArray>(arrow::ArrayVector{first, second})}));
  ASSERT_OK_AND_ASSIGN(auto out, SelectText(table, "x > 1"));
  ExpectColumn(out, "x", "[5, 7, 9, 2]");
}

TEST(Select, EmptyTableAndNoMatch) {
  auto schema = arrow::schema({arrow::field("x", arrow::int32())});
  auto empty = MakeTable(schema, {"[]"});
  ASSERT_OK_AND_ASSIGN(auto out, SelectText(empty, "x > 1"));
  EXPECT_EQ(out.num_rows(), 0);
  EXPECT_TRUE(out.schema()->Equals(*schema));
  ASSERT_OK_AND_ASSIGN(out, SelectText(MakeTable(schema, {"[1, null]"}), "x > 1"));
  EXPECT_EQ(out.num_rows(), 0);
  EXPECT_TRUE(out.schema()->Equals(*schema));
}

TEST(Select, UnknownColumnIsNamedWithTheAvailableOnes) {
  auto result = SelectText(Typed(), "i8 > 0 and nope == 1");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "select: no column 'nope'; the table has: i8, u64, f32, ls, d, ts, tz");
}

TEST(Select, NonBooleanPredicateAndTypeMismatchAreErrors) {
  auto result = SelectText(Typed(), "i8 + 1");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("gives int64 values, not true/false"), std::string::npos)
      << result.status().message();
  result = SelectText(Typed(), "ls > 3");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("select: cannot evaluate (ls > 3) on this table"),
            std::string::npos)
      << result.status().message();
}

TEST(Select, NarrowIntegerArithmeticIsWidened) {
  ASSERT_OK_AND_ASSIGN(auto out, SelectText(Typed(), "i8 * 100 > 300 or -i8 * 64 == 128"));
  ExpectColumn(out, "i8", "[-2, 4]");
}

TEST(Select, IntegerOverflowIsAnErrorNotAWrap) {
  auto schema = arrow::schema({arrow::field("x", arrow::int64())});
  auto result = SelectText(MakeTable(schema, {"[9223372036854775807]"}), "x + 1 > 0");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("overflow"), std::string::npos) << result.status().message();
}

TEST(Project, ChoosesAndReorders) {
  auto table = Typed();
  ASSERT_OK_AND_ASSIGN(auto out, Project(table, {"ls", "i8"}));
  EXPECT_EQ(out.ColumnNames(), (std::vector<std::string>{"ls", "i8"}));
  EXPECT_EQ(out.num_rows(), 4);
  EXPECT_TRUE(out.arrow()->column(0)->Equals(*table.arrow()->column(3)));
  ASSERT_OK_AND_ASSIGN(out, Project(table, {}));
  EXPECT_EQ(out.num_columns(), 0);
  EXPECT_EQ(out.num_rows(), 4);
}

TEST(Project, MissingAndRepeatedColumnsAreErrors) {
  auto result = Project(Typed(), {"i8", "missing"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "project: no column 'missing'; the table has: i8, u64, f32, ls, d, ts, tz");
  result = Project(Typed(), {"i8", "i8"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "project: column 'i8' is listed twice");
}

}  // namespace
}  // namespace deeprc::table
