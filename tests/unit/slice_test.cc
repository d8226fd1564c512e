#include <gtest/gtest.h>

#include "deeprc/table/ops/slice.h"
#include "table_assert.h"
#include "test_util.h"

namespace deeprc::table {
namespace {

using testing::MakeTable;

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({arrow::field("k", arrow::int64()), arrow::field("s", arrow::utf8())});
}

Table Sample() { return MakeTable(Schema(), {"[0, 1, null, 3, 4]", R"(["a", null, "c", "d", "e"])"}); }

TEST(Slice, RangesAreClippedToTheTable) {
  ASSERT_OK_AND_ASSIGN(Table middle, Slice(Sample(), 1, 2));
  EXPECT_TABLES_EQUAL(middle, MakeTable(Schema(), {"[1, null]", R"([null, "c"])"}));
  ASSERT_OK_AND_ASSIGN(Table past_end, Slice(Sample(), 3, 100));
  EXPECT_TABLES_EQUAL(past_end, MakeTable(Schema(), {"[3, 4]", R"(["d", "e"])"}));
  ASSERT_OK_AND_ASSIGN(Table beyond, Slice(Sample(), 9, 2));
  EXPECT_EQ(beyond.num_rows(), 0);
  EXPECT_FALSE(Slice(Sample(), -1, 2).ok());
  EXPECT_FALSE(Slice(Sample(), 0, -2).ok());
}

TEST(Slice, HeadAndTail) {
  ASSERT_OK_AND_ASSIGN(Table head, Head(Sample(), 2));
  EXPECT_TABLES_EQUAL(head, MakeTable(Schema(), {"[0, 1]", R"(["a", null])"}));
  ASSERT_OK_AND_ASSIGN(Table tail, Tail(Sample(), 2));
  EXPECT_TABLES_EQUAL(tail, MakeTable(Schema(), {"[3, 4]", R"(["d", "e"])"}));
  ASSERT_OK_AND_ASSIGN(Table all, Tail(Sample(), 50));
  EXPECT_TABLES_EQUAL(all, Sample());
  ASSERT_OK_AND_ASSIGN(Table none, Head(Sample(), 0));
  EXPECT_EQ(none.num_rows(), 0);
  EXPECT_TRUE(none.schema()->Equals(*Schema()));
  ASSERT_OK_AND_ASSIGN(Table empty_tail, Tail(MakeTable(Schema(), {"[]", "[]"}), 3));
  EXPECT_EQ(empty_tail.num_rows(), 0);
  EXPECT_FALSE(Head(Sample(), -1).ok());
  EXPECT_FALSE(Tail(Sample(), -1).ok());
}

}  // namespace
}  // namespace deeprc::table
