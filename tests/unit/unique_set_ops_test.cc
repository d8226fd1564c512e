// Unique and the set operators on small hand-checked tables: first-occurrence order, nulls
// equal nulls, compatible column types, and the errors that name the differing column.
#include <gtest/gtest.h>

#include "deeprc/table/ops/set_ops.h"
#include "deeprc/table/ops/unique.h"
#include "test_util.h"

namespace deeprc::table {
namespace {

using testing::MakeTable;

void ExpectColumn(const Table& table, const std::string& name, const std::string& json) {
  ASSERT_OK_AND_ASSIGN(auto column, table.Column(name));
  auto expected = arrow::json::ArrayFromJSONString(column->type(), json).ValueOrDie();
  auto combined = arrow::Concatenate(column->chunks()).ValueOrDie();
  EXPECT_TRUE(combined->Equals(*expected, arrow::EqualOptions::Defaults().nans_equal(true)))
      << name << ": got " << combined->ToString() << ", expected " << json;
}

Table Duplicated() {
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("s", arrow::utf8()),
                               arrow::field("v", arrow::int8())});
  return MakeTable(schema,
                   {"[1, null, 1, 2, null, 2]", R"(["a", "b", "a", "a", "b", null])", "[1, 2, 3, 4, 5, 6]"});
}

TEST(Unique, KeepsFirstOccurrenceInOrder) {
  ASSERT_OK_AND_ASSIGN(auto out, Unique(Duplicated(), {"k"}));
  ExpectColumn(out, "v", "[1, 2, 4]");
  ExpectColumn(out, "k", "[1, null, 2]");
  ASSERT_OK_AND_ASSIGN(out, Unique(Duplicated(), {"k", "s"}));
  ExpectColumn(out, "v", "[1, 2, 4, 6]");
  ASSERT_OK_AND_ASSIGN(out, Unique(Duplicated(), {"s"}));
  ExpectColumn(out, "v", "[1, 2, 6]");
}

TEST(Unique, AllColumnsByDefault) {
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("f", arrow::float64())});
  auto table = MakeTable(schema, {"[1, 1, null, null, 1, 1]", "[0.5, 0.5, null, null, NaN, NaN]"});
  ASSERT_OK_AND_ASSIGN(auto out, Unique(table));
  ExpectColumn(out, "k", "[1, null, 1]");
  ExpectColumn(out, "f", "[0.5, null, NaN]");
  // Already distinct: the same table comes back.
  auto distinct = Duplicated();
  ASSERT_OK_AND_ASSIGN(out, Unique(distinct));
  EXPECT_EQ(out.arrow(), distinct.arrow());
}

TEST(Unique, EmptyTablesAndTablesWithoutColumns) {
  auto schema = arrow::schema({arrow::field("k", arrow::int64())});
  ASSERT_OK_AND_ASSIGN(auto out, Unique(MakeTable(schema, {"[]"}), {"k"}));
  EXPECT_EQ(out.num_rows(), 0);
  Table no_columns(
      arrow::Table::Make(arrow::schema({}), std::vector<std::shared_ptr<arrow::ChunkedArray>>{}, 3));
  ASSERT_OK_AND_ASSIGN(out, Unique(no_columns));
  EXPECT_EQ(out.num_rows(), 1);
}

TEST(Unique, UnknownOrRepeatedColumnIsAnError) {
  EXPECT_EQ(Unique(Duplicated(), {"x"}).status().message(), "unique: no column 'x'; the table has: k, s, v");
  EXPECT_EQ(Unique(Duplicated(), {"k", "k"}).status().message(), "unique: column 'k' is listed twice");
}

Table A() {
  auto schema = arrow::schema({arrow::field("x", arrow::int32()), arrow::field("s", arrow::utf8())});
  return MakeTable(schema, {"[1, 2, 2, null, 3]", R"(["a", "b", "b", null, "c"])"});
}

// The same columns in wider but compatible types.
Table B() {
  auto schema = arrow::schema({arrow::field("x", arrow::int64()), arrow::field("s", arrow::large_utf8())});
  return MakeTable(schema, {"[2, null, 4, 2]", R"(["b", null, "d", "b"])"});
}

TEST(SetOps, UnionIntersectSubtract) {
  ASSERT_OK_AND_ASSIGN(auto out, Union(A(), B()));
  EXPECT_TRUE(out.schema()->field(0)->type()->Equals(*arrow::int64()));
  EXPECT_TRUE(out.schema()->field(1)->type()->Equals(*arrow::large_utf8()));
  ExpectColumn(out, "x", "[1, 2, null, 3, 4]");
  ExpectColumn(out, "s", R"(["a", "b", null, "c", "d"])");

  ASSERT_OK_AND_ASSIGN(out, Intersect(A(), B()));
  ExpectColumn(out, "x", "[2, null]");
  ExpectColumn(out, "s", R"(["b", null])");

  ASSERT_OK_AND_ASSIGN(out, Subtract(A(), B()));
  ExpectColumn(out, "x", "[1, 3]");
  ExpectColumn(out, "s", R"(["a", "c"])");

  ASSERT_OK_AND_ASSIGN(out, Subtract(B(), A()));
  ExpectColumn(out, "x", "[4]");
}

TEST(SetOps, EmptySides) {
  auto empty = A().arrow()->Slice(0, 0);
  ASSERT_OK_AND_ASSIGN(auto out, Union(Table(empty), A()));
  ExpectColumn(out, "x", "[1, 2, null, 3]");
  ASSERT_OK_AND_ASSIGN(out, Intersect(A(), Table(empty)));
  EXPECT_EQ(out.num_rows(), 0);
  ASSERT_OK_AND_ASSIGN(out, Subtract(A(), Table(empty)));
  ExpectColumn(out, "x", "[1, 2, null, 3]");
  ASSERT_OK_AND_ASSIGN(out, Subtract(Table(empty), A()));
  EXPECT_EQ(out.num_rows(), 0);
}

TEST(SetOps, MismatchedSchemasNameTheColumn) {
  auto other_name =
      MakeTable(arrow::schema({arrow::field("x", arrow::int32()), arrow::field("t", arrow::utf8())}),
                {"[1]", R"(["a"])"});
  EXPECT_EQ(Union(A(), other_name).status().message(),
            "union: column 2 is 's' in the first table and 't' in the second");
  auto other_type =
      MakeTable(arrow::schema({arrow::field("x", arrow::utf8()), arrow::field("s", arrow::utf8())}),
                {R"(["1"])", R"(["a"])"});
  EXPECT_EQ(Intersect(A(), other_type).status().message(),
            "intersect: column 'x': types int32 and string have no common type");
  auto fewer = MakeTable(arrow::schema({arrow::field("x", arrow::int32())}), {"[1]"});
  EXPECT_EQ(Subtract(A(), fewer).status().message(),
            "subtract: the tables have different columns: 2 (x, s) and 1 (x)");
}

}  // namespace
}  // namespace deeprc::table
