#include <gtest/gtest.h>

#include <fstream>

#include "deeprc/table/io/c_data.h"
#include "deeprc/table/io/csv_io.h"
#include "deeprc/table/io/file_format.h"
#include "deeprc/table/io/parquet_io.h"
#include "test_util.h"

namespace deeprc::table {
namespace {

using testing::MakeTable;
using testing::TempDir;

Table SampleTable() {
  auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("x", arrow::float64()),
                               arrow::field("name", arrow::utf8())});
  return MakeTable(schema, {"[1, 2, null, 4]", "[0.5, null, 2.5, 3.5]", R"(["a", "b", null, "d"])"});
}

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(FileFormat, EveryFormatRoundTrips) {
  TempDir dir;
  const Table table = SampleTable();
  for (const char* name : {"t.csv", "t.parquet", "t.arrow", "t.feather", "t.arrows"}) {
    SCOPED_TRACE(name);
    ASSERT_OK(WriteTable(table, dir.File(name)));
    ASSERT_OK_AND_ASSIGN(Table back, ReadTable(dir.File(name)));
    EXPECT_TRUE(back.arrow()->Equals(*table.arrow())) << back.ToString();
  }
}

TEST(FileFormat, UnknownExtensionIsAnError) {
  auto result = ReadTable("table.xlsx");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("table.xlsx"), std::string::npos);
}

TEST(Csv, DelimiterHeaderTypesAndNullMarkers) {
  TempDir dir;
  WriteText(dir.File("t.csv"), "1;x;-\n2;-;7\n");
  CsvReadOptions options;
  options.delimiter = ';';
  options.header = false;
  options.column_names = {"id", "name", "v"};
  options.column_types = {{"id", arrow::int32()}, {"v", arrow::float32()}};
  options.null_values = {"-"};
  ASSERT_OK_AND_ASSIGN(Table table, ReadCsv(dir.File("t.csv"), options));
  auto expected = MakeTable(arrow::schema({arrow::field("id", arrow::int32()), arrow::field("name", arrow::utf8()),
                                           arrow::field("v", arrow::float32())}),
                            {"[1, 2]", R"(["x", null])", "[null, 7]"});
  EXPECT_TRUE(table.arrow()->Equals(*expected.arrow())) << table.ToString();
}

TEST(Csv, RaggedRowNamesFileAndRow) {
  TempDir dir;
  WriteText(dir.File("ragged.csv"), "a,b,c\n1,2,3\n4,5\n");
  CsvReadOptions options;
  options.use_threads = false;
  auto result = ReadCsv(dir.File("ragged.csv"), options);
  ASSERT_FALSE(result.ok());
  const std::string message = result.status().message();
  EXPECT_NE(message.find("ragged.csv"), std::string::npos) << message;
  EXPECT_NE(message.find("Row #3"), std::string::npos) << message;
}

TEST(Csv, NonNumericValueNamesFileRowAndColumn) {
  TempDir dir;
  WriteText(dir.File("bad.csv"), "a,b\n1,2\n3,oops\n");
  CsvReadOptions options;
  options.column_types = {{"b", arrow::int64()}};
  auto result = ReadCsv(dir.File("bad.csv"), options);
  ASSERT_FALSE(result.ok());
  const std::string message = result.status().message();
  EXPECT_NE(message.find("bad.csv"), std::string::npos) << message;
  EXPECT_NE(message.find("oops"), std::string::npos) << message;
  EXPECT_NE(message.find("column"), std::string::npos) << message;
}

TEST(Parquet, TruncatedFileIsAClearError) {
  TempDir dir;
  ASSERT_OK(WriteParquet(SampleTable(), dir.File("t.parquet")));
  std::filesystem::resize_file(dir.File("t.parquet"), std::filesystem::file_size(dir.File("t.parquet")) / 2);
  auto result = ReadParquet(dir.File("t.parquet"));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("t.parquet"), std::string::npos) << result.status().message();
}

TEST(Parquet, ReadsChosenRowGroups) {
  TempDir dir;
  ParquetWriteOptions options;
  options.row_group_rows = 1;
  ASSERT_OK(WriteParquet(SampleTable(), dir.File("t.parquet"), options));
  ASSERT_OK_AND_ASSIGN(int groups, ParquetRowGroupCount(dir.File("t.parquet")));
  EXPECT_EQ(groups, 4);
  ASSERT_OK_AND_ASSIGN(Table middle, ReadParquetRowGroups(dir.File("t.parquet"), 1, 2));
  EXPECT_TRUE(middle.arrow()->Equals(*SampleTable().arrow()->Slice(1, 2)));
  EXPECT_FALSE(ReadParquetRowGroups(dir.File("t.parquet"), 3, 2).ok());
}

TEST(CData, StreamRoundTripSharesBuffers) {
  const Table table = SampleTable();
  ArrowArrayStream stream;
  ASSERT_OK(ExportTable(table, &stream));
  ASSERT_OK_AND_ASSIGN(Table back, ImportTable(&stream));
  EXPECT_TRUE(back.arrow()->Equals(*table.arrow()));
  // Zero copy: the imported column points at the exported buffer.
  EXPECT_EQ(back.arrow()->column(1)->chunk(0)->data()->buffers[1]->address(),
            table.arrow()->column(1)->chunk(0)->data()->buffers[1]->address());
}

}  // namespace
}  // namespace deeprc::table

namespace deeprc::table {
namespace {

TEST(Parquet, KeepsArrowTypesParquetCannotName) {
  testing::TempDir dir;
  auto schema = arrow::schema({arrow::field("s", arrow::large_utf8()),
                               arrow::field("t", arrow::timestamp(arrow::TimeUnit::MILLI, "UTC"))});
  Table table = testing::MakeTable(schema, {R"(["a", null])", "[1, 2]"});
  ASSERT_OK(WriteParquet(table, dir.File("t.parquet")));
  ASSERT_OK_AND_ASSIGN(Table back, ReadParquet(dir.File("t.parquet")));
  EXPECT_TRUE(back.schema()->Equals(*schema)) << back.schema()->ToString();
}

}  // namespace
}  // namespace deeprc::table
