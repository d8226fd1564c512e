#include <gtest/gtest.h>

#include <cmath>

#include "deeprc/table/ops/equals.h"
#include "table_assert.h"
#include "test_util.h"

namespace deeprc::table {
namespace {

using testing::MakeTable;

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({arrow::field("k", arrow::int64()), arrow::field("x", arrow::float64()),
                        arrow::field("s", arrow::utf8())});
}

TEST(Equals, OrderedComparisonFindsTheFirstDifference) {
  const Table a = MakeTable(Schema(), {"[1, 2, null]", "[0.5, 1.5, null]", R"(["a", null, "c"])"});
  const Table b = MakeTable(Schema(), {"[1, 2, null]", "[0.5, 2.5, null]", R"(["a", null, "c"])"});
  ASSERT_OK_AND_ASSIGN(bool same, Equals(a, a));
  EXPECT_TRUE(same);
  ASSERT_OK_AND_ASSIGN(auto comparison, Compare(a, b));
  EXPECT_FALSE(comparison.equal);
  EXPECT_EQ(comparison.difference, "row 1, column 'x': 1.5 vs 2.5");
}

TEST(Equals, UnorderedComparesRowMultisets) {
  const Table a =
      MakeTable(Schema(), {"[1, 2, null, 2]", "[0.5, 1.5, null, 1.5]", R"(["a", null, "c", null])"});
  const Table shuffled =
      MakeTable(Schema(), {"[2, null, 2, 1]", "[1.5, null, 1.5, 0.5]", R"([null, "c", null, "a"])"});
  const Table other_counts =
      MakeTable(Schema(), {"[2, null, 1, 1]", "[1.5, null, 0.5, 0.5]", R"([null, "c", "a", "a"])"});
  ASSERT_OK_AND_ASSIGN(bool ordered, Equals(a, shuffled, /*ordered=*/true));
  EXPECT_FALSE(ordered);
  ASSERT_OK_AND_ASSIGN(bool unordered, Equals(a, shuffled, /*ordered=*/false));
  EXPECT_TRUE(unordered);
  ASSERT_OK_AND_ASSIGN(auto comparison, Compare(a, other_counts, EqualsOptions{false}));
  EXPECT_FALSE(comparison.equal);
  EXPECT_NE(comparison.difference.find("sorted by every column"), std::string::npos);
}

TEST(Equals, NaNEqualsNaN) {
  arrow::DoubleBuilder builder;
  ASSERT_OK(builder.AppendValues({std::nan(""), 1.0}));
  ASSERT_OK_AND_ASSIGN(auto array, builder.Finish());
  const Table a(arrow::Table::Make(arrow::schema({arrow::field("x", arrow::float64())}), {array}));
  ASSERT_OK_AND_ASSIGN(bool same, Equals(a, a));
  EXPECT_TRUE(same);
  ASSERT_OK_AND_ASSIGN(bool same_unordered, Equals(a, a, false));
  EXPECT_TRUE(same_unordered);
}

TEST(Equals, SchemaAndRowCountDifferencesAreExplained) {
  const Table a = MakeTable(Schema(), {"[1]", "[0.5]", R"(["a"])"});
  const Table longer = MakeTable(Schema(), {"[1, 2]", "[0.5, 1]", R"(["a", "b"])"});
  auto other = arrow::schema({arrow::field("k", arrow::int32()), arrow::field("x", arrow::float64()),
                              arrow::field("s", arrow::utf8())});
  const Table typed = MakeTable(other, {"[1]", "[0.5]", R"(["a"])"});
  ASSERT_OK_AND_ASSIGN(auto rows, Compare(a, longer));
  EXPECT_EQ(rows.difference, "the first table has 1 rows, the second 2");
  ASSERT_OK_AND_ASSIGN(auto types, Compare(a, typed, EqualsOptions{false}));
  EXPECT_EQ(types.difference, "column 'k' has type int64 in the first table, int32 in the second");
  const Table renamed(a.arrow()->RenameColumns({"k", "y", "s"}).ValueOrDie());
  ASSERT_OK_AND_ASSIGN(auto names, Compare(a, renamed));
  EXPECT_EQ(names.difference, "column 2 is 'x' in the first table, 'y' in the second");
}

TEST(Equals, EmptyTables) {
  const Table a = MakeTable(Schema(), {"[]", "[]", "[]"});
  ASSERT_OK_AND_ASSIGN(bool same, Equals(a, a, false));
  EXPECT_TRUE(same);
  ASSERT_OK_AND_ASSIGN(bool no_columns, Equals(Table(), Table(), false));
  EXPECT_TRUE(no_columns);
}

}  // namespace
}  // namespace deeprc::table
