#include <gtest/gtest.h>

#include "deeprc/table/join/key_types.h"
#include "test_util.h"

namespace deeprc::table {
namespace {

std::string Common(const std::shared_ptr<arrow::DataType>& a, const std::shared_ptr<arrow::DataType>& b) {
  auto type = CommonKeyType(a, b);
  return type.ok() ? (*type)->ToString() : "error";
}

TEST(CommonKeyType, Rules) {
  EXPECT_EQ(Common(arrow::int32(), arrow::int32()), "int32");
  EXPECT_EQ(Common(arrow::int32(), arrow::int64()), "int64");
  EXPECT_EQ(Common(arrow::uint8(), arrow::uint32()), "uint32");
  EXPECT_EQ(Common(arrow::uint8(), arrow::int8()), "int16");
  EXPECT_EQ(Common(arrow::int64(), arrow::uint16()), "int64");
  EXPECT_EQ(Common(arrow::uint64(), arrow::int32()), "int64");
  EXPECT_EQ(Common(arrow::int64(), arrow::float32()), "double");
  EXPECT_EQ(Common(arrow::float32(), arrow::float32()), "float");
  EXPECT_EQ(Common(arrow::float32(), arrow::float64()), "double");
  EXPECT_EQ(Common(arrow::utf8(), arrow::large_utf8()), "large_string");
  EXPECT_EQ(Common(arrow::utf8_view(), arrow::utf8()), "string");
  EXPECT_EQ(Common(arrow::utf8_view(), arrow::utf8_view()), "string");
  EXPECT_EQ(Common(arrow::binary(), arrow::large_binary()), "large_binary");
  EXPECT_EQ(Common(arrow::date32(), arrow::date64()), "date64[ms]");
  EXPECT_EQ(Common(arrow::null(), arrow::utf8()), "string");
  EXPECT_EQ(Common(arrow::timestamp(arrow::TimeUnit::MILLI), arrow::timestamp(arrow::TimeUnit::NANO)),
            "timestamp[ns]");
  EXPECT_EQ(Common(arrow::timestamp(arrow::TimeUnit::MILLI, "UTC"), arrow::timestamp(arrow::TimeUnit::MILLI)),
            "error");
  EXPECT_EQ(Common(arrow::int64(), arrow::utf8()), "error");
  EXPECT_EQ(Common(arrow::boolean(), arrow::int8()), "error");
  EXPECT_EQ(Common(arrow::utf8(), arrow::binary()), "error");
}

TEST(CommonKeyType, CastErrorsNameTheColumn) {
  auto column = std::make_shared<arrow::ChunkedArray>(
      arrow::json::ArrayFromJSONString(arrow::uint64(), "[18446744073709551615]").ValueOrDie());
  auto cast = CastKeyColumn(column, arrow::int64(), "id");
  ASSERT_FALSE(cast.ok());
  EXPECT_NE(cast.status().message().find("column 'id'"), std::string::npos) << cast.status().message();
}

}  // namespace
}  // namespace deeprc::table
