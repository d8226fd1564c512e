// CSV reading and writing through Arrow's CSV reader and writer, with the options users reach
// for (delimiter, header, column types, null markers) and errors that name the file and row.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "deeprc/table/table.h"

namespace deeprc::table {

// Which reader parses the file. kAuto reads with deeprc's own single-pass reader
// (csv_fast_reader.h) and falls back to Arrow's for anything that reader does not read exactly
// as Arrow does; kArrow always uses Arrow's reader (the reference); kFast uses only deeprc's and
// fails, saying why, where kAuto would fall back (for tests and benchmarks).
enum class CsvEngine { kAuto, kArrow, kFast };

struct CsvReadOptions {
  char delimiter = ',';
  // With no header, columns are named from `column_names`, or f0, f1, ... when that is empty.
  bool header = true;
  std::vector<std::string> column_names;
  // Types by column name; columns not listed are inferred.
  std::map<std::string, std::shared_ptr<arrow::DataType>> column_types;
  // Strings read as null; empty means Arrow's defaults ("", "NA", "NULL", "NaN", "null", ...).
  std::vector<std::string> null_values;
  bool use_threads = true;
  CsvEngine engine = CsvEngine::kAuto;
};

struct CsvWriteOptions {
  char delimiter = ',';
  bool header = true;
  std::string null_string;  // how a null is written
};

Result<Table> ReadCsv(const std::string& path, const CsvReadOptions& options = {});
Status WriteCsv(const Table& table, const std::string& path, const CsvWriteOptions& options = {});

}  // namespace deeprc::table
