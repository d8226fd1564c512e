// deeprc's own single-pass CSV reader for the common case: int64, float64, utf8, timestamp, date32
// and bool columns, RFC-4180 quoting, CRLF. It reads exactly what Arrow's reader reads, or declines and says why.
#pragma once

#include <arrow/csv/options.h>

#include <memory>
#include <string>

#include "deeprc/core/status.h"

namespace arrow {
class Table;
}  // namespace arrow

namespace deeprc::table {

// Arrow's reader (arrow::csv::TableReader) is the reference: for every input this reader either
// returns the table Arrow's reader returns for the same options (same schema, same values) or
// declines. It declines before reading for options and column types it does not handle, and
// part-way through at the first field it cannot read exactly as Arrow would: a value that does
// not parse in its column's type (Arrow would widen the column or fail), a ragged row, a newline
// inside quotes, a lone CR, invalid UTF-8. The caller then reads the file with Arrow's reader,
// which gives the table or the error naming the row and column.
//
// Why it exists: on bench/table's 1 GB CSV (19.4M rows: two int64, two float64, one short string
// column) Arrow's reader takes 3.1 s in one thread and 1.9 s on this machine's two cores; this
// reader, going once from the bytes into the column buffers, 1.4 s in one thread.
struct CsvFastRead {
  std::shared_ptr<arrow::Table> table;  // null when declined
  std::string declined;                 // why, when declined
};

// The schema (names and types) comes from an arrow::csv::StreamingReader over the same options,
// so type inference is Arrow's own (on its first block). With read_options.use_threads, ranges of
// the file are read in parallel, one per thread of Arrow's CPU pool (each at least 16 MB);
// `ranges` > 0 sets their number instead (tests).
Result<CsvFastRead> ReadCsvFast(const std::string& path, const arrow::csv::ReadOptions& read_options,
                                const arrow::csv::ParseOptions& parse_options,
                                const arrow::csv::ConvertOptions& convert_options, int ranges = 0);

}  // namespace deeprc::table
