// The table operators pipelines brought: the calendar of a timestamp column and derived columns.
#include <gtest/gtest.h>

#include <arrow/api.h>

#include "deeprc/table/ops/calendar.h"
#include "deeprc/table/ops/derive.h"
#include "deeprc/table/ops/expression_parser.h"

namespace deeprc {
namespace {

table::Table Times() {
  arrow::TimestampBuilder dates(arrow::timestamp(arrow::TimeUnit::SECOND), arrow::default_memory_pool());
  arrow::Int32Builder values;
  // 2016-07-02 01:00 (Saturday), 2016-07-01 00:00 (Friday) twice, null.
  for (int64_t t : {1467421200LL, 1467331200LL, 1467331200LL}) {
    EXPECT_TRUE(dates.Append(t).ok());
  }
  EXPECT_TRUE(dates.AppendNull().ok());
  for (int v : {1, 2, 3, 4}) EXPECT_TRUE(values.Append(v).ok());
  auto schema = arrow::schema(
      {arrow::field("date", arrow::timestamp(arrow::TimeUnit::SECOND)), arrow::field("v", arrow::int32())});
  return table::Table(
      arrow::Table::Make(schema, {dates.Finish().ValueOrDie(), values.Finish().ValueOrDie()}));
}

TEST(Calendar, OneSortedRowPerDistinctTime) {
  auto calendar = table::CalendarTable(Times(), "date");
  ASSERT_TRUE(calendar.ok()) << calendar.status().message();
  EXPECT_EQ(calendar->ColumnNames(), (std::vector<std::string>{"date", "year", "month", "day", "weekday",
                                                               "hour", "day_of_year", "weekend"}));
  ASSERT_EQ(calendar->num_rows(), 2);
  auto value = [&](const std::string& column, int row) {
    return calendar->Column(column).ValueOrDie()->GetScalar(row).ValueOrDie()->ToString();
  };
  EXPECT_EQ(value("day", 0), "1");
  EXPECT_EQ(value("weekday", 0), "4");
  EXPECT_EQ(value("weekend", 0), "false");
  EXPECT_EQ(value("hour", 1), "1");
  EXPECT_EQ(value("weekend", 1), "true");
  EXPECT_EQ(value("day_of_year", 1), "184");
  auto wrong = table::CalendarTable(Times(), "v");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("calendar: column 'v' is int32"), std::string::npos);
}

TEST(Derive, AddsAndReplacesColumns) {
  auto expression = table::ParseExpression("v * 10 + 1").ValueOrDie();
  auto derived = table::Derive(Times(), "w", expression);
  ASSERT_TRUE(derived.ok()) << derived.status().message();
  ASSERT_EQ(derived->num_columns(), 3);
  EXPECT_EQ(derived->Column("w").ValueOrDie()->GetScalar(3).ValueOrDie()->ToString(), "41");
  auto replaced = table::Derive(*derived, "v", table::ParseExpression("v / 2").ValueOrDie());
  ASSERT_TRUE(replaced.ok()) << replaced.status().message();
  EXPECT_EQ(replaced->ColumnNames(), (std::vector<std::string>{"date", "v", "w"}));
  EXPECT_EQ(replaced->Column("v").ValueOrDie()->type()->id(), arrow::Type::DOUBLE);
  auto missing = table::Derive(Times(), "x", table::ParseExpression("nope + 1").ValueOrDie());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
}

}  // namespace
}  // namespace deeprc
