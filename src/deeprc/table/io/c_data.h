// Zero-copy exchange with other runtimes (pyarrow, DuckDB, Polars, R) through the Arrow C Data
// and C Stream interfaces: buffers are shared, never copied, and released by their owner.
#pragma once

#include <arrow/c/abi.h>

#include "deeprc/table/table.h"

namespace deeprc::table {

// Exports the table as a stream of its record batches; `out` owns a reference to the buffers.
Status ExportTable(const Table& table, ArrowArrayStream* out);
// Takes over `stream` (it is released) and returns a table over the same buffers.
Result<Table> ImportTable(ArrowArrayStream* stream);

// One record batch in the C Data interface (schema and array exported separately).
Status ExportRecordBatch(const arrow::RecordBatch& batch, ArrowSchema* schema, ArrowArray* array);
Result<std::shared_ptr<arrow::RecordBatch>> ImportRecordBatch(ArrowSchema* schema, ArrowArray* array);

}  // namespace deeprc::table
