// Parquet reading and writing through libparquet's Arrow reader and writer.
#pragma once

#include <string>

#include "deeprc/table/table.h"

namespace deeprc::table {

struct ParquetWriteOptions {
  int64_t row_group_rows = 1 << 20;
  // "snappy", "zstd", "lz4", "gzip" or "uncompressed"
  std::string compression = "snappy";
};

Result<Table> ReadParquet(const std::string& path);
// Row groups [first, first + count): how ranks read their share of one file.
Result<Table> ReadParquetRowGroups(const std::string& path, int first, int count);
Result<int> ParquetRowGroupCount(const std::string& path);
Status WriteParquet(const Table& table, const std::string& path, const ParquetWriteOptions& options = {});

}  // namespace deeprc::table
