#include <gtest/gtest.h>

#include "deeprc/table/ops/concat.h"
#include "table_assert.h"
#include "test_util.h"

namespace deeprc::table {
namespace {

using testing::ErrorOf;
using testing::MakeTable;

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({arrow::field("k", arrow::int64()), arrow::field("s", arrow::utf8())});
}

TEST(Concat, StacksRowsInOrder) {
  const Table a = MakeTable(Schema(), {"[1, null]", R"(["a", "b"])"});
  const Table b = MakeTable(Schema(), {"[]", "[]"});
  const Table c = MakeTable(Schema(), {"[3]", "[null]"});
  ASSERT_OK_AND_ASSIGN(Table all, Concat({a, b, c}));
  EXPECT_TABLES_EQUAL(all, MakeTable(Schema(), {"[1, null, 3]", R"(["a", "b", null])"}));
  ASSERT_OK_AND_ASSIGN(Table one, Concat({a}));
  EXPECT_TABLES_EQUAL(one, a);
}

TEST(Concat, NullabilityMayDiffer) {
  const Table a = MakeTable(Schema(), {"[1]", R"(["a"])"});
  auto strict = arrow::schema({arrow::field("k", arrow::int64(), false), arrow::field("s", arrow::utf8())});
  const Table b = MakeTable(strict, {"[2]", R"(["b"])"});
  ASSERT_OK_AND_ASSIGN(Table all, Concat({b, a}));
  EXPECT_TRUE(all.schema()->field(0)->nullable());
  EXPECT_EQ(all.num_rows(), 2);
}

TEST(Concat, ErrorsNameTheTableAndTheColumn) {
  const Table a = MakeTable(Schema(), {"[1]", R"(["a"])"});
  const Table other_type =
      MakeTable(arrow::schema({arrow::field("k", arrow::int32()), arrow::field("s", arrow::utf8())}),
                {"[1]", R"(["a"])"});
  const Table other_name =
      MakeTable(arrow::schema({arrow::field("k", arrow::int64()), arrow::field("t", arrow::utf8())}),
                {"[1]", R"(["a"])"});
  const Table fewer = MakeTable(arrow::schema({arrow::field("k", arrow::int64())}), {"[1]"});

  auto type_error = Concat({a, other_type}, {"A.parquet", "B.parquet"});
  EXPECT_NE(ErrorOf(type_error).find("column 'k' has type int32 in B.parquet but int64 in A.parquet"),
            std::string::npos)
      << ErrorOf(type_error);
  auto name_error = Concat({a, a, other_name});
  EXPECT_NE(ErrorOf(name_error).find("column 2 is 't' in table 3 but 's' in table 1"), std::string::npos)
      << ErrorOf(name_error);
  auto missing = Concat({a, fewer});
  EXPECT_NE(ErrorOf(missing).find("column 's' of table 1 is not in table 2"), std::string::npos)
      << ErrorOf(missing);
  EXPECT_FALSE(Concat({}).ok());
}

}  // namespace
}  // namespace deeprc::table
