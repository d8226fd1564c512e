#include <gtest/gtest.h>

#include <cmath>

#include "deeprc/table/sort.h"
#include "table_assert.h"
#include "test_util.h"

namespace deeprc {
namespace {

using testing::ErrorOf;
using testing::MakeTable;

std::vector<uint64_t> IndicesOf(const Table& table, const std::vector<SortKey>& keys) {
  auto indices = SortIndices(table, keys);
  EXPECT_TRUE(indices.ok()) << indices.status().ToString();
  if (!indices.ok()) return {};
  return {(*indices)->raw_values(), (*indices)->raw_values() + (*indices)->length()};
}

TEST(Sort, SeveralKeysWithDirectionsNullsLastAndStable) {
  auto schema = arrow::schema({arrow::field("a", arrow::int32()), arrow::field("b", arrow::utf8()),
                               arrow::field("row", arrow::int32())});
  // Rows 1 and 4 tie on both keys: the stable sort keeps 1 before 4.
  const Table table = MakeTable(
      schema, {"[2, 1, null, 2, 1, 1]", R"(["x", "y", "z", null, "y", "w"])", "[0, 1, 2, 3, 4, 5]"});
  ASSERT_OK_AND_ASSIGN(Table sorted, Sort(table, {{"a", true}, {"b", false}}));
  const Table expected = MakeTable(
      schema, {"[1, 1, 1, 2, 2, null]", R"(["y", "y", "w", "x", null, "z"])", "[1, 4, 5, 0, 3, 2]"});
  EXPECT_TABLES_EQUAL(sorted, expected);
}

TEST(Sort, DescendingStillPutsNullsLast) {
  auto schema = arrow::schema({arrow::field("a", arrow::int64())});
  const Table table = MakeTable(schema, {"[null, 3, 1, null, 2]"});
  EXPECT_EQ(IndicesOf(table, {{"a", false}}), (std::vector<uint64_t>{1, 4, 2, 0, 3}));
  EXPECT_EQ(IndicesOf(table, {{"a", true}}), (std::vector<uint64_t>{2, 4, 1, 0, 3}));
}

TEST(Sort, NaNSortsAfterNumbersAndBeforeNullsInBothDirections) {
  const double nan = std::nan("");
  arrow::DoubleBuilder builder;
  ASSERT_OK(builder.Append(1.0));
  ASSERT_OK(builder.Append(nan));
  ASSERT_OK(builder.AppendNull());
  ASSERT_OK(builder.Append(-1.0));
  ASSERT_OK(builder.Append(nan));
  ASSERT_OK_AND_ASSIGN(auto array, builder.Finish());
  const Table table(arrow::Table::Make(arrow::schema({arrow::field("x", arrow::float64())}), {array}));
  EXPECT_EQ(IndicesOf(table, {{"x", true}}), (std::vector<uint64_t>{3, 0, 1, 4, 2}));
  EXPECT_EQ(IndicesOf(table, {{"x", false}}), (std::vector<uint64_t>{0, 3, 1, 4, 2}));
}

TEST(Sort, EveryRequiredTypeWithNulls) {
  struct Case {
    std::shared_ptr<arrow::DataType> type;
    std::string values;
  };
  const std::vector<Case> cases = {
      {arrow::int8(), "[3, null, -1, 2]"},
      {arrow::int16(), "[3, null, -1, 2]"},
      {arrow::int32(), "[3, null, -1, 2]"},
      {arrow::int64(), "[3, null, -1, 2]"},
      {arrow::uint8(), "[3, null, 0, 2]"},
      {arrow::uint16(), "[3, null, 0, 2]"},
      {arrow::uint32(), "[3, null, 0, 2]"},
      {arrow::uint64(), "[18446744073709551615, null, 0, 2]"},
      {arrow::float32(), "[3.5, null, -1.5, 2]"},
      {arrow::float64(), "[3.5, null, -1.5, 2]"},
      {arrow::utf8(), R"(["c", null, "a", "b"])"},
      {arrow::large_utf8(), R"(["c", null, "a", "b"])"},
      {arrow::date32(), "[300, null, -10, 20]"},
      {arrow::timestamp(arrow::TimeUnit::MICRO), "[300, null, -10, 20]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.type->ToString());
    const Table table = MakeTable(arrow::schema({arrow::field("k", c.type)}), {c.values});
    EXPECT_EQ(IndicesOf(table, {{"k", true}}), (std::vector<uint64_t>{2, 3, 0, 1}));
    EXPECT_EQ(IndicesOf(table, {{"k", false}}), (std::vector<uint64_t>{0, 3, 2, 1}));
  }
  const Table bools =
      MakeTable(arrow::schema({arrow::field("k", arrow::boolean())}), {"[true, null, false]"});
  EXPECT_EQ(IndicesOf(bools, {{"k", true}}), (std::vector<uint64_t>{2, 0, 1}));
}

TEST(Sort, WorksAcrossChunks) {
  auto schema = arrow::schema({arrow::field("k", arrow::int64())});
  const Table a = MakeTable(schema, {"[5, 1]"});
  const Table b = MakeTable(schema, {"[3, null, 0]"});
  ASSERT_OK_AND_ASSIGN(auto chunked, arrow::ConcatenateTables({a.arrow(), b.arrow()}));
  ASSERT_OK_AND_ASSIGN(Table sorted, Sort(Table(chunked), {{"k", true}}));
  EXPECT_TABLES_EQUAL(sorted, MakeTable(schema, {"[0, 1, 3, 5, null]"}));
}

TEST(Sort, EmptyTable) {
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("s", arrow::utf8())});
  const Table table = MakeTable(schema, {"[]", "[]"});
  ASSERT_OK_AND_ASSIGN(Table sorted, Sort(table, {{"k", true}, {"s", false}}));
  EXPECT_EQ(sorted.num_rows(), 0);
  EXPECT_TRUE(sorted.schema()->Equals(*schema));
}

TEST(Sort, MissingColumnIsNamed) {
  const Table table = MakeTable(arrow::schema({arrow::field("k", arrow::int64())}), {"[1]"});
  auto result = Sort(table, {{"nope", true}});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(ErrorOf(result).find("no column 'nope'; the table has: k"), std::string::npos) << ErrorOf(result);
}

TEST(Sort, NeedsAKey) {
  const Table table = MakeTable(arrow::schema({arrow::field("k", arrow::int64())}), {"[1]"});
  EXPECT_FALSE(Sort(table, {}).ok());
}

}  // namespace
}  // namespace deeprc
