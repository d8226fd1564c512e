#include "deeprc/table/io/parquet_io.h"

#include <arrow/io/api.h>
#include <arrow/util/compression.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>

#include <numeric>

#include "deeprc/core/atomic_file.h"
#include "deeprc/table/io/input_file.h"

namespace deeprc::table {
namespace {

// OpenInputFile's errors name the file and say why; format errors get the path in front.
Result<std::unique_ptr<parquet::arrow::FileReader>> OpenReader(const std::string& path) {
  DEEPRC_ASSIGN_OR_RETURN(auto input, OpenInputFile(path));
  return WithContext(parquet::arrow::OpenFile(input, arrow::default_memory_pool()), path, ": ");
}

// The Parquet reader copies string bytes as the file has them, without checking UTF-8: a
// malformed file is this error rather than a crash in whichever operator reads it next.
Result<Table> Validated(const std::string& path, std::shared_ptr<arrow::Table> table) {
  DEEPRC_RETURN_NOT_OK(WithContext(table->ValidateFull(), path, ": invalid Parquet data: "));
  return Table(std::move(table));
}

}  // namespace

Result<Table> ReadParquet(const std::string& path) {
  DEEPRC_ASSIGN_OR_RETURN(auto reader, OpenReader(path));
  std::shared_ptr<arrow::Table> table;
  DEEPRC_RETURN_NOT_OK(WithContext(reader->ReadTable(&table), path, ": "));
  return Validated(path, std::move(table));
}

Result<int> ParquetRowGroupCount(const std::string& path) {
  DEEPRC_ASSIGN_OR_RETURN(auto reader, OpenReader(path));
  return reader->num_row_groups();
}

Result<Table> ReadParquetRowGroups(const std::string& path, int first, int count) {
  DEEPRC_ASSIGN_OR_RETURN(auto reader, OpenReader(path));
  if (first < 0 || count < 0 || first + count > reader->num_row_groups()) {
    return Status::IndexError(path, ": row groups [", first, ", ", first + count,
                              ") out of range; the file has ", reader->num_row_groups());
  }
  std::vector<int> groups(count);
  std::iota(groups.begin(), groups.end(), first);
  std::shared_ptr<arrow::Table> table;
  DEEPRC_RETURN_NOT_OK(WithContext(reader->ReadRowGroups(groups, &table), path, ": "));
  return Validated(path, std::move(table));
}

Status WriteParquet(const Table& table, const std::string& path, const ParquetWriteOptions& options) {
  DEEPRC_ASSIGN_OR_RETURN(auto codec, arrow::util::Codec::GetCompressionType(options.compression));
  auto properties = parquet::WriterProperties::Builder().compression(codec)->build();
  // Storing the Arrow schema lets types Parquet has no word for (large_string, timestamp time
  // zones, ...) come back exactly as written.
  auto arrow_properties = parquet::ArrowWriterProperties::Builder().store_schema()->build();
  return WriteFileAtomically(path, [&](const std::string& temporary) -> Status {
    DEEPRC_ASSIGN_OR_RETURN(auto output, arrow::io::FileOutputStream::Open(temporary));
    DEEPRC_RETURN_NOT_OK(WithContext(
        parquet::arrow::WriteTable(*table.arrow(), arrow::default_memory_pool(), output,
                                   options.row_group_rows, properties, arrow_properties),
        path, ": "));
    return output->Close();
  });
}

}  // namespace deeprc::table
